"""The read-only lookups as a user runs them: each a whole `zldesk` process, against `python -c pass`.

    python benchmarks/commands_bench.py [--db PATH] [--runs 15] [--quick]

For each of `covered mzsf`, `ticket show 1`, `roster now`, `sla deadline`, `contracts`, `who`, `handover`: the median wall
time of `--runs` fresh processes (spawn to exit, time.perf_counter), their median CPU time (user + system,
from os.wait4: less moved than wall by other work on the machine) and the highest peak resident memory
among them (each child's ru_maxrss), against the medians of `python -c pass` run in between, in the same
loop, so both see the same load; a ratio each, wall and CPU. Target (issue 15, goal 1): at most 15 times the
floor, under 60 MiB. The store is built in a temporary directory (the bundled contract, the demo roster,
a few tickets); `--db PATH` runs on a copy of another store (never on the file itself: opening an older
store upgrades it). Every command is run once first (compiled bytecode, warm calendar cache) and must
exit as expected, so a broken command never passes for a fast one. PYTHONDONTWRITEBYTECODE is dropped
from the children's environment: an installed zldesk has its bytecode (pip compiles it), and without it
every run would compile zldesk's sources again (+40 % CPU for a lookup).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import astuple
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import add_scale, copy_store, record, run, scaled  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO, TARGET_MIB = 15.0, 60.0

# (name, arguments, exit code expected)
COMMANDS = [
    ("covered mzsf", ["covered", "mzsf"], 0),
    ("ticket show 1", ["ticket", "show", "1"], 0),
    ("roster now", ["roster", "now"], 0),
    ("sla deadline", ["sla", "deadline", "--severity", "2", "--opened", "2025-11-21T17:30"], 0),
    ("contracts", ["contracts"], 0),
    # The phone rings (issue 16): who is it (a number nobody has: the whole look-up, exit 1), and the sheet.
    ("who 0855-3300002", ["who", "0855-3300002"], 1),
    ("handover backup", ["handover", "--line", "backup"], 0),
]


def environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ZLDESK_CONFIG=str(home / "no-config.toml"), ZLDESK_CACHE=str(home / "cache"))
    env.pop("ZLDESK_DB", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def zldesk(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "zldesk", "--db", str(db), *args]


def build(db: Path, env: dict[str, str]) -> None:
    """The bundled contract (loaded on first open), the demo roster and a few tickets, through the CLI."""
    steps = [
        ["roster", "import", str(ROOT / "data" / "roster" / "demo.toml")],
        [
            "ticket",
            "new",
            "--severity",
            "2",
            "--title",
            "门诊收费打不出发票",
            "--module",
            "mzsf",
            "--at",
            "2025-11-20T10:00",
        ],
        ["ticket", "new", "--severity", "1", "--title", "全院断网", "--at", "2025-11-21T08:00"],
        ["ticket", "ack", "2", "--at", "2025-11-21T08:10", "--as", "张工"],
        ["ticket", "new", "--severity", "3", "--title", "报表慢", "--at", "2025-11-18T10:00"],
        ["ticket", "resolve", "3", "--at", "2025-11-19T10:00"],
    ]
    for step in steps:
        subprocess.run(zldesk(db, *step), env=env, check=True, capture_output=True)


def measure(db: Path, env: dict[str, str], runs: int) -> list[dict]:
    floor_argv = [sys.executable, "-c", "pass"]
    out = []
    for name, args, code in COMMANDS:
        argv = zldesk(db, *args)
        first = subprocess.run(argv, env=env, capture_output=True, text=True)
        if first.returncode != code or not first.stdout.strip():
            raise SystemExit(f"{name}: exit {first.returncode}, expected {code}\n{first.stdout}{first.stderr}")
        walls, cpus, floors, floor_cpus, peaks = [], [], [], [], []
        for _ in range(runs):
            wall, cpu, peak, rc = astuple(run(argv, env))
            if rc != code:
                raise SystemExit(f"{name}: exit {rc}, expected {code}")
            walls.append(wall)
            cpus.append(cpu)
            peaks.append(peak)
            floor_wall, floor_cpu, _, _ = astuple(run(floor_argv, env))
            floors.append(floor_wall)
            floor_cpus.append(floor_cpu)
        wall, floor = statistics.median(walls), statistics.median(floors)
        cpu, floor_cpu = statistics.median(cpus), statistics.median(floor_cpus)
        row = {"name": name, "wall": wall, "floor": floor, "ratio": wall / floor, "mib": max(peaks)}
        row.update(cpu=cpu, floor_cpu=floor_cpu, cpu_ratio=cpu / floor_cpu if floor_cpu else float("inf"))
        out.append(row)
    return out


def report(results: list[dict], runs: int) -> None:
    print(f"read-only commands, median of {runs} processes each, floor `python -c pass` in the same loop")
    print("verdict on the CPU ratio (user + system; wall moves with the other work on the machine) and the peak")
    print(
        f"{'command':<16}{'wall ms':>9}{'floor ms':>10}{'ratio':>8}{'peak MiB':>10}  {'verdict':<8}"
        f"{'cpu ms':>8}{'floor':>8}{'ratio':>8}  target {TARGET_RATIO:g}x, {TARGET_MIB:g} MiB"
    )
    for r in results:
        ok = r["cpu_ratio"] <= TARGET_RATIO and r["mib"] <= TARGET_MIB
        print(
            f"{r['name']:<16}{r['wall'] * 1000:>9.1f}{r['floor'] * 1000:>10.1f}{r['ratio']:>7.1f}x"
            f"{r['mib']:>10.1f}  {'met' if ok else 'OVER':<8}"
            f"{r['cpu'] * 1000:>8.1f}{r['floor_cpu'] * 1000:>8.1f}{r['cpu_ratio']:>7.1f}x"
        )
        record(
            f"`zldesk {r['name']}`, CPU (wall {r['wall'] * 1000:.0f} ms)",
            f"{r['cpu'] * 1000:.0f} ms, {r['mib']:.0f} MiB",
            f"{r['floor_cpu'] * 1000:.0f} ms `python -c pass`",
            f"{r['cpu_ratio']:.1f}x (wall {r['ratio']:.1f}x)",
            f"<= {TARGET_RATIO:g}x, {TARGET_MIB:g} MiB",
            ok,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a store to copy and run on (default: one built here)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="2 runs each (the smoke test)")
    add_scale(parser)
    opts = parser.parse_args()
    runs = 2 if opts.quick else scaled(opts.runs, opts.scale, 2)
    with tempfile.TemporaryDirectory(prefix="zldesk-commands-bench-") as tmp:
        home = Path(tmp)
        env = environment(home)
        db = home / "bench.db"
        if opts.db:
            copy_store(opts.db, db)
        else:
            build(db, env)
        report(measure(db, env, runs), runs)


if __name__ == "__main__":
    main()
