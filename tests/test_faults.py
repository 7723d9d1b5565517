"""Faults: writers and an upgrade killed with SIGKILL, a disk whose writes or syncs fail, and a reader
left open that must not pin the WAL. Full counts (150 writer kills, more upgrade kills, every sync):

    ZLDESK_FULL=1 pytest tests/test_faults.py -s
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from zldesk.store import open_store, quick, writing
from zldesk.store.backup import backup, check
from zldesk.store.rows import board_rows
from zldesk.store.schema import LATEST, MIGRATIONS
from zldesk.store.tickets import open_ticket
from zldesk.store.watch import ChangeWatch

from . import fault_writer
from .conftest import missing
from .test_backup import _old_store

FULL = bool(os.environ.get("ZLDESK_FULL"))
STEP_DELAY = 0.05  # each migration step of a killed upgrade sleeps this long inside the transaction


@pytest.fixture(scope="module")
def zygote():
    z = fault_writer.Zygote()
    yield z
    z.close()


def _copy(src: Path, dest: Path) -> None:
    shutil.copyfile(src, dest)
    dest.chmod(0o600)  # zldesk refuses a store others can read


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


# ---- SIGKILL of writers --------------------------------------------------------------------------------


def test_killed_writers_lose_no_acknowledged_change(tmp_path):
    kills = 150 if FULL else 30
    seed = int(os.environ.get("ZLDESK_FAULT_SEED") or random.randrange(2**32))
    figures = fault_writer.run(tmp_path / "zldesk.db", kills, seed)
    (tmp_path / "faults.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2))
    print("\nSIGKILL faults:", json.dumps(figures, ensure_ascii=False))
    assert figures["kills"] == kills and figures["exit_codes"] == {"-9": kills}
    assert figures["writer_errors"] == []
    assert figures["losses"] == 0, figures["lost"]
    assert figures["problems"] == []
    # Each kind is killed kills/3 times, every other one after its writer's first ack: so each kind has
    # acknowledged changes to check, whatever the random moments and however slow the machine.
    assert figures["kills_after_ack"] == {kind: kills // 6 for kind in fault_writer.KINDS}
    assert all(n > 0 for n in figures["acknowledged"].values()), figures["acknowledged"]  # kills among commits


def test_the_checks_notice_a_loss_or_a_mix(tmp_path):
    """The harness's checks can fail: a missing acknowledged ticket, a contract or roster not all of
    its last import."""
    db = tmp_path / "zldesk.db"
    open_store(f"sqlite:///{db}").dispose()
    for kind, k in (("contract", 5), ("roster", 6)):
        path = tmp_path / f"{kind}-1-{k}.toml"
        path.write_bytes(fault_writer.contract_variant(k) if kind == "contract" else fault_writer.roster_variant(k))
        fault_writer._cli(str(db), *(["import", "contract"] if kind == "contract" else ["roster", "import"]), str(path))
    acked = fault_writer.Acked()
    assert fault_writer.verify(db, acked) == {"lost": [], "problems": [], "not_acknowledged": 2}
    acked.tickets.add(999)
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM module WHERE no = 1")
    conn.execute("UPDATE engineer SET phone = '139-0000-0000' WHERE name = '王芳'")
    conn.commit()
    conn.close()
    found = fault_writer.verify(db, acked)
    assert "ticket #999" in found["lost"]
    assert any("contract is not the file" in p for p in found["problems"])
    assert any("roster is not all" in p for p in found["problems"])


def test_a_kill_after_an_ack_waits_for_it_and_no_longer_than_the_timeout(tmp_path, monkeypatch):
    """The kills that make each kind's coverage certain: due once the writer's first ack is out, and a
    writer that never acknowledges anything stops the run instead of being killed unseen."""
    monkeypatch.setattr(fault_writer, "ACK_TIMEOUT_S", 0.2)
    acked = fault_writer.Kill("roster", tmp_path / "ack-1", pid=0, offset=0.0, after_ack=True)
    (tmp_path / "ack-1").write_text("R 1 x\n")
    assert list(fault_writer.when_due([acked])) == [acked] and acked.due is not None
    silent = fault_writer.Kill("contract", tmp_path / "ack-2", pid=0, offset=0.0, after_ack=True)
    with pytest.raises(TimeoutError, match="contract writer acknowledged nothing"):
        next(fault_writer.when_due([silent]))


# ---- SIGKILL during an upgrade -------------------------------------------------------------------------


@pytest.mark.parametrize("old", [1, MIGRATIONS[-2][0]])  # the first, and the one before the latest
def test_killed_upgrade_leaves_the_old_or_the_new_store(tmp_path, zygote, old):
    pristine = tmp_path / "old.db"
    _old_store(pristine, old)
    attempts = 24 if FULL else 6
    rng, outcomes = random.Random(), Counter()
    whole = _whole_upgrade(zygote, pristine, tmp_path / "whole")
    for i in range(attempts):
        home = tmp_path / f"try-{i}"
        home.mkdir(mode=0o700)
        db, ack = home / "zldesk.db", home / "ack"
        _copy(pristine, db)
        pid = zygote.run("upgrade", db, ack, delay=STEP_DELAY)
        anchored = i % 2 == 0  # half: just after a migration step began, so surely inside the transaction
        if anchored:
            step = f"S {rng.choice([v for v, _ in MIGRATIONS if v > old])}"
            deadline = time.monotonic() + 30
            while step not in _lines(ack) and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, STEP_DELAY * 0.8))
        else:  # anywhere from before the copy to after the commit
            time.sleep(rng.uniform(0, 1.3 * whole))
        os.kill(pid, signal.SIGKILL)
        assert zygote.wait(pid) == -9
        lines = _lines(ack)
        assert not [x for x in lines if x.startswith("X")], lines
        assert _integrity(db) == "ok"
        version = check(db).version
        began = any(x.startswith("S") for x in lines)
        assert version in (old, LATEST)
        if "D" in lines:  # open_store returned: committed
            assert version == LATEST
        if not began:
            assert version == old
        if anchored:
            assert version == old, lines  # killed inside the transaction: nothing of it stays
        if began:  # the copy comes before any migration, whole and openable
            (bak,) = home.glob(f"zldesk.db.pre-v{LATEST}-*.bak")
            assert check(bak).version == old
        outcomes["old" if version == old else "new"] += 1
        open_store(f"sqlite:///{db}").dispose()  # the next open upgrades it
        assert check(db).version == LATEST and _contract_codes(db) == ["old"]
    print(f"\nkilled upgrades from v{old} (the whole one takes {whole:.2f} s): {dict(outcomes)}")
    assert outcomes["old"] >= attempts // 2


def _whole_upgrade(zygote, pristine: Path, home: Path) -> float:
    """One slowed upgrade left to finish: how long the whole of it takes."""
    home.mkdir()
    db = home / "zldesk.db"
    _copy(pristine, db)
    start = time.monotonic()
    pid = zygote.run("upgrade", db, home / "ack", delay=STEP_DELAY)
    while "D" not in _lines(home / "ack") and time.monotonic() < start + 60:
        time.sleep(0.002)
    took = time.monotonic() - start
    os.kill(pid, signal.SIGKILL)
    assert zygote.wait(pid) == -9 and check(db).version == LATEST
    return took


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _contract_codes(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [c for (c,) in conn.execute("SELECT code FROM contract")]
    finally:
        conn.close()


# ---- a backup while writers write ------------------------------------------------------------------


def test_backup_of_a_store_under_writers(tmp_path, zygote):
    """Writers keep committing while the copy is made: it finishes, and is one consistent moment."""
    db = tmp_path / "zldesk.db"
    open_store(f"sqlite:///{db}").dispose()
    pids = [zygote.run("tickets", db, tmp_path / f"ack-{i}", seed=i, work=tmp_path) for i in range(2)]
    try:
        time.sleep(1.0)
        copy = backup(db, tmp_path / "copy.db")
        time.sleep(0.3)
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
            zygote.wait(pid)
    print(f"\nbackup under 2 writers: {copy.tickets} tickets, {copy.size} bytes, {copy.seconds:.3f} s")
    assert copy.seconds < 10
    found = fault_writer.verify(tmp_path / "copy.db", fault_writer.Acked())
    assert found["problems"] == []
    assert 0 < copy.tickets < check(db).tickets  # taken while the writers were writing


# ---- a failing disk --------------------------------------------------------------------------------------

_STAMP = re.compile(r"(\d{4}-\d\d-\d\d)[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d)?")
_HEX = re.compile(r"\b[0-9a-f]{64}\b|X'[0-9A-F]{64}'")  # a digest as text, or as a blob (v10's row_hash)
_MICROS = re.compile(r"\b\d{16}\b")  # a time as microseconds since 1970 (v10's history times)


def _dump(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def _content(db: Path, known: str = "") -> str:
    """Every row, with the times of this run and the digests that depend on them blanked: two runs of
    one change give the same text."""
    dump = _dump(db)
    today = datetime.now(UTC).date()
    near = {str(today + timedelta(days=d)) for d in range(-2, 3)}
    dump = _STAMP.sub(lambda m: "NOW" if m.group(1) in near else m.group(0), dump)
    now = datetime.now(UTC).timestamp() * 1e6
    dump = _MICROS.sub(lambda m: "NOW" if abs(int(m.group(0)) - now) < 3 * 86400e6 else m.group(0), dump)
    return _HEX.sub(lambda m: m.group(0) if m.group(0) in known else "NEWHEX", dump)


def _disk_ops(tmp_path: Path) -> dict[str, list[str]]:
    at = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    contract, roster = tmp_path / "contract-1-7.toml", tmp_path / "roster-1-7.toml"
    contract.write_bytes(fault_writer.contract_variant(7))
    roster.write_bytes(fault_writer.roster_variant(7))
    return {
        "ticket note": ["ticket", "note", "1", "已远程查看，等医院回复"],
        "ticket new": ["ticket", "new", "--severity", "2", "--title", "门诊收费打印机不出票", "--at", at],
        "import contract": ["import", "contract", str(contract)],
        "roster import": ["roster", "import", str(roster)],
    }


def _base_store(path: Path) -> None:
    engine = open_store(f"sqlite:///{path}")
    with writing(engine) as session:
        open_ticket(
            session, "leishan", {"severity": 3, "title": "报表导出乱码"}, datetime.now(UTC) - timedelta(hours=3), "张工"
        )
    engine.dispose()  # the last connection: everything is in the main file, no -wal


def _limited(zygote, base: Path, home: Path, args: list[str], limit: int) -> tuple[str, str, int, Path]:
    """Run `zldesk ARGS` with every file write beyond `limit` bytes failing, while another connection
    keeps the store open (as a console would). Returns (exit, output, -wal size, store)."""
    home.mkdir()
    db = home / "zldesk.db"
    _copy(base, db)
    holder = sqlite3.connect(db)
    holder.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()  # -wal empty, so the change's frames cross the limit
    try:
        pid = zygote.run("cli", db, home / "ack", limit=limit, args=args)
        assert zygote.wait(pid) == 0
        wal = Path(f"{db}-wal").stat().st_size
    finally:
        holder.close()
    return (home / "ack").read_text().split()[1], (home / "ack.out").read_text(), wal, db


@pytest.mark.parametrize("op", ["ticket note", "ticket new", "import contract", "roster import"])
def test_a_failing_disk_gives_an_error_and_the_old_or_new_store(tmp_path, zygote, op):
    base = tmp_path / "base.db"
    _base_store(base)
    args = _disk_ops(tmp_path)[op]
    known = _dump(base)
    before = _content(base, known)
    code, out, need, db = _limited(zygote, base, tmp_path / "whole", args, resource.RLIM_INFINITY)
    assert code == "0", out
    after = _content(db, known)
    assert after != before
    seen = []
    for limit in sorted({4096, need // 3, 2 * need // 3, need - 1, need}):
        code, out, _, db = _limited(zygote, base, tmp_path / f"limit-{limit}", args, limit)
        state = _content(db, known)
        seen.append((limit, code, "before" if state == before else "after" if state == after else "MIXED"))
        assert _integrity(db) == "ok"
        assert state in (before, after), seen
        assert "Traceback" not in out and code != "traceback", out
        if code != "0":
            assert "错误" in out and "磁盘" in out and "没有写入" in out, out  # says what happened, in words
        else:
            assert state == after
    print(f"\n{op}: -wal needs {need} bytes; (limit, exit, store) {seen}")
    assert seen[0][1] != "0" and seen[-1][1:] == ("0", "after")  # the fault was hit, and the limit is exact


_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

/* fsync/fdatasync fail with EIO from the Nth call on (N = $ZLDESK_FAIL_SYNC_FROM, from 0). */
static int calls;

static int failing(void) {
    const char *from = getenv("ZLDESK_FAIL_SYNC_FROM");
    return from && calls++ >= atoi(from);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (failing()) { errno = EIO; return -1; }
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return real(fd);
}

int fsync(int fd) {
    static int (*real)(int);
    if (failing()) { errno = EIO; return -1; }
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return real(fd);
}
"""


