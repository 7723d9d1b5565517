"""The schema a version defines, and how a store's own schema differs from it.

The expected schema is made the one way there is: the frozen migrations up to that version, run on an empty
database of the same kind (SQLite: in memory; PostgreSQL: a scratch schema in a transaction that is rolled
back). Then the two catalogues are compared object by object, so a planted trigger, view or rule, a dropped
append-only trigger, an added table or a missing column or index is named. Definitions are compared with
whitespace, letter case and identifier quotes normalised (an old SQLAlchemy may have quoted differently).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Connection, create_engine

from .audit import Finding
from .migrations import MIGRATIONS


@dataclass(frozen=True)
class Item:
    """One object of a schema: a table, column, index, trigger, view, function or rule."""

    type: str
    name: str
    table: str  # the table it belongs to (a table's own name for a table)
    sql: str  # its definition, normalised; "" where only its presence is compared
    shown: str = ""  # as written, whitespace folded: what a finding quotes


ORDER = ("table", "column", "index", "trigger", "view", "rule", "function")


def build(conn: Connection, version: int) -> None:
    """The frozen steps 1..version, on an empty database."""
    for number, step in MIGRATIONS:
        if number <= version:
            step(conn)


def differences(conn: Connection, version: int) -> list[Finding]:
    """What the store behind `conn` has that schema `version` does not, lacks, or defines otherwise."""
    if conn.dialect.name == "sqlite":
        found, wanted = sqlite_items(conn.connection.dbapi_connection), _sqlite_expected(version)
    else:
        found, wanted = _pg_items(conn, _pg_schema(conn)), _pg_expected(conn, version)
    return compare(wanted, found)


def compare(wanted: dict[tuple[str, str], Item], found: dict[tuple[str, str], Item]) -> list[Finding]:
    """Findings `{type}_missing`, `{type}_extra`, `{type}_changed`; a table whose columns differ is named by
    its columns, not again as a whole; a table missing or extra is named alone, not with its columns,
    indexes and triggers."""
    out = []
    for key in sorted(wanted.keys() | found.keys(), key=lambda k: (ORDER.index(k[0]), k[1])):
        w, f = wanted.get(key), found.get(key)
        if f is None:
            out.append(Finding(f"{w.type}_missing", w.table, w.name, expected=w.shown))
        elif w is None:
            out.append(Finding(f"{f.type}_extra", f.table, f.name, found=f.shown))
        elif w.sql != f.sql or w.table != f.table:
            out.append(Finding(f"{w.type}_changed", f.table, w.name, expected=w.shown, found=f.shown))
    columns_off = {x.table for x in out if x.kind.startswith("column_")}
    whole = {x.table for x in out if x.kind in ("table_missing", "table_extra")}
    return [
        x
        for x in out
        if not (x.kind == "table_changed" and x.table in columns_off)
        and not (x.kind.split("_")[0] in ("column", "index", "trigger") and x.table in whole and x.name != x.table)
    ]


# ---- SQLite --------------------------------------------------------------------------------------------

# Made by SQLite itself: the autoincrement counter and ANALYZE's statistics (an autoindex follows from its
# table's definition, compared already).
_SQLITE_OWN = re.compile(r"sqlite_(sequence|stat\d)$")


@cache
def _sqlite_expected(version: int) -> dict[tuple[str, str], Item]:
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as conn:
            build(conn, version)
            return sqlite_items(conn.connection.dbapi_connection)
    finally:
        engine.dispose()


def sqlite_items(dbapi) -> dict[tuple[str, str], Item]:
    """Every object in sqlite_master, and each table's columns (PRAGMA table_xinfo: hidden ones too)."""
    rows = dbapi.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    virtual = {name for kind, name, _, sql in rows if kind == "table" and _norm(sql or "").startswith("create virtual")}
    items: dict[tuple[str, str], Item] = {}
    for kind, name, table, sql in rows:
        if kind == "table" and _SQLITE_OWN.match(name):
            continue
        if kind == "index" and sql is None and name.startswith("sqlite_autoindex_"):
            continue
        # A virtual table's own tables are made by its module (FTS5), which words them per SQLite version.
        shadow = kind == "table" and any(name.startswith(f"{v}_") for v in virtual)
        items[(kind, name)] = Item(kind, name, table, "" if shadow else _norm(sql or ""), _fold(sql or ""))
        if kind == "table" and name not in virtual and not shadow:
            quoted = name.replace('"', '""')
            for _, col, type_, notnull, default, pk, hidden in dbapi.execute(f'PRAGMA table_xinfo("{quoted}")'):
                key = f"{name}.{col}"
                spec = f"{type_} {notnull} {default} {pk} {hidden}"
                items[("column", key)] = Item("column", key, name, _norm(spec), spec)
    return items


