"""The store the golden output tests read (tests/test_golden_*.py): built through the CLI with fixed times,
so every read command's text and JSON can be held byte for byte in tests/golden/.

What is fixed, and how:
- the commands' clock (`zldesk.commands.state.now`) is NOW, and the clock of the writes that take no
  `--at` (a contract's or a roster's import time, `audit head`'s "at") is NOW too: every zldesk module's
  `datetime` name is replaced by a class whose `now()` is NOW (only `now`; every other method is the real
  one), in-process only;
- who acts: `--as` on every ticket write, LOGNAME/USER for the imports that take no `--as`;
- paths: the files are imported from the store's own directory by a relative name (the current directory
  is that directory), so no absolute path is stored or hashed; the temporary directory still shows where
  a command prints the store's path, and is written `<TMP>` (normalise);
- the terminal: COLUMNS=80, no colour variables, TZ=UTC, no calendar cache, no config file.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

import zldesk
from zldesk.data import data_dir

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ZLDESK_GOLDEN_UPDATE") == "1"
NOW = datetime(2026, 9, 30, 10, 0, tzinfo=timezone(timedelta(hours=8)))  # a Wednesday, the eve of 国庆节
ROOT = Path(zldesk.__file__).resolve().parent.parent  # the tree whose zldesk runs (PYTHONPATH wins)

ENV = {"COLUMNS": "80", "LINES": "24", "TZ": "UTC", "ZLDESK_CACHE": "off", "LOGNAME": "golden", "USER": "golden"}
UNSET = ("FORCE_COLOR", "NO_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "ZLDESK_LOG_FILE")


class _Real(type):
    """isinstance(x, _Frozen) is isinstance(x, datetime): a module's own checks keep working."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, datetime)

    def __subclasscheck__(cls, sub) -> bool:
        return issubclass(sub, datetime)


class _Frozen(datetime, metaclass=_Real):
    @classmethod
    def now(cls, tz=None):
        return NOW if tz is None else NOW.astimezone(tz)


def freeze(mp) -> None:
    """NOW for the commands' clock and for every `datetime.now` a zldesk module calls (see the docstring)."""
    for info in pkgutil.walk_packages(zldesk.__path__, "zldesk."):
        if info.name != "zldesk.__main__":
            importlib.import_module(info.name)
    for name, module in list(sys.modules.items()):
        if name.startswith("zldesk") and getattr(module, "datetime", None) is datetime:
            mp.setattr(module, "datetime", _Frozen)
    mp.setattr("zldesk.commands.state.now", lambda: NOW)


def environment(mp, store: Path) -> None:
    for key, value in ENV.items():
        mp.setenv(key, value)
    for key in UNSET:
        mp.delenv(key, raising=False)
    mp.setenv("ZLDESK_DB", str(store / "zldesk.db"))
    mp.setenv("ZLDESK_CONFIG", str(store / "no-config.toml"))
    mp.chdir(store)


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str


def invoke(*args: str) -> Ran:
    """The bytes as written: click's Result.stdout turns CRLF into LF (an exported CSV's line ends)."""
    from zldesk.cli import app

    ran = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return Ran(ran.exit_code, ran.stdout_bytes.decode("utf-8"), ran.stderr_bytes.decode("utf-8"))


def must(*args: str) -> str:
    ran = invoke(*args)
    assert ran.exit_code == 0, f"zldesk {' '.join(args)}: {ran.exit_code}\n{ran.stdout}\n{ran.stderr}"
    return ran.stdout


SECOND = ('code = "leishan"', 'code = "qianxi"'), ("雷山县人民医院", "黔西市中医院")
MANY_CSV = (  # most rows dropped: a change list longer than a screen
    "no,name,selected,sites,remark\n"
    "1,门急诊挂号系统,是,4,\n"
    "2,门急诊收费系统,是,6,含自助机\n"
    "3,门诊中西药房管理系统,否,,本期不用\n"
    "40,院感管理系统,是,1,新增\n"
)


def modules_csv(contract_toml: str) -> str:
    """The contract's own module list with four changes: one edited, one unselected, one gone, one new."""
    import tomllib

    lines = ["no,name,selected,sites,remark"]
    for m in tomllib.loads(contract_toml)["modules"]:
        no, name, selected = m["no"], m["name"], "是" if m["selected"] else "否"
        if no == 33:
            continue
        sites, remark = ("6", "含自助机") if no == 2 else ("", "")
        selected = "否" if no == 3 else selected
        lines.append(f"{no},{name},{selected},{sites},{remark}")
    return "\n".join([*lines, "40,院感管理系统,是,1,新增", ""])


