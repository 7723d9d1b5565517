"""Shared fixtures: every test gets its own real SQLite file, and the real CLI pointed at it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from zldesk.cli import app
from zldesk.data import data_dir

# Every property test draws the same examples on every run, so a test run never passes or fails by luck
# (`ZLDESK_FULL=1` draws new ones in the import fuzzing: tests/test_fuzz_imports.py). Loaded before any
# test module makes its settings, which take what they do not set from this profile.
settings.register_profile("zldesk", derandomize=True, database=None)
settings.load_profile("zldesk")

LEISHAN = data_dir() / "contracts" / "leishan.toml"


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str


def missing(what: str, variable: str, why: str) -> NoReturn:
    """A tool the tests need is not here: skip, or fail where `variable`=1 says it must be (`.ci/run`
    sets it, so CI cannot pass by skipping)."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{what} required ({variable}=1) but not available: {why}")
    pytest.skip(f"{what} not available: {why}")


def unofficial_year() -> int:
    """The first year from 2027 on without an official schedule (neither the package nor data/calendars/
    has one). Tests of provisional deadlines use it, not a fixed year that a new package would make official."""
    from zldesk.calendar import ChinaCalendar

    return next(y for y in range(2027, 2100) if ChinaCalendar.shared().official_source(y) is None)


@pytest.fixture(autouse=True)
def no_calendar_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests compute the statutory calendar from the package itself; tests/test_calendar_cache.py
    turns the cache on where it is the subject."""
    monkeypatch.setenv("ZLDESK_CACHE", "off")


@pytest.fixture(autouse=True)
def no_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never the developer's own config file: each test has none, unless it writes one (test_settings.py)."""
    monkeypatch.setenv("ZLDESK_CONFIG", str(tmp_path / "no-config.toml"))


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store file of this test's own; ZLDESK_DB points at it, as a user would set it."""
    path = tmp_path / "store" / "zldesk.db"
    monkeypatch.setenv("ZLDESK_DB", str(path))
    monkeypatch.setenv("TZ", "UTC")  # SSH hosts run UTC; nothing may depend on it
    return path


@pytest.fixture
def cli(db_path: Path):
    """Run `zldesk ARGS...` through Typer's CliRunner against the test's store."""

    def run(*args: str, input: str | None = None) -> Ran:
        result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
        return Ran(result.exit_code, result.stdout, result.stderr)

    return run


@contextlib.contextmanager
def older_zldesk() -> Iterator[None]:
    """zldesk as it was before it refused text: control characters and line breaks taken in any field,
    names kept as typed (not one spelling). For making stores that already hold such text, which every
    surface must still show safely; the refusals themselves are tested outside it (tests/test_forgery.py)."""
    import importlib
    import pkgutil

    import zldesk
    from zldesk import text

    # Every module imported first, so that none binds the replacement for good by being imported inside.
    for info in pkgutil.walk_packages(zldesk.__path__, "zldesk."):
        if info.name != "zldesk.__main__":
            importlib.import_module(info.name)
    checks, names = text.control_problem, text.plain_name
    with pytest.MonkeyPatch.context() as mp:
        for module in list(sys.modules.values()):
            if getattr(module, "__name__", "").startswith("zldesk.") and module is not text:
                if getattr(module, "control_problem", None) is checks:
                    mp.setattr(module, "control_problem", lambda *_a, **_k: None)
                if getattr(module, "plain_name", None) is names:
                    mp.setattr(module, "plain_name", lambda name: name.strip())
        try:
            yield
        finally:  # terms read under the older rules are not kept for the rest of the process
            from zldesk.store import rows

            rows._POLICIES.clear()


def store_checksum(path: Path) -> str:
    """A digest of every row of every table: equal digests mean the store's content is unchanged."""
    conn = sqlite3.connect(path)
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    return hashlib.sha256(dump.encode()).hexdigest()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the whole run (tests/pgserver.py); skipped where there is none, unless
    ZLDESK_REQUIRE_PG=1 (CI), where a missing server fails."""
    from .pgserver import Server

    server = Server()
    try:
        url = server.start()
    except Exception as e:  # noqa: BLE001 - reported below, with the reason
        url, why = None, f"{type(e).__name__}: {e}"
    else:
        why = "no initdb/pg_ctl here and no ZLDESK_TEST_PG"
    if url is None:
        missing("PostgreSQL", "ZLDESK_REQUIRE_PG", why)
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new empty PostgreSQL database of this test's own; ZLDESK_DB points at it."""
    url = pg_server.database()
    monkeypatch.setenv("ZLDESK_DB", url)
    monkeypatch.setenv("TZ", "UTC")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The same test on a SQLite file and on PostgreSQL: the URL, with ZLDESK_DB pointing at it."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    url = f"sqlite:///{tmp_path / 'store' / 'zldesk.db'}"
    monkeypatch.setenv("ZLDESK_DB", url)
    monkeypatch.setenv("TZ", "UTC")
    return url


async def until(pilot, done, timeout: float = 30.0, what: str = "") -> None:
    """Let the app run until `done()` holds: a screen pushed, a save's callback run, a toast shown. Every
    Pilot wait for something the app does in its own turn goes through here; generous, for a loaded CI host."""
    import time

    start = time.monotonic()
    while not done():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not in {timeout:.0f} s: {what or done}")
        await pilot.pause(0.05)


async def say_who(pilot, name: str = "值班工程师", timeout: float = 30.0) -> None:
    """The console's first write asks which engineer is at the keyboard (screens/engineer.py): answer `name`
    and wait until the write it held back has run."""
    app = pilot.app
    for _ in range(int(timeout / 0.05)):
        if "谁在值班台前" in getattr(app.screen, "title_text", ""):
            break
        await pilot.pause(0.05)
    else:
        raise AssertionError("the console did not ask who is at the keyboard")
    from textual.widgets import Input

    app.screen.query_one(Input).value = name
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
