"""Issue 15, goal 1: the read-only lookups import only what they use. A current SQLite store is read with
sqlite3 alone (no SQLAlchemy), `covered` matches pinyin from the keys stored at import (no pypinyin), a
warm calendar cache spares `holidays`; an older store is still upgraded first, through open_store."""

from __future__ import annotations

import ast
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from zldesk.store.schema import LATEST

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sqlalchemy", "sqlmodel", "pypinyin", "holidays", "pydantic", "textual")

# Runs the CLI as `zldesk` does, then says on stderr which of HEAVY it imported.
PROBE = (
    "import atexit, sys\n"
    f"atexit.register(lambda: print('IMPORTED', [m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr))\n"
    "atexit.register(lambda: print('COMMANDS', sorted(m for m in sys.modules if m.startswith('zldesk.commands.')),"
    " file=sys.stderr))\n"
    "import typer.main as tm\n"
    "built, make = [], tm.get_command_from_info\n"
    "def noted(info, **kw):\n"
    "    command = make(info, **kw)\n"
    "    built.append(command.name)\n"
    "    return command\n"
    "tm.get_command_from_info = noted\n"
    "atexit.register(lambda: print('BUILT', built, file=sys.stderr))\n"
    "sys.argv[0] = 'zldesk'\n"
    "from zldesk.cli import main\n"
    "main()\n"
)

LOOKUPS = [
    ["covered", "mzsf"],
    ["covered", "menzhen", "--json"],
    ["contracts"],
    ["contracts", "--json"],
    ["ticket", "show", "1"],
    ["ticket", "show", "1", "--json"],
    ["roster", "now", "--at", "2026-10-09T10:00"],
    ["sla", "deadline", "--severity", "2", "--opened", "2026-09-30T17:30"],
    ["who", "0855-8231234"],
    ["who", "+86 855 823 1234", "--json"],
]


