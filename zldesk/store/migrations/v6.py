"""Schema version 6, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

from sqlalchemy import (
    Connection,
)


def step(conn: Connection) -> None:
    """PostgreSQL as the team server: what v3 and v4 made for SQLite alone. The ticket search index (a
    tsvector of the same bigram tokens as SQLite's FTS5 table, with positions, so a Chinese substring is
    a phrase) and the triggers that keep the histories append-only. Nothing to do on SQLite."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(
        "CREATE TABLE ticket_search (ticket_id INTEGER PRIMARY KEY REFERENCES ticket (id), tokens TSVECTOR NOT NULL)"
    )
    conn.exec_driver_sql("CREATE INDEX ix_ticket_search_tokens ON ticket_search USING GIN (tokens)")
    conn.exec_driver_sql(
        "CREATE FUNCTION zldesk_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$"
    )
    for table in ("ticket_event", "roster_event"):
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION zldesk_append_only()"
        )
    # No PostgreSQL store with tickets predates this step (before it a PostgreSQL store could not take a
    # ticket), so there is nothing to index yet; `zldesk migrate` indexes what it copies.
