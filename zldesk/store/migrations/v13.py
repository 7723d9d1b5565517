"""Schema version 13, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    text,
)

from ..types import UtcDateTime
from .v7 import _append_only  # frozen like every migration: the triggers v7 writes for its history

SCHEDULE_COLUMNS = (("schedule_every", "VARCHAR"), ("schedule_month", "INTEGER"))
HISTORY = ("obligation_evidence", "obligation_event")  # the evidence first: the event refers to it


def step(conn: Connection) -> None:
    """The contract's obligations (issue 17). Each service keeps its schedule next to its wording
    (`schedule_every` "6 months", `schedule_month` 12; NULL for the services stored before, and for those
    with none). Every fulfilment is an obligation_event row, append-only and hash-chained like the ticket and
    roster histories (its chain head starts here); an evidence file is an obligation_evidence row, its bytes,
    size and sha256 in the store (so a backup carries it), append-only too; the fulfilment records the
    evidence's sha256 and size, so the chain vouches for the file.

    A store set back by hand over a v13 store (tests do) has all of it already: each part is made only where
    it is missing."""
    columns = {c["name"] for c in inspect(conn).get_columns("service")}
    for name, kind in SCHEDULE_COLUMNS:
        if name not in columns:
            conn.exec_driver_sql(f"ALTER TABLE service ADD COLUMN {name} {kind}")
    md = MetaData()
    Table("contract", md, Column("id", Integer, primary_key=True))
    Table(
        "obligation_evidence",
        md,
        Column("id", Integer, primary_key=True),
        Column("contract_id", Integer, ForeignKey("contract.id"), nullable=False, index=True),
        Column("name", String, nullable=False),  # the file's name as given, for the person reading it back
        Column("size", Integer, nullable=False),
        Column("sha256", String, nullable=False),
        Column("content", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
    )
    Table(
        "obligation_event",
        md,
        Column("id", Integer, primary_key=True),
        Column("contract_id", Integer, ForeignKey("contract.id"), nullable=False, index=True),
        Column("category", String, nullable=False),  # the service's, as the contract names it
        Column("service", String, nullable=False),
        Column("done_at", UtcDateTime(), nullable=False),  # when it was fulfilled
        Column("entered_at", UtcDateTime(), nullable=False),  # when it was recorded
        Column("who", String, nullable=False),
        Column("note", Text, nullable=False),
        Column("evidence_id", Integer, ForeignKey("obligation_evidence.id")),
        Column("evidence_name", String),
        Column("evidence_size", Integer),
        Column("evidence_sha256", String),
        Column("row_hash", LargeBinary),  # the hash chain (store/audit.py), 32 bytes as v10 keeps them
    )
    tables = set(inspect(conn).get_table_names())
    for name in HISTORY:
        if name not in tables:
            md.tables[name].create(conn)
            _append_only(conn, name)
    head = conn.execute(text("SELECT 1 FROM chain_head WHERE name = 'obligation_event'")).first()
    if head is None:
        conn.execute(text("INSERT INTO chain_head (name, last_id, hash) VALUES ('obligation_event', 0, '')"))
