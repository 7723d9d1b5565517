"""Nothing lost: no command writes over the store, its -wal/-shm/-journal or its backups, whatever path
names them (a symlink, a hard link, a name not made yet); and a console whose store file was replaced
says so instead of showing the old file as if it were the store."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from zldesk.app import make_app
from zldesk.data import data_dir
from zldesk.store import open_store
from zldesk.store.backup import backup_before_upgrade

from .conftest import store_checksum, until

ROSTER = data_dir() / "roster" / "demo.toml"

# Every command that writes a file the user names with -o.
WRITERS = {
    "export contract": ("export", "contract", "leishan"),
    "export contract json": ("export", "contract", "leishan", "--format", "json"),
    "export modules": ("export", "modules", "leishan"),
    "roster export": ("roster", "export"),
    "roster export ics": ("roster", "export", "--format", "ics"),
    "roster notice": ("roster", "notice", "--holiday", "国庆节", "--year", "2026"),
}


@pytest.fixture
def quiet_store(cli, db_path):
    """A store with a ticket, nobody holding it open (its -wal merged and gone)."""
    assert cli("ticket", "new", "--severity", "2", "--title", "收费处无法收费").exit_code == 0
    return db_path


@pytest.fixture
def store(cli, db_path):
    """A store with a ticket and a roster, its -wal and -shm present (a reader holds it open)."""
    assert cli("ticket", "new", "--severity", "2", "--title", "收费处无法收费").exit_code == 0
    assert cli("roster", "import", str(ROSTER)).exit_code == 0
    conn = sqlite3.connect(db_path)
    conn.execute("SELECT count(*) FROM ticket").fetchone()  # keeps -wal and -shm beside the store
    yield db_path
    conn.close()


def _bytes(path: Path) -> dict[str, bytes]:
    """The store and each file beside it, byte for byte."""
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir()) if p.is_file()}


def _targets(store: Path, tmp: Path) -> dict[str, Path]:
    """Every way of naming the store's own files, made ready beside `tmp`."""
    other = tmp / "elsewhere"
    other.mkdir()
    (other / "to-store").symlink_to(store)
    (other / "to-wal").symlink_to(f"{store}-wal")
    (other / "to-journal").symlink_to(f"{store}-journal")  # no such file yet: SQLite makes it by that name
    (other / "relative").symlink_to(os.path.relpath(store, other))
    (other / "link-of-link").symlink_to(other / "to-store")
    os.link(store, other / "hard")
    return {
        "the store": store,
        "its -wal": Path(f"{store}-wal"),
        "its -shm": Path(f"{store}-shm"),
        "its -journal (not there)": Path(f"{store}-journal"),
        "a symlink to it": other / "to-store",
        "a relative symlink": other / "relative",
        "a symlink to a symlink": other / "link-of-link",
        "a symlink to its -wal": other / "to-wal",
        "a dangling symlink to its -journal": other / "to-journal",
        "a hard link to it": other / "hard",
        "a path through ..": store.parent / ".." / store.parent.name / store.name,
    }


@pytest.mark.parametrize("writer", WRITERS)
def test_no_output_is_written_over_the_store_or_its_files(cli, store, tmp_path, writer):
    targets = _targets(store, tmp_path)
    before, checksum = _bytes(store), store_checksum(store)
    for name, target in targets.items():
        ran = cli(*WRITERS[writer], "-o", str(target))
        assert ran.exit_code == 2, (name, ran.stdout, ran.stderr)
        assert "拒绝写入：会覆盖数据库" in ran.stderr and str(target) in ran.stderr, name
        assert "什么也没写" in ran.stderr and "Traceback" not in ran.stderr
    assert _bytes(store) == before and store_checksum(store) == checksum
    assert not Path(f"{store}-journal").exists()
    assert (tmp_path / "elsewhere" / "to-store").is_symlink()  # the link itself is not replaced either
    ok = cli(*WRITERS[writer], "-o", str(tmp_path / "out.txt"))
    assert ok.exit_code == 0 and (tmp_path / "out.txt").stat().st_size > 0, ok.stderr


def test_no_output_is_written_over_a_backup(cli, store, tmp_path):
    """`zldesk backup` files, the copy made before an upgrade and the one kept by a restore are SQLite
    files: an export never replaces one, wherever it is and whatever it is called."""
    made = tmp_path / "nightly.txt"
    assert cli("backup", str(made)).exit_code == 0
    upgrade = backup_before_upgrade(store, 6)
    kept = Path(f"{store}.before-restore-20260101-000000")
    shutil.copy(store, kept)
    (tmp_path / "to-backup").symlink_to(made)
    for target in (made, upgrade, kept, tmp_path / "to-backup"):
        copy = target.read_bytes()
        ran = cli("export", "contract", "-o", str(target))
        assert ran.exit_code == 2 and "拒绝写入" in ran.stderr and str(target) in ran.stderr, ran.stderr
        assert target.read_bytes() == copy
    # --force replaces an older backup: that is what it is for; never the store's own files or kept copies
    assert cli("backup", str(made), "--force").exit_code == 0
    (tmp_path / "to-store").symlink_to(store)
    for target in (store, Path(f"{store}-wal"), Path(f"{store}-shm"), upgrade, kept, tmp_path / "to-store"):
        before = _bytes(store)
        ran = cli("backup", str(target), "--force")
        assert ran.exit_code == 2 and "拒绝写入：会覆盖数据库" in ran.stderr, ran.stderr
        assert _bytes(store) == before


