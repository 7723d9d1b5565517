"""Deadlines per second: zldesk.sla against businesstimedelta, on the same tickets, in one run.

    python benchmarks/sla_bench.py [--tickets 100000] [--peer 3000] [--seed 7]

Each severity of the bundled contract gets `--tickets` random openings over 2025-2026 (aware datetimes
in, aware datetimes out). The peer, businesstimedelta, is made exact: its work-day rule opens every day
of the week and every non-working day of the statutory calendar (weekends that are not make-up days,
days off) is given to it as a holiday. The peer is slow, so it runs on the first `--peer` tickets of
each severity; its rate is per deadline, and every one of its answers is compared with zldesk's.
Targets (issue 3): at least 1,000,000 deadlines/s and at least 15 times the peer.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import add_scale, record, scaled  # noqa: E402

from zldesk.contract import read_contract_file  # noqa: E402
from zldesk.data import data_dir  # noqa: E402
from zldesk.sla import Policy  # noqa: E402


def openings(n: int, seed: int) -> list[datetime]:
    rng = random.Random(seed)
    zone = timezone(timedelta(hours=8))
    lo = int(datetime(2025, 1, 1, tzinfo=zone).timestamp())
    hi = int(datetime(2027, 1, 1, tzinfo=zone).timestamp())
    return [datetime.fromtimestamp(rng.randrange(lo, hi), zone) for _ in range(n)]


def peer_for(policy: Policy, level: int):
    """businesstimedelta rules equal to the level's window; returns a function opened -> due."""
    import pytz
    from businesstimedelta import BusinessTimeDelta, HolidayRule, Rules, WorkDayRule

    severity = policy.severity(level)
    window = policy.contract.window(severity.target.window)
    if window.outside:
        raise SystemExit(f"the peer has no rule for a window outside another ({window.name})")
    tz = pytz.timezone(policy.contract.timezone)
    start = datetime.strptime(window.start, "%H:%M").time()
    end = datetime.strptime(window.end, "%H:%M").time()
    rules = [WorkDayRule(start_time=start, end_time=end, working_days=list(range(7)), tz=tz)]
    if window.days != "all":
        closed = set()
        d = date(2024, 1, 1)
        while d < date(2028, 1, 1):
            open_day = policy.calendar.is_workday(d) if window.days == "workdays" else d.weekday() < 5
            if not open_day:
                closed.add(d)
            d += timedelta(days=1)
        rules.append(HolidayRule(closed, tz=tz))
    delta = BusinessTimeDelta(Rules(rules), seconds=policy.target_seconds(level))
    return lambda opened: opened + delta


def rate(work, n: int, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return n / statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--peer", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    add_scale(parser)
    args = parser.parse_args()
    args.tickets, args.peer = scaled(args.tickets, args.scale, 100), scaled(args.peer, args.scale, 30)

    contract = read_contract_file(data_dir() / "contracts" / "leishan.toml")
    print(f"python {sys.version.split()[0]}, {args.tickets:,} tickets per severity, peer on {args.peer:,}")
    print(f"{'level':>5} {'window':>8} {'zldesk/s':>12} {'cold/s':>11} {'peer/s':>9} {'ratio':>7}  agreed")
    ok = True
    for severity in contract.severities:
        level = severity.level
        tickets = openings(args.tickets, args.seed + level)
        policy = Policy(contract)
        t0 = time.perf_counter()
        ours = policy.due_many(level, tickets)  # cold: builds the level's table on the way
        cold = args.tickets / (time.perf_counter() - t0)
        warm = rate(lambda: policy.due_many(level, tickets), args.tickets)

        # The table path against the engine's plain two-search path, on every ticket.
        plain = [datetime.fromtimestamp(policy.due_ts(level, t.timestamp()), policy.out_zone) for t in tickets]
        internal = sum(a == b for a, b in zip(ours, plain))

        peer = peer_for(policy, level)
        sample = tickets[: args.peer]
        theirs: list[datetime] = []
        peer_rate = rate(lambda: theirs.__setitem__(slice(None), [peer(t) for t in sample]), len(sample), repeat=1)
        agreed = sum(a == b for a, b in zip(ours, theirs))
        ratio = warm / peer_rate
        good = internal == len(tickets) and agreed == len(sample)
        ok &= good and warm >= 1_000_000 and ratio >= 15
        print(
            f"{level:>5} {severity.target.window:>8} {warm:>12,.0f} {cold:>11,.0f} {peer_rate:>9,.0f} {ratio:>6.1f}x"
            f"  {agreed}/{len(sample)} with the peer, {internal}/{len(tickets)} with the plain path"
        )
        record(
            f"deadlines, level {level} ({severity.target.window})" + ("" if good else ", answers DIFFER"),
            f"{warm:,.0f}/s",
            f"{peer_rate:,.0f}/s businesstimedelta",
            f"{ratio:.1f}x",
            ">= 1,000,000/s, >= 15x",
            good and warm >= 1_000_000 and ratio >= 15,
        )
        for a, b, t in [(a, b, t) for a, b, t in zip(ours, theirs, sample) if a != b][:3]:
            print(f"      disagree: opened {t.isoformat()}  zldesk {a.isoformat()}  peer {b.isoformat()}")
    print("targets (>= 1,000,000/s and >= 15x the peer, every result agreed):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
