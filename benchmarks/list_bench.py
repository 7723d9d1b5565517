"""`zldesk ticket list` as a whole process, against its floor: the same SELECT in raw sqlite3, its rows
written out as JSON or as plain lines, in one Python process.

    python benchmarks/list_bench.py [--db PATH] [--runs 3] [--scale 1] [--quick]

On each store (by default benchmarks/bigstore.py's cached ones: 20,000 open of 100,000 tickets and 200,000
open of 1,000,000; `--db`: that one store) four commands are timed as processes, stdout to a file: `ticket
list --open --json`, `ticket list --open` and their floors. Each runs as a child of its own, its peak RSS
its own (os.wait4); the median wall time of `--runs` each, interleaved so a
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
as h:mm:ss from the stored due (zldesk counts business time and years and zones, the floor does not). Every
store is only read. `--quick`: a store of 300 tickets (60 open) built in a temporary folder, one run each.
Memory is flat when the peak at the biggest store is within 20 % (+5 MiB) of the peak at the smallest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bigstore  # noqa: E402
from measure import Run, add_scale, record, run, scaled  # noqa: E402

TARGET = 2.0
SIZES = ((100_000, 20_000), (1_000_000, 200_000))  # (tickets, open), issue 15 goal 2
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


def timed(argv: list[str], out: Path, env: dict) -> Run:
    done = run(argv, env, stdout=out)
    if done.code != 0:
        raise SystemExit(f"{' '.join(argv[:6])} exited {done.code}")
    return done


def ids_json(path: Path) -> list[int]:
    return [item["id"] for item in json.loads(path.read_text(encoding="utf-8"))]


def ids_text(path: Path) -> list[int]:
    return [int(m.group(1)) for m in re.finditer(r"^#(\d+)", path.read_text(encoding="utf-8"), re.M)]


def measure_store(path: Path, runs: int, scratch: Path) -> tuple[bool, float]:
    """Both kinds on one store, printed and recorded; (all agreed, the highest peak of zldesk in MiB)."""
    # The command's own process as a user starts it: once first, so a store made by an older zldesk is
    # upgraded before anything is timed (the cached stores are current), and bytecode is warm.
    env = {**os.environ, "ZLDESK_DB": str(path)}
    subprocess.run(
        [sys.executable, "-m", "zldesk", "ticket", "list", "--open"], env=env, check=True, capture_output=True
    )
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    total, n_open = conn.execute("SELECT count(*), count(board_due) FROM ticket").fetchone()
    conn.close()
    print(f"store {path} ({path.stat().st_size / 2**20:.0f} MiB): {total:,} tickets, {n_open:,} open", flush=True)
    agreed, peak = True, 0.0
    for kind in ("json", "text"):
        ours_argv = [sys.executable, "-m", "zldesk", "ticket", "list", "--open"] + (
            ["--json"] if kind == "json" else []
        )
        floor_argv = [sys.executable, "-c", FLOOR, str(path), kind, COLUMNS]
        ours_out, floor_out = scratch / f"ours.{kind}", scratch / f"floor.{kind}"
        ours, floor = [], []
        for _ in range(runs):  # interleaved, so a busy moment of the machine weighs on both alike
            ours.append(timed(ours_argv, ours_out, env))
            floor.append(timed(floor_argv, floor_out, env))
        read = ids_json if kind == "json" else ids_text
        agree = read(ours_out) == read(floor_out)
        agreed &= agree
        mine, base = statistics.median(r.wall for r in ours), statistics.median(r.wall for r in floor)
        ratio = mine / base
        cpu = statistics.median(r.cpu for r in ours) / statistics.median(r.cpu for r in floor)
        mib, floor_mib = max(r.peak_mib for r in ours), max(r.peak_mib for r in floor)
        peak = max(peak, mib)
        name = "ticket list --open --json" if kind == "json" else "ticket list --open"
        print(
            f"{name:<26} zldesk {mine:6.2f} s {mib:6.0f} MiB   floor {base:6.2f} s {floor_mib:6.0f} MiB   "
            f"ratio {ratio:.2f}x (target <= {TARGET:.1f}x; CPU time {cpu:.2f}x)  "
            f"{len(read(ours_out)):,} tickets, same order: {'yes' if agree else 'NO'}",
            flush=True,
        )
        record(
            f"`{name}`, {n_open:,} open of {total:,}" + ("" if agree else ", lists DIFFER"),
            f"{mine:.2f} s, {mib:.0f} MiB",
            f"{base:.2f} s (sqlite3 + {'JSON' if kind == 'json' else 'lines'})",
            f"{ratio:.2f}x (CPU {cpu:.2f}x)",
            f"<= {TARGET:.1f}x",
            ratio <= TARGET and agree,
        )
    return agreed, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="one store to list (read only); default: the cached big stores")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a small store built here, one run each")
    add_scale(parser)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="zldesk_list_bench_"))
    try:
        if args.quick:
            paths = [bigstore.build(scratch / "list_bench.db", tickets=300, open=60)]
        elif args.db:
            paths = [args.db.expanduser().absolute()]
        else:
            paths = [bigstore.cached(scaled(t, args.scale, 10), scaled(o, args.scale, 2)) for t, o in SIZES]
        runs = 1 if args.quick else args.runs
        print(f"python {sys.version.split()[0]}, median of {runs} runs each")
        agreed, peaks = True, []
        for path in paths:
            ok, peak = measure_store(path, runs, scratch)
            agreed &= ok
            peaks.append(peak)
        if len(peaks) > 1:
            flat = max(peaks) <= min(peaks) * 1.2 + 5
            print(
                f"peak memory at each size: {' -> '.join(f'{p:.0f} MiB' for p in peaks)}: flat {'yes' if flat else 'NO'}"
            )
            record("`ticket list` peak memory, smallest -> biggest store", " -> ".join(f"{p:.0f} MiB" for p in peaks),
                   target="flat (within 20 % + 5 MiB)", met=flat)  # fmt: skip
        return 0 if agreed else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
