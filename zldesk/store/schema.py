"""Schema versions: which one a store is at, and the upgrade through the steps it missed (the steps are
in migrations/, one frozen module each)."""

from __future__ import annotations

from sqlalchemy import Connection, text

from ..errors import NotAStore, StoreTooNew
from .migrations import BOARD_INDEX_COLUMNS, MIGRATIONS, terms_json

__all__ = ["BOARD_INDEX_COLUMNS", "LATEST", "MIGRATIONS", "read_version", "schema_version", "terms_json", "upgrade"]

LATEST = MIGRATIONS[-1][0]


def read_version(conn: Connection) -> int:
    """0 for an empty store; raises StoreError for a file that is not a zldesk store."""
    tables = _table_names(conn)
    if "meta" not in tables:
        if tables:
            raise NotAStore(tables=tables)
        return 0
    row = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).first()
    return schema_version(row[0]) if row else 0


def schema_version(value: object, path=None) -> int:
    """meta's schema_version as a number: digits only, from 1 (a file saying -1, 0 or x is no store of ours)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or int(value) < 1:
        raise NotAStore(path, version=str(value))
    return int(value)


def upgrade(conn: Connection, target: int = LATEST) -> tuple[int, int]:
    """Run the missing migrations inside the caller's transaction. Returns (from, to)."""
    found = read_version(conn)
    if found > LATEST:
        raise StoreTooNew(None, found, LATEST)
    for version, step in MIGRATIONS:
        if found < version <= target:
            step(conn)
            conn.execute(text("DELETE FROM meta WHERE key = 'schema_version'"))
            conn.execute(text("INSERT INTO meta (key, value) VALUES ('schema_version', :v)"), {"v": str(version)})
    return found, max(found, min(target, LATEST))


def _table_names(conn: Connection) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(conn).get_table_names())
