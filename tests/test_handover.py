"""`zldesk handover` and `handover ack` through the CLI on a real store: a hand-built roster (on-site line
handed over daily at 09:00 as its window opens, the backup line nightly at 18:00, the hotline unheld: a
gap) and tickets whose clocks wait for the on-site window, one paused, one with a remote permission ending
in the shift; read at fixed instants (--at, and the commands' clock frozen for ack)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

import zldesk.commands.handover as handover_cmd

from .conftest import older_zldesk, store_checksum

ZONE = ZoneInfo("Asia/Shanghai")
ROSTER = """
[[engineers]]
name = "王芳"
phone = "138-0000-0101"

[[engineers]]
name = "刘洋"
phone = "138-0000-0102"

[[engineers]]
name = "李强"
phone = "138-0000-0105"

[[engineers]]
name = "张伟"
phone = "138-0000-0104"

[[rotations]]
name = "现场日班"
line = "onsite"
unit = "day"
handoff = "09:00"
start = 2026-11-30
engineers = ["王芳", "刘洋"]

[[rotations]]
name = "备勤夜班"
line = "backup"
unit = "night"
handoff = "18:00"
start = 2026-11-30
engineers = ["李强", "张伟"]
"""
TITLE = "收费\x1b[2J发票\u202e"  # a store written before titles were checked: controls and bidi


def ok_json(cli, *args: str):
    ran = cli(*args, "--json")
    assert ran.exit_code == 0, (args, ran.stdout, ran.stderr)
    return json.loads(ran.stdout)


def new(cli, severity: int, at: str, title: str) -> int:
    return ok_json(
        cli, "ticket", "new", "--contract", "leishan", "--severity", str(severity), "--title", title, "--at", at
    )["id"]


@pytest.fixture
def desk(cli, tmp_path):
    path = tmp_path / "roster.toml"
    path.write_text(ROSTER, encoding="utf-8")
    ran = cli("roster", "import", str(path))
    assert ran.exit_code == 0, ran.stderr
    with older_zldesk():
        waiting = new(cli, 2, "2026-12-01T20:00", TITLE)  # 1 h counted to 21:00; 4 h more from 09:00: 13:00
    urgent = new(cli, 1, "2026-12-01T20:30", "住院结算失败")  # 0.5 h counted; due 11:30
    paused = new(cli, 2, "2026-12-01T19:00", "医保上传中断")
    ok_json(cli, "ticket", "pause", str(paused), "--at", "2026-12-01T19:30", "--reason", "等医院确认网络")
    remote = new(cli, 3, "2026-12-01T10:00", "报表修改")
    ok_json(
        cli, "ticket", "remote", str(remote), "--granted-by", "李主任", "--until", "2026-12-02T14:00",
        "--at", "2026-12-01T10:30", "--channel", "电话", "--scope", "改报表", "--engineer", "王芳",
    )  # fmt: skip
    return cli, dict(waiting=waiting, urgent=urgent, paused=paused, remote=remote)


def test_sheet_of_the_0900_handoff(desk):
    cli, ids = desk
    sheet = ok_json(cli, "handover", "--line", "onsite", "--at", "2026-12-02T08:50")
    assert (sheet["handoff"], sheet["from"], sheet["to"]) == ("2026-12-02T09:00:00+08:00", "刘洋", "王芳")
    assert sheet["until"] == "2026-12-03T09:00:00+08:00" and sheet["acknowledged"] is None
    text = sheet["text"]
    assert "09:00 现场窗口开放：2 张工单开始计时" in text
    assert "21:00 现场窗口关闭：2 张工单停止计时" in text
    assert f"11:30 到期 #{ids['urgent']} 1级 住院结算失败" in text
    assert f"13:00 到期 #{ids['waiting']} 2级" in text
    assert f"14:00 #{ids['remote']} 3级 报表修改 远程许可到期（授权：李主任）" in text
    assert f"#{ids['paused']} 2级 医保上传中断：等医院确认网络（12-01 19:30 起）" in text
    assert "热线值班 12-02 08:50 至 18:00 无人值守" in text
    kinds = {(i["kind"], i["ticket"]) for i in sheet["items"]}
    assert {("due", ids["urgent"]), ("remote", ids["remote"]), ("paused", ids["paused"])} <= kinds
    assert all(line and len(line) < 60 for line in text.splitlines())


def test_a_deadline_before_the_handoff_is_said_to_fall_before_it(desk):
    """The backup line changes hands at 18:00: the 11:30 and 13:00 deadlines fall in the outgoing shift, and
    the sheet says so (交接前到期) rather than listing them as the incoming engineer's."""
    cli, ids = desk
    sheet = ok_json(cli, "handover", "--line", "backup", "--at", "2026-12-02T08:50")
    assert sheet["handoff"] == "2026-12-02T18:00:00+08:00"
    assert f"11:30 交接前到期 #{ids['urgent']} 1级 住院结算失败" in sheet["text"]
    assert f"13:00 交接前到期 #{ids['waiting']} 2级" in sheet["text"]


