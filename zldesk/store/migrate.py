"""Copying a store into an empty one (SQLite into PostgreSQL, when a team outgrows one host), verified
row by row. The target is built by the same migrations, then filled in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Table, func, inspect, select, text
from sqlmodel import SQLModel

from ..errors import CopyMismatch, TargetNotEmpty
from .db import reading, writing

if TYPE_CHECKING:
    from . import UpgradeBackup

# Rows a new store is born with: the schema version (the target's stays) and the empty heads of the
# history chains (replaced by the source's).
BORN_WITH = ("meta", "chain_head")


def tables() -> list[Table]:
    """Every table of the store, parents before children."""
    from . import models  # noqa: F401 - register the tables

    return [t for t in SQLModel.metadata.sorted_tables]


def copy_store(
    source_url: str,
    target_url: str,
    on_table: Callable[[str, int], None] = lambda _t, _n: None,
    on_backup: Callable[[UpgradeBackup], None] | None = None,
) -> dict[str, int]:
    """Copy every row of the store at `source_url` into the one at `target_url` (brought to the same
    schema, and empty), then read both back and compare row by row. Returns the row count per table;
    `on_table` hears each table's count as it is copied, `on_backup` of a copy made before an upgrade
    (open_store). Raises StoreError, writing nothing, if the target is not empty or anything differs."""
    from . import open_store

    source = open_store(source_url, seed=False, on_backup=on_backup)
    target = open_store(target_url, seed=False, on_backup=on_backup)
    counts: dict[str, int] = {}
    with reading(source) as src, writing(target) as dst:
        s, d = src.connection(), dst.connection()
        for table in tables():
            if table.name not in BORN_WITH and d.execute(select(func.count()).select_from(table)).scalar():
                raise TargetNotEmpty(table.name)
        for table in tables():
            rows = [dict(r._mapping) for r in s.execute(select(table).order_by(*table.primary_key.columns))]
            if table.name == "meta":
                rows = [r for r in rows if r["key"] != "schema_version"]
                d.execute(table.delete().where(table.c.key != "schema_version"))
            elif table.name in BORN_WITH:
                d.execute(table.delete())
            if rows:
                d.execute(table.insert(), rows)
            counts[table.name] = len(rows)
            on_table(table.name, len(rows))
        _after_copy(d)
        for table in tables():
            mine = [tuple(r) for r in s.execute(select(table).order_by(*table.primary_key.columns))]
            theirs = [tuple(r) for r in d.execute(select(table).order_by(*table.primary_key.columns))]
            if table.name == "meta":
                mine = [r for r in mine if r[0] != "schema_version"]
                theirs = [r for r in theirs if r[0] != "schema_version"]
            if mine != theirs:
                first = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)))
                raise CopyMismatch(table.name, first + 1)
    return counts


def _after_copy(conn) -> None:
    """What rows alone do not carry: PostgreSQL's id sequences, the target's own search index."""
    from .tickets import rebuild_search

    if conn.dialect.name == "postgresql":
        for name in inspect(conn).get_table_names():
            columns = {c["name"] for c in inspect(conn).get_columns(name)}
            if "id" in columns:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"
                    )
                )
    rebuild_search(conn)
