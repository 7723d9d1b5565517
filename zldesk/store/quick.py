"""Reading a SQLite store with the sqlite3 module alone, for the console's first paint.

Importing SQLAlchemy and SQLModel costs ~0.3 s, more than the whole first read of the board, so the
console reads through here and opens the engine (for writes, the ticket screen, searches) after its
first rows are on screen. Only a store that is already at the latest schema and seeded qualifies;
anything else (a new, old, foreign or unreadable store) goes the full `open_store` way, which creates,
upgrades or refuses it with the proper message.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_S = 15
LATEST = 14  # store/schema.py's LATEST; a test keeps the two equal


def sqlite_path(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL; None for anything else (other databases, URL options)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or url == prefix or url.endswith(":memory:"):
        return None
    return Path(url[len(prefix) :])


def connect(path: Path) -> sqlite3.Connection:
    """A read-only connection; transactions are begun explicitly (see `reading`)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    return conn


def ready(url: str) -> Path | None:
    """The store's file if it exists at the latest schema, its search index made by this zldesk's tokens,
    and has its bundled contracts; else None."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    from .files import check

    check(path)  # a world-readable store, or one on NFS, is refused here too, before any screen
    try:
        conn = connect(path)
        try:
            with reading(conn):
                keys = "('schema_version', 'seeded', 'search_tokens')"
                rows = dict(conn.execute(f"SELECT key, value FROM meta WHERE key IN {keys}").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # no meta table, not a database, locked...: the full path says what is wrong
    from ..text import SEARCH_TOKENS

    current = rows.get("schema_version") == str(LATEST) and rows.get("search_tokens") == SEARCH_TOKENS
    return path if current and "seeded" in rows else None


@contextmanager
def reading(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One short read transaction, so the board, the names and the contracts agree with each other."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


@contextmanager
def driver_reading(url: str, open_engine: Callable[[], Any]) -> Iterator[Any]:
    """One read transaction on the store's own driver connection, for the read-only commands (rows.py reads
    through it). A current SQLite store (`ready`) is read with sqlite3 alone, so no SQLAlchemy is imported;
    any other (new, old, foreign, PostgreSQL) is opened by `open_engine()` (open_store: created, upgraded
    or refused with its message) and read through the engine's driver connection. Driver errors are
    StoreErrors either way."""
    path = ready(url)
    if path is None:
        from .db import driver_connection, driver_errors
        from .db import reading as session_reading

        with session_reading(open_engine()) as session, driver_errors(session):
            yield driver_connection(session)
        return
    from .files import prepare

    prepare(path)  # the team's umask, so a -wal or -shm this reader creates gets the store's group mode
    try:
        conn = connect(path)
        try:
            with reading(conn):
                yield conn
        finally:
            conn.close()
    except sqlite3.Error as e:
        from ..errors import StoreError

        raise StoreError.from_driver(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
