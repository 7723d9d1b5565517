"""zldesk backup / restore, and the copy open_store writes before it upgrades a store."""

from __future__ import annotations

import gc
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from zldesk.commands import tickets as ticket_commands
from zldesk.data import data_dir
from zldesk.store import UpgradeBackup, make_engine, open_store, writing
from zldesk.store.backup import check
from zldesk.store.schema import LATEST, upgrade

from .conftest import store_checksum

ROSTER = data_dir() / "roster" / "demo.toml"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


def _everything(cli, at: datetime) -> dict:
    """What a user sees of every ticket at `at`: the list and each one shown, as JSON. Read at one given
    instant: a running clock (inside its window) ticks between two reads."""
    import zldesk.commands.tickets as ticket_commands

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ticket_commands, "_now", lambda: at)
        listed = json.loads(cli("ticket", "list", "--json").stdout)
        return {
            "list": listed,
            "show": {t["id"]: json.loads(cli("ticket", "show", str(t["id"]), "--json").stdout) for t in listed},
        }


def test_backup_is_owner_only_whole_and_never_overwrites(cli, db_path, tmp_path):
    cli("ticket", "new", "--severity", "2", "--title", "收费处打印机不出票", "--phone", "138-0000-0001")
    out = tmp_path / "backups" / "zldesk-1.db"
    out.parent.mkdir()
    old = os.umask(0o022)
    try:
        ran = cli("backup", str(out))
    finally:
        os.umask(old)
    assert ran.exit_code == 0, ran.stderr
    assert "1 张工单" in ran.stdout
    assert _mode(out) == 0o600
    assert check(out).tickets == 1
    assert store_checksum(out) == store_checksum(db_path)

    again = cli("backup", str(out))
    assert again.exit_code == 2 and "--force" in again.stderr
    forced = cli("backup", str(out), "--force", "--json")
    assert forced.exit_code == 0
    info = json.loads(forced.stdout)
    assert info["tickets"] == 1 and info["schema_version"] == LATEST and info["bytes"] == out.stat().st_size
    assert os.listdir(out.parent) == [out.name]  # no temporary file left behind


def test_backup_of_other_databases_is_pg_dumps_job(cli):
    ran = cli("--db", "postgresql+psycopg://zl@db.example/zldesk", "backup", "x.db")
    assert ran.exit_code == 2
    assert "pg_dump" in ran.stderr and "Traceback" not in ran.stderr


def test_restore_reproduces_every_ticket(cli, db_path, tmp_path, monkeypatch):
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    monkeypatch.setattr(ticket_commands, "_now", lambda: now)  # deadlines shown relative to one moment
    for level, title in ((1, "HIS 全院无法登录"), (2, "门诊收费打印机不出票"), (3, "报表导出乱码")):
        assert (
            cli("ticket", "new", "--severity", str(level), "--title", title, "--phone", "138-0000-0001").exit_code == 0
        )
    cli("ticket", "ack", "1")
    cli("ticket", "assign", "1", "王芳")
    cli("ticket", "note", "2", "已远程查看")
    assert cli("roster", "import", str(ROSTER)).exit_code == 0
    at = datetime.now(UTC)
    before, content = _everything(cli, at), store_checksum(db_path)
    backup = tmp_path / "before-changes.db"
    assert cli("backup", str(backup)).exit_code == 0

    cli("ticket", "new", "--severity", "4", "--title", "新增的工单")
    cli("ticket", "resolve", "1")
    cli("ticket", "note", "2", "又来电话")
    variant = tmp_path / "leishan.toml"
    variant.write_text(
        (data_dir() / "contracts" / "leishan.toml")
        .read_text(encoding="utf-8")
        .replace('title = "', 'title = "改过的 ', 1),
        encoding="utf-8",
    )
    assert cli("import", "contract", str(variant)).exit_code == 0
    changed = store_checksum(db_path)
    assert changed != content and _everything(cli, at) != before

    gc.collect()  # the engines this process's CLI runs left: closed before their file is replaced
    ran = cli("restore", str(backup), "--yes")
    assert ran.exit_code == 0, ran.stderr
    assert _everything(cli, at) == before
    assert store_checksum(db_path) == content
    (kept,) = db_path.parent.glob("zldesk.db.before-restore-*")
    assert store_checksum(kept) == changed and _mode(kept) == 0o600
    assert _mode(db_path) == 0o600
    assert not [n for n in _siblings(db_path) if n.endswith(".tmp")]


