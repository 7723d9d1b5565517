"""The console on a large store: start-up to the first board rows, and the CPU cost of one countdown tick.

    python benchmarks/console_bench.py [--db PATH | --tickets N --open M] [--runs 5] [--ticks 60] [--scale 1]

(a) Start-up: a fresh Python process is timed from just before it is spawned until the board has drawn
    its first ticket rows (headless, 80x24), against a bare Textual app in the same kind of process that
    shows a 1,000-row DataTable. Median of `--runs` each. Target (issue 5): at most 1.3 times the bare app.
(b) Ticking: with the board on screen, the process CPU time of one tick as the interval timer runs it
    (countdowns of the visible rows, the status line, the change check) and of the repaint it causes,
    median of `--ticks`; beside it the cost of a loop turn without a tick and the CPU per second when the
    console is simply left running. Target: under 10 ms a tick.
The stores are benchmarks/bigstore.py's cached ones (built once through `zldesk import tickets`), by
default 1,000,000 tickets (200,000 open: issue 15, goal 3) then 100,000 (20,000 open); start-up is measured
on each, the first start on a machine and the ticking on the first. `--tickets/--open`: that one size;
`--db`: that store (upgraded first if an older zldesk made it). Every store is only read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bigstore  # noqa: E402
from measure import add_scale, counts, record, scaled  # noqa: E402

TARGET = 1.3
SIZES = ((1_000_000, 200_000), (100_000, 20_000))  # (tickets, open): issue 15 goal 3, then the 100k store

BARE = r"""
import sys, time
from textual.app import App
from textual.widgets import DataTable
class Bare(App):
    def compose(self):
        yield DataTable()
    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("单号", "医院", "级", "模块", "标题", "指派", "状态", "到期", "剩余")
        table.add_rows([(f"#{i}", "雷山县人民医院", "3", "门急诊收费系统", f"第 {i} 张工单的标题", "张工", "已受理",
                         "11-26 12:00", "3:00:00") for i in range(1000)])
        self.call_after_refresh(self.done)
    def done(self):
        print("READY", time.time() - float(sys.argv[1]), flush=True)
        self.exit()
Bare().run(headless=True, size=(80, 24))
"""

ZLDESK = r"""
import sys, time
from zldesk.app import make_app
app = make_app(sys.argv[2])
def watch():
    board = app.get_screen("board").query_one("TicketBoard")
    if board.rows:
        app.call_after_refresh(done)
    else:
        app.set_timer(0.005, watch)
def done():
    print("READY", time.time() - float(sys.argv[1]), flush=True)
    app.exit()
