"""The ticket and roster CLI tests again, on PostgreSQL: every test of tests/test_tickets.py and
tests/test_roster_cli.py that drives only the CLI (not the SQLite file itself) runs here with ZLDESK_DB
pointing at a fresh PostgreSQL database of its own (tests/pgserver.py)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from . import test_roster_cli, test_tickets

SQLITE_ONLY = {"db_path", "walk_engine", "tmp_path_factory"}  # tests that read the SQLite file directly


def _borrow(module) -> None:
    for name, value in vars(module).items():
        if name.startswith("test_") and callable(value):
            params = set(inspect.signature(value).parameters)
            if params & SQLITE_ONLY or hasattr(value, "hypothesis") or "tmp_path" in params and "cli" not in params:
                continue
            globals()[f"{name}"] = value
        elif hasattr(value, "_pytestfixturefunction") or type(value).__name__ == "FixtureFunctionDefinition":
            globals()[name] = value


_borrow(test_tickets)
_borrow(test_roster_cli)


@pytest.fixture
def db_path(pg_url, tmp_path: Path) -> Path:
    """The borrowed tests' `cli` fixture asks for a store path: here the store is PostgreSQL (pg_url has
    set ZLDESK_DB), and the path is never opened — tests that open it are not borrowed."""
    return tmp_path / "not-used.db"


@pytest.fixture(autouse=True)
def really_postgres(request, monkeypatch):
    """Every borrowed test runs against PostgreSQL, or fails: not a SQLite file by accident."""
    import os

    request.getfixturevalue("pg_url")
    assert os.environ["ZLDESK_DB"].startswith("postgresql+psycopg://")
