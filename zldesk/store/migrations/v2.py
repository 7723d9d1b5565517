"""Schema version 2, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from ..types import UtcDateTime


def step(conn: Connection) -> None:
    """The import log: who imported which file into which contract, when, and what it changed."""
    md = MetaData()
    Table("contract", md, Column("id", Integer, primary_key=True))
    Table(
        "import_log",
        md,
        Column("id", Integer, primary_key=True),
        Column("contract_id", Integer, ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("at", UtcDateTime(), nullable=False),
        Column("who", String, nullable=False),
        Column("what", String, nullable=False),
        Column("source", Text, nullable=False),
        Column("sha256", String, nullable=False),
        Column("summary", Text, nullable=False),
    )
    md.tables["import_log"].create(conn)
