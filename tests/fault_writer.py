"""SIGKILL faults: writers go through zldesk's own store layer and acknowledge a change only after it
committed; the parent kills them at random moments and checks the store after every kill. Every
other kill of each kind waits for the writer's first acknowledged change and lands at a random moment
after it, so every kind has its acknowledged changes to check however slow its writer is.

    python tests/fault_writer.py --report --kills 150     # the experiment alone, figures as JSON
    ZLDESK_FULL=1 pytest tests/test_faults.py -s          # the same inside the test run (30 kills without it)
    python tests/fault_writer.py --backup-bench 20000     # time zldesk backup of a store under two writers

Three writers run at once: ticket bursts (open_ticket/act), `zldesk import contract` of leishan.toml
variants, `zldesk roster import` of demo.toml variants. Each variant k changes several places at once
(title and module count; a phone, a rotation order and a shift end), so a half-written import shows as
a store whose places name different k. Writers are forked from a zygote that imported zldesk once: a
kill costs milliseconds instead of the 1.2 s interpreter start, and each writer is still its own process.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from zldesk.data import data_dir

KINDS = ("tickets", "contract", "roster")
KILL_WINDOW_S = 1.0  # a writer lives up to this long: several commits each, kills inside and between them
ACK_TIMEOUT_S = 60.0  # a writer waited for that acknowledges nothing in this long is a finding, not bad luck
_SHIFT = 'source = "医院机房搬迁驻场"'


# ---- the variants: everything derives from k, so the parent can tell which file a state came from ----


def modules_of(k: int) -> int:
    return 33 - k % 4


def contract_variant(k: int) -> bytes:
    from zldesk.contract import dumps_toml, read_contract_file

    c = read_contract_file(data_dir() / "contracts" / "leishan.toml")
    return dumps_toml(dataclasses.replace(c, title=f"{c.title} #{k}", modules=c.modules[: modules_of(k)])).encode()


def roster_variant(k: int) -> bytes:
    text = (data_dir() / "roster" / "demo.toml").read_text(encoding="utf-8")
    hotline = ["王芳", "刘洋", "陈静"]
    hotline = hotline[k % 3 :] + hotline[: k % 3]
    for old, new in (
        (_SHIFT, f'source = "医院机房搬迁驻场 #{k}"'),
        ('phone = "138-0000-0101"', f'phone = "139-{k % 10000:04d}-0101"'),
        ("end = 2026-10-03T21:00:00", f"end = 2026-10-03T{19 + k % 4}:00:00"),
        ('engineers = ["王芳", "刘洋", "陈静"]', "engineers = " + json.dumps(hotline, ensure_ascii=False)),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return text.encode()


# ---- the writers (in forked children) ----------------------------------------------------------------


class Acks:
    """Acknowledgements go to a file with os.write: once written, a SIGKILL cannot take them back."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def __call__(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())


def write_tickets(job: dict, ack: Acks, rng: random.Random) -> None:
    from zldesk.store import open_store, writing
    from zldesk.store.tickets import act, open_ticket
    from zldesk.tickets import Action

    engine = open_store(f"sqlite:///{job['db']}")
    while True:
        now = datetime.now(UTC)
        with writing(engine) as session:
            tid, _, _ = open_ticket(
                session,
                "leishan",
                {"severity": rng.randint(1, 4), "title": f"故障注入 {rng.random()}", "phone": "138-0000-0000"},
                now - timedelta(minutes=1),
                "fault",
            )
        ack(f"T {tid}")
        for kind in rng.choice([(), ("note",), ("ack", "note"), ("note", "ack", "note")]):
            data = {"text": f"备注 {rng.random()}"} if kind == "note" else {}
            with writing(engine) as session:
                t, _, _ = act(session, tid, Action(kind, datetime.now(UTC), data), "fault")
            ack(f"E {tid} {t.version}")
        time.sleep(rng.uniform(0, 0.03))  # a pause between bursts: SQLite's busy wait backs off up to 100 ms,
        # and a writer that never pauses starves the imports waiting for the lock


def _cli(db: str, *args: str) -> None:
    from zldesk.cli import app

    code = app(["--db", db, *args], standalone_mode=False)
    if code not in (None, 0):
        raise RuntimeError(f"zldesk {' '.join(args)} 退出码 {code}")


