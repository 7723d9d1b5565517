"""Who can read a hospital's phone numbers: owner-only files or a configured group, never a store anyone
on the host can read, never a store on a network filesystem; and a canary name and number pushed
through a database error and a crash at debug log level show up in no output, log or crash report."""

from __future__ import annotations

import grp
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from zldesk.errors import StoreError
from zldesk.store import files

from .conftest import LEISHAN


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _a_group() -> tuple[str, int]:
    """A group this test may hand files to: the process's own primary group."""
    gid = os.getgid()
    return grp.getgrgid(gid).gr_name, gid


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_a_world_readable_store_is_refused_by_cli_and_console(cli, db_path, suffix):
    assert cli("contracts").exit_code == 0
    target = Path(f"{db_path}{suffix}")
    if not target.exists():
        target.write_bytes(b"")
        target.chmod(0o600)
    target.chmod(0o644)
    ran = cli("contracts")
    assert ran.exit_code != 0
    assert "任何人都能读写" in ran.stderr and str(target) in ran.stderr and "chmod o-rwx" in ran.stderr
    from zldesk.app import make_app

    with pytest.raises(StoreError, match="任何人都能读写"):
        make_app(f"sqlite:///{db_path}")  # the quick first-paint path checks too
    ran = cli()  # the console, through the real entry point
    assert ran.exit_code != 0 and "任何人都能读写" in ran.stderr


def test_a_store_on_a_network_filesystem_is_refused(cli, db_path, monkeypatch):
    assert cli("contracts").exit_code == 0
    folder = db_path.parent
    table = (
        f"22 1 0:21 / / rw,relatime - ext4 /dev/sda1 rw\n"
        f"99 22 0:52 / {folder} rw,relatime - nfs4 server:/export rw,vers=4.2\n"
    )
    monkeypatch.setattr(files, "read_mountinfo", lambda: table)
    ran = cli("contracts")
    assert ran.exit_code != 0 and "网络文件系统" in ran.stderr and "nfs4" in ran.stderr
    monkeypatch.setattr(files, "read_mountinfo", lambda: table.replace("nfs4", "xfs"))
    assert cli("contracts").exit_code == 0


def test_mountinfo_parsing_takes_the_longest_mount_point_and_unescapes():
    table = (
        "1 0 0:1 / / rw - ext4 /dev/sda1 rw\n"
        "2 1 0:2 / /mnt rw - tmpfs tmpfs rw\n"
        "3 2 0:3 / /mnt/team\\040share rw - cifs //srv/x rw\n"
        "4 2 0:4 / /mnt/teamother rw - nfs srv:/y rw\n"
    )
    original = files.read_mountinfo
    try:
        files.read_mountinfo = lambda: table
        assert files.filesystem_type(Path("/mnt/team share/zldesk.db")) == "cifs"
        assert files.filesystem_type(Path("/mnt/team/zldesk.db")) == "tmpfs"  # not /mnt/teamother
        assert files.filesystem_type(Path("/home/x/zldesk.db")) == "ext4"
    finally:
        files.read_mountinfo = original


@pytest.mark.parametrize(("access", "mode"), [("", 0o660), (":ro", 0o640)])
def test_a_configured_group_gets_the_store_its_wal_and_exports(cli, db_path, monkeypatch, tmp_path, access, mode):
    name, gid = _a_group()
    monkeypatch.setenv("ZLDESK_GROUP", name + access)
    old = os.umask(0o022)
    try:
        assert cli("ticket", "new", "--severity", "3", "--title", "共享库测试").exit_code == 0
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{db_path}{suffix}")
            assert (_mode(path), path.stat().st_gid) == (mode, gid), suffix
        assert _mode(db_path.parent) == mode | 0o110  # the folder: x where r
        out = tmp_path / "export.toml"
        assert cli("export", "contract", "-o", str(out)).exit_code == 0
        assert (_mode(out), out.stat().st_gid) == (mode, gid)
    finally:
        os.umask(old)


def test_without_a_group_everything_is_owner_only(cli, db_path, tmp_path):
    old = os.umask(0o000)  # even a careless umask
    try:
        assert cli("ticket", "new", "--severity", "3", "--title", "私有库").exit_code == 0
        out = tmp_path / "modules.csv"
        assert cli("export", "modules", "-o", str(out)).exit_code == 0
    finally:
        os.umask(old)
    assert _mode(db_path) == 0o600 and _mode(out) == 0o600
    assert _mode(db_path.parent) == 0o700


