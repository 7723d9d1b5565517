"""Tickets built by hand through the CLI with known outcomes, for the service report's tests. Every ticket
command gets --at; the clock of the commands that read "now" is frozen at AT (2026-12-02 10:00, Shanghai).

The bundled contract `leishan`: levels 1 and 2 are 3 / 5 hours on the onsite window (09:00-21:00 every
day); levels 3 and 4 are 3 / 7 working days on statutory workdays 08:30-18:00. Module 27 (血库) is not
selected. Expected outcomes (November 2026, read at AT):

#1 L1 11-02 10:00 arrive 12:00, resolve 15:00: on time; arrival 2 h (2 h business), resolution 5 h (5 h)
#2 L1 11-03 20:00 (window closes 21:00: due 11-04 11:00) arrive 11-04 12:00 late, resolve 13:00;
   arrival 16 h wall, 4 h business; resolution 17 h wall, 5 h business
#3 L2 11-05 10:00 pause 11:00-14:00 (等医院确认网络) arrive 16:00: on time; 3 h business, 6 h wall
#4 L3 11-09 10:00 (due 11-12 10:00) negotiated to 11-20 18:00 with 王主任, resolved 11-16 10:00:
   late on the contract's target, on time on the negotiated one
#5 L3 11-10 10:00 raised to L2 at 11:00 (clock restarts: due 16:00), arrive 17:00: late, counted as L2
#6 L4 11-11 10:00 module 27 (out of scope), resolved 11-12 10:00: on time
#7 L2 11-30 20:00 (due 12-01 13:00), still open at AT: late; its title tries HTML and a formula
#8 L4 11-27 10:00, open at AT, due later: pending
#9 L3 2026-09-30 17:00 across National Day (due 10-10 17:00, a make-up workday), arrive 10-10 10:00:
   on time; arrival 21.5 h business (1 + 9.5 + 9.5 + 1.5), 233 h wall
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import zldesk.commands.report
import zldesk.commands.tickets

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 2, 10, 0, tzinfo=SH)
AT_TEXT = "2026-12-02T10:00"
NASTY = '=HYPERLINK("http://x")<script>alert(1)</script>住院结算失败'


def freeze(monkeypatch) -> None:
    monkeypatch.setattr(zldesk.commands.tickets, "_now", lambda: AT)
    monkeypatch.setattr(zldesk.commands.report, "_now", lambda: AT)


def _ok(cli, *args: str) -> dict:
    ran = cli(*args, "--json")
    assert ran.exit_code == 0, (args, ran.stdout, ran.stderr)
    return json.loads(ran.stdout)


def _new(cli, level: int, at: str, title: str, *extra: str) -> int:
    made = _ok(
        cli, "ticket", "new", "--contract", "leishan", "--severity", str(level), "--title", title, "--at", at, *extra
    )
    return made["id"]


def _do(cli, tid: int, kind: str, at: str, *extra: str) -> None:
    _ok(cli, "ticket", kind, str(tid), "--at", at, *extra)


def build(cli, monkeypatch) -> None:
    freeze(monkeypatch)
    t = _new(cli, 1, "2026-11-02T10:00", "门诊收费处无法收费", "--module", "mzsf")
    _do(cli, t, "arrive", "2026-11-02T12:00")
    _do(cli, t, "resolve", "2026-11-02T15:00")
    t = _new(cli, 1, "2026-11-03T20:00", "收费处全部窗口无法收费", "--module", "mzsf")
    _do(cli, t, "arrive", "2026-11-04T12:00")
    _do(cli, t, "resolve", "2026-11-04T13:00")
    t = _new(cli, 2, "2026-11-05T10:00", "医保上传中断", "--module", "mzsf")
    _do(cli, t, "pause", "2026-11-05T11:00", "--reason", "等医院确认网络")
    _do(cli, t, "resume", "2026-11-05T14:00")
    _do(cli, t, "arrive", "2026-11-05T16:00")
    t = _new(cli, 3, "2026-11-09T10:00", "报表格式修改")
    _do(cli, t, "negotiate", "2026-11-09T11:00", "--due", "2026-11-20T18:00", "--agreed-with", "王主任")
    _do(cli, t, "resolve", "2026-11-16T10:00")
    t = _new(cli, 3, "2026-11-10T10:00", "药房发药偶尔卡顿")
    _do(cli, t, "severity", "2026-11-10T11:00", "2", "--reason", "影响全部药房")
    _do(cli, t, "arrive", "2026-11-10T17:00")
    t = _new(cli, 4, "2026-11-11T10:00", "血库系统咨询", "--module", "27")
    _do(cli, t, "resolve", "2026-11-12T10:00")
    _new(cli, 2, "2026-11-30T20:00", NASTY)
    _new(cli, 4, "2026-11-27T10:00", "打印模板调整")
    t = _new(cli, 3, "2026-09-30T17:00", "国庆前报的病案统计错误")
    _do(cli, t, "arrive", "2026-10-10T10:00")


def report(cli, *args: str):
    return cli("report", "--contract", "leishan", "--at", AT_TEXT, *args)


def report_json(cli, *args: str) -> dict:
    ran = report(cli, "--format", "json", *args)
    assert ran.exit_code == 0, (args, ran.stdout, ran.stderr)
    return json.loads(ran.stdout)
