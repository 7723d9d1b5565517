"""What the benchmarks share: a child process timed with its own CPU time and peak memory, a store copied
or removed, the `--scale` option, and the figures each bench hands to `benchmarks/run`'s summary table.

    python benchmarks/measure.py FIGURES.jsonl     # the summary table of the figures recorded there

A bench calls `record(...)` for each figure the issue names; with `ZLDESK_BENCH_FIGURES` set (benchmarks/run
sets it) each becomes one JSON line of that file, else nothing is written. The table is Markdown, for the
README as it is.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

FIGURES_ENV = "ZLDESK_BENCH_FIGURES"


@dataclass(frozen=True)
class Run:
    wall: float  # seconds, spawn to exit
    cpu: float  # seconds, user + system of the child itself
    peak_mib: float  # the child's own peak resident set (ru_maxrss)
    code: int


# Runs argv (stdout to the file named, or discarded) as the child of a fresh small process and prints the
# child's wall time, CPU time, peak RSS and exit code. Not forked from the bench itself: a child's ru_maxrss
# starts at the RSS of the process it was forked from (Linux keeps the high-water mark across exec), so a
# bench holding a big list would lend the command its memory.
_RUN = r"""
import os, subprocess, sys, time
out = open(sys.argv[1], "wb") if sys.argv[1] else subprocess.DEVNULL
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
took = time.perf_counter() - start
print(took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run(argv: list[str], env: dict | None = None, stdout: Path | None = None) -> Run:
    """One process of argv, stdout to the file given (else discarded), stderr discarded: its wall time
    (spawn to exit), and from os.wait4 its own CPU time and peak RSS (not the bench's, not the machine's)."""
    wrapper = [sys.executable, "-c", _RUN, str(stdout or ""), *argv]
    done = subprocess.run(wrapper, env=env, capture_output=True, text=True, check=True)
    took, cpu, rss_kib, code = done.stdout.split()
    return Run(float(took), float(cpu), int(rss_kib) / 1024, int(code))  # ru_maxrss is in KiB on Linux


def copy_store(source: Path, target: Path) -> Path:
    """A copy of a SQLite store, through SQLite (a store in WAL mode may have its last writes beside the
    file), readable by us only (zldesk refuses a store others can read); the source is only read."""
    remove_store(target)
    target.touch(mode=0o600)
    src, dst = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close(), dst.close()
    return target


def remove_store(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)


def counts(path: Path) -> tuple[int, int] | None:
    """(tickets, open tickets) of an existing store, None if it has no ticket table."""
    from zldesk.tickets import OPEN_STATES

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        total = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
        marks = ", ".join("?" * len(OPEN_STATES))
        opened = conn.execute(f"SELECT count(*) FROM ticket WHERE state IN ({marks})", OPEN_STATES).fetchone()[0]
        return total, opened
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def add_scale(parser) -> None:
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the full sizes by this (benchmarks/run --scale 0.02 checks the wiring in minutes)",
    )


def scaled(n: int, scale: float, least: int = 1) -> int:
    return max(least, round(n * scale))


def record(figure: str, measured: str, floor: str = "", ratio: str = "", target: str = "", met: bool | None = None):
    """One line of the summary table: what was measured, its floor in the same run, the ratio, the target and
    whether it is met (None: no target, reported only)."""
    path = os.environ.get(FIGURES_ENV)
    if not path:
        return
    line = {"figure": figure, "measured": measured, "floor": floor, "ratio": ratio, "target": target, "met": met}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")


def table(path: Path) -> str:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = ["| figure | measured | floor (same run) | ratio | target | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        cells = [r["figure"], r["measured"], r["floor"], r["ratio"], r["target"], met]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    print(table(Path(sys.argv[1])))
