"""Schema version 10, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

CHAINED = ("ticket_event", "roster_event")
TICKET_TIMES = (
    "received_at",
    "acknowledged_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
    "negotiated_due",
    "computed_due",
    "clock_start",
    "created_at",
    "updated_at",
)


def step(conn: Connection) -> None:
    """A smaller store, the same values (issue 15, goal 6). The history's row hashes as their 32 bytes, not
    64 hex characters, and without the copy of the previous row's hash each row kept (`prev_hash`: it was the
    row_hash just before it, which `audit verify` now reads there; a row whose copy said otherwise no longer
    hashes after the row before it, so verify still names it). On SQLite also: the history's JSON as UTF-8
    without spaces (a Chinese character was a 6-byte \\uXXXX escape); the history's two times and the
    ticket's ten as microseconds since 1970 (types.UtcMicros: an integer, not 26 characters); the search
    index without its own copy of the tokens (FTS5 contentless: a ticket's old tokens are made again from
    it when they are to be taken out). Every value reads back as before, so every row's hash, made of the
    values (store/audit.py), still holds. open_store runs VACUUM after this step, outside the transaction,
    so the file gets smaller too.

    A store whose version was set back by hand over a v10 store (tests do) is left as it is where it is v10's."""
    from sqlalchemy import inspect

    for table in CHAINED:
        if "prev_hash" in {c["name"] for c in inspect(conn).get_columns(table)}:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN prev_hash")
    if conn.dialect.name == "sqlite":
        _sqlite(conn)
    else:
        for table in CHAINED:
            kind = {c["name"]: str(c["type"]) for c in inspect(conn).get_columns(table)}["row_hash"]
            if "BYTEA" not in kind.upper():
                conn.exec_driver_sql(
                    f"ALTER TABLE {table} ALTER COLUMN row_hash TYPE bytea USING decode(row_hash, 'hex')"
                )


def _json(value: str | None) -> str | None:
    if value is None:
        return None
    text = json.dumps(json.loads(value), ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(json.loads(value), separators=(",", ":"))
    return text


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(value):
    """A time as v3's UtcDateTime stored it (UTC text, no offset) -> microseconds since 1970 UTC."""
    if not isinstance(value, str):
        return value
    return (datetime.fromisoformat(value).replace(tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)


def _unhex(value: str | bytes | None) -> bytes | None:
    return value if value is None or isinstance(value, bytes) else bytes.fromhex(value)


def _sqlite(conn: Connection) -> None:
    dbapi = conn.connection.dbapi_connection
    dbapi.create_function("zldesk_v10_json", 1, _json, deterministic=True)
    dbapi.create_function("zldesk_v10_unhex", 1, _unhex, deterministic=True)
    dbapi.create_function("zldesk_v10_micros", 1, _micros, deterministic=True)
    for table in CHAINED:
        history = (
            ", data = zldesk_v10_json(data), changes = zldesk_v10_json(changes), "
            "entered_at = zldesk_v10_micros(entered_at), effective_at = zldesk_v10_micros(effective_at)"
        )
        conn.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
        conn.exec_driver_sql(
            f"UPDATE {table} SET row_hash = zldesk_v10_unhex(row_hash)" + (history if table == "ticket_event" else "")
        )
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )
    times = ", ".join(f"{c} = zldesk_v10_micros({c})" for c in TICKET_TIMES)
    conn.exec_driver_sql(f"UPDATE ticket SET {times}")
    # The same tokens, moved: no tokenizer runs here (meta's search_tokens still says which made them).
    made = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'ticket_search'").scalar() or ""
    if "content=''" in made:
        return
    conn.exec_driver_sql("CREATE VIRTUAL TABLE ticket_search_v10 USING fts5(tokens, content='', tokenize='unicode61')")
    conn.exec_driver_sql("INSERT INTO ticket_search_v10 (rowid, tokens) SELECT rowid, tokens FROM ticket_search")
    conn.exec_driver_sql("INSERT INTO ticket_search_v10 (ticket_search_v10) VALUES ('optimize')")  # one segment
    conn.exec_driver_sql("DROP TABLE ticket_search")
    conn.exec_driver_sql("ALTER TABLE ticket_search_v10 RENAME TO ticket_search")
