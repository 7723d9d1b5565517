"""Schema version 1, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ..types import UtcDateTime


def step(conn: Connection) -> None:
    """Contracts: the contract row and its windows, severities, services, modules and contacts."""
    md = MetaData()
    Table("meta", md, Column("key", String, primary_key=True), Column("value", String, nullable=False))
    Table(
        "contract",
        md,
        Column("id", Integer, primary_key=True),
        Column("code", String, nullable=False, unique=True),
        Column("customer", String, nullable=False),
        Column("vendor", String, nullable=False),
        Column("product", String, nullable=False),
        Column("timezone", String, nullable=False),
        Column("title", String, nullable=False),
        Column("period_start", Date),
        Column("period_end", Date),
        Column("updated_at", UtcDateTime(), nullable=False),
    )

    def child(name: str, *columns: Column, unique: tuple[str, ...] = ()) -> None:
        args = [
            Column("id", Integer, primary_key=True),
            Column("contract_id", Integer, ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True),
            Column("position", Integer, nullable=False),
            *columns,
        ]
        if unique:
            args.append(UniqueConstraint("contract_id", *unique))
        Table(name, md, *args)

    child(
        "contract_window",
        Column("name", String, nullable=False),
        Column("label", String, nullable=False),
        Column("days", String, nullable=False),
        Column("start", String, nullable=False),
        Column("end", String, nullable=False),
        Column("outside", String),
        Column("note", Text, nullable=False),
        unique=("name",),
    )
    child(
        "severity",
        Column("level", Integer, nullable=False),
        Column("name", String, nullable=False),
        Column("description", Text, nullable=False),
        Column("examples", JSON, nullable=False),
        Column("amount", JSON, nullable=False),
        Column("unit", String, nullable=False),
        Column("window", String, nullable=False),
        Column("negotiable", Boolean, nullable=False),
        unique=("level",),
    )
    child(
        "service",
        Column("category", String, nullable=False),
        Column("name", String, nullable=False),
        Column("description", Text, nullable=False),
        Column("channels", JSON, nullable=False),
        Column("frequency", String),
        Column("exclusions", JSON, nullable=False),
        Column("note", Text, nullable=False),
    )
    child(
        "module",
        Column("no", Integer, nullable=False),
        Column("name", String, nullable=False),
        Column("selected", Boolean, nullable=False),
        Column("sites", Integer),
        Column("remark", Text, nullable=False),
        unique=("no",),
    )
    child(
        "contact",
        Column("kind", String, nullable=False),
        Column("label", String, nullable=False),
        Column("value", String, nullable=False),
        Column("window", String),
        Column("note", Text, nullable=False),
    )
    md.create_all(conn)