def run(store: Path, env: dict, *args: str, probe: bool = False) -> subprocess.CompletedProcess:
    head = [sys.executable, "-c", PROBE] if probe else [sys.executable, "-m", "zldesk"]
    return subprocess.run([*head, "--db", str(store), *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def lookups(tmp_path):
    env = {**os.environ, "ZLDESK_CACHE": str(tmp_path / "cache"), "ZLDESK_CONFIG": str(tmp_path / "none.toml")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    store = tmp_path / "store.db"
    for step in (
        ["roster", "import", str(ROOT / "data" / "roster" / "demo.toml")],
        [
            "ticket",
            "new",
            "--severity",
            "2",
            "--title",
            "门诊收费打不出发票",
            "--module",
            "mzsf",
            "--phone",
            "0855-8231234",
        ],
        ["ticket", "arrive", "1"],  # its clock stopped: two runs of `ticket show` say the same at any hour
    ):
        assert run(store, env, *step).returncode == 0
    return store, env


def imported(ran: subprocess.CompletedProcess, what: str = "IMPORTED") -> list[str]:
    line = next(x for x in ran.stderr.splitlines() if x.startswith(what + " "))
    return ast.literal_eval(line.removeprefix(what + " "))


def test_a_lookup_imports_and_builds_its_own_command_alone(lookups):
    """The root group builds a subcommand when it is looked up: `covered` loads the contract commands'
    module, not the ticket, roster, audit or backup commands (nor Typer's building of all of them)."""
    store, env = lookups
    helpers = ["zldesk.commands.output", "zldesk.commands.state"]
    expected = {
        ("covered", "mzsf"): ["zldesk.commands.contracts", *helpers],
        ("ticket", "show", "1"): [*helpers, "zldesk.commands.search", "zldesk.commands.tickets"],
        ("sla", "deadline", "--severity", "2", "--opened", "2026-09-30T17:30"): [*helpers, "zldesk.commands.sla"],
    }
    for args, modules in expected.items():
        ran = run(store, env, *args, probe=True)
        assert ran.returncode == 0, ran.stderr
        assert imported(ran, "COMMANDS") == sorted(modules)
        assert imported(ran, "BUILT") == [args[1] if args[0] in ("ticket", "roster", "sla") else args[0]]


def test_a_group_builds_the_command_run_and_lists_them_all(lookups):
    """`ticket show` and `roster now` build only that command of their group; its --help, a typo's
    suggestion and the group's commands in their order are what Typer's building of them all gives."""
    store, env = lookups
    for args in (["ticket", "show", "1"], ["roster", "now", "--at", "2026-10-09T10:00"]):
        ran = run(store, env, *args, probe=True)
        assert ran.returncode == 0, ran.stderr
        assert imported(ran, "BUILT") == [args[1]]
    listed = run(store, env, "ticket", "--help").stdout
    names = [line.split()[1] for line in listed.splitlines() if re.match(r"│ [a-z][a-z-]+ ", line)]
    assert names == "new ack arrive resolve close reopen pause resume assign severity negotiate note remote".split() + [
        "remote-session", "list", "show", "search", "similar"]  # fmt: skip
    typo = run(store, env, "ticket", "shw", "1")
    assert typo.returncode == 2 and "Did you mean 'show'?" in typo.stderr


def test_the_lookups_import_no_orm_no_pypinyin_and_with_a_warm_cache_no_holidays(lookups):
    store, env = lookups
    for args in LOOKUPS:
        first = run(store, env, *args, probe=True)  # warms the calendar cache
        again = run(store, env, *args, probe=True)
        assert first.returncode == again.returncode == 0, (args, again.stderr)
        assert again.stdout == first.stdout and again.stdout.strip()
        assert imported(again) == [], (args, imported(again))


def test_a_store_at_schema_8_is_upgraded_by_a_lookup_and_its_names_get_their_pinyin(lookups):
    from zldesk.coverage import pinyin_key

    store, env = lookups
    conn = sqlite3.connect(store)
    with conn:  # as an older zldesk left it: no pinyin column, version 8
        for table in ("module", "service"):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN pinyin")
        conn.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
    conn.close()
    ran = run(store, env, "covered", "mzsf", "--json")
    assert ran.returncode == 0 and "从第 8 版升级到第" in ran.stderr, ran.stderr
    assert [m["name"] for m in json.loads(ran.stdout)] == ["门急诊收费系统"]
    conn = sqlite3.connect(store)
    rows = conn.execute("SELECT name, pinyin FROM module UNION ALL SELECT name, pinyin FROM service").fetchall()
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    conn.close()
    assert version == (str(LATEST),) and rows and all(key == pinyin_key(name) for name, key in rows)
    assert imported(run(store, env, "covered", "mzsf", probe=True)) == []  # and from now on, the quick way


def test_the_stored_key_is_what_pypinyin_says():
    from zldesk.coverage import _readings, pinyin_key, syllables, use_keys

    name = "门诊中西药房管理系统ABC2"
    assert [frozenset(s) for s in json.loads(pinyin_key(name))] == list(_readings(name))
    use_keys({"虚构的名字": '[["x"],["y"]]'})
    assert syllables("虚构的名字") == (frozenset({"x"}), frozenset({"y"}))  # read from the key, not pypinyin


def _names(count: int) -> list[str]:
    """Module names as an import file may hold them: the bundled ones numbered, and random runs of words
    (polyphonic hanzi 重 行 长 调 会 乐 among them) with latin letters, digits and punctuation."""
    import random
    import tomllib

    doc = tomllib.loads((ROOT / "data" / "contracts" / "leishan.toml").read_text(encoding="utf-8"))
    bundled = sorted({m["name"] for m in doc["modules"]} | {s["name"] for s in doc["services"]})
    words = (
        "门诊 住院 重症 收费 行政 长期 医嘱 调剂 会计 乐山 银行 药房 检验 影像 接口 管理 系统 工作站 电子病历".split()
    )
    tails = ["", "V2", "（新）", " 3.0", "-HIS", "2", "〇"]
    rnd = random.Random(15)
    names = [f"{bundled[i % len(bundled)]}{i // len(bundled)}" for i in range(count // 2)]
    names += ["".join(rnd.choices(words, k=rnd.randint(1, 5))) + rnd.choice(tails) for _ in range(count - len(names))]
    return names


def test_the_key_put_together_from_words_is_pypinyin_on_the_whole_name():
    """pinyin_key reads each word once and puts the name together: for each name the same text as
    pypinyin.pinyin on the whole name, read as `syllables` reads it (the key stored since schema 9)."""
    import re

    from pypinyin import Style, pinyin

    from zldesk.coverage import _readings, pinyin_key

    def whole(name: str) -> list[list[str]]:
        out = []
        for readings in pinyin(name, style=Style.NORMAL, heteronym=True, errors="default"):
            if len(readings) == 1 and not re.fullmatch(r"[a-z]+", readings[0]):
                out.extend([tok.lower()] for tok in re.findall(r"[A-Za-z]+|\d+", readings[0]))
            else:
                out.append(sorted({r.lower() for r in readings}))
        return out

    for name in [*_names(4000), "", "（）", "ABC", "门诊中西药房管理系统ABC2", "重庆长寿区人民医院行政楼"]:
        expected = json.dumps(whole(name), ensure_ascii=False, separators=(",", ":"))
        assert pinyin_key(name) == expected, name
        assert [sorted(s) for s in _readings(name)] == whole(name), name


def test_an_import_of_many_names_reads_each_word_once(monkeypatch):
    """50,000 names of an import cost pypinyin one reading per distinct word, not one per name."""
    import pypinyin

    from zldesk import coverage

    calls = []
    real = pypinyin.pinyin
    monkeypatch.setattr(pypinyin, "pinyin", lambda text, **kw: calls.append(text) or real(text, **kw))
    coverage._word.cache_clear()
    coverage._cut.cache_clear()
    names = _names(3000)
    keys = [coverage.pinyin_key(name) for name in names]
    assert len(set(keys)) > 2000  # different names, different keys
    assert len(calls) == len(set(calls)) < len(names) / 4
