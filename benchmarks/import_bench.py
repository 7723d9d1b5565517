"""`zldesk import tickets` against its target and its floor.

    python benchmarks/import_bench.py [--tickets 100000] [--open 20000] [--seed 7] [--quick]

A deterministic register (bigstore.register_rows: the leishan contract, 2025-2026 calls, severities 1-4,
Chinese titles from the module names) is written as CSV, then imported into a new store by the CLI as a
user runs it (`zldesk --db STORE import tickets FILE`, a subprocess: start-up included). The floor, in the
same run: the rows that import wrote (every ticket, history and search row) read back and inserted into
another new store with raw sqlite3 `executemany`, one transaction - the cost of writing those rows at all,
without reading the file, replaying the histories, computing deadlines or hashing the chain. Both stores
must end with the same number of rows in each table, and the imported one must pass `zldesk audit verify`.
Prints tickets/s, the 5,000/s target, the floor's tickets/s and the ratio.
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
from bigstore import import_register, write_register  # noqa: E402

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="2,000 tickets (400 open): the smoke test's size")
    args = parser.parse_args()
    # as commands_bench: an installed zldesk has its bytecode; without it each child compiles zldesk again
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.quick:
        args.tickets, args.open = 2_000, 400
    scratch = Path(tempfile.mkdtemp(prefix="zldesk_import_bench_"))
    try:
        register = write_register(scratch / "register.csv", args.tickets, args.open, args.seed)
        size = register.stat().st_size / 2**20
        store, empty = scratch / "imported.db", scratch / "floor.db"
        # the floor's store: a new zldesk store (schema and bundled contract), nothing imported
        subprocess.run(
            [sys.executable, "-m", "zldesk", "--db", str(empty), "contracts"], check=True, capture_output=True
        )
        print(
            f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {args.tickets:,} tickets "
            f"({args.open:,} open), register {size:.1f} MiB"
        )
        seconds = import_register(store, register)
        floor_seconds = floor(store, empty)
        ours, theirs = table_counts(store), table_counts(empty)
        verify = subprocess.run(
            [sys.executable, "-m", "zldesk", "--db", str(store), "audit", "verify"], capture_output=True, text=True
        )
        rate, floor_rate = args.tickets / seconds, args.tickets / floor_seconds
        print(f"{'':<28} {'seconds':>8} {'tickets/s':>10}")
        print(f"{'zldesk import tickets':<28} {seconds:>8.2f} {rate:>10,.0f}")
        print(f"{'floor: sqlite3 executemany':<28} {floor_seconds:>8.2f} {floor_rate:>10,.0f}")
        print(
            f"ratio to the floor: {seconds / floor_seconds:.1f}x; target {TARGET:,} tickets/s: "
            f"{'met' if rate >= TARGET else 'NOT met'} ({rate / TARGET:.2f}x)"
        )
        same = ours == theirs
        print(
            f"rows {ours}; same in both stores: {'yes' if same else 'NO'}; "
            f"audit verify: {'passes' if verify.returncode == 0 else 'FAILS'}"
        )
        return 0 if same and verify.returncode == 0 else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
