"""Schema version 14, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

from sqlalchemy import Column, Connection, ForeignKey, Integer, MetaData, String, Table, Text, inspect

from ..types import UtcDateTime


def step(conn: Connection) -> None:
    """Notifications that cannot be lost (issue 18). Every message is first a notify_outbox row, written in
    the transaction that decided it, its `key` (rule, subject, stage, channel) unique so the same event is
    written once however often the rules are read; each delivery attempt is a notify_attempt row; the one
    notify_lease row says which watcher sends (holder, until when). Made only where missing."""
    md = MetaData()
    Table(
        "notify_outbox",
        md,
        Column("id", Integer, primary_key=True),
        Column("key", String, nullable=False, unique=True),
        Column("rule", String, nullable=False),
        Column("channel", String, nullable=False),
        Column("subject", String, nullable=False),  # "ticket 12", for a person reading the log
        Column("ticket_id", Integer, index=True),
        Column("title", Text, nullable=False),
        Column("text", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("state", String, nullable=False),  # pending | sent | failed
        Column("attempts", Integer, nullable=False),
        Column("next_at", UtcDateTime(), nullable=False),
        Column("sent_at", UtcDateTime()),
    )
    Table(
        "notify_attempt",
        md,
        Column("id", Integer, primary_key=True),
        Column("outbox_id", Integer, ForeignKey("notify_outbox.id"), nullable=False, index=True),
        Column("at", UtcDateTime(), nullable=False),
        Column("status", String, nullable=False),
        Column("error", Text, nullable=False),
    )
    Table(
        "notify_lease",
        md,
        Column("name", String, primary_key=True),
        Column("holder", String, nullable=False),
        Column("expires_at", UtcDateTime(), nullable=False),
    )
    tables = set(inspect(conn).get_table_names())
    for name in ("notify_outbox", "notify_attempt", "notify_lease"):
        if name not in tables:
            md.tables[name].create(conn)