@pytest.fixture(scope="module")
def sync_shim(tmp_path_factory) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        missing("a C compiler (for the fsync shim)", "ZLDESK_REQUIRE_CC", "no cc or gcc on PATH")
    home = tmp_path_factory.mktemp("shim")
    (home / "shim.c").write_text(_SHIM)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(home / "shim.so"), str(home / "shim.c"), "-ldl"], check=True)
    return home / "shim.so"


# The syncs of one change in a new process: #0 the new -wal's header, #1 its directory, #2 the commit;
# then the last connection's close checkpoints: #3 the -wal, #4 the store file.
@pytest.mark.parametrize("fail_from", [0, 1, 2, 3, 4] if FULL else [2, 3])
@pytest.mark.parametrize("op", ["ticket note", "import contract"])
def test_a_failing_sync_gives_an_error_and_the_old_or_new_store(tmp_path, zygote, sync_shim, op, fail_from):
    base = tmp_path / "base.db"
    _base_store(base)
    args = _disk_ops(tmp_path)[op]
    known = _dump(base)
    before = _content(base, known)
    reference = tmp_path / "reference.db"
    _copy(base, reference)
    pid = zygote.run("cli", reference, tmp_path / "ack", limit=resource.RLIM_INFINITY, args=args)
    assert zygote.wait(pid) == 0 and (tmp_path / "ack").read_text() == "exit 0\n"
    after = _content(reference, known)

    db = tmp_path / "zldesk.db"
    _copy(base, db)
    env = {**os.environ, "LD_PRELOAD": str(sync_shim), "ZLDESK_FAIL_SYNC_FROM": str(fail_from)}
    ran = subprocess.run(
        [sys.executable, "-m", "zldesk", "--db", str(db), *args], env=env, capture_output=True, text=True, timeout=120
    )
    state = _content(db, known)
    print(
        f"\n{op}, syncs failing from #{fail_from}: exit {ran.returncode}, store "
        f"{'before' if state == before else 'after' if state == after else 'MIXED'}"
    )
    assert _integrity(db) == "ok"
    assert state in (before, after)
    assert "Traceback" not in ran.stderr, ran.stderr
    if ran.returncode:
        assert "错误" in ran.stderr and ran.returncode == 5
    else:
        assert state == after
    if fail_from <= 2:  # a sync of the change itself failed: it is refused, and is not there
        assert ran.returncode == 5 and state == before


