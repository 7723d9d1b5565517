"""`zldesk import modules` of a big module list against `csv.reader` over the same file, in one run.

    python benchmarks/modules_bench.py [--rows 50000] [--runs 3] [--seed 7]

The CSV is generated (deterministic for a seed): `no,name,selected,sites,remark`, Chinese names, about
one row in five unselected, one in three with a site count, one in ten with a remark. Every run starts
from a copy of the same fresh store (the bundled contract seeded, its 33 modules), so each import
replaces 33 modules by `--rows` and lists that many changes.

  import  `python -m zldesk --db COPY import modules FILE --contract leishan` as its own process (what a
          user waits for: start-up, parsing, checks, the diff, the write, the report); its peak memory
          is the process's own maximum resident set (wait4).
  floor   `csv.reader` over the same file's text, in this process (bytes read, decoded, every row in a
          list): the issue's floor, the least any import of this file can do.
Both sides must agree: the rows csv.reader reads (less the header) are the modules the store holds after
the import, and the import's `--json` says as many changes. Target (issue 15, goal 4): within 20x.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import add_scale, copy_store, record, run, scaled  # noqa: E402

TARGET = 20.0
WORDS = "门诊 住院 药房 药库 收费 挂号 医保 电子病历 护士站 检验 影像 手麻 体检 院感 财务 物资 报表 接口 叫号 查询"


def module_csv(rows: int, seed: int) -> str:
    rng = random.Random(seed)
    words = WORDS.split()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["no", "name", "selected", "sites", "remark"])
    for no in range(1, rows + 1):
        name = "".join(rng.sample(words, 2)) + f"系统{no}"
        sites = rng.randrange(1, 40) if rng.random() < 0.33 else ""
        remark = rng.choice(["含自助机", "二期上线", "仅急诊"]) if rng.random() < 0.1 else ""
        writer.writerow([no, name, "否" if rng.random() < 0.2 else "是", sites, remark])
    return out.getvalue()


def floor(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
    return time.perf_counter() - start, len(rows) - 1


def run_import(store: Path, path: Path, *options: str) -> tuple[float, int, str]:
    """Seconds, peak resident KiB, stdout of one import in its own process."""
    env = dict(os.environ, ZLDESK_CACHE="off", ZLDESK_CONFIG=str(store.parent / "none.toml"), LOGNAME="bench")
    env["ZLDESK_LOG_FILE"] = str(store.parent / "zldesk.log")
    command = [sys.executable, "-m", "zldesk", "--db", str(store), "import", "modules", str(path), *options]
    done = run([*command, "--contract", "leishan"], env, stdout=store.parent / "out.txt")
    if done.code != 0:
        again = subprocess.run([*command, "--contract", "leishan"], env=env, capture_output=True, text=True)
        sys.exit(f"import failed ({done.code}): {again.stderr[-2000:]}")
    return done.wall, done.peak_mib * 1024, (store.parent / "out.txt").read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    add_scale(parser)
    args = parser.parse_args()
    args.rows = scaled(args.rows, args.scale, 100)
    with tempfile.TemporaryDirectory(prefix="zldesk-modules-bench-") as tmp:
        tmp = Path(tmp)
        path = tmp / "modules.csv"
        path.write_text(module_csv(args.rows, args.seed), encoding="utf-8")
        pristine = tmp / "pristine.db"
        from zldesk.store import open_store

        open_store(f"sqlite:///{pristine}").dispose()  # the bundled contract, seeded
        floors, imports, peaks = [], [], []
        for i in range(args.runs):
            floors.append(floor(path)[0])
            store = tmp / f"run{i}.db"
            copy_store(pristine, store)  # through SQLite, mode 0600: zldesk refuses a store others can read
            seconds, peak, _ = run_import(store, path)
            imports.append(seconds)
            peaks.append(peak)
        _, read_rows = floor(path)
        store = tmp / "json.db"
        copy_store(pristine, store)  # through SQLite, mode 0600: zldesk refuses a store others can read
        _, _, out = run_import(store, path, "--json")
        reported = json.loads(out)
        conn = sqlite3.connect(store)
        stored = conn.execute("SELECT count(*) FROM module").fetchone()[0]
        conn.close()
    t_import, t_floor = statistics.median(imports), statistics.median(floors)
    ratio = t_import / t_floor
    agree = read_rows == stored == args.rows and reported["count"] == len(reported["changes"]) >= args.rows
    size = len(module_csv(args.rows, args.seed).encode())
    print(f"file     {args.rows:,} rows, {size / 1024:,.0f} KiB (seed {args.seed})")
    print(f"import   {t_import:8.3f} s  (median of {len(imports)}, own process)  peak {max(peaks) / 1024:,.0f} MiB")
    print(f"floor    {t_floor:8.3f} s  (csv.reader in this process, median of {len(floors)})")
    print(f"ratio    {ratio:8.1f}x  (target {TARGET:.0f}x: {'met' if ratio <= TARGET else 'NOT met'})")
    print(f"agree    csv.reader {read_rows:,} rows, store {stored:,} modules, --json {reported['count']:,} changes: "
          f"{'yes' if agree else 'NO'}")  # fmt: skip
    record(
        f"`import modules` of {args.rows:,} rows" + ("" if agree else ", modules DIFFER"),
        f"{t_import:.2f} s, {max(peaks) / 1024:,.0f} MiB",
        f"{t_floor:.3f} s `csv.reader`",
        f"{ratio:.1f}x",
        f"<= {TARGET:.0f}x",
        ratio <= TARGET and agree,
    )
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