app.call_later(watch)
app.run(headless=True, size=(80, 24))
"""

TICKING = r"""
import sys, time, asyncio
from zldesk.app import make_app
async def main():
    app = make_app(sys.argv[1])
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.screen.query_one("TicketBoard")
        while not board.rows:
            await pilot.pause(0.05)
        await pilot.pause(1.5)
        # One tick as the interval timer runs it, and the repaint it causes; then the same wait with no
        # tick, which is Textual's own cost of a turn of its loop (reported, not subtracted).
        def measure(tick):
            async def run():
                spent = []
                for _ in range(int(sys.argv[2])):
                    t = time.process_time()
                    if tick:
                        app.tick()
                    await pilot.pause()
                    spent.append(time.process_time() - t)
                spent.sort()
                return spent[len(spent) // 2], spent[int(len(spent) * 0.9)]
            return run()
        tick = await measure(True)
        idle = await measure(False)
        cpu = time.process_time()
        await asyncio.sleep(5)
        steady = (time.process_time() - cpu) / 5
        print("TICKS", tick[0], tick[1], idle[0], steady, len(board.rows), flush=True)
asyncio.run(main())
"""


def started(code: str, *args: str, env: dict | None = None) -> float:
    start = time.time()
    run = subprocess.run(
        [sys.executable, "-c", code, repr(start), *args], capture_output=True, text=True, timeout=600, env=env
    )
    line = next((x for x in run.stdout.splitlines() if x.startswith("READY")), None)
    if line is None:
        raise SystemExit(f"no READY line:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    return float(line.split()[1])


def start_up(url: str, runs: int) -> tuple[float, float, list[float]]:
    """(median zldesk, median bare, zldesk's runs) in seconds, interleaved so a busy moment weighs on both."""
    ours, bare = [], []
    for _ in range(runs):
        ours.append(started(ZLDESK, url))
        bare.append(started(BARE))
    return statistics.median(ours), statistics.median(bare), ours


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--tickets", type=int)
    parser.add_argument("--open", type=int)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ticks", type=int, default=60)
    add_scale(parser)
    args = parser.parse_args()
    if args.db:
        path = args.db.expanduser().absolute()
        # A store built by an older zldesk is upgraded (and backed up) once, before anything is timed.
        subprocess.run(
            [sys.executable, "-c", "import sys; from zldesk.store import open_store; open_store(sys.argv[1])",
             f"sqlite:///{path}"],
            check=True,
        )  # fmt: skip
        paths = [path]
    else:
        sizes = [(args.tickets, args.open)] if args.tickets and args.open else SIZES
        paths = [bigstore.cached(scaled(t, args.scale, 10), scaled(o, args.scale, 2)) for t, o in sizes]
    print(f"python {sys.version.split()[0]}")
    ok = True
    for path in paths:
        url = f"sqlite:///{path}"
        total, n_open = counts(path)
        mine, bare, ours = start_up(url, args.runs)
        ratio = mine / bare
        ok &= ratio <= TARGET
        print(
            f"start-up to first rows, {total:,} tickets ({n_open:,} open, {path.stat().st_size / 2**20:.0f} MiB): "
            f"zldesk {mine * 1000:.0f} ms (runs {', '.join(f'{t * 1000:.0f}' for t in ours)}), bare 1,000-row "
            f"DataTable {bare * 1000:.0f} ms, ratio {ratio:.2f}x (target <= {TARGET:.2f}x)",
            flush=True,
        )
        record(
            f"console start-up to first rows, {total:,} tickets ({n_open:,} open)",
            f"{mine * 1000:.0f} ms",
            f"{bare * 1000:.0f} ms bare 1,000-row DataTable app",
            f"{ratio:.2f}x",
            f"<= {TARGET:.1f}x",
            ratio <= TARGET,
        )
    url, bare_ms = f"sqlite:///{paths[0]}", bare
    # The very first run on a machine computes the statutory calendar from the holidays package (and
    # caches it): shown for the record, the target is about every start after that.
    with tempfile.TemporaryDirectory() as empty:
        cold = [started(ZLDESK, url, env={**os.environ, "ZLDESK_CACHE": tempfile.mkdtemp(dir=empty)}) for _ in range(3)]
    print(
        f"  first start on a machine (calendar not cached yet), first store: {statistics.median(cold) * 1000:.0f} ms, "
        f"{statistics.median(cold) / bare_ms:.2f}x"
    )

    run = subprocess.run(
        [sys.executable, "-c", TICKING, url, str(args.ticks)], capture_output=True, text=True, timeout=600
    )
    line = next((x for x in run.stdout.splitlines() if x.startswith("TICKS")), None)
    if line is None:
        raise SystemExit(f"no TICKS line:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    _, median, p90, idle, steady, rows = line.split()
    per_tick = float(median) * 1000
    print(
        f"ticking with {int(rows):,} open tickets: {per_tick:.2f} ms CPU a tick (median of {args.ticks}, "
        f"p90 {float(p90) * 1000:.2f} ms; a turn of the loop with no tick {float(idle) * 1000:.2f} ms; "
        f"left running, {float(steady) * 1000:.1f} ms CPU a second) (target < 10 ms)"
    )
    record(
        f"console CPU a countdown tick, {int(rows):,} open", f"{per_tick:.2f} ms", target="< 10 ms", met=per_tick < 10
    )
    ok &= per_tick < 10
    print(f"targets (start-up <= {TARGET:.1f}x the bare app, < 10 ms a tick):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