def test_control_characters_never_reach_the_sheet(desk):
    cli, ids = desk
    for args in (("--at", "2026-12-02T08:50"), ("--at", "2026-12-02T08:50", "--json")):
        out = cli("handover", "--line", "现场值班", *args).stdout
        assert "\x1b" not in out and "\u202e" not in out
    text = cli("handover", "--line", "onsite", "--at", "2026-12-02T08:50").stdout
    assert "\\x1b[2J" in text and "\\u202e" in text  # shown, as text.visible shows them


def test_the_line_is_asked_for_and_checked(desk, db_path):
    cli, _ = desk
    ran = cli("handover", "--at", "2026-12-02T08:50")
    assert ran.exit_code != 0 and "hotline" in ran.stderr and "onsite" in ran.stderr
    ran = cli("handover", "--line", "夜班", "--at", "2026-12-02T08:50")
    assert ran.exit_code != 0 and "没有这条值班线" in ran.stderr


def _at(monkeypatch, text: str) -> None:
    at = datetime.fromisoformat(text).replace(tzinfo=ZONE)
    monkeypatch.setattr(handover_cmd, "_now", lambda: at)


def test_ack_is_appended_to_the_roster_history(desk, monkeypatch):
    cli, _ = desk
    _at(monkeypatch, "2026-12-02T09:10")
    ran = cli("handover", "ack", "--line", "onsite")
    assert ran.exit_code == 0, ran.stderr
    assert "王芳" in ran.stdout
    log = ok_json(cli, "roster", "log")
    assert [e["kind"] for e in log] == ["import", "handover"]
    assert log[-1]["who"] == "王芳" and log[-1]["source"].startswith("onsite 2026-12-02T01:00:00")
    assert "交接确认" in cli("roster", "log").stdout
    # acknowledged: the sheet now is for the next handoff, and the same one is not acknowledged twice
    sheet = ok_json(cli, "handover", "--line", "onsite", "--at", "2026-12-02T09:10")
    assert sheet["handoff"] == "2026-12-03T09:00:00+08:00"
    again = cli("handover", "ack", "--line", "onsite")
    assert again.exit_code != 0 and "已确认" in again.stderr
    assert len(ok_json(cli, "roster", "log")) == 2
    ran = cli("audit", "verify")
    assert ran.exit_code == 0, ran.stdout + ran.stderr


def test_unacknowledged_current_handoff_is_the_sheet(desk):
    cli, _ = desk
    sheet = ok_json(cli, "handover", "--line", "onsite", "--at", "2026-12-02T09:20")
    assert sheet["handoff"] == "2026-12-02T09:00:00+08:00" and "交接未确认" in sheet["text"]


