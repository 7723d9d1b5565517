"""A time shown as month-day carries its year whenever that is not this year (in the contract's zone): a
36-year override was confirmed as "12-02 08:30 至 12-02 18:00", which reads as this week. One helper,
text.day_time, writes every such time: confirmations, history lines, `ticket list`, the board's due column
(13 cells: another year's day without its hour, `2027-01-05`) and countdown (`2027-01-04起`: the day
leaves no room for the count), the roster screen. "This year" is the clock's: tests fix it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import zldesk.commands.roster as roster_commands
import zldesk.commands.tickets as ticket_commands
from zldesk.app import make_app
from zldesk.data import data_dir
from zldesk.text import day_time
from zldesk.tickets import ChangeSince, Clock, StaleTicket
from zldesk.widgets.ticket_board import COLUMNS, TicketBoard

SH = ZoneInfo("Asia/Shanghai")
NEW_YEARS_EVE = datetime(2026, 12, 31, 20, 0, tzinfo=SH)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def test_the_year_is_shown_when_it_is_not_this_one():
    now = at("2026-11-25 02:30")
    assert day_time(at("2026-12-02 08:30"), SH, now) == "12-02 08:30"
    assert day_time(at("2062-12-02 08:30"), SH, now) == "2062-12-02 08:30"
    assert day_time(at("2025-12-31 23:00"), SH, now, hour=False) == "2025-12-31"
    assert day_time(at("2027-01-05 17:00"), SH, now, narrow=True) == "2027-01-05"  # the board's 13 cells
    assert day_time(at("2026-01-05 17:00"), SH, now, narrow=True) == "01-05 17:00"
    assert day_time(date(2027, 1, 1), SH, now) == "2027-01-01"  # a day is its own day
    # "This year" is read in the contract's zone: 16:30 UTC on 12-31 is already 2027 in Shanghai.
    assert day_time(datetime(2026, 12, 31, 16, 30, tzinfo=UTC), SH, now) == "2027-01-01 00:30"
    assert day_time(datetime(2027, 1, 1, 0, 30, tzinfo=SH), SH, datetime(2026, 12, 31, 17, tzinfo=UTC)) == "01-01 00:30"
    # Far dates a store may hold are said, never overflowed: year 1, and 9999 that is 10000 east of UTC.
    assert day_time(datetime(1, 1, 1, tzinfo=UTC), SH, now).startswith("0001-01-01 08:")  # Shanghai's LMT
    assert day_time(datetime(9999, 12, 31, 23, tzinfo=UTC), SH, now) == "9999-12-31 23:00"


def test_the_clock_says_another_years_day():
    """On New Year's Eve a level-3 clock waits for the first working day of 2027."""
    resumes, due = at("2027-01-04 08:30"), at("2027-01-06 17:00")
    clock = Clock("waiting", 10 * 3600, 0.4, due, NEW_YEARS_EVE, resumes, provisional=True)
    assert clock.text(SH) == "2027-01-04起" and clock.due_text(SH) == "2027-01-06临"
    same_year = Clock(
        "waiting", 27.5 * 3600, 0.9, at("2026-12-09 18:00"), at("2026-12-05 17:00"), at("2026-12-08 08:30")
    )
    assert same_year.text(SH) == "12-08起 27:30:00" and same_year.due_text(SH) == "12-09 18:00"
    widths = {c.key: c.width for c in COLUMNS}
    assert len(clock.due_text(SH)) + 1 <= widths["due"] and len(clock.text(SH)) + 1 <= widths["countdown"]


def test_a_refusal_for_a_stale_ticket_dates_the_changes_it_names():
    since = [ChangeSince(3, "李工", datetime(2027, 1, 1, 1, 0, tzinfo=UTC), "ack", ("state",))]
    message = StaleTicket(1, 2, 3, since, SH).message
    assert "第 3 版：李工 于 01-01 09:00 受理" in message  # just made: the year of the change itself
    older = [ChangeSince(3, "李工", datetime(2026, 12, 31, 15, 0, tzinfo=UTC), "ack", ()), *since]
    assert "于 2026-12-31 23:00 受理" in StaleTicket(1, 2, 4, older, SH).message


