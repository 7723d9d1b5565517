"""Schema version 3, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ..types import UtcDateTime


def step(conn: Connection) -> None:
    """Tickets: the state of each (a cache of its events), the append-only events, the search index."""
    md = MetaData()
    Table("contract", md, Column("id", Integer, primary_key=True))
    Table(
        "ticket",
        md,
        Column("id", Integer, primary_key=True),
        Column("contract_id", Integer, ForeignKey("contract.id"), nullable=False, index=True),
        Column("version", Integer, nullable=False),
        Column("state", String, nullable=False),
        Column("severity", Integer, nullable=False),
        Column("title", Text, nullable=False),
        Column("description", Text, nullable=False),
        Column("module_no", Integer),
        Column("module_name", String, nullable=False),
        Column("in_scope", Boolean, nullable=False),
        Column("caller", String, nullable=False),
        Column("phone", String, nullable=False),
        Column("dept", String, nullable=False),
        Column("channel", String, nullable=False),
        Column("assignee", String, nullable=False),
        *[
            Column(name, UtcDateTime(), nullable=name != "received_at")
            for name in ("received_at", "acknowledged_at", "arrived_at", "resolved_at", "closed_at")
        ],
        Column("state_before_pause", String),
        Column("pauses", JSON, nullable=False),
        Column("levels", JSON, nullable=False),
        Column("negotiated_due", UtcDateTime()),
        Column("negotiated_with", String, nullable=False),
        Column("remote", JSON, nullable=False),
        Column("computed_due", UtcDateTime()),
        Column("due_ts", Float),
        Column("clock_start", UtcDateTime()),
        Column("provisional", Boolean, nullable=False),
        Column("warnings", JSON, nullable=False),
        Column("board_due", Float),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
    )
    # The board: only open tickets, in due order, with every column it lists. A partial covering index
    # is read alone, in order, without touching the wide rows of the closed majority.
    board = md.tables["ticket"].c
    Index(
        "ix_ticket_board",
        board.board_due,
        board.id,
        board.contract_id,
        board.severity,
        board.state,
        board.provisional,
        board.assignee,
        board.module_name,
        board.title,
        sqlite_where=board.board_due.isnot(None),
        postgresql_where=board.board_due.isnot(None),
    )
    Table(
        "ticket_event",
        md,
        Column("id", Integer, primary_key=True),
        Column("ticket_id", Integer, ForeignKey("ticket.id"), nullable=False),
        Column("seq", Integer, nullable=False),
        Column("kind", String, nullable=False),
        Column("who", String, nullable=False),
        Column("entered_at", UtcDateTime(), nullable=False),
        Column("effective_at", UtcDateTime(), nullable=False),
        Column("data", JSON, nullable=False),
        Column("reason", Text, nullable=False),
        Column("changes", JSON, nullable=False),
        UniqueConstraint("ticket_id", "seq"),
    )
    md.tables["ticket"].create(conn)
    md.tables["ticket_event"].create(conn)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("CREATE VIRTUAL TABLE ticket_search USING fts5(tokens, tokenize='unicode61')")
        # The history is append-only: an event, once written, is never changed or removed.
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER ticket_event_no_{verb.lower()} BEFORE {verb} ON ticket_event "
                f"BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only'); END"
            )