def test_migrate_does_not_copy_into_the_stores_own_files(cli, store, tmp_path):
    before = _bytes(store)
    (tmp_path / "link.db").symlink_to(store)
    for target in (f"sqlite:///{store}-wal", f"sqlite:///{store}-journal", f"sqlite:///{tmp_path / 'link.db'}"):
        ran = cli("migrate", "--to", target)
        assert ran.exit_code == 2 and "拒绝写入：会覆盖数据库" in ran.stderr, (target, ran.stderr)
    assert _bytes(store) == before


def test_the_log_file_is_never_the_store(store, tmp_path):
    before = store_checksum(store)
    for log in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
        env = {**os.environ, "ZLDESK_DB": str(store), "ZLDESK_LOG_LEVEL": "debug", "ZLDESK_LOG_FILE": str(log)}
        ran = subprocess.run(
            [sys.executable, "-m", "zldesk", "ticket", "list"], env=env, capture_output=True, text=True, timeout=60
        )
        assert ran.returncode == 2 and "拒绝写入：会覆盖数据库" in ran.stderr and str(log) in ran.stderr, ran.stderr
    assert store_checksum(store) == before


def test_a_store_named_like_the_calendar_cache_is_left_alone(tmp_path, monkeypatch):
    from datetime import date

    from zldesk.calendar import ChinaCalendar

    cache = tmp_path / "cache"
    cache.mkdir()
    from zldesk.calendar.cache import cache_file

    monkeypatch.setenv("ZLDESK_CACHE", str(cache))
    store = cache_file()
    open_store(f"sqlite:///{store}").dispose()
    before = store.read_bytes()
    monkeypatch.setenv("ZLDESK_CACHE", str(cache))
    assert ChinaCalendar().day(date(2026, 10, 1)).kind == "holiday"
    assert store.read_bytes() == before


# ---- the console ---------------------------------------------------------------------------------------


def _said(app) -> list[str]:
    return [f"{n.title}：{n.message}" for n in app._notifications]


async def test_a_console_notices_its_store_file_was_replaced(quiet_store, tmp_path):
    """`mv other.db $ZLDESK_DB` under a running console: a toast and a line on the board that stays; the
    console reads and writes neither file from then on."""
    store = quiet_store
    other = tmp_path / "other.db"
    open_store(f"sqlite:///{other}").dispose()
    app = make_app(f"sqlite:///{store}")
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.get_screen("board")
        await until(pilot, lambda: board.all_rows and app.watch is not None)
        assert not board.query_one("#alarm").has_class("shown") and app.store_replaced is None
        os.replace(other, store)
        replaced = store_checksum(store)
        await until(pilot, lambda: app.store_replaced is not None)
        alarm = board.query_one("#alarm")
        assert alarm.has_class("shown") and "数据库文件已被替换" in str(alarm.render())
        # A toast is a message the app handles in its turn: waited for, not assumed
        await until(pilot, lambda: any(s.startswith("数据库文件已被替换：") and str(store) in s for s in _said(app)))
        written = []
        app.gateway.write(lambda session: written.append(session), what="没有保存")
        await pilot.press("enter")  # the ticket screen would read the file now at the path
        await app.workers.wait_for_complete()
        await pilot.pause(1.2)  # another tick or two: the line is still there, nothing read again
        assert written == [] and board.query_one("#alarm").has_class("shown")
        await until(pilot, lambda: any(said.startswith("没有保存：数据库文件已被替换") for said in _said(app)))
        assert "正在读取" in str(app.screen.query_one("#ticket").render())
    assert store_checksum(store) == replaced


async def test_a_console_notices_its_store_file_was_moved_away(quiet_store):
    store = quiet_store
    app = make_app(f"sqlite:///{store}")
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.get_screen("board")
        await until(pilot, lambda: board.all_rows and app.watch is not None)
        store.rename(store.with_name("moved.db"))
        await until(pilot, lambda: app.store_replaced is not None)
        assert board.query_one("#alarm").has_class("shown")


async def test_a_toast_shows_user_text_as_written_not_as_markup(quiet_store):
    """Toasts carry names and values from the store (a contract's name, a ticket's title in an error): the
    app's notify makes them visible and passes markup=False, since Textual reads a toast as markup by default."""
    from textual.widgets._toast import Toast

    app = make_app(f"sqlite:///{quiet_store}")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:  # run_test hides toasts by default
        board = app.get_screen("board")
        await until(pilot, lambda: board.all_rows)
        app.notify("[bold red]收费处[/bold red]\x1b[2J", title="[i]标题[/i]")
        await until(pilot, lambda: app.screen.query(Toast))
        shown = " ".join(str(toast.render()) for toast in app.screen.query(Toast))
        assert "[bold red]收费处[/bold red]\\x1b[2J" in shown and "[i]标题[/i]" in shown, shown
