"""`zldesk ticket list` as a whole process, against its floor: the same SELECT in raw sqlite3, its rows
written out as JSON or as plain lines, in one Python process.

    python benchmarks/list_bench.py [--db PATH] [--runs 3] [--quick]

Four commands are timed as processes, stdout to a file: `ticket list --open --json`, `ticket list --open`
and their floors. Each runs in a fresh child of its own, so its peak RSS is its own (resource.getrusage
RUSAGE_CHILDREN ru_maxrss of that child's child); the median wall time of `--runs` each, interleaved so a
busy moment of the machine weighs on both alike; beside the ratio of wall times, that of the CPU times
(user + system), which a machine busy with other work disturbs less. Both sides must list the same
tickets in the same order; a disagreement is printed and the exit code is 1. Target (issue 15, goal 2): each within 2x its floor, at
20,000 open tickets of 100,000 and at 200,000 of 1,000,000, and memory flat in the number of tickets.

The floor: one `SELECT` of the columns a listed ticket is made of, in the board's order (soonest due
first), over the driver's cursor, and each row written as the command writes it, with nothing computed
that the row does not hold. --json: one object per row with the keys of `ticket list --json` in its
order (the clock's ten inside), each its column's value as stored (times as SQLite's UTC text, the time
left the due minus now), dumped as a script would, `json.dumps(indent=2, ensure_ascii=False)` per row
into one JSON list: the json module's indenting encoder, which is Python (zldesk writes the same bytes
through the C encoder, commands/output.py; a floor doing that too is about a third faster). Text: the
line of `ticket list`, its customer and state by name, the due in local time (+08:00) and the time left
as h:mm:ss from the stored due (zldesk counts business time and years and zones, the floor does not). With `--db` the
store given is read (never written); without, a small store is built first (benchmarks/tickets_bench.py,
`--quick`: 300 tickets, 60 open) in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET = 2.0
COLUMNS = (
    "id, contract_id, terms_id, severity, state, board_due, due_ts, provisional, negotiated_due, assignee, "
    "module_name, title, version, description, module_no, in_scope, caller, phone, dept, channel, received_at, "
    "acknowledged_at, arrived_at, resolved_at, closed_at, state_before_pause, pauses, levels, negotiated_with, remote"
)

FLOOR = r"""
import json, sqlite3, sys, time
from datetime import datetime, timedelta, timezone
columns = sys.argv[3].split(", ")
conn = sqlite3.connect(sys.argv[1])
contracts = {cid: (code, customer) for cid, code, customer in conn.execute("SELECT id, code, customer FROM contract")}
states = {"new": "新建", "acknowledged": "已受理", "on_site": "已到场", "resolved": "已解决", "closed": "已关闭",
          "pending": "挂起"}
cursor = conn.execute(f"SELECT {sys.argv[3]} FROM ticket WHERE board_due IS NOT NULL ORDER BY board_due, id")
write, now, zone = sys.stdout.write, time.time(), timezone(timedelta(hours=8))
if sys.argv[2] == "json":  # the keys of `ticket list --json`, in its order, each its column's value as stored
    first = True
    for r in cursor:
        code, customer = contracts[r[1]]
        left = (r[5] if r[6] is None else r[6]) - now
        clock = {"state": r[4], "seconds": left, "text": r[11], "breached": left < 0, "due": r[20],
                 "resumes": None, "stopped_by": None, "negotiated": r[8] is not None, "provisional": r[7],
                 "problem": None}
        item = {"id": r[0], "contract": code, "version": r[12], "state": r[4], "severity": r[3], "title": r[11],
                "description": r[13], "module_no": r[14], "module": r[10], "in_scope": r[15], "caller": r[16],
                "phone": r[17], "dept": r[18], "channel": r[19], "assignee": r[9], "received_at": r[20],
                "acknowledged_at": r[21], "arrived_at": r[22], "resolved_at": r[23], "closed_at": r[24],
                "negotiated_due": r[8], "negotiated_with": r[28], "pauses": r[26], "due": r[20],
                "computed_due": r[20], "window": r[27], "provisional": r[7], "warnings": [], "remaining_seconds":
                left, "clock": clock, "breaches": [], "remote_permission": r[29], "customer": customer}
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        write(("[\n  " if first else ",\n  ") + text)
        first = False
    write("[]\n" if first else "\n]\n")
