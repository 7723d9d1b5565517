"""The store: how SQLite is opened, who may read the file, schema versions, first-use seeding."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import event, inspect, text

from zldesk.contract import read_contract_file
from zldesk.errors import StoreError
from zldesk.store import make_engine, open_store, reading, writing
from zldesk.store.contracts import count_contracts, get_contract, import_log, list_contracts
from zldesk.store.db import resolve_url
from zldesk.store.models import SQLModel
from zldesk.store.schema import LATEST, upgrade

from .conftest import LEISHAN


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _trace(engine) -> list[str]:
    statements: list[str] = []
    event.listen(engine, "connect", lambda dbapi, _rec: dbapi.set_trace_callback(statements.append))
    return statements


def test_writes_begin_immediate_and_reads_do_not(tmp_path):
    """A write transaction takes the write lock up front; a read takes none."""
    engine = make_engine(_url(tmp_path / "z.db"))
    statements = _trace(engine)
    with writing(engine) as session:
        session.connection().execute(text("CREATE TABLE t (x INTEGER)"))
    with reading(engine) as session:
        session.connection().execute(text("SELECT count(*) FROM t"))
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]


def test_pragmas(tmp_path):
    """WAL, foreign keys and a busy timeout on every connection."""
    engine = open_store(_url(tmp_path / "z.db"))
    with reading(engine) as session:
        conn = session.connection()
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_store_files_are_owner_only(tmp_path):
    """The store and its -wal/-shm hold phone numbers: nobody but the owner may read them."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "new" / "dir" / "z.db"
        engine = open_store(_url(path))
        with reading(engine) as session:  # keep a connection open so -wal and -shm exist
            session.connection().execute(text("SELECT 1"))
            for suffix in ("", "-wal", "-shm"):
                mode = stat.S_IMODE(os.stat(str(path) + suffix).st_mode)
                assert mode == 0o600, (suffix, oct(mode))
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    finally:
        os.umask(old)


def test_first_use_loads_bundled_contracts_once(tmp_path):
    """An empty store gets the bundled contract; opening it again adds nothing."""
    url = _url(tmp_path / "z.db")
    open_store(url)
    engine = open_store(url)
    with reading(engine) as session:
        assert [c.code for c in list_contracts(session)] == ["leishan"]
        assert get_contract(session, "leishan") == read_contract_file(LEISHAN)
        assert len(import_log(session, "leishan")) == 1


def test_resolve_url(monkeypatch, tmp_path):
    monkeypatch.setenv("ZLDESK_DB", str(tmp_path / "env.db"))
    assert resolve_url() == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url(str(tmp_path / "opt.db")) == f"sqlite:///{tmp_path / 'opt.db'}"
    monkeypatch.delenv("ZLDESK_DB")
    assert resolve_url().endswith("zldesk.db")


def test_migrated_schema_matches_models(tmp_path):
    """The frozen migrations and the table classes describe the same tables and columns."""
    engine = open_store(_url(tmp_path / "z.db"), seed=False)
    insp = inspect(engine)
    # The search index is an FTS5 virtual table (and its shadow tables): SQL, not a model.
    migrated = {
        t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names() if not t.startswith("ticket_search")
    }
    import zldesk.store.models  # noqa: F401 - registers the roster tables

    models = {t.name: {c.name for c in t.columns} for t in SQLModel.metadata.sorted_tables}
    assert migrated == models


def test_old_store_is_upgraded_in_place(tmp_path):
    """A version-1 store with a contract in it opens under this zldesk: upgraded, contract kept."""
    path = tmp_path / "old.db"
    engine = make_engine(_url(path))
    with writing(engine) as session:
        upgrade(session.connection(), target=1)
        session.connection().execute(
            text(
                "INSERT INTO contract (code, customer, vendor, product, timezone, title, updated_at) "
                "VALUES ('old', '旧医院', 'v', 'ZLHIS', 'Asia/Shanghai', '', '2025-01-01 00:00:00')"
            )
        )
    engine.dispose()
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)
    assert "import_log" not in {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    raw.close()

    engine = open_store(_url(path))
    with reading(engine) as session:
        conn = session.connection()
        assert conn.execute(text("SELECT value FROM meta WHERE key='schema_version'")).scalar() == str(LATEST)
        assert conn.execute(text("SELECT count(*) FROM import_log")).scalar() == 0
        assert [c.code for c in list_contracts(session)] == ["old"]  # not seeded over a used store


def test_newer_store_is_refused(tmp_path):
    """An older zldesk must not write into a store made by a newer one."""
    url = _url(tmp_path / "z.db")
    engine = open_store(url)
    with writing(engine) as session:
        session.connection().execute(text("UPDATE meta SET value = '999' WHERE key = 'schema_version'"))
    with pytest.raises(StoreError, match="999"):
        open_store(url)


def test_foreign_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE customers (id INTEGER)")
    raw.commit()
    raw.close()
    path.chmod(0o600)  # as sqlite3 made it (0644) it is refused before that, as world-readable
    with pytest.raises(StoreError, match="不是 zldesk"):
        open_store(_url(path))


def test_a_failed_write_leaves_nothing(tmp_path):
    """One transaction: an error half way through rolls back what came before it."""
    engine = open_store(_url(tmp_path / "z.db"))
    with pytest.raises(RuntimeError):
        with writing(engine) as session:
            session.connection().execute(text("DELETE FROM module"))
            raise RuntimeError("boom")
    with reading(engine) as session:
        assert len(get_contract(session, "leishan").modules) == 33


def _open(url: str) -> int:
    engine = open_store(url)
    with reading(engine) as session:
        return count_contracts(session)


def test_concurrent_first_use(tmp_path):
    """Four processes opening one new store at once: one schema, one seeded contract, no lock error."""
    url = _url(tmp_path / "z.db")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        counts = pool.map(_open, [url] * 4)
    assert counts == [1, 1, 1, 1]
    engine = open_store(url)
    with reading(engine) as session:
        assert len(import_log(session, "leishan")) == 1
        assert session.connection().execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_errors_hide_bound_values(tmp_path):
    """A database error never shows the values bound to it (phone numbers)."""
    engine = open_store(_url(tmp_path / "z.db"))
    with pytest.raises(StoreError) as info:
        with writing(engine) as session:
            session.connection().execute(
                text(
                    "INSERT INTO contract (code, customer, vendor, product, timezone, title, updated_at) "
                    "VALUES (:code, :phone, 'v', 'p', 'Asia/Shanghai', '', '2025-01-01')"
                ),
                {"code": "leishan", "phone": "13800138000"},
            )
    assert "13800138000" not in str(info.value)
    assert "UNIQUE" in str(info.value)


def test_quick_reader_knows_the_latest_schema():
    """store/quick.py must not import the migrations (SQLAlchemy); it keeps its own copy of the number."""
    from zldesk.store import quick, schema

    assert quick.LATEST == schema.LATEST
