"""The SQLite (or PostgreSQL) store: tables, schema versions and the query functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["make_engine", "open_store", "reading", "resolve_url", "writing"]


def __getattr__(name: str):
    # Lazy, so that `zldesk.store.quick` and `zldesk.store.rows` can be imported without SQLAlchemy.
    if name in ("make_engine", "reading", "resolve_url", "writing"):
        from . import db

        return getattr(db, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(url: str, seed: bool = True) -> Engine:
    """Open (creating or upgrading) the store at `url`. A fresh store gets the bundled contracts."""
    from sqlalchemy import text

    from .db import make_engine, reading, writing
    from .schema import LATEST, read_version, upgrade

    _SEEDED = text("SELECT 1 FROM meta WHERE key = 'seeded'")
    engine = make_engine(url)
    with reading(engine) as session:  # one short read decides whether anything needs writing
        conn = session.connection()
        current = read_version(conn)
        unseeded = seed and (current == 0 or conn.execute(_SEEDED).first() is None)
    if current != LATEST or unseeded:
        with writing(engine) as session:
            conn = session.connection()
            _backup_before_upgrade(engine, conn)
            upgrade(conn)  # re-reads the version under the write lock: a racing opener did it already
            if seed and conn.execute(_SEEDED).first() is None:
                _seed(session)
                conn.execute(text("INSERT INTO meta (key, value) VALUES ('seeded', 'bundled')"))
    return engine


def _backup_before_upgrade(engine: Engine, conn) -> None:
    """A SQLite store with data gets a copy beside it before a migration touches it. Called under the
    write lock, so of several processes opening an old store only the one that upgrades copies it."""
    import sys
    from pathlib import Path

    from .schema import LATEST, read_version

    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return
    found = read_version(conn)
    if not 1 <= found < LATEST:
        return
    from .backup import backup_before_upgrade

    copy = backup_before_upgrade(Path(database), LATEST)
    sys.stderr.write(f"zldesk：数据库结构将从第 {found} 版升级到第 {LATEST} 版；升级前的备份在 {copy}\n")


def _seed(session) -> None:
    from ..contract import read_contract_file
    from ..data import bundled_contracts
    from .contracts import count_contracts, save_contract

    if count_contracts(session):
        return
    for path in bundled_contracts():
        save_contract(session, read_contract_file(path), source=f"bundled:{path.name}", who="zldesk")