# ---- PostgreSQL ----------------------------------------------------------------------------------------


def _pg_schema(conn: Connection) -> str:
    return conn.exec_driver_sql("SELECT current_schema()").scalar_one()


def _pg_expected(conn: Connection, version: int) -> dict[tuple[str, str], Item]:
    """The steps in a scratch schema of the same server, on a connection of its own; all of it rolled back."""
    scratch = f"zldesk_expected_{uuid.uuid4().hex[:12]}"
    with conn.engine.connect() as other:
        tx = other.begin()
        try:
            other.exec_driver_sql(f"CREATE SCHEMA {scratch}")
            other.exec_driver_sql(f"SET LOCAL search_path TO {scratch}")
            build(other, version)
            return _pg_items(other, scratch)
        finally:
            tx.rollback()


_PG_QUERIES = (
    (
        "table",
        "SELECT table_name, table_name, '' FROM information_schema.tables "
        "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
    ),
    (
        "column",
        "SELECT table_name || '.' || column_name, table_name, concat_ws(' ', data_type, is_nullable, column_default) "
        "FROM information_schema.columns WHERE table_schema = %s",
    ),
    ("index", "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = %s"),
    (
        "trigger",
        # tgenabled: a trigger switched off (ALTER TABLE ... DISABLE TRIGGER) is not the one the schema defines
        "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND NOT t.tgisinternal",
    ),
    ("view", "SELECT viewname, viewname, definition FROM pg_views WHERE schemaname = %s"),
    ("rule", "SELECT rulename, tablename, definition FROM pg_rules WHERE schemaname = %s"),
    (
        "function",
        "SELECT p.proname, '', pg_get_functiondef(p.oid) FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s AND p.prokind IN ('f', 'p')",
    ),
)


def _pg_items(conn: Connection, schema: str) -> dict[tuple[str, str], Item]:
    items = {}
    for kind, sql in _PG_QUERIES:
        for name, table, definition in conn.exec_driver_sql(sql, (schema,)).fetchall():
            # The definitions name the schema; the scratch one and the store's must read alike.
            text = (definition or "").replace(f"{schema}.", "").replace(f'"{schema}".', "")
            items[(kind, name)] = Item(kind, name, table, _norm(text), _fold(text))
    return items


# ---- normalising ---------------------------------------------------------------------------------------

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\w+|\s+|.", re.S)
_TIGHT = set("(),;")


def _fold(sql: str) -> str:
    return " ".join(sql.split())


def _norm(sql: str) -> str:
    """Whitespace to one space (none beside brackets and commas), words lower case, quotes off plain
    identifiers; string literals kept as written."""
    tokens = []
    for m in _TOKENS.finditer(sql):
        t = m.group()
        if t.isspace():
            t = " "
        elif t[0] == '"' and re.fullmatch(r'"\w+"', t):
            t = t[1:-1].lower()
        elif t[0] not in "'\"":
            t = t.lower()
        tokens.append(t)
    out = []
    for i, t in enumerate(tokens):
        if t == " " and (
            not out or out[-1] in _TIGHT or i + 1 == len(tokens) or tokens[i + 1] in _TIGHT or tokens[i + 1] == " "
        ):
            continue
        out.append(t)
    return "".join(out)
