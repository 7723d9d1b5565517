"""Schema version 10, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

import json

from sqlalchemy import Connection

CHAINED = ("ticket_event", "roster_event")


def step(conn: Connection) -> None:
    """A smaller store, the same values (issue 15, goal 6): the history's hashes as their 32 bytes instead of
    64 hex characters, its JSON as UTF-8 without spaces (a Chinese character was a 6-byte \\uXXXX escape), and
    SQLite's search index without its own copy of the tokens (FTS5 contentless: the tokens are made again
    from the ticket whenever they are needed). Every value reads back as before, so every row's hash, which
    is made of the values (store/audit.py), still holds. SQLite also gets its freed pages back: open_store
    runs VACUUM after this step, outside the transaction."""
    if conn.dialect.name == "sqlite":
        _sqlite(conn)
    else:
        for table in CHAINED:
            for column in ("prev_hash", "row_hash"):
                conn.exec_driver_sql(
                    f"ALTER TABLE {table} ALTER COLUMN {column} TYPE bytea USING decode({column}, 'hex')"
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


def _unhex(value: str | bytes | None) -> bytes | None:
    return value if value is None or isinstance(value, bytes) else bytes.fromhex(value)


def _sqlite(conn: Connection) -> None:
    dbapi = conn.connection.dbapi_connection
    dbapi.create_function("zldesk_v10_json", 1, _json, deterministic=True)
    dbapi.create_function("zldesk_v10_unhex", 1, _unhex, deterministic=True)
    for table in CHAINED:
        json_columns = ", data = zldesk_v10_json(data), changes = zldesk_v10_json(changes)"
        conn.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
        conn.exec_driver_sql(
            f"UPDATE {table} SET prev_hash = zldesk_v10_unhex(prev_hash), row_hash = zldesk_v10_unhex(row_hash)"
            + (json_columns if table == "ticket_event" else "")
        )
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )
    # The same tokens, moved: no tokenizer runs here (meta's search_tokens still says which made them). An
    # index that is contentless already (a store whose version was set back by hand) is left as it is.
    made = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'ticket_search'").scalar() or ""
    if "content=''" in made:
        return
    conn.exec_driver_sql(
        "CREATE VIRTUAL TABLE ticket_search_v10 USING fts5(tokens, content='', tokenize='unicode61')"
    )
    conn.exec_driver_sql("INSERT INTO ticket_search_v10 (rowid, tokens) SELECT rowid, tokens FROM ticket_search")
    conn.exec_driver_sql("DROP TABLE ticket_search")
    conn.exec_driver_sql("ALTER TABLE ticket_search_v10 RENAME TO ticket_search")