# (contract, severity, title, received at, module, caller, dept, then actions: (args..., --at))
TICKETS = [
    (
        "leishan",
        1,
        "门诊收费全部卡死，排队到大厅",
        "2026-09-30 08:10",
        "2",
        "张护士长",
        "门诊部",
        [("ack", "08:15"), ("assign", "刘洋", "08:16"), ("arrive", "09:00")],
    ),
    ("leishan", 2, "住院结算报错 ORA-01555", "2026-09-30 09:30", "", "李会计", "住院处", []),
    ("leishan", 3, "报表月底合计对不上", "2026-09-29 17:00", "", "", "财务科", [("ack", "2026-09-29 17:20")]),
    (
        "leishan",
        4,
        "挂号界面字体偏小",
        "2026-09-28 10:00",
        "1",
        "",
        "",
        [("pause", "2026-09-28 11:00", "等医院导数据")],
    ),
    (
        "leishan",
        3,
        "药房盘点单打印错位",
        "2026-09-27 10:00",
        "mzsf",
        "王药师",
        "药剂科",
        [("negotiate", "2026-09-27 11:00", "2026-10-09 18:00", "李主任", "国庆后再改")],
    ),
    ("leishan", 3, "医保对账失败", "2026-09-28 10:00", "", "", "医保办", [("resolve", "2026-09-29 15:00")]),
    (
        "leishan",
        3,
        "一卡通充值不到账",
        "2026-09-25 09:00",
        "4",
        "",
        "",
        [("resolve", "2026-09-25 16:00"), ("close", "2026-09-26 09:00")],
    ),
    (
        "leishan",
        3,
        "检验结果回传慢",
        "2026-09-29 14:00",
        "",
        "",
        "检验科",
        [("severity", "2", "2026-09-29 15:00", "影响急诊出报告")],
    ),
    (
        "leishan",
        2,
        "[bold red]紧急[/] <b>x</b> \\x1b[31m ${HOME} %s \\n 终止",
        "2026-09-30 07:00",
        "",
        "",
        "",
        [("note", "[link=http://x]点我[/link]", "07:30")],
    ),
    (
        "leishan",
        3,
        "电子病历模板丢失",
        "2026-09-26 10:00",
        "",
        "陈医生",
        "内科",
        [
            ("resolve", "2026-09-26 18:00"),
            ("reopen", "2026-09-28 09:00", "医院说又丢了"),
            ("remote", "2026-09-28 09:10", "信息科周工", "电话"),
            ("remote-session", "2026-09-28 09:20", "恢复模板"),
        ],
    ),
    ("qianxi", 1, "黔西：服务器宕机", "2026-09-30 06:00", "", "值班员", "信息科", [("ack", "06:05")]),
    ("qianxi", 4, "黔西：希望增加一个按钮", "2026-09-21 10:00", "", "", "", [("resolve", "2026-09-22 10:00")]),
]


FORGED = "打印\x1b[31m红字\x1b[0m\u202e反向\u202c \x07响铃\u200b零宽\t制表 #2 已解决"


def _day(text: str, received: str) -> str:
    return text if len(text) > 5 else f"{received[:10]} {text}"


def _act(tid: str, action: tuple, received: str) -> None:
    kind, *rest = action
    by = ("--as", "值班")
    if kind in ("ack", "arrive", "resolve", "close"):
        must("ticket", kind, tid, "--at", _day(rest[0], received), *by)
    elif kind in ("pause", "reopen"):
        must("ticket", kind, tid, "--at", _day(rest[0], received), "--reason", rest[1], *by)
    elif kind == "assign":
        must("ticket", "assign", tid, rest[0], "--at", _day(rest[1], received), *by)
    elif kind == "negotiate":
        at, due, agreed, reason = rest
        must("ticket", "negotiate", tid, "--at", at, "--due", due, "--agreed-with", agreed, "--reason", reason, *by)
    elif kind == "severity":
        must("ticket", "severity", tid, rest[0], "--at", rest[1], "--reason", rest[2], *by)
    elif kind == "note":
        must("ticket", "note", tid, rest[0], "--at", _day(rest[1], received), *by)
    elif kind == "remote":
        must("ticket", "remote", tid, "--at", rest[0], "--granted-by", rest[1], "--channel", rest[2],
             "--scope", "查看并恢复病历模板", *by)  # fmt: skip
    elif kind == "remote-session":
        must("ticket", "remote-session", tid, "--at", rest[0], "--what", rest[1], *by)
    else:
        raise AssertionError(kind)