def test_restore_onto_a_new_machine(cli, db_path, tmp_path):
    """No store yet where the backup goes: it becomes the store, nothing to keep."""
    cli("ticket", "new", "--severity", "2", "--title", "一张工单")
    backup = tmp_path / "b.db"
    cli("backup", str(backup))
    fresh = tmp_path / "laptop" / "zldesk.db"
    ran = cli("--db", str(fresh), "restore", str(backup), "--yes", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["kept"] is None
    assert store_checksum(fresh) == store_checksum(db_path) and _mode(fresh) == 0o600
    assert json.loads(cli("--db", str(fresh), "ticket", "show", "1", "--json").stdout)["title"] == "一张工单"


def test_restore_checks_the_file_before_touching_the_store(cli, db_path, tmp_path):
    cli("ticket", "new", "--severity", "2", "--title", "一张工单")
    content = store_checksum(db_path)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE patients (id INTEGER)")
    conn.commit()
    conn.close()
    newer = tmp_path / "newer.db"
    assert cli("backup", str(newer)).exit_code == 0
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    raw_copy = tmp_path / "raw.db"  # a store copied with cp while in use: its -wal beside it
    shutil.copyfile(db_path, raw_copy)
    Path(f"{raw_copy}-wal").write_bytes(b"x" * 100)

    for bad, says in (
        (garbage, "不是可读的 SQLite"),
        (foreign, "不是 zldesk"),
        (newer, "比本程序新"),
        (raw_copy, "-wal"),
        (tmp_path / "missing.db", "找不到"),
    ):
        ran = cli("restore", str(bad), "--yes")
        assert ran.exit_code != 0 and says in ran.stderr, (bad, ran.stderr)
        assert str(bad) in ran.stderr and "Traceback" not in ran.stderr
    assert store_checksum(db_path) == content
    assert not [n for n in _siblings(db_path) if "before-restore" in n or n.endswith(".tmp")]


def test_restore_asks_first(cli, db_path, tmp_path):
    cli("ticket", "new", "--severity", "2", "--title", "一张工单")
    backup = tmp_path / "b.db"
    cli("backup", str(backup))
    cli("ticket", "new", "--severity", "3", "--title", "第二张")
    content = store_checksum(db_path)
    ran = cli("restore", str(backup), input="n\n")
    assert ran.exit_code == 1 and "替换" in ran.stdout
    assert store_checksum(db_path) == content
    assert not [n for n in _siblings(db_path) if "before-restore" in n or n.endswith(".tmp")]


def test_restore_is_refused_while_another_process_has_the_store_open(cli, db_path, tmp_path):
    cli("ticket", "new", "--severity", "2", "--title", "一张工单")
    backup = tmp_path / "b.db"
    cli("backup", str(backup))
    content = store_checksum(db_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom zldesk.store import open_store, reading\n"
            "e = open_store(sys.argv[1])\nwith reading(e) as s: s.connection()\nprint('open', flush=True)\ntime.sleep(60)",
            f"sqlite:///{db_path}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        gc.collect()
        ran = cli("restore", str(backup), "--yes")
    finally:
        holder.kill()
        holder.wait()
    assert ran.exit_code == 5 and "正被其他进程使用" in ran.stderr
    assert store_checksum(db_path) == content
    assert not [n for n in _siblings(db_path) if "before-restore" in n or n.endswith(".tmp")]


def test_a_connection_to_the_replaced_file_finds_no_database(cli, db_path, tmp_path):
    """A process that opened the store just before the restore must not go on with the old file: it
    would write -wal/-shm by name beside the restored one."""
    cli("ticket", "new", "--severity", "2", "--title", "一张工单")
    backup = tmp_path / "b.db"
    cli("backup", str(backup))
    gc.collect()
    early = sqlite3.connect(db_path)  # opened, not used yet: nothing to see for the in-use check
    try:
        assert cli("restore", str(backup), "--yes").exit_code == 0
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            early.execute("SELECT count(*) FROM ticket").fetchone()
    finally:
        early.close()
    assert check(db_path).tickets == 1


def test_restore_over_a_broken_store_keeps_its_bytes(cli, db_path, tmp_path):
    cli("ticket", "new", "--severity", "2", "--title", "一张工单")
    backup = tmp_path / "b.db"
    cli("backup", str(backup))
    gc.collect()
    db_path.write_bytes(b"\0" * 4096 + b"disk trouble")
    ran = cli("restore", str(backup), "--yes")
    assert ran.exit_code == 0, ran.stderr
    (kept,) = db_path.parent.glob("zldesk.db.before-restore-*")
    assert kept.read_bytes() == b"\0" * 4096 + b"disk trouble"
    assert check(db_path).tickets == 1


def _old_store(path: Path, version: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    with writing(engine) as session:
        upgrade(session.connection(), target=version)
        session.connection().execute(
            text(
                "INSERT INTO contract (code, customer, vendor, product, timezone, title, updated_at) "
                "VALUES ('old', '旧医院', 'v', 'ZLHIS', 'Asia/Shanghai', '', '2025-01-01 00:00:00')"
            )
        )
    engine.dispose()


def test_upgrade_writes_a_backup_first(tmp_path, capsys):
    path = tmp_path / "store" / "zldesk.db"
    path.parent.mkdir()
    _old_store(path, 1)
    before = store_checksum(path)
    heard: list[UpgradeBackup] = []
    open_store(f"sqlite:///{path}", on_backup=heard.append).dispose()
    (bak,) = path.parent.glob(f"zldesk.db.pre-v{LATEST}-*.bak")
    assert _mode(bak) == 0o600
    assert check(bak).version == 1 and store_checksum(bak) == before
    assert heard == [UpgradeBackup(1, LATEST, bak)]
    assert capsys.readouterr() == ("", "")  # the store says nothing; its callers do
    open_store(f"sqlite:///{path}", on_backup=heard.append).dispose()  # already upgraded: no second copy
    assert len(list(path.parent.glob("*.bak"))) == 1 and len(heard) == 1


def test_the_cli_and_the_console_say_where_the_upgrade_backup_is(cli, db_path, tmp_path, capsys, monkeypatch):
    from zldesk.app import ZlDeskApp

    db_path.parent.mkdir()
    _old_store(db_path, 1)
    ran = cli("contracts")
    assert ran.exit_code == 0, ran.stderr
    (bak,) = db_path.parent.glob(f"zldesk.db.pre-v{LATEST}-*.bak")
    assert ran.stderr == f"zldesk：数据库结构将从第 1 版升级到第 {LATEST} 版；升级前的备份在 {bak}\n"
    console = tmp_path / "console" / "zldesk.db"
    console.parent.mkdir()
    _old_store(console, 2)
    monkeypatch.setattr(ZlDeskApp, "run", lambda app: None)  # `zldesk` opens the store, then the console
    ran = cli("--db", str(console))
    assert ran.exit_code == 0, ran.stderr
    (bak,) = console.parent.glob(f"zldesk.db.pre-v{LATEST}-*.bak")
    assert ran.stderr == f"zldesk：数据库结构将从第 2 版升级到第 {LATEST} 版；升级前的备份在 {bak}\n"


def test_no_backup_for_a_new_or_current_store(tmp_path):
    path = tmp_path / "zldesk.db"
    open_store(f"sqlite:///{path}").dispose()
    open_store(f"sqlite:///{path}").dispose()
    assert not list(tmp_path.glob("*.bak"))


def test_a_failed_backup_stops_the_upgrade(tmp_path, monkeypatch):
    from zldesk.errors import StoreError
    from zldesk.store import backup as backups

    def full_disk(store, dest, force=False):
        raise StoreError("备份失败", f"{dest}: database or disk is full")

    path = tmp_path / "zldesk.db"
    _old_store(path, 1)
    before = store_checksum(path)
    monkeypatch.setattr(backups, "backup", full_disk)
    with pytest.raises(StoreError, match="升级前无法备份"):
        open_store(f"sqlite:///{path}")
    assert store_checksum(path) == before and check(path).version == 1