def test_an_unknown_group_is_an_error_not_a_silent_default(cli, monkeypatch):
    monkeypatch.setenv("ZLDESK_GROUP", "no-such-group-zldesk")
    ran = cli("contracts")
    assert ran.exit_code != 0 and "no-such-group-zldesk" in ran.stderr
    monkeypatch.setenv("ZLDESK_GROUP", "root:rwx")
    ran = cli("contracts")
    assert ran.exit_code != 0 and "ZLDESK_GROUP" in ran.stderr


CANARY_NAME = "金丝雀县人民医院"
CANARY_PHONE = "13912345678"

CRASH = r"""
import sys
from zldesk.app import make_app
app = make_app(sys.argv[1])
def boom():
    phone = sys.argv[2]  # a local variable holding the canary: a crash report must not print it
    raise RuntimeError("forced crash")
app.call_later(lambda: app.set_timer(0.3, boom))
app.run(headless=True, size=(80, 24))
sys.exit(app.return_code)  # as zldesk.console does
"""


def test_a_canary_never_leaks_through_errors_crashes_or_debug_logs(tmp_path):
    """A contract for 金丝雀县人民医院 and a ticket with the caller's number, then: a database error
    (a write SQLite refuses mid-transaction), a forced crash of the console, everything at debug log level.
    Neither the name nor the number appears in stdout, stderr, the log file or the crash report."""
    store = tmp_path / "canary.db"
    log = tmp_path / "zldesk.log"
    env = {
        **os.environ,
        "ZLDESK_DB": str(store),
        "ZLDESK_LOG_LEVEL": "debug",
        "ZLDESK_LOG_FILE": str(log),
        "ZLDESK_CACHE": "off",
        "TZ": "UTC",
    }
    contract = (
        LEISHAN.read_text(encoding="utf-8")
        .replace('code = "leishan"', 'code = "canary"')
        .replace("雷山县人民医院", CANARY_NAME)
    )
    (tmp_path / "canary.toml").write_text(contract, encoding="utf-8")

    def run(*args: str, code: str | None = None) -> subprocess.CompletedProcess:
        argv = (
            [sys.executable, "-c", code, f"sqlite:///{store}", CANARY_PHONE]
            if code
            else [sys.executable, "-m", "zldesk", *args]
        )
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)

    outputs = [
        run("import", "contract", str(tmp_path / "canary.toml")),
        run(
            "ticket",
            "new",
            "--contract",
            "canary",
            "--severity",
            "2",
            "--title",
            "收费处无法结算",
            "--caller",
            "李主任",
            "--phone",
            CANARY_PHONE,
        ),
    ]
    assert all(r.returncode == 0 for r in outputs), [r.stderr for r in outputs]
    import sqlite3

    conn = sqlite3.connect(store)  # the next write fails inside SQLite, mid-transaction
    conn.execute("CREATE TRIGGER boom BEFORE INSERT ON ticket_event BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    conn.commit()
    conn.close()
    failed = run("ticket", "note", "1", f"回拨 {CANARY_PHONE} 未接")
    assert failed.returncode != 0 and "数据库错误" in failed.stderr and "disk on fire" in failed.stderr
    crashed = run(code=CRASH)
    assert crashed.returncode != 0 and "forced crash" in (crashed.stdout + crashed.stderr)
    # What a command shows on success is the user's own data, asked for (the import names the hospital);
    # what must never carry it is an error, a crash report, and the log.
    shown = [r.stdout + r.stderr for r in (failed, crashed)]
    assert log.exists() and log.stat().st_size > 0, "debug logging wrote nothing: the test would prove nothing"
    assert "sqlalchemy.engine" in log.read_text(encoding="utf-8")  # SQL was logged, its values hidden
    texts = shown + [log.read_text(encoding="utf-8")]
    for text in texts:
        assert CANARY_PHONE not in text and CANARY_NAME not in text
    assert _mode(log) == 0o600


def test_a_directory_given_as_the_store_is_named_as_such(cli, tmp_path, monkeypatch):
    folder = tmp_path / "folder"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("ZLDESK_DB", str(folder))
    ran = cli("contracts")
    assert ran.exit_code != 0 and "不是文件" in ran.stderr and f"{folder}/zldesk.db" in ran.stderr