@pytest.mark.parametrize(
    "args, says",
    [
        (("--line", "夜班"), "没有这条值班线"),
        (("--line", "onsite", "--as", "赵六"), "没有这个工程师"),
        ((), "--line"),
    ],
)
def test_ack_refused_writes_nothing(desk, db_path, monkeypatch, args, says):
    cli, _ = desk
    _at(monkeypatch, "2026-12-02T09:10")
    before = store_checksum(db_path)
    ran = cli("handover", "ack", *args)
    assert ran.exit_code != 0 and says in ran.stderr, ran.stderr
    assert store_checksum(db_path) == before


# ---- the console: the header's 交接未确认, `h` the sheet, `a` the acknowledgement (Pilot, 80x24, frozen clock)


def _header(app) -> str:
    from textual.widgets import Static

    app.tick()
    board = app.get_screen("board")
    # the top line, then the warnings line under it, where the flag is
    return "\n".join(str(board.query_one(f"#{box}", Static).render()) for box in ("now", "expiry"))


async def _ready(pilot) -> None:
    await pilot.pause()
    while pilot.app.workers:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def _console(db_path, at: str):
    from zldesk.app import make_app

    moment = datetime.fromisoformat(at).replace(tzinfo=ZONE)
    return make_app(f"sqlite:///{db_path}", clock=lambda: moment)


FLAG = "现场交接未确认：王芳 09:00"


@pytest.mark.parametrize("at, shown", [("2026-12-02T09:14", False), ("2026-12-02T09:16", True)])
async def test_header_flags_a_handoff_unacknowledged_for_15_minutes(desk, db_path, at, shown):
    app = _console(db_path, at)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        header = _header(app)
        assert (FLAG in header) is shown, header
        assert all(cell_len(line) <= 78 for line in header.splitlines())  # each line fits at 80 columns


async def test_header_flag_goes_once_acknowledged(desk, db_path, monkeypatch):
    cli, _ = desk
    _at(monkeypatch, "2026-12-02T09:10")
    assert cli("handover", "ack", "--line", "onsite").exit_code == 0
    app = _console(db_path, "2026-12-02T09:16")
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        assert "交接未确认" not in _header(app)


async def test_h_shows_the_sheet_and_a_acknowledges(desk, db_path):
    from textual.widgets import Static

    from .conftest import say_who, until

    cli, ids = desk
    app = _console(db_path, "2026-12-02T09:16")
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("h")
        await until(pilot, lambda: app.screen.SCREEN_KEY == "handover" and app.screen.sheets)
        text = str(app.screen.query_one("#handover-text", Static).render())
        assert "交接未确认" in text and f"11:30 到期 #{ids['urgent']}" in text and "\x1b" not in text
        await pilot.press("a")
        await say_who(pilot, "王芳")
        # acknowledged: the sheet read again is the next handoff's (the backup line's at 18:00)
        await until(pilot, lambda: (app.screen.sheets[0].line, app.screen.sheets[0].handoff.at.hour) == ("backup", 18))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.SCREEN_KEY == "board")
        await until(pilot, lambda: "交接未确认" not in _header(app), what="the flag gone after the ack")
    log = ok_json(cli, "roster", "log")
    assert [e["kind"] for e in log] == ["import", "handover"] and log[-1]["who"] == "王芳"


async def test_a_before_the_handoff_writes_nothing(desk, db_path):
    from .conftest import until

    cli, _ = desk
    before = store_checksum(db_path)
    app = _console(db_path, "2026-12-02T08:50")
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("h")
        await until(pilot, lambda: app.screen.SCREEN_KEY == "handover" and app.screen.sheets)
        assert (app.screen.sheets[0].line, app.screen.sheets[0].handoff.at.hour) == ("onsite", 9)
        await pilot.press("a")
        await until(pilot, lambda: any("还没到交接时间（09:00）" in n.message for n in app._notifications))
    assert store_checksum(db_path) == before