def build(store: Path) -> None:
    """The scene, in the current directory `store` (see environment())."""
    leishan = (data_dir() / "contracts" / "leishan.toml").read_text(encoding="utf-8")
    Path("leishan.toml").write_text(leishan, encoding="utf-8")
    second = leishan
    for old, new in SECOND:
        second = second.replace(old, new)
    Path("qianxi.toml").write_text(second, encoding="utf-8")
    Path("demo.toml").write_bytes((data_dir() / "roster" / "demo.toml").read_bytes())
    Path("modules.csv").write_text(modules_csv(leishan), encoding="utf-8")
    Path("many.csv").write_text(MANY_CSV, encoding="utf-8")
    must("import", "contract", "leishan.toml")
    must("import", "contract", "qianxi.toml")
    must("roster", "import", "demo.toml", "--contract", "leishan")
    for code, level, title, received, module, caller, dept, actions in TICKETS:
        extra = [a for k, v in (("--module", module), ("--caller", caller), ("--dept", dept)) if v for a in (k, v)]
        if caller:
            extra += ["--phone", "138-0000-9999", "--description", f"{title}\n第二行：{dept or '科室'}说明"]
        out = must("ticket", "new", "--contract", code, "--severity", str(level), "--title", title,
                   "--at", received, "--as", "值班", *extra, "--json")  # fmt: skip
        tid = str(__import__("json").loads(out)["id"])
        for action in actions:
            _act(tid, action, received)
    from .conftest import older_zldesk

    with older_zldesk():  # a store from before text was refused: real controls, shown escaped everywhere
        must("ticket", "new", "--contract", "leishan", "--severity", "3", "--title", FORGED, "--at",
             "2026-09-29 11:00", "--as", "值班", "--description", "第一行\r\n\x1b]0;标题\x07第二行")  # fmt: skip
        must("ticket", "note", "13", "备注\x1b[2J\u2028另起一行", "--at", "2026-09-29 12:00", "--as", "值班\u200b")


HEX = re.compile(r"\b[0-9a-f]{64}\b")
SCHEMA = re.compile(r'("schema_version": |结构  第 |"version": )\d+')


def normalise(text: str, store: Path, name: str = "") -> str:
    """Only what legitimately varies between runs and checkouts: the temporary directory, the checkout and
    the home directory; in the audit commands' output also each SHA-256 digest and the schema's number
    (a new schema version rewrites the chain's bytes, not what the command says of them)."""
    text = text.replace(str(store), "<TMP>").replace(str(ROOT), "<ROOT>").replace(str(Path.home()), "<HOME>")
    if name.startswith("audit"):
        text = SCHEMA.sub(r"\1<N>", digests(text))
    return text


def digests(text: str) -> str:
    """Each distinct SHA-256 as <sha256:N>, N in order of first appearance (the audit commands only)."""
    seen: dict[str, int] = {}
    return HEX.sub(lambda m: f"<sha256:{seen.setdefault(m.group(), len(seen) + 1)}>", text)


def scene(factory) -> Path:
    """The scene built once in a new temporary folder of pytest's tmp_path_factory, at the frozen clock."""
    store = factory.mktemp("golden")
    with pytest.MonkeyPatch.context() as mp:
        environment(mp, store)
        freeze(mp)
        build(store)
    return store


def check(name: str, stdout: str, stderr: str) -> None:
    """stdout against tests/golden/NAME.out, stderr against NAME.err (absent: nothing on stderr)."""
    for suffix, got in ((".out", stdout), (".err", stderr)):
        path = GOLDEN / f"{name}{suffix}"
        if UPDATE:
            GOLDEN.mkdir(exist_ok=True)
            if got or suffix == ".out":
                path.write_bytes(got.encode("utf-8"))
            elif path.exists():
                path.unlink()
            continue
        want = path.read_bytes().decode("utf-8") if path.exists() else ""
        assert got == want, f"{name}{suffix} differs from tests/golden (ZLDESK_GOLDEN_UPDATE=1 rewrites it)"