else:  # the line of `ticket list`: its customer, level, state by name, due in local time and time left
    year = datetime.fromtimestamp(now, zone).year
    for r in cursor:
        left = int((r[5] if r[6] is None else r[6]) - now)
        clock = f"超时 {-left // 3600}:{-left % 3600 // 60:02d}:{-left % 60:02d}" if left < 0 else f"{left // 3600}:{left % 3600 // 60:02d}:{left % 60:02d}"
        due = "-" if r[6] is None else datetime.fromtimestamp(r[6], zone)
        if due != "-":
            due = f"{due:%m-%d %H:%M}" if due.year == year else f"{due.year:04d}-{due:%m-%d %H:%M}"
        write(f"#{r[0]:<5}{contracts[r[1]][1]}  {r[3]}级  {states[r[4]]}  {r[10] or '-'}  {r[11]}  "
              f"{r[9] or '未指派'}  到期 {due}  {clock}\n")
"""

# Runs argv with stdout to a file, in a child of its own: its wall time and the peak RSS of argv alone.
RUN = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
with open(sys.argv[1], "w") as out:
    code = subprocess.run(sys.argv[2:], stdout=out).returncode
took = time.perf_counter() - start
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(took, used.ru_maxrss, code, used.ru_utime + used.ru_stime)
"""


def timed(argv: list[str], out: Path, env: dict) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in KiB, CPU seconds) of one run of argv."""
    run = subprocess.run(
        [sys.executable, "-c", RUN, str(out), *argv], capture_output=True, text=True, env=env, check=True
    )
    took, rss_kib, code, cpu = run.stdout.split()
    if code != "0":
        raise SystemExit(f"{' '.join(argv)} exited {code}:\n{run.stderr[-2000:]}")
    return float(took), int(rss_kib), float(cpu)


def ids_json(path: Path) -> list[int]:
    return [item["id"] for item in json.loads(path.read_text(encoding="utf-8"))]


def ids_text(path: Path) -> list[int]:
    return [int(m.group(1)) for m in re.finditer(r"^#(\d+)", path.read_text(encoding="utf-8"), re.M)]


def small_store(folder: Path) -> Path:
    path = folder / "list_bench.db"
    here = Path(__file__).resolve().parent
    subprocess.run(
        [sys.executable, str(here / "tickets_bench.py"), "--tickets", "300", "--open", "60", "--runs", "1"]
        + ["--db", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="the store to list (read only); default: a small one built here")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a small store built here, one run each")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="zldesk_list_bench_"))
    try:
        path = args.db.expanduser().absolute() if args.db and not args.quick else small_store(scratch)
        runs = 1 if args.quick else args.runs
        # The command's own process as a user starts it; its store is opened read-only in effect (a list
        # writes nothing), and upgraded once before anything is timed if an older zldesk made it.
        env = {**os.environ, "ZLDESK_DB": str(path)}
        subprocess.run(
            [sys.executable, "-m", "zldesk", "ticket", "list", "--open"], env=env, check=True, capture_output=True
        )
        import sqlite3

        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        total, n_open = conn.execute("SELECT count(*), count(board_due) FROM ticket").fetchone()
        conn.close()
        print(
            f"python {sys.version.split()[0]}, store {path} ({path.stat().st_size / 2**20:.0f} MiB): "
            f"{total:,} tickets, {n_open:,} open"
        )
        failed = False
        for kind in ("json", "text"):
            ours_argv = [sys.executable, "-m", "zldesk", "ticket", "list", "--open"] + (
                ["--json"] if kind == "json" else []
            )
            floor_argv = [sys.executable, "-c", FLOOR, str(path), kind, COLUMNS]
            ours_out, floor_out = scratch / f"ours.{kind}", scratch / f"floor.{kind}"
            ours, floor = [], []
            for _ in range(runs):
                ours.append(timed(ours_argv, ours_out, env))
                floor.append(timed(floor_argv, floor_out, env))
            read = ids_json if kind == "json" else ids_text
            agree = read(ours_out) == read(floor_out)
            failed |= not agree
            mine, base = statistics.median(t for t, _, _ in ours), statistics.median(t for t, _, _ in floor)
            ratio = mine / base
            cpu = statistics.median(c for _, _, c in ours) / statistics.median(c for _, _, c in floor)
            name = "ticket list --open --json" if kind == "json" else "ticket list --open"
            print(
                f"{name:<26} zldesk {mine:6.2f} s {max(r for _, r, _ in ours) / 1024:6.0f} MiB   "
                f"floor {base:6.2f} s {max(r for _, r, _ in floor) / 1024:6.0f} MiB   "
                f"ratio {ratio:.2f}x (target <= {TARGET:.1f}x; CPU time {cpu:.2f}x)  "
                f"{len(read(ours_out)):,} tickets, same order: {'yes' if agree else 'NO'}"
            )
        return 1 if failed else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
