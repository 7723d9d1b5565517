"""Nothing forged: text from files and people never acts on a terminal nor passes for a line of its own.

Every command prints control (C0, C1), bidi and separator characters visibly (`\\x1b`, `\\u2028`); JSON
escapes them; one record is one line (a line break in a value shows as `\\n`); notes and descriptions span
lines indented under their header. Exports to a terminal are shown the same way; to a file or a pipe they
are the data, byte for byte.

Stores that already hold such text are made by `older_zldesk()` (zldesk before it refused it:
tests/test_refused.py). The real terminal is tests/test_terminal_escapes.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace

import pytest

from zldesk.commands import output
from zldesk.contract import Module, dumps_toml
from zldesk.data import data_dir
from zldesk.text import json_safe, visible

from .conftest import older_zldesk
from .test_fuzz_imports import BASE, toml_str

DEMO = data_dir() / "roster" / "demo.toml"

# One of each class that must never reach a terminal as itself; the last five break lines.
RAW = ["\x1b]0;PWNED\x07", "\x1b[2J", "\x9b31m", "\u202e", "\u2066", "\u200f", "\u061c", "\x00", "\x7f"]
BREAKS = ["\n", "\r", "\u2028", "\u2029", "\x85"]
EVERY = RAW + BREAKS
# What may not be in what a command prints: all of them but the newline, which ends the lines themselves.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def clean(text: str) -> None:
    assert not FORBIDDEN.search(text), f"raw {FORBIDDEN.search(text).group()!r} in: {text!r}"


# ---- text.visible and json_safe --------------------------------------------------------------------


@pytest.mark.parametrize("ch", EVERY + ["\t"])
def test_visible_shows_every_class_in_ascii(ch):
    shown = visible(f"王{ch}芳")
    assert shown.isascii() is False and shown.startswith("王\\") and shown.endswith("芳")
    assert shown[1:-1].isascii() and shown[1:-1].isprintable()


def test_visible_over_lines_keeps_newlines_and_tabs_only():
    assert visible("一\n二\t三\r\n四", lines=True) == "一\n二\t三\n四"
    assert visible("一\u2028二\x85三\r四", lines=True) == "一\\u2028二\\x85三\\r四"


def test_json_safe_escapes_the_classes_and_keeps_chinese():
    data = {"名": "王芳" + "".join(EVERY)}
    text = json_safe(json.dumps(data, ensure_ascii=False))
    clean(text)
    assert "王芳" in text and json.loads(text) == data


# ---- a store that already holds them --------------------------------------------------------------

TITLE = "收费\n#99    雷山县人民医院  1级  已解决  -  伪造  未指派  到期 -"
CALLER = "王护士\n  电话：110"
NOTE = "第一行\n  99 11-25 03:00 admin 解决 伪造的解决"
ENGINEER = "赵磊\n  热线值班：假人 110\x1b[2J"  # on duty over National Day 2026 (the demo roster)
ESCAPE = "T\x1b]0;PWNED\x07\x1b]52;c;cHduZWQ=\x07\x9b2J\u202eRTL\u2028X\x85Y"


@pytest.fixture
def forged(cli, db_path, tmp_path):
    """A store an older zldesk filled: tickets, a module, a roster and an override carrying both kinds."""
    with older_zldesk():
        modules = (Module(1, "模块" + ESCAPE, True, remark="第一行\n第二行\x1b[2J"),) + BASE.modules[1:]
        (tmp_path / "c.toml").write_text(dumps_toml(replace(BASE, modules=modules)), encoding="utf-8")
        assert cli("import", "contract", str(tmp_path / "c.toml")).exit_code == 0
        roster = DEMO.read_text(encoding="utf-8").replace('"赵磊"', toml_str(ENGINEER))
        (tmp_path / "r.toml").write_text(roster, encoding="utf-8")
        assert cli("roster", "import", str(tmp_path / "r.toml")).exit_code == 0, cli
        for title in (TITLE, ESCAPE):
            new = ["ticket", "new", "--severity", "3", "--title", title, "--caller", CALLER, "--phone", ESCAPE]
            assert cli(*new, "--description", NOTE, "--module", "1").exit_code == 0
        assert cli("ticket", "note", "1", NOTE).exit_code == 0
        assert cli("ticket", "assign", "1", "张\n伟").exit_code == 0
        override = ["--line", "hotline", "--from", "2026-11-17T09:00", "--to", "2026-11-17T10:00"]
        assert cli("roster", "override", *override, "--engineer", "黄丽", "--reason", "换班\u2028伪造").exit_code == 0
    return cli


def test_ticket_list_is_one_line_per_ticket(forged):
    ran = forged("ticket", "list")
    clean(ran.stdout)
    lines = ran.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("#") for line in lines), ran.stdout
    first = next(line for line in lines if line.startswith("#1 "))
    assert "收费\\n#99" in first and "张\\n伟" in first


def test_ticket_search_is_one_line_per_ticket(forged):
    ran = forged("ticket", "search", "收费")
    clean(ran.stdout)
    assert ran.stdout.count("\n") == 1 and "收费\\n#99" in ran.stdout


def test_ticket_show_forges_no_field_and_no_history_line(forged):
    ran = forged("ticket", "show", "1")
    clean(ran.stdout)
    lines = ran.stdout.splitlines()
    assert lines[0].startswith("#1 收费\\n#99")
    assert [x for x in lines if x.startswith("  电话：")] == [f"  电话：{visible(ESCAPE)}"]  # the real one
    assert "  来电人：王护士\\n  电话：110" in lines
    history = lines[lines.index("  历史") + 1 :]
    assert [x.split()[0] for x in history if re.match(r"^  [ \d]{2}\d ", x)] == ["1", "2", "3"]
    # The description and the note: their second lines indented under their first, not at a record's place.
    description = lines.index("  描述：第一行")
    assert lines[description + 1] == " " * 8 + "  99 11-25 03:00 admin 解决 伪造的解决"  # 8: the cells of "  描述："
    note = next(i for i, x in enumerate(history) if " 备注 第一行" in x)
    assert history[note + 1].strip() == "99 11-25 03:00 admin 解决 伪造的解决"
    assert history[note + 1].index("99") > history[note].index("备注")


def test_json_output_escapes_and_keeps_the_data(forged):
    ran = forged("ticket", "show", "1", "--json")
    clean(ran.stdout)
    data = json.loads(ran.stdout)
    assert (data["title"], data["caller"], data["phone"]) == (TITLE, CALLER, ESCAPE)
    for args in (["ticket", "list", "--json"], ["roster", "log", "--json"], ["roster", "now", "--json"]):
        clean(forged(*args).stdout.replace("\n", ""))


def test_roster_answers_are_one_line_each(forged):
    now = forged("roster", "now", "--at", "2026-11-17T23:00")
    gaps = forged("roster", "gaps", "--from", "2026-11-17", "--days", "3")
    log = forged("roster", "log")
    for ran in (now, gaps, log):
        clean(ran.stdout)
    assert len(now.stdout.splitlines()) == 4  # the time, and one line for each of the three lines
    assert "换班\\u2028伪造" in log.stdout
    assert not any(line.startswith("假人") for line in log.stdout.splitlines())


def test_the_holiday_notice_shows_names_visibly(forged, tmp_path):
    ran = forged("roster", "notice", "--holiday", "国庆节", "--year", "2026")
    assert ran.exit_code == 0, ran.stderr
    clean(ran.stdout)
    assert visible(ENGINEER) in ran.stdout
    assert not any(line.startswith("假人") for line in ran.stdout.splitlines())
    # A notice is for people wherever it goes: a file gets the visible form too.
    assert (
        forged("roster", "notice", "--holiday", "国庆节", "--year", "2026", "-o", str(tmp_path / "n.txt")).exit_code
        == 0
    )
    assert (tmp_path / "n.txt").read_text(encoding="utf-8") == ran.stdout


def test_the_lists_of_contracts_and_coverage_are_one_line_each(forged):
    ran = forged("covered", "1")
    clean(ran.stdout)
    assert visible("模块" + ESCAPE) in ran.stdout
    clean(forged("contracts").stdout)


EXPORTS = [
    ["roster", "export", "--format", "csv", "--from", "2026-09-28", "--to", "2026-10-12"],
    ["roster", "export", "--format", "ics", "--from", "2026-09-28", "--to", "2026-10-12"],
    ["export", "modules"],
    ["export", "contract"],
]


@pytest.mark.parametrize("args", EXPORTS, ids=lambda a: "-".join(a[:3]))
def test_an_export_to_a_terminal_is_shown_visibly(forged, monkeypatch, args):
    monkeypatch.setattr(output, "to_terminal", lambda: True)
    ran = forged(*args)
    assert ran.exit_code == 0, ran.stderr
    clean(ran.stdout)


@pytest.mark.parametrize("args", [EXPORTS[0], EXPORTS[2]], ids=["roster-csv", "modules-csv"])
def test_an_export_to_a_pipe_or_a_file_is_the_data(forged, db_path, tmp_path, args):
    """Not a terminal: the bytes a program reads back, the same as -o writes (a real pipe, a subprocess)."""
    env = {**os.environ, "ZLDESK_DB": str(db_path), "PYTHONPATH": os.pathsep.join(sys.path)}
    piped = subprocess.run([sys.executable, "-m", "zldesk", *args], env=env, capture_output=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert b"\x1b" in piped.stdout
    assert forged(*args, "-o", str(tmp_path / "out.csv")).exit_code == 0
    assert (tmp_path / "out.csv").read_bytes() == piped.stdout


def test_json_exports_escape_and_keep_the_data(forged):
    contract = forged("export", "contract", "--format", "json").stdout
    modules = forged("export", "modules", "--format", "json").stdout
    for text in (contract, modules):
        clean(text.replace("\n", ""))
    assert json.loads(contract)["modules"][0]["name"] == json.loads(modules)[0]["name"] == "模块" + ESCAPE
