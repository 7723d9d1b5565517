"""`zldesk import tickets` against its target and its floor, and the benchmarks' big store built through it.

    python benchmarks/import_bench.py [--tickets 100000] [--open 20000] [--big-tickets 1000000]
                                      [--big-open 200000] [--seed 7] [--reuse] [--scale 1] [--quick]

A deterministic register (bigstore.register_rows: the leishan contract, 2025-2026 calls, severities 1-4,
Chinese titles from the module names) is written as CSV, then imported into a new store by the CLI as a
user runs it (`zldesk --db STORE import tickets FILE`, a subprocess: start-up included; the time of that
process alone). This is benchmarks/bigstore.py's cached store of these sizes, rebuilt here so the figure
is this run's (and the other benches then read what this zldesk built); `--reuse` keeps a cached one and
reports the time its build took. The floor, in the same run: the rows that import wrote (every ticket,
history and search row) read back and inserted into another new store with raw sqlite3 `executemany`, one
transaction - the cost of writing those rows at all, without reading the file, replaying the histories,
computing deadlines or hashing the chain. Both stores must end with the same number of rows in each
table, and the imported one must pass `zldesk audit verify`. Prints tickets/s, the 5,000/s target, the
floor's tickets/s and the ratio. Then the 1,000,000-ticket store (200,000 open) the other benches use is
built the same way and its build time printed (issue 15, goal 5: "in minutes"); `--big-tickets 0` skips it.
`--quick`: 2,000 tickets (400 open), no big store, the cache in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bigstore  # noqa: E402
from measure import add_scale, record, scaled  # noqa: E402

TARGET = 5_000  # tickets per second (issue 15, goal 5)
TABLES = ("ticket", "ticket_event", "ticket_search")


def floor(source: Path, target: Path) -> float:
    """Seconds to insert `source`'s ticket rows (tickets, events, search entries) into the empty store
    `target` with raw sqlite3 executemany in one transaction."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    rows = {}
    for table in ("ticket", "ticket_event"):
        cur = src.execute(f"SELECT * FROM {table} ORDER BY id")
        rows[table] = ([d[0] for d in cur.description], cur.fetchall())
    rows["ticket_search"] = (["rowid", "tokens"], src.execute("SELECT rowid, tokens FROM ticket_search").fetchall())
    src.close()
    dst = sqlite3.connect(target, isolation_level=None)
    dst.execute("PRAGMA foreign_keys=ON")
    dst.execute("PRAGMA synchronous=FULL")
    t0 = time.perf_counter()
    dst.execute("BEGIN IMMEDIATE")
    for table, (columns, values) in rows.items():
        marks = ", ".join("?" * len(columns))
        dst.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)
    dst.execute("COMMIT")
    seconds = time.perf_counter() - t0
    dst.close()
    return seconds


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def built_through_import(tickets: int, open: int, seed: int, reuse: bool) -> tuple[Path, float, str]:
    """The cached store of these sizes (rebuilt unless `reuse`), the seconds its import took, and when."""
    path = bigstore.cached(tickets, open, seed, rebuild=not reuse)
    info = bigstore.built(path)
    if "import_seconds" not in info:
        raise SystemExit(f"{path}: no record of its build beside it ({path.with_suffix('.json').name})")
    return path, info["import_seconds"], info.get("built", "?")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=20_000)
    parser.add_argument("--big-tickets", type=int, default=1_000_000)
    parser.add_argument("--big-open", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep cached stores; report their recorded build")
    parser.add_argument("--quick", action="store_true", help="2,000 tickets (400 open): the smoke test's size")
    add_scale(parser)
    args = parser.parse_args()
    tickets, n_open = scaled(args.tickets, args.scale, 10), scaled(args.open, args.scale, 2)
    big = (scaled(args.big_tickets, args.scale, 10), scaled(args.big_open, args.scale, 2)) if args.big_tickets else None
    # as commands_bench: an installed zldesk has its bytecode; without it each child compiles zldesk again
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    scratch = Path(tempfile.mkdtemp(prefix="zldesk_import_bench_"))
    if args.quick:
        tickets, n_open, big = 2_000, 400, None
        os.environ[bigstore.STORES_ENV] = str(scratch / "stores")
    try:
        print(
            f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {tickets:,} tickets ({n_open:,} open)"
        )
        store, seconds, when = built_through_import(tickets, n_open, args.seed, args.reuse)
        empty = scratch / "floor.db"
        # the floor's store: a new zldesk store (schema and bundled contract), nothing imported
        subprocess.run(
            [sys.executable, "-m", "zldesk", "--db", str(empty), "contracts"], check=True, capture_output=True
        )
        floor_seconds = floor(store, empty)
        ours, theirs = table_counts(store), table_counts(empty)
        verify = subprocess.run(
            [sys.executable, "-m", "zldesk", "--db", str(store), "audit", "verify"], capture_output=True, text=True
        )
        rate, floor_rate = tickets / seconds, tickets / floor_seconds
        print(f"{'':<28} {'seconds':>8} {'tickets/s':>10}")
        print(
            f"{'zldesk import tickets':<28} {seconds:>8.2f} {rate:>10,.0f}"
            + (f"  (built {when})" if args.reuse else "")
        )
        print(f"{'floor: sqlite3 executemany':<28} {floor_seconds:>8.2f} {floor_rate:>10,.0f}")
        print(
            f"ratio to the floor: {seconds / floor_seconds:.1f}x; target {TARGET:,} tickets/s: "
            f"{'met' if rate >= TARGET else 'NOT met'} ({rate / TARGET:.2f}x)"
        )
        same = ours == theirs
        print(
            f"rows {ours}; same in both stores: {'yes' if same else 'NO'}; "
            f"audit verify: {'passes' if verify.returncode == 0 else 'FAILS'}",
            flush=True,
        )
        good = same and verify.returncode == 0
        record(
            f"`import tickets` of {tickets:,} ({n_open:,} open)" + ("" if good else ", rows or audit WRONG"),
            f"{rate:,.0f} tickets/s ({seconds:.1f} s)",
            f"{floor_rate:,.0f}/s sqlite3 executemany of the same rows",
            f"{seconds / floor_seconds:.1f}x the floor's time",
            f">= {TARGET:,}/s",
            rate >= TARGET and good,
        )
        if big:
            path, big_seconds, when = built_through_import(*big, args.seed, args.reuse)
            print(
                f"the benchmarks' big store, {big[0]:,} tickets ({big[1]:,} open), built through zldesk import "
                f"tickets in {big_seconds:.0f} s ({big[0] / big_seconds:,.0f} tickets/s; {when}): {path}"
            )
            record(
                f"building the {big[0]:,}-ticket store ({big[1]:,} open) through `import tickets`",
                f"{big_seconds / 60:.1f} min ({big[0] / big_seconds:,.0f} tickets/s)",
                target="in minutes",
            )
        return 0 if good else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
