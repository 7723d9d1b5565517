"""The ticket board on a large store: zldesk's store functions against the same queries in raw sqlite3.

    python benchmarks/tickets_bench.py [--tickets 100000] [--open 20000] [--seed 7] [--db PATH] [--runs 15]

The store is benchmarks/bigstore.py's cached one of these sizes (built once through `zldesk import
tickets`, then shared by the benches; never written here), or the store at `--db` (read only).

Each query is timed as a caller makes it, in a fresh `reading(engine)` session, one warm-up then the
median of several runs; beside it the same query in raw `sqlite3` on one open connection is the floor:
  list    `list_tickets(open_only=True)`: every open ticket, soonest due first; floor: the same SELECT.
  show    `get_ticket` + `history` of one open ticket (a different one each run); floor: two SELECTs.
  deadline  `ticket_deadline(policy_for(...), t)` of that ticket, reported on its own (no floor).
  search  `search(session, term)` for a frequent and a rare two-character term; floor: the FTS5 MATCH
          joined to the same columns, newest first, LIMIT 200 - one statement.
Both sides must return the same tickets in the same order; a disagreement is printed and the exit code is 1.
Targets (the issue): the list of open tickets under 50 ms, search under 20 ms, on this machine.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bigstore  # noqa: E402
from measure import add_scale, counts, record, scaled  # noqa: E402

from zldesk.store import open_store, reading  # noqa: E402
from zldesk.store.tickets import get_ticket, history, list_tickets, policy_for, search, ticket_deadline  # noqa: E402
from zldesk.text import search_query  # noqa: E402

FREQUENT, RARE = "收费", "乱码"
LIST_TARGET_MS, SEARCH_TARGET_MS = 50.0, 20.0
SEARCH_LIMIT = 200  # search()'s default


# ---- the floor: the same queries in raw sqlite3 ----------------------------------------------------

_COLUMNS = "t.id, t.contract_id, t.severity, t.state, t.board_due, t.provisional, t.assignee, t.module_name, t.title"
FLOOR_LIST = f"SELECT {_COLUMNS} FROM ticket t WHERE t.board_due IS NOT NULL ORDER BY t.board_due, t.id"
FLOOR_TICKET = "SELECT t.*, c.code FROM ticket t JOIN contract c ON c.id = t.contract_id WHERE t.id = ?"
FLOOR_HISTORY = "SELECT * FROM ticket_event WHERE ticket_id = ? ORDER BY seq"
FLOOR_SEARCH = f"""SELECT {_COLUMNS}
FROM ticket_search s JOIN ticket t ON t.id = s.rowid
WHERE ticket_search MATCH ? ORDER BY s.rowid DESC LIMIT ?"""


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def median_ms(work, runs: int) -> tuple[float, object]:
    """Median wall time of `work(k)` over `runs` runs (k = 0..runs-1), after one warm-up; and the last result."""
    result = work(0)
    times = []
    for k in range(runs):
        t0 = time.perf_counter()
        result = work(k)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="an existing store to read instead of the cached one")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per query (the list: a third)")
    add_scale(parser)
    args = parser.parse_args()
    tickets, n_open = scaled(args.tickets, args.scale, 10), scaled(args.open, args.scale, 2)
    if not 0 < n_open <= tickets:
        parser.error("--open must be between 1 and --tickets")
    path = args.db.expanduser().absolute() if args.db else bigstore.cached(tickets, n_open, args.seed)
    have = counts(path)
    if have is None:
        raise SystemExit(f"{path}: no zldesk store")
    print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
        f"{have[0]:,} tickets ({have[1]:,} open), store {path}"
    )
    info = bigstore.built(path)
    if info:
        print(f"  built through zldesk import tickets {info['built']} in {info['import_seconds']:.1f} s")
    return measure("sqlite:///" + str(path), path, args.runs)


def measure(url: str, path: Path, runs: int) -> int:
    engine = open_store(url, seed=False)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows: list[tuple[str, float, float | None, int, bool]] = []  # query, zldesk ms, floor ms, rows, agreed

    # (a) the board: every open ticket, soonest due first
    def z_list(_k):
        with reading(engine) as session:
            return list_tickets(session, open_only=True)

    ms, ours = median_ms(z_list, max(3, runs // 3))
    floor, theirs = median_ms(lambda _k: raw.execute(FLOOR_LIST).fetchall(), max(3, runs // 3))
    rows.append(("list open", ms, floor, len(ours), [r.id for r in ours] == [r[0] for r in theirs]))
    board = [r.id for r in ours]

    # (b) one ticket with its history: a different open ticket each run, the same ones for both sides
    rng = random.Random(1)
    pending = [r.id for r in ours if r.state == "pending"]
    sample = rng.sample(board, min(len(board), runs + 1))
    if pending:
        sample[0] = pending[0]

    def z_show(k):
        tid = sample[k % len(sample)]
        with reading(engine) as session:
            t, _row = get_ticket(session, tid)
            return t, history(session, tid)

    def f_show(k):
        tid = sample[k % len(sample)]
        return raw.execute(FLOOR_TICKET, (tid,)).fetchone(), raw.execute(FLOOR_HISTORY, (tid,)).fetchall()

    ms, _ = median_ms(z_show, runs)
    floor, _ = median_ms(f_show, runs)
    ticket_cols = [d[0] for d in raw.execute(FLOOR_TICKET, (sample[0],)).description]
    event_cols = [d[0] for d in raw.execute(FLOOR_HISTORY, (sample[0],)).description]
    version, state, seq = ticket_cols.index("version"), ticket_cols.index("state"), event_cols.index("seq")
    agreed, lengths = True, []
    for k in range(len(sample)):
        (t, evs), (row, raw_evs) = z_show(k), f_show(k)
        agreed &= (t.version, t.state, [e.seq for e in evs]) == (row[version], row[state], [e[seq] for e in raw_evs])
        lengths.append(len(evs))
    rows.append(("show + history", ms, floor, round(statistics.median(lengths)), agreed))

    tickets = {}
    with reading(engine) as session:
        for tid in sample:
            tickets[tid] = get_ticket(session, tid)[0]

    def z_deadline(k):
        t = tickets[sample[k % len(sample)]]
        with reading(engine) as session:
            return ticket_deadline(policy_for(session, t.contract), t)

    ms, _ = median_ms(z_deadline, runs)
    rows.append(("deadline", ms, None, 1, True))

    # (c) search: a frequent and a rare two-character term
    totals = {}
    for term in (FREQUENT, RARE):
        match = search_query(term)

        def z_search(_k, term=term):
            with reading(engine) as session:
                return search(session, term)

        ms, ours = median_ms(z_search, runs)
        floor, theirs = median_ms(
            lambda _k, match=match: raw.execute(FLOOR_SEARCH, (match, SEARCH_LIMIT)).fetchall(), runs
        )
        totals[term] = raw.execute(
            "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH ?", (match,)
        ).fetchone()[0]
        rows.append((f"search {term}", ms, floor, len(ours), [r.id for r in ours] == [r[0] for r in theirs]))
    raw.close()
    engine.dispose()

    print(f"{'query':<16} {'zldesk ms':>10} {'sqlite3 ms':>11} {'ratio':>7} {'rows':>7}  same result")
    for name, ms, floor, n, agreed in rows:
        name += " " * (16 - _width(name))
        f_text, r_text = (f"{floor:>11.2f}", f"{ms / floor:>6.1f}x") if floor else (f"{'-':>11}", f"{'-':>7}")
        print(f"{name} {ms:>10.2f} {f_text} {r_text} {n:>7,}  {'yes' if agreed else 'NO'}")
    print(
        f"  search matches in the index: {FREQUENT} {totals[FREQUENT]:,}, {RARE} {totals[RARE]:,} "
        f"(search returns the newest {SEARCH_LIMIT}); show: {runs} open tickets, rows = median history length"
    )

    n = f"{len(board):,} open"
    for name, ms, floor, _count, agreed in rows:
        target = {"list open": LIST_TARGET_MS}.get(name, SEARCH_TARGET_MS if name.startswith("search") else None)
        record(
            f"store layer: {name} ({n})" + ("" if agreed else ", results DIFFER"),
            f"{ms:.2f} ms",
            f"{floor:.2f} ms sqlite3" if floor else "",
            f"{ms / floor:.1f}x" if floor else "",
            f"< {target:.0f} ms" if target else "",
            (ms < target and agreed) if target else None,
        )
    by_name = {name: ms for name, ms, *_ in rows}
    same = all(agreed for *_, agreed in rows)
    ok = (
        same
        and by_name["list open"] < LIST_TARGET_MS
        and all(ms < SEARCH_TARGET_MS for name, ms in by_name.items() if name.startswith("search"))
    )
    print(
        f"targets (list of open tickets < {LIST_TARGET_MS:.0f} ms, search < {SEARCH_TARGET_MS:.0f} ms, "
        f"same results as sqlite3):",
        "met" if ok else "NOT met",
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