def import_contracts(job: dict, ack: Acks, rng: random.Random) -> None:
    while True:
        k = rng.randrange(1, 10**9)
        raw = contract_variant(k)
        path = Path(job["work"]) / f"contract-{os.getpid()}-{k}.toml"
        path.write_bytes(raw)
        _cli(job["db"], "import", "contract", str(path))
        ack(f"C {k} {hashlib.sha256(raw).hexdigest()}")


def import_rosters(job: dict, ack: Acks, rng: random.Random) -> None:
    while True:
        k = rng.randrange(1, 10**9)
        raw = roster_variant(k)
        path = Path(job["work"]) / f"roster-{os.getpid()}-{k}.toml"
        path.write_bytes(raw)
        _cli(job["db"], "roster", "import", str(path))
        ack(f"R {k} {hashlib.sha256(raw).hexdigest()}")


def upgrade_store(job: dict, ack: Acks, _rng: random.Random) -> None:
    """open_store on an old store, each migration step slowed so that kills land inside the upgrade."""
    from zldesk.store import open_store, schema

    def slow(version, step):
        def run(conn):
            ack(f"S {version}")
            step(conn)
            time.sleep(job["delay"])

        return run

    schema.MIGRATIONS[:] = [(v, slow(v, step)) for v, step in schema.MIGRATIONS]
    open_store(f"sqlite:///{job['db']}").dispose()
    ack("D")
    time.sleep(3600)  # done: wait for the kill like every writer


