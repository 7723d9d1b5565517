"""Schema version 4, frozen: it builds its own Core tables, never the live models."""

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
)

from ..types import UtcDateTime


def step(conn: Connection) -> None:
    """The on-duty roster: engineers (shared by all contracts), and per contract its rotations, fixed
    shifts, overrides, and an append-only history of every roster change."""
    md = MetaData()
    Table("contract", md, Column("id", Integer, primary_key=True))
    Table(
        "engineer",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String, nullable=False, unique=True),
        Column("phone", String, nullable=False),
        Column("skills", JSON, nullable=False),
        Column("active", Boolean, nullable=False),
    )

    def per_contract(name: str, *columns: Column) -> None:
        Table(
            name,
            md,
            Column("id", Integer, primary_key=True),
            Column("contract_id", Integer, ForeignKey("contract.id"), nullable=False, index=True),
            *columns,
        )

    per_contract(
        "roster_rotation",
        Column("position", Integer, nullable=False),
        Column("name", String, nullable=False),
        Column("line", String, nullable=False),
        Column("unit", String, nullable=False),
        Column("handoff", String, nullable=False),
        Column("start", Date, nullable=False),
        Column("end", Date),
        Column("engineers", JSON, nullable=False),
    )
    per_contract(
        "roster_shift",
        Column("line", String, nullable=False),
        Column("engineer", String, nullable=False),
        Column("start", UtcDateTime(), nullable=False),
        Column("end", UtcDateTime(), nullable=False),
        Column("source", Text, nullable=False),
    )
    per_contract(
        "roster_override",
        Column("line", String, nullable=False),
        Column("engineer", String, nullable=False),
        Column("start", UtcDateTime(), nullable=False),
        Column("end", UtcDateTime(), nullable=False),
        Column("reason", Text, nullable=False),
        Column("covers", String),
        Column("who", String, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
    )
    per_contract(
        "roster_event",
        Column("at", UtcDateTime(), nullable=False),
        Column("who", String, nullable=False),
        Column("kind", String, nullable=False),
        Column("source", Text, nullable=False),
        Column("sha256", String, nullable=False),
        Column("summary", Text, nullable=False),
    )
    for name in ("engineer", "roster_rotation", "roster_shift", "roster_override", "roster_event"):
        md.tables[name].create(conn)
    if conn.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER roster_event_no_{verb.lower()} BEFORE {verb} ON roster_event "
                f"BEGIN SELECT RAISE(ABORT, 'roster_event is append-only'); END"
            )