def test_a_far_override_is_confirmed_with_its_year(cli, monkeypatch):
    monkeypatch.setattr(roster_commands, "_now", lambda: at("2026-11-25 02:30"))
    assert cli("roster", "import", str(data_dir() / "roster" / "demo.toml")).exit_code == 0
    args = ("roster", "override", "--line", "hotline", "--engineer", "王芳", "--reason", "调休")
    far = cli(*args, "--from", "2062-12-02T08:30", "--to", "2062-12-02T18:00")
    assert far.exit_code == 0, far.stderr
    assert "王芳 2062-12-02 08:30 至 2062-12-02 18:00" in far.stdout
    near = cli(*args, "--from", "2026-12-02T08:30", "--to", "2026-12-02T18:00")
    assert "王芳 12-02 08:30 至 12-02 18:00" in near.stdout


@pytest.fixture
def eve(cli, monkeypatch) -> int:
    """A level-3 call at 17:00 on New Year's Eve 2026, its deadline negotiated to 2027-01-08 17:00."""
    monkeypatch.setattr(ticket_commands, "_now", lambda: NEW_YEARS_EVE)
    ran = cli("ticket", "new", "--severity", "3", "--title", "医保结算失败", "--at", "2026-12-31T17:00", "--json")
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)["id"]


def test_ticket_lines_and_history_carry_another_years_date(cli, eve, monkeypatch):
    ran = cli("ticket", "negotiate", str(eve), "--due", "2027-01-08T17:00", "--agreed-with", "李主任")
    assert ran.exit_code == 0 and "协商时限：— → 2027-01-08 17:00" in ran.stdout, ran.stdout
    listed = cli("ticket", "list").stdout
    assert "到期 2027-01-08 17:00" in listed
    shown = cli("ticket", "show", str(eve)).stdout
    assert " 12-31 17:00（12-31 20:00 录入）" in shown  # this year's, as before
    monkeypatch.setattr(ticket_commands, "_now", lambda: NEW_YEARS_EVE + timedelta(days=2))
    shown = cli("ticket", "show", str(eve)).stdout
    assert " 2026-12-31 17:00（2026-12-31 20:00 录入）" in shown and "协商时限：— → 01-08 17:00" in shown


async def test_the_board_and_the_ticket_screen_on_new_years_eve(cli, db_path, eve):
    app = make_app(f"sqlite:///{db_path}", clock=lambda: NEW_YEARS_EVE)
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.screen.query_one(TicketBoard)
        for _ in range(100):
            if board.rows:
                break
            await pilot.pause(0.05)
        cells, _ = board.line_cells(0, NEW_YEARS_EVE.timestamp())
        assert re.fullmatch(r"2027-01-0\d(临)?", cells["due"]), cells
        assert re.fullmatch(r"2027-01-0\d起", cells["countdown"]), cells
    clock = json.loads(cli("ticket", "show", str(eve), "--json").stdout)["clock"]
    assert (clock["text"], clock["state"]) == (cells["countdown"], "waiting")  # one answer on every surface


def test_an_explanation_across_new_year_dates_the_days_of_the_next():
    """Said on the phone from the clock's start: a day in another year than the start's carries its year."""
    from zldesk.contract import read_contract_file
    from zldesk.explain import explain, sentence
    from zldesk.sla import Policy

    from .conftest import LEISHAN

    policy = Policy(read_contract_file(LEISHAN))
    d = policy.deadline(3, at("2026-12-31 17:00"), negotiated=at("2027-01-08 17:00"))
    said = sentence(explain(policy, d))
    assert "从 12月31日（星期四）17:00 起算；12月31日（星期四）17:00至18:00 计 1 小时；2027年1月1日" in said
    assert "到期 2027年1月" in said and "已与医院协商改为 2027年1月8日（星期五）17:00" in said
    same_year = sentence(explain(policy, policy.deadline(3, at("2026-09-30 17:00"))))
    assert "10月1日至10月7日 国庆节放假，不计" in same_year and "2026年" not in same_year
