"""The benchmarks' big stores, built through `zldesk import tickets` (the CLI, as a subprocess), cached.

    python benchmarks/bigstore.py PATH [--tickets 1000000] [--open 200000] [--seed 7]   # one store at PATH
    python benchmarks/bigstore.py --cached [--tickets ...]                             # the cached one

    from bigstore import cached, build
    cached(tickets=1_000_000, open=200_000, seed=7)   # the path of the cached store of these sizes
    build(path, tickets=1_000_000, open=200_000, seed=7)   # reuses a store of these sizes at `path`

The cache is one folder, `ZLDESK_BENCH_STORES` or else `benchmarks/.stores/` (git-ignored); a store's
name holds what it depends on: its sizes and seed, zldesk's schema version and search tokens, and FORM
(this file's register). It is built once (into a temporary name, then renamed: a half-built store is never
found) and then only read: a bench that writes or upgrades works on a copy (measure.copy_store). Beside
each store, NAME.json says when and how fast it was built.

The register is deterministic for a seed: the leishan contract, calls received at distinct random instants
of 2025-01-01 .. 2026-10-31 (Asia/Shanghai), severities 1-4 weighted 2/10/48/40, Chinese titles
and descriptions made of the contract's module names (ticket_data). All but `open` of them are
resolved then closed (half acknowledged first, some with an engineer on site); the open ones are new,
acknowledged or on site. Some carry an engineer and a note. The CSV is written beside the store and removed
after the import.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import counts, remove_store  # noqa: E402

FORM = 1  # the register's form: raise it when register_rows changes, so no cached store of the old form is used
STORES_ENV = "ZLDESK_BENCH_STORES"
CODE = "leishan"
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

# ---- the words of a ticket ---------------------------------------------------------------------------
PROBLEMS = (
    "无法登录 打印发票报错 收费结算失败 医保结算超时 报表数据不对 挂号单重复 药品库存不符 医嘱无法提交 病历模板丢失 界面卡顿 "
    "数据库连接中断 退费失败 发药机接口异常 检验结果未回传 参数需要调整 工作站需安装程序 对码错误 日结金额不平 出院结算报错 "
    "床位显示错误 预交金余额不对 处方无法打印 护理记录保存失败 查询统计很慢"
).split()
DETAILS = (
    "点击确定后提示错误 重启客户端后仍然存在 多个窗口同时出现 只有一台电脑出现 今天早上开始 升级补丁后出现 病人在窗口等待 "
    "影响日结对账 需要尽快处理 换一个账号也一样 截图已发到群里"
).split()
RARE_DETAIL = "打印出来的单据是乱码"  # the only source of the rare term
DEPTS = "门诊收费处 住院处 门诊药房 住院药房 药库 检验科 放射科 信息科 病案室 财务科 内科 外科 儿科 妇产科 急诊科 护理部".split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英".split()
ENGINEERS = "张工 李工 王工 刘工 陈工 杨工".split()
CHANNELS = "hotline hotline hotline backup remote qq phone".split()
NOTES = "已远程查看，等待医院确认 已发补丁，请重启客户端 与信息科沟通后调整参数 需到现场处理".split()
SEVERITY_WEIGHTS = [(1, 2), (2, 10), (3, 48), (4, 40)]


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
        "caller": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        "dept": dept,
        "channel": rng.choice(CHANNELS),
    }


# ---- the register and the import --------------------------------------------------------------------


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


def _make(path: Path, tickets: int, open: int, seed: int) -> dict:
    """Writes the register beside `path`, imports it into a new store there; how long each took."""
    remove_store(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    register = path.with_name(path.name + ".register.csv")
    try:
        t0 = time.perf_counter()
        write_register(register, tickets, open, seed)
        made = time.perf_counter() - t0
        seconds = import_register(path, register)
    finally:
        register.unlink(missing_ok=True)
    print(
        f"built {path.name}: {tickets:,} tickets ({open:,} open); register written in {made:.1f} s, "
        f"imported in {seconds:.1f} s ({tickets / seconds:,.0f} tickets/s)",
        flush=True,
    )
    return {"tickets": tickets, "open": open, "seed": seed, "register_seconds": made, "import_seconds": seconds}


def build(path, tickets: int = 1_000_000, open: int = 200_000, seed: int = 7) -> Path:
    """A store of `tickets` tickets (`open` open) at `path`, built through `zldesk import tickets`; one of
    these sizes already there is reused."""
    path = Path(path).expanduser().absolute()
    if not (path.exists() and counts(path) == (tickets, open)):
        _make(path, tickets, open, seed)
    return path


def stores() -> Path:
    """The cache folder: ZLDESK_BENCH_STORES, else benchmarks/.stores (git-ignored)."""
    folder = os.environ.get(STORES_ENV) or Path(__file__).resolve().parent / ".stores"
    return Path(folder).expanduser().absolute()


def cached_path(tickets: int, open: int, seed: int = 7) -> Path:
    from zldesk.store.schema import LATEST
    from zldesk.text import SEARCH_TOKENS

    return stores() / f"v{LATEST}-s{SEARCH_TOKENS}-f{FORM}-{tickets}-{open}-{seed}.db"


def cached(tickets: int, open: int, seed: int = 7, rebuild: bool = False) -> Path:
    """The cached store of these sizes and seed for this zldesk's schema, built first if missing (or if
    `rebuild`: the import bench times its build in the run). Read it, never write it: copy it first."""
    path = cached_path(tickets, open, seed)
    if path.exists() and not rebuild:
        return path
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    building = path.with_name(f"{path.stem}.building-{os.getpid()}.db")
    try:
        info = _make(building, tickets, open, seed)
        if counts(building) != (tickets, open):
            raise SystemExit(f"{building}: not {tickets:,} tickets with {open:,} open after the import")
        info["built"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
        info["python"] = sys.version.split()[0]
        remove_store(path)
        path.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        os.replace(building, path)
    finally:
        remove_store(building)
    return path


def built(path: Path) -> dict:
    """What NAME.json says of a cached store's build ({} if nothing)."""
    try:
        return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, nargs="?")
    parser.add_argument("--cached", action="store_true", help="the cached store of these sizes (built if missing)")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.cached == (args.path is not None):
        parser.error("give PATH or --cached")
    if args.cached:
        print(cached(args.tickets, args.open, args.seed))
    else:
        build(args.path, args.tickets, args.open, args.seed)


if __name__ == "__main__":
    main()
