"""The SQLite (or PostgreSQL) store: tables, schema versions and the query functions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["UpgradeBackup", "make_engine", "open_store", "reading", "resolve_url", "writing"]


@dataclass(frozen=True)
class UpgradeBackup:
    """The copy of a store that open_store made before upgrading it from version `found` to `latest`."""

    found: int
    latest: int
    path: Path


def __getattr__(name: str):
    # Lazy, so that `zldesk.store.quick` and `zldesk.store.rows` can be imported without SQLAlchemy.
    if name in ("make_engine", "reading", "resolve_url", "writing"):
        from . import db

        return getattr(db, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(url: str, seed: bool = True, on_backup: Callable[[UpgradeBackup], None] | None = None) -> Engine:
    """Open (creating or upgrading) the store at `url`. A fresh store gets the bundled contracts.

    Before an upgrade a SQLite store is copied beside itself; `on_backup` hears of the copy as soon as it is
    made (the upgrade may still fail after it), so that the caller can tell the user where it is."""
    from sqlalchemy import text

    from ..text import SEARCH_TOKENS
    from .db import make_engine, reading, writing
    from .schema import LATEST, read_version, upgrade

    _SEEDED = text("SELECT 1 FROM meta WHERE key = 'seeded'")
    _TOKENS = text("SELECT value FROM meta WHERE key = 'search_tokens'")
    engine = make_engine(url)
    with reading(engine) as session:  # one short read decides whether anything needs writing
        conn = session.connection()
        current = read_version(conn)
        unseeded = seed and (current == 0 or conn.execute(_SEEDED).first() is None)
        stale = current == LATEST and conn.execute(_TOKENS).scalar() != SEARCH_TOKENS
    if current != LATEST or unseeded or stale:
        with writing(engine) as session:
            conn = session.connection()
            _backup_before_upgrade(engine, conn, on_backup)
            upgrade(conn)  # re-reads the version under the write lock: a racing opener did it already
            if seed and conn.execute(_SEEDED).first() is None:
                _seed(session)
                conn.execute(text("INSERT INTO meta (key, value) VALUES ('seeded', 'bundled')"))
            if conn.execute(_TOKENS).scalar() != SEARCH_TOKENS:
                _reindex(conn, SEARCH_TOKENS)
        if 0 < current < COMPACTED <= LATEST:
            _vacuum(engine)
    return engine


COMPACTED = 10  # the schema version that rewrote the history smaller (migrations/v10.py)


def _vacuum(engine: Engine) -> None:
    """SQLite keeps the pages an upgrade freed: VACUUM gives them back to the disk, outside a transaction,
    and makes the pages db.PAGE_SIZE. A store busy with another process stays as it is, only larger."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    import sqlite3

    from .db import PAGE_SIZE

    raw = engine.raw_connection()
    conn = raw.driver_connection
    try:
        # The page size changes only outside WAL: where another connection holds the store, the mode stays
        # WAL and the pages keep their size; the VACUUM still runs.
        try:
            conn.execute("PRAGMA journal_mode=DELETE").fetchall()
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        except sqlite3.OperationalError:
            pass
        conn.execute("VACUUM")
    except sqlite3.OperationalError:
        pass
    finally:
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
        finally:
            raw.close()


def _reindex(conn, version: str) -> None:
    """The search index made again with the tokens of this zldesk (text.search_tokens, whose `version` the
    meta table keeps): tickets indexed by an older one (no full-width folding, no 𠮷) are found again."""
    from sqlalchemy import text

    from .tickets import rebuild_search

    rebuild_search(conn)
    conn.execute(text("DELETE FROM meta WHERE key = 'search_tokens'"))
    conn.execute(text("INSERT INTO meta (key, value) VALUES ('search_tokens', :v)"), {"v": version})


def _backup_before_upgrade(engine: Engine, conn, on_backup: Callable[[UpgradeBackup], None] | None) -> None:
    """A SQLite store with data gets a copy beside it before a migration touches it. Called under the
    write lock, so of several processes opening an old store only the one that upgrades copies it."""
    from .schema import LATEST, read_version

    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return
    found = read_version(conn)
    if not 1 <= found < LATEST:
        return
    from .backup import backup_before_upgrade

    copy = backup_before_upgrade(Path(database), LATEST)
    if on_backup is not None:
        on_backup(UpgradeBackup(found, LATEST, copy))


def _seed(session) -> None:
    from ..contract import read_contract_file
    from ..data import bundled_contracts
    from .contracts import count_contracts, save_contract

    if count_contracts(session):
        return
    for path in bundled_contracts():
        save_contract(session, read_contract_file(path), source=f"bundled:{path.name}", who="zldesk")
