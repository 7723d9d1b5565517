"""A big store for the benchmarks, built through `zldesk import tickets` (the CLI, as a subprocess).

    python benchmarks/bigstore.py PATH [--tickets 1000000] [--open 200000] [--seed 7]

    from bigstore import build
    build(path, tickets=1_000_000, open=200_000, seed=7)   # reuses a store of these sizes at `path`

The register is deterministic for a seed: the leishan contract, calls received at distinct random instants
of 2025-01-01 .. 2026-10-31 (Asia/Shanghai), severities 1-4 weighted as tickets_bench.py's, Chinese titles
and descriptions made of the contract's module names (tickets_bench.ticket_data). All but `open` of them are
resolved then closed (half acknowledged first, some with an engineer on site); the open ones are new,
acknowledged or on site. Some carry an engineer and a note. The CSV is written beside the store and removed
after the import.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tickets_bench import CODE, ENGINEERS, NOTES, counts, remove_store, ticket_data  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
COLUMNS = (
    "contract",
    "severity",
    "title",
    "module",
    "caller",
    "phone",
    "dept",
    "received_at",
    "acknowledged_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
    "assignee",
    "note",
    "description",
)
FIRST, LAST = datetime(2025, 1, 1, tzinfo=ZONE), datetime(2026, 11, 1, tzinfo=ZONE)


def _later(rng: random.Random, at: datetime, lo_min: int, hi_min: int) -> datetime:
    return at + timedelta(minutes=rng.randint(lo_min, hi_min), seconds=rng.randrange(60))


def _fmt(t: datetime | None) -> str:
    return "" if t is None else f"{t:%Y-%m-%d %H:%M:%S}"


def register_rows(tickets: int, open: int, seed: int):
    """The register's rows (dicts by COLUMNS), oldest call first; the same for the same arguments."""
    from zldesk.contract import read_contract_file
    from zldesk.data import data_dir

    rng = random.Random(seed)
    modules = read_contract_file(data_dir() / "contracts" / f"{CODE}.toml").modules
    lo, hi = int(FIRST.timestamp()), int(LAST.timestamp())
    received = sorted(rng.sample(range(lo, hi), tickets))  # distinct instants: no two rows are one ticket
    open_ones = set(rng.sample(range(tickets), open))
    for i, ts in enumerate(received):
        at = datetime.fromtimestamp(ts, ZONE)
        data = ticket_data(rng, modules)
        closed = i not in open_ones
        stage = 3 if closed else rng.randrange(3)  # open: 0 new, 1 acknowledged, 2 on site
        ack = arrive = resolve = close = None
        t = at
        if stage >= 1 and (not closed or rng.random() < 0.5):
            ack = t = _later(rng, t, 2, 60)
        if stage == 2 or (closed and rng.random() < 0.3):
            arrive = t = _later(rng, t, 30, 300)
        if closed:
            resolve = t = _later(rng, t, 10, 2880)
            close = _later(rng, t, 60, 4320)
        yield {
            "contract": CODE,
            "severity": data["severity"],
            "title": data["title"],
            "module": str(data["module_no"]),
            "caller": data["caller"],
            "phone": data["phone"],
            "dept": data["dept"],
            "received_at": _fmt(at),
            "acknowledged_at": _fmt(ack),
            "arrived_at": _fmt(arrive),
            "resolved_at": _fmt(resolve),
            "closed_at": _fmt(close),
            "assignee": rng.choice(ENGINEERS) if stage >= 1 and rng.random() < 0.5 else "",
            "note": rng.choice(NOTES) if rng.random() < 0.05 else "",
            "description": data["description"],
        }


def write_register(path: Path, tickets: int, open: int, seed: int) -> Path:
    with open_text(path) as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(register_rows(tickets, open, seed))
    return path


def open_text(path: Path):
    return open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - the caller's with closes it


def import_register(store: Path, register: Path) -> float:
    """`zldesk --db STORE import tickets REGISTER` as a user runs it; returns its wall time in seconds."""
    env = {**os.environ, "ZLDESK_CACHE": os.environ.get("ZLDESK_CACHE", "off")}
    t0 = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "zldesk", "--db", str(store), "import", "tickets", str(register), "--as", "bench"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - t0
    if run.returncode != 0:
        raise SystemExit(f"zldesk import tickets failed ({run.returncode}):\n{run.stderr[-4000:]}")
    return seconds


def build(path, tickets: int = 1_000_000, open: int = 200_000, seed: int = 7) -> Path:
    """A store of `tickets` tickets (`open` open) at `path`, built through `zldesk import tickets`; one of
    these sizes already there is reused."""
    path = Path(path).expanduser().absolute()
    if path.exists() and counts(path) == (tickets, open):
        return path
    remove_store(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    register = path.with_name(path.name + ".register.csv")
    try:
        t0 = time.perf_counter()
        write_register(register, tickets, open, seed)
        made = time.perf_counter() - t0
        seconds = import_register(path, register)
        print(
            f"built {path}: {tickets:,} tickets ({open:,} open); register written in {made:.1f} s, "
            f"imported in {seconds:.1f} s ({tickets / seconds:,.0f} tickets/s)",
            flush=True,
        )
    finally:
        register.unlink(missing_ok=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    build(args.path, args.tickets, args.open, args.seed)


if __name__ == "__main__":
    main()
