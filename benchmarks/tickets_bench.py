"""The ticket board on a large store: zldesk's store functions against the same queries in raw sqlite3.

    python benchmarks/tickets_bench.py [--tickets 100000] [--open 20000] [--db PATH] [--keep] [--seed 7]

A SQLite store is built through zldesk's own store layer: `open_store` (which seeds the bundled
contracts), then `open_ticket` and `act` inside `writing(...)` transactions of `--batch` tickets each.
Tickets are on the leishan contract, received at random instants of 2025-2026 (Asia/Shanghai), with
severities 1-4, Chinese titles and descriptions made of the contract's module names and a small
vocabulary. All but `--open` of them are resolved then closed; the open ones are left new, acknowledged,
on site or pending (paused). Every action is entered a few minutes after it took effect (`now` is given),
so the store does not depend on today's date. Without `--db` the store is a temporary file, removed at
the end unless `--keep` (which reuses it on the next run of the same sizes); with `--db` an existing
store of the same sizes is reused, and a missing one is built there and kept.

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
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from zldesk.contract import read_contract_file
from zldesk.data import data_dir
from zldesk.store import open_store, reading, writing
from zldesk.store.tickets import (
    act,
    get_ticket,
    history,
    list_tickets,
    open_ticket,
    policy_for,
    search,
    ticket_deadline,
)
from zldesk.text import search_query
from zldesk.tickets import OPEN_STATES, Action

CODE = "leishan"
ZONE = ZoneInfo("Asia/Shanghai")
FREQUENT, RARE = "收费", "乱码"
LIST_TARGET_MS, SEARCH_TARGET_MS = 50.0, 20.0
SEARCH_LIMIT = 200  # search()'s default

# ---- a realistic store ---------------------------------------------------------------------------------

PROBLEMS = [
    "无法登录",
    "打印发票报错",
    "收费结算失败",
    "医保结算超时",
    "报表数据不对",
    "挂号单重复",
    "药品库存不符",
    "医嘱无法提交",
    "病历模板丢失",
    "界面卡顿",
    "数据库连接中断",
    "退费失败",
    "发药机接口异常",
    "检验结果未回传",
    "参数需要调整",
    "工作站需安装程序",
    "对码错误",
    "日结金额不平",
    "出院结算报错",
    "床位显示错误",
    "预交金余额不对",
    "处方无法打印",
    "护理记录保存失败",
    "查询统计很慢",
]
DETAILS = [
    "点击确定后提示错误",
    "重启客户端后仍然存在",
    "多个窗口同时出现",
    "只有一台电脑出现",
    "今天早上开始",
    "升级补丁后出现",
    "病人在窗口等待",
    "影响日结对账",
    "需要尽快处理",
    "换一个账号也一样",
    "截图已发到群里",
]
RARE_DETAIL = "打印出来的单据是乱码"  # the only source of the rare term
DEPTS = [
    "门诊收费处",
    "住院处",
    "门诊药房",
    "住院药房",
    "药库",
    "检验科",
    "放射科",
    "信息科",
    "病案室",
    "财务科",
    "内科",
    "外科",
    "儿科",
    "妇产科",
    "急诊科",
    "护理部",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英"]
ENGINEERS = ["张工", "李工", "王工", "刘工", "陈工", "杨工"]
CHANNELS = ["hotline", "hotline", "hotline", "backup", "remote", "qq", "phone"]
NOTES = ["已远程查看，等待医院确认", "已发补丁，请重启客户端", "与信息科沟通后调整参数", "需到现场处理"]
PAUSE_REASONS = ["等待医院提供数据", "等待第三方接口厂商", "医院要求暂缓处理"]
SEVERITY_WEIGHTS = [(1, 2), (2, 10), (3, 48), (4, 40)]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def ticket_data(rng: random.Random, modules) -> dict:
    module = rng.choice(modules)
    problem, dept = rng.choice(PROBLEMS), rng.choice(DEPTS)
    details = rng.sample(DETAILS, 2)
    if rng.random() < 0.004:
        details[1] = RARE_DETAIL
    severity = rng.choices([s for s, _ in SEVERITY_WEIGHTS], [w for _, w in SEVERITY_WEIGHTS])[0]
    return {
        "severity": severity,
        "title": f"{module.name}{problem}",
        "description": f"{dept}来电：{module.name}{problem}，{details[0]}。{details[1]}。",
        "module_no": module.no,
        "module_name": module.name,
        "in_scope": module.selected,
        "caller": _person(rng),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        "dept": dept,
        "channel": rng.choice(CHANNELS),
    }


def _later(rng: random.Random, at: datetime, lo_min: int, hi_min: int) -> datetime:
    return at + timedelta(minutes=rng.randint(lo_min, hi_min), seconds=rng.randrange(60))


def plan(rng: random.Random, received: datetime, closed: bool) -> list[tuple[Action, str]]:
    """The actions of one ticket, in order of effect: (action, who)."""
    engineer = rng.choice(ENGINEERS)
    out: list[tuple[Action, str]] = []
    at = received
    r = rng.random()
    # open tickets: 25 % new, 30 % acknowledged, 25 % on site, 20 % pending
    stage = 4 if closed else (0 if r < 0.25 else 1 if r < 0.55 else 2 if r < 0.80 else 3)
    if stage >= 1 and (not closed or rng.random() < 0.5):
        at = _later(rng, at, 2, 60)
        out.append((Action("ack", at), engineer))
    if stage >= 1 and rng.random() < 0.5:
        at = _later(rng, at, 1, 30)
        out.append((Action("assign", at, {"engineer": engineer}), "调度"))
    if (stage == 2 or (closed and rng.random() < 0.3)) and stage != 3:
        at = _later(rng, at, 30, 300)
        out.append((Action("arrive", at), engineer))
    if rng.random() < 0.05:
        at = _later(rng, at, 5, 120)
        text = rng.choice(NOTES) + ("，现场看到乱码" if rng.random() < 0.05 else "")
        out.append((Action("note", at, {"text": text}), engineer))
    if stage == 3:
        at = _later(rng, at, 5, 600)
        out.append((Action("pause", at, reason=rng.choice(PAUSE_REASONS)), engineer))
    if closed:
        at = _later(rng, at, 10, 2880)
        out.append((Action("resolve", at), engineer))
        at = _later(rng, at, 60, 4320)
        out.append((Action("close", at), "回访"))
    return out


def build(url: str, n: int, n_open: int, batch: int, seed: int) -> float:
    rng = random.Random(seed)
    modules = read_contract_file(data_dir() / "contracts" / f"{CODE}.toml").modules
    lo = int(datetime(2025, 1, 1, tzinfo=ZONE).timestamp())
    hi = int(datetime(2027, 1, 1, tzinfo=ZONE).timestamp())
    received = sorted(datetime.fromtimestamp(rng.randrange(lo, hi), ZONE) for _ in range(n))
    open_ones = set(rng.sample(range(n), n_open))
    t0 = time.perf_counter()
    engine = open_store(url)
    for start in range(0, n, batch):
        with writing(engine) as session:
            for i in range(start, min(start + batch, n)):
                at = received[i]
                tid, _, _ = open_ticket(
                    session, CODE, ticket_data(rng, modules), at, "接线员", now=_later(rng, at, 0, 5)
                )
                for action, who in plan(rng, at, i not in open_ones):
                    act(session, tid, action, who, now=_later(rng, action.at, 0, 10))
        done = min(start + batch, n)
        if done % (batch * 10) == 0 or done == n:
            print(f"  built {done:,} tickets  {time.perf_counter() - t0:6.1f} s", flush=True)
    engine.dispose()
    return time.perf_counter() - t0


def counts(path: Path) -> tuple[int, int] | None:
    """(tickets, open tickets) of an existing store, None if it has no ticket table."""
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


def remove_store(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)


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
    parser.add_argument("--db", type=Path, help="the store file: reused if it has these sizes, else built and kept")
    parser.add_argument("--keep", action="store_true", help="keep the temporary store (and reuse it next time)")
    parser.add_argument("--batch", type=int, default=2_000, help="tickets per write transaction")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per query (the list: a third)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not 0 < args.open <= args.tickets:
        parser.error("--open must be between 1 and --tickets")

    scratch = None
    if args.db is not None:
        path = args.db.expanduser().absolute()
    elif args.keep:
        path = Path(tempfile.gettempdir()) / f"zldesk_tickets_bench_{args.tickets}_{args.open}_{args.seed}.db"
    else:
        scratch = Path(tempfile.mkdtemp(prefix="zldesk_tickets_bench_"))
        path = scratch / "zldesk.db"
    url = "sqlite:///" + str(path)

    print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
        f"{args.tickets:,} tickets ({args.open:,} open), store {path}"
    )
    try:
        have = counts(path) if path.exists() else None
        if have == (args.tickets, args.open):
            print(f"reused the store ({have[0]:,} tickets, {have[1]:,} open); build time not measured")
        else:
            if path.exists():
                if args.db is not None:
                    raise SystemExit(
                        f"{path} holds {have or 'no'} (tickets, open), not "
                        f"({args.tickets}, {args.open}); give another --db or remove it"
                    )
                remove_store(path)  # our own --keep store, of other sizes or half-built
            seconds = build(url, args.tickets, args.open, args.batch, args.seed)
            size = path.stat().st_size / 2**20
            print(
                f"build: {seconds:.1f} s ({args.tickets / seconds:,.0f} tickets/s, "
                f"{args.batch:,} per transaction), {size:.0f} MiB"
            )
        return measure(url, path, args.runs)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        elif args.keep and args.db is None:
            print(f"kept {path}")


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