def limited_cli(job: dict, ack: Acks, _rng: random.Random) -> None:
    """One `zldesk ...` whose writes fail beyond `limit` bytes of any file (EFBIG): a disk that fills up
    under the real store code. Its output goes to `<ack>.out`; the ack says how it ended."""
    import resource
    import traceback

    out = os.open(f"{job['ack']}.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer instead of failing the write
    resource.setrlimit(resource.RLIMIT_FSIZE, (job["limit"], job["limit"]))
    from zldesk.cli import app

    try:
        app(["--db", job["db"], *job["args"]], prog_name="zldesk")
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = "traceback"
    sys.stdout.flush()
    sys.stderr.flush()
    ack(f"exit {code}")
    os._exit(0)


WRITERS = {
    "tickets": write_tickets,
    "contract": import_contracts,
    "roster": import_rosters,
    "upgrade": upgrade_store,
    "cli": limited_cli,
}


def zygote() -> None:
    """Reads JSON lines on stdin: a job (`kind`, `db`, `ack`, `seed`, ...) is forked, its pid printed;
    `{"wait": pid}` reaps it and prints its exit code (-9 for SIGKILL)."""
    # What the writers would import or compute on first use, done once here and inherited by every fork.
    import getpass  # noqa: F401

    import rich.console  # noqa: F401

    import zldesk.cli  # noqa: F401
    import zldesk.contract  # noqa: F401
    import zldesk.roster  # noqa: F401
    import zldesk.store.contracts  # noqa: F401
    import zldesk.store.roster  # noqa: F401
    import zldesk.store.schema  # noqa: F401
    import zldesk.store.tickets  # noqa: F401
    from zldesk.calendar import ChinaCalendar

    ChinaCalendar.shared()
    for line in sys.stdin:
        job = json.loads(line)
        if "wait" in job:
            _, status = os.waitpid(job["wait"], 0)
            print(os.waitstatus_to_exitcode(status), flush=True)
            continue
        pid = os.fork()
        if pid == 0:
            _child(job)
        print(pid, flush=True)


def _child(job: dict) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the zygote's pipes are not the writer's; its CLI output goes nowhere
        os.dup2(devnull, fd)
    ack = Acks(Path(job["ack"]))
    try:
        WRITERS[job["kind"]](job, ack, random.Random(job.get("seed", 0)))
    except BaseException as e:  # a writer only ever ends by SIGKILL; anything else is a finding
        ack(f"X {type(e).__name__}: {e}")
    os._exit(1)


class Zygote:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "ZLDESK_CACHE": "off"},
        )

    def _ask(self, job: dict) -> int:
        self.proc.stdin.write(json.dumps(job, default=str) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def run(self, kind: str, db: Path, ack: Path, **extra) -> int:
        return self._ask({"kind": kind, "db": str(db), "ack": str(ack), **extra})

    def wait(self, pid: int) -> int:
        return self._ask({"wait": pid})

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


# ---- the checks (in the parent) ----------------------------------------------------------------------


@dataclasses.dataclass
class Acked:
    tickets: set = dataclasses.field(default_factory=set)
    events: set = dataclasses.field(default_factory=set)
    contracts: set = dataclasses.field(default_factory=set)  # sha256 of each imported file
    rosters: set = dataclasses.field(default_factory=set)
    errors: list = dataclasses.field(default_factory=list)

    def read(self, path: Path) -> None:
        if not path.exists():  # killed before it opened its ack file
            return
        for line in path.read_text().splitlines():
            tag, *rest = line.split(" ", 1)
            value = rest[0] if rest else ""
            if tag == "T":
                self.tickets.add(int(value))
                self.events.add((int(value), 1))
            elif tag == "E":
                tid, seq = value.split()
                self.events.add((int(tid), int(seq)))
            elif tag == "C":
                self.contracts.add(value.split()[1])
            elif tag == "R":
                self.rosters.add(value.split()[1])
            else:
                self.errors.append(line)

    def count(self) -> dict:
        return {
            "tickets": len(self.tickets),
            "ticket_events": len(self.events),
            "contract_imports": len(self.contracts),
            "roster_imports": len(self.rosters),
        }


def verify(db: Path, acked: Acked) -> dict:
    """One read snapshot: integrity, every acknowledged change with its history row, nothing torn."""
    from zldesk.contract import read_contract_file
    from zldesk.roster import read_roster_toml
    from zldesk.store.rows import read_contracts, read_roster

    conn = sqlite3.connect(db, timeout=15, isolation_level=None)
    problems: list[str] = []
    try:
        conn.execute("BEGIN")
        check = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if check != ["ok"]:
            problems.append(f"integrity_check: {check[:3]}")
        versions = dict(conn.execute("SELECT id, version FROM ticket"))
        events = set(conn.execute("SELECT ticket_id, seq FROM ticket_event"))
        creates = {t for (t,) in conn.execute("SELECT ticket_id FROM ticket_event WHERE seq = 1 AND kind = 'create'")}
        indexed = {r for (r,) in conn.execute("SELECT rowid FROM ticket_search")}
        logs = {s for (s,) in conn.execute("SELECT sha256 FROM import_log")}
        roster_logs = {s for (s,) in conn.execute("SELECT sha256 FROM roster_event")}
        lost = (
            [f"ticket #{t}" for t in acked.tickets - versions.keys()]
            + [f"event {e}" for e in acked.events - events]
            + [f"contract import {s[:12]}" for s in acked.contracts - logs]
            + [f"roster import {s[:12]}" for s in acked.rosters - roster_logs]
        )
        per_ticket = Counter(t for t, _ in events)
        problems += [f"ticket #{t} without its create event" for t in versions.keys() - creates]
        problems += [
            f"ticket #{t} at version {v} with {per_ticket[t]} events"
            for t, v in versions.items()
            if per_ticket[t] != v or (t, v) not in events
        ]
        problems += [f"events of a missing ticket #{t}" for t in per_ticket.keys() - versions.keys()]
        problems += [f"ticket #{t} not in the search index" for t in versions.keys() - indexed]
        contract, cid = _check_contract(conn, problems, read_contracts, read_contract_file)
        _check_roster(conn, problems, contract, cid, read_roster, read_roster_toml)
        conn.execute("COMMIT")
    finally:
        conn.close()
    # Committed but never acknowledged (killed between the commit and the ack): allowed, and counted.
    # Only meaningful once every writer is dead: a live writer's acks are not read yet.
    return {
        "lost": lost,
        "problems": problems,
        "not_acknowledged": len(events - acked.events)
        + len(logs - acked.contracts - {""})
        + len(roster_logs - acked.rosters),
    }


def _variant_of(source: str) -> int:
    """The k of a variant file, from the path the import log keeps: `<kind>-<pid>-<k>.toml`."""
    return int(Path(source).stem.rsplit("-", 1)[1])


def _check_contract(conn, problems, read_contracts, read_contract_file):
    """The stored contract is exactly the file of the last import logged: never a mix of two."""
    ((cid, contract),) = read_contracts(conn).items()
    sha, source = conn.execute(
        "SELECT sha256, source FROM import_log WHERE contract_id = ? AND what = 'contract' ORDER BY id DESC LIMIT 1",
        (cid,),
    ).fetchone()
    if source.startswith("bundled:"):
        want = read_contract_file(data_dir() / "contracts" / "leishan.toml")
    else:
        raw = contract_variant(_variant_of(source))
        if hashlib.sha256(raw).hexdigest() != sha:
            problems.append(f"import log row names {source} but holds another file's digest")
        want = read_contract_file(Path(source), "toml", raw)
    if contract != want:
        problems.append(f"contract is not the file of its last import {source} ({len(contract.modules)} modules)")
    return contract, cid


def _check_roster(conn, problems, contract, cid, read_roster, read_roster_toml) -> None:
    """Likewise the roster: rotations, fixed shifts and a phone all from the last imported file."""
    roster = read_roster(conn, contract, cid)
    imports = conn.execute("SELECT count(*) FROM roster_event WHERE kind = 'import'").fetchone()[0]
    if len(roster.overrides) != 2 * imports:  # each demo file adds its two overrides
        problems.append(f"{len(roster.overrides)} overrides after {imports} roster imports")
    if not imports:
        if roster.rotations or roster.shifts:
            problems.append("a roster without its import event")
        return
    sha, source = conn.execute(
        "SELECT sha256, source FROM roster_event WHERE kind = 'import' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    raw = roster_variant(_variant_of(source))
    if hashlib.sha256(raw).hexdigest() != sha:
        problems.append(f"roster event names {source} but holds another file's digest")
    want = read_roster_toml(raw.decode(), source, contract)
    keys = [(x.line, x.engineer, x.start, x.end) for x in roster.shifts]  # a shift's source is kept when
    want_keys = [(x.line, x.engineer, x.start, x.end) for x in want.shifts]  # only that differs
    phone, want_phone = ({e.name: e.phone for e in r.engineers}["王芳"] for r in (roster, want))
    if roster.rotations != want.rotations or keys != want_keys or phone != want_phone:
        problems.append(f"roster is not all of its last import {source}")


# ---- the experiment ----------------------------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class Kill:
    """One writer of a batch and when it dies: `offset` after its birth, or after its first ack."""

    kind: str
    ack: Path
    pid: int
    offset: float
    after_ack: bool
    due: float | None = None  # the monotonic time of the kill, once known
    waited: float = 0.0  # from its birth to its first ack


def when_due(batch: list[Kill]):
    """The batch's writers, each when its kill is due. Polls the ack files of those killed after an ack:
    they die `offset` after their first one shows (a writer slower than ACK_TIMEOUT_S is an error)."""
    born, pending = time.monotonic(), list(batch)
    for k in pending:
        if not k.after_ack:
            k.due = born + k.offset
    while pending:
        now = time.monotonic()
        for k in pending:
            if k.due is None and k.ack.exists() and k.ack.stat().st_size:
                k.due, k.waited = now + k.offset, now - born
            elif k.due is None and now - born > ACK_TIMEOUT_S:
                raise TimeoutError(f"the {k.kind} writer acknowledged nothing in {ACK_TIMEOUT_S:.0f} s")
        ready = [k for k in pending if k.due is not None and k.due <= now]
        if ready:
            k = min(ready, key=lambda k: k.due)
            pending.remove(k)
            yield k  # the caller kills it and checks the store: time passes before the next look
            continue
        polling = any(k.due is None for k in pending)
        next_due = min((k.due for k in pending if k.due is not None), default=now + 1)
        time.sleep(max(0.0, min(next_due - now, 0.005 if polling else 1.0)))


def run(db: Path, kills: int, seed: int, log=print) -> dict:
    """Kill `kills` writers (three at a time, at random moments), checking the store after every kill.
    Every other kill of each kind, its first among them, comes after that writer's first ack."""
    from zldesk.store import open_store

    rng = random.Random(seed)
    open_store(f"sqlite:///{db}").dispose()
    work = Path(tempfile.mkdtemp(prefix="faults-", dir=db.parent))
    acked, statuses, lost, problems, found = Acked(), Counter(), [], [], {}
    zygote, alive, done, start = Zygote(), set(), 0, time.monotonic()
    per_kind, waited, longest_wait = Counter(), Counter(), 0.0
    try:
        while done < kills:
            batch = []
            for kind in KINDS[: min(3, kills - done)]:
                ack = work / f"ack-{done}-{kind}"
                pid = zygote.run(kind, db, ack, seed=rng.randrange(2**32), work=work)
                alive.add(pid)
                after_ack = per_kind[kind] % 2 == 0  # so that each kind has acknowledged changes to check
                batch.append(Kill(kind, ack, pid, rng.uniform(0, KILL_WINDOW_S), after_ack))
                per_kind[kind] += 1
            for k in when_due(batch):
                os.kill(k.pid, signal.SIGKILL)
                statuses[zygote.wait(k.pid)] += 1
                alive.discard(k.pid)
                acked.read(k.ack)
                found = verify(db, acked)  # the other writers of the batch are still writing
                done += 1
                lost += found["lost"]
                problems += found["problems"]
                if found["lost"] or found["problems"]:
                    log(f"kill {done} ({k.kind}): {found}")
                if k.after_ack:
                    waited[k.kind] += 1
                    longest_wait = max(longest_wait, k.waited)
    finally:
        for pid in alive:  # a failed check must not leave writers running
            os.kill(pid, signal.SIGKILL)
        zygote.close()
    return {
        "seed": seed,
        "kills": done,
        "acknowledged": acked.count(),
        "losses": len(lost),
        "lost": lost[:10],
        "problems": problems[:10],
        "writer_errors": acked.errors[:10],
        "exit_codes": {str(k): v for k, v in statuses.items()},
        "committed_not_acknowledged": found.get("not_acknowledged"),
        "seconds": round(time.monotonic() - start, 1),
        "kills_after_ack": dict(waited),
        "longest_ack_wait_s": round(longest_wait, 2),
    }


def backup_bench(db: Path, tickets: int, writers: int = 2) -> dict:
    """Time `zldesk backup` of a store of `tickets` tickets while `writers` ticket writers keep committing."""
    from zldesk.store import open_store, writing
    from zldesk.store.backup import backup
    from zldesk.store.tickets import open_ticket

    engine = open_store(f"sqlite:///{db}")
    at, made = datetime.now(UTC) - timedelta(days=30), 0
    while made < tickets:
        with writing(engine) as session:
            for _ in range(min(500, tickets - made)):
                open_ticket(
                    session,
                    "leishan",
                    {
                        "severity": 3,
                        "title": f"门诊收费打印机不出票 {made}",
                        "description": "收费处三号窗口打印机卡纸，已重启无效" * 3,
                    },
                    at,
                    "bench",
                )
                made += 1
    engine.dispose()
    zygote = Zygote()
    pids = [zygote.run("tickets", db, db.parent / f"bench-ack-{i}", seed=i, work=db.parent) for i in range(writers)]
    try:
        time.sleep(1.0)
        calls = []
        for i in range(3):
            copy = backup(db, db.parent / f"copy-{i}.db")
            calls.append(round(copy.seconds, 3))
        start = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "zldesk", "--db", str(db), "backup", str(db.parent / "cli.db")],
            check=True,
            capture_output=True,
        )
        command = round(time.monotonic() - start, 3)
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
            zygote.wait(pid)
        zygote.close()
    found = verify(copy.path, Acked())
    return {
        "tickets": made,
        "bytes": db.stat().st_size,
        "writers": writers,
        "backup_seconds": calls,
        "zldesk_backup_command_seconds": command,
        "copy_tickets": copy.tickets,
        "copy_problems": found["problems"],
    }


def main() -> None:
    if sys.argv[1:2] == ["zygote"]:
        zygote()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", action="store_true", help="run the experiment and print its figures")
    parser.add_argument("--backup-bench", type=int, metavar="TICKETS", help="time a backup under writers instead")
    parser.add_argument("--kills", type=int, default=150)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--db", type=Path, default=None, help="default: a new file in a temporary directory")
    args = parser.parse_args()
    if not args.report and not args.backup_bench:
        parser.error("say --report or --backup-bench TICKETS")
    os.environ.setdefault("ZLDESK_CACHE", "off")
    db = args.db or Path(tempfile.mkdtemp(prefix="zldesk-faults-")) / "zldesk.db"
    if args.backup_bench:
        print(json.dumps(backup_bench(db.absolute(), args.backup_bench), ensure_ascii=False, indent=2))
        return
    figures = run(
        db.absolute(),
        args.kills,
        args.seed if args.seed is not None else random.randrange(2**32),
        log=lambda s: print(s, file=sys.stderr),
    )
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    sys.exit(1 if figures["losses"] or figures["problems"] or figures["writer_errors"] else 0)


if __name__ == "__main__":
    main()