# ---- a reader left open --------------------------------------------------------------------------------


def test_a_console_left_open_does_not_pin_the_wal(tmp_path, zygote):
    db = tmp_path / "zldesk.db"
    open_store(f"sqlite:///{db}").dispose()
    conn = quick.connect(db)  # the console's reader and change watch, as app.py keeps them
    watch = ChangeWatch(path=db)
    checkpoint = sqlite3.connect(db, timeout=1)
    try:
        with quick.reading(conn):
            board_rows(conn)
        watch.changed()
        _write_for(zygote, db, tmp_path / "ack-1", 1.0)
        assert watch.changed()
        with quick.reading(conn):
            assert board_rows(conn)  # the console's refresh: another short read
        wal = Path(f"{db}-wal")
        grown = wal.stat().st_size
        busy, frames, done = checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        print(f"\n-wal {grown} bytes before the checkpoint, {wal.stat().st_size} after; busy={busy}")
        assert grown > 0 and busy == 0 and frames == done and wal.stat().st_size == 0

        # The same reader holding its transaction open does pin it: the check above can fail.
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM ticket").fetchone()
        _write_for(zygote, db, tmp_path / "ack-2", 0.3)
        busy, _, _ = checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 1 and wal.stat().st_size > 0
        conn.execute("COMMIT")
    finally:
        checkpoint.close()
        watch.close()
        conn.close()


def _write_for(zygote, db: Path, ack: Path, seconds: float) -> None:
    pid = zygote.run("tickets", db, ack, seed=1, work=ack.parent)
    time.sleep(seconds)
    os.kill(pid, signal.SIGKILL)
    assert zygote.wait(pid) == -9
    assert "T " in ack.read_text()
