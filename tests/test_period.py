"""Issue 16, "is the contract in force": contract/period.py's one answer, and every surface that says it —
`ticket new`, `covered`, `contracts`, the new-ticket form, the coverage screen and the board's header.

Every instant is frozen (the commands' clock, `--at`, the console's clock): CI may run at any hour."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len
from textual.widgets import Input, Static

import zldesk.commands.state
from zldesk.app import make_app
from zldesk.contract import Period, period_at, read_contract_file
from zldesk.store.db import resolve_url

from .conftest import LEISHAN, until

SH = ZoneInfo("Asia/Shanghai")
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
BUNDLED = read_contract_file(LEISHAN)  # no [period]: its signed text gives no dates


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def with_period(start: str, end: str, code: str = "leishan", customer: str = "") -> str:
    """The bundled contract's TOML with a [period] (and another code or customer, if given)."""
    text = LEISHAN.read_text(encoding="utf-8")
    if code != "leishan":
        text = text.replace('code = "leishan"', f'code = "{code}"', 1)
    if customer:
        text = text.replace("雷山县人民医院", customer)
    head, sep, rest = text.partition("\n[")
    return f"{head}\n\n[period]\nstart = {start}\nend = {end}\n{sep}{rest}"


@pytest.fixture
def frozen(monkeypatch):
    """The commands' one clock (commands/state.now), set by the test."""

    def at(instant: datetime) -> None:
        monkeypatch.setattr(zldesk.commands.state, "now", lambda: instant.astimezone(UTC))

    return at


def imported(cli, tmp_path, start: str, end: str, code: str = "leishan", customer: str = "") -> None:
    path = tmp_path / f"{code}.toml"
    path.write_text(with_period(start, end, code, customer), encoding="utf-8")
    ran = cli("import", "contract", str(path))
    assert ran.exit_code == 0, ran.stderr


# ---- the pure answer ------------------------------------------------------------------------------------


def test_the_first_day_counts_from_midnight_in_the_contracts_zone():
    c = dataclasses.replace(BUNDLED, period=YEAR)
    before = period_at(c, sh(2025, 12, 31, 23, 59, 59))
    first = period_at(c, sh(2026, 1, 1, 0, 0))  # 2025-12-31 16:00 UTC: the host's UTC day is still the old year
    assert (before.state, before.in_period) == ("not_started", False)
    assert before.line == "合同期外（服务期 2026-01-01 至 2026-12-31）"
    assert before.expiry == "尚未生效（2026-01-01 起）" and not before.ends_soon
    assert (first.state, first.in_period, first.note) == ("in_force", True, "")
    assert first.line == "合同期内（服务期 2026-01-01 至 2026-12-31）" and first.days_to_expiry == 364


def test_the_last_day_is_whole_and_the_next_is_out():
    """End inclusive: in force to 23:59:59 on the last day there; a minute after midnight in Shanghai is out,
    while UTC (16:01 on the last day) would still call it the last day."""
    c = dataclasses.replace(BUNDLED, period=YEAR)
    last = period_at(c, sh(2026, 12, 31, 23, 59, 59))
    after = period_at(c, datetime(2026, 12, 31, 16, 1, tzinfo=UTC))  # 2027-01-01 00:01 in Shanghai
    day_after = period_at(c, sh(2027, 1, 1, 12, 0))
    assert (last.state, last.days_to_expiry, last.expiry) == ("in_force", 0, "今天到期")
    assert (after.state, after.in_period, after.days_to_expiry) == ("ended", False, -1)
    assert after.note == "合同期外（服务期 2026-01-01 至 2026-12-31）"
    assert day_after.expiry == "已过期 1 天" and day_after.ends_soon
    assert period_at(c, sh(2027, 1, 5, 8, 0)).expiry == "已过期 5 天"


def test_a_zone_behind_utc_is_still_on_its_last_day_when_utc_is_not():
    """23:59 on the last day in Chicago is already the next day in UTC (and on a UTC host): still in force."""
    c = dataclasses.replace(BUNDLED, period=YEAR, timezone="America/Chicago")
    late = datetime(2026, 12, 31, 23, 59, tzinfo=ZoneInfo("America/Chicago"))
    assert late.astimezone(UTC).date() == date(2027, 1, 1)
    assert period_at(c, late).state == "in_force"
    assert period_at(c, late.astimezone(UTC)).days_to_expiry == 0


def test_days_to_expiry_and_the_board_warning():
    c = dataclasses.replace(BUNDLED, period=YEAR)
    p = period_at(c, sh(2026, 12, 8, 9, 0))
    assert (p.days_to_expiry, p.expiry, p.ends_soon) == (23, "剩余 23 天", True)
    assert p.warning("雷山县人民医院") == "雷山县人民医院 合同 23 天后到期（最后一天 2026-12-31）"
    assert not period_at(c, sh(2026, 11, 30, 23, 59)).ends_soon  # 31 days: not yet
    assert period_at(c, sh(2026, 12, 1, 0, 0)).ends_soon  # 30 days
    assert period_at(c, sh(2026, 12, 31, 8, 0)).warning("雷山") == "雷山 合同今天到期（最后一天 2026-12-31）"


def test_no_period_is_said_plainly_and_never_taken_for_in_force():
    p = period_at(BUNDLED, sh(2026, 12, 2, 10, 0))
    assert (p.state, p.in_period, p.days_to_expiry) == ("none", None, None)
    assert p.line == p.note == p.expiry == "服务期未填写"
    assert not p.ends_soon


# ---- the CLI on a real store --------------------------------------------------------------------------------


def test_a_ticket_opened_after_the_period_is_logged_and_says_so(cli, tmp_path, frozen):
    imported(cli, tmp_path, "2025-01-01", "2025-12-31")
    frozen(sh(2026, 11, 25, 10, 0))
    args = ("ticket", "new", "--contract", "leishan", "--severity", "2", "--title", "收费处无法收费")
    ran = cli(*args, "--at", "2026-11-25 02:10")
    assert ran.exit_code == 0, ran.stderr
    assert "已登记工单 #1" in ran.stdout
    assert "合同期外（服务期 2025-01-01 至 2025-12-31）" in ran.stderr and "工单照常登记" in ran.stderr
    shown = json.loads(cli("ticket", "show", "1", "--json").stdout)
    assert shown["title"] == "收费处无法收费"  # written all the same
    out = json.loads(cli(*args, "--at", "2026-11-25 02:20", "--json").stdout)
    assert (out["id"], out["in_period"], out["period_state"]) == (2, False, "ended")
    assert out["period_note"] == "合同期外（服务期 2025-01-01 至 2025-12-31）" and out["days_to_expiry"] < 0


def test_a_ticket_in_the_period_says_nothing_of_it(cli, tmp_path, frozen):
    """In force: no warning; the call's time decides, not the time it is logged."""
    imported(cli, tmp_path, "2026-01-01", "2026-11-24")
    frozen(sh(2026, 11, 25, 10, 0))
    args = ("ticket", "new", "--contract", "leishan", "--severity", "2", "--title", "t", "--json")
    inside = json.loads(cli(*args, "--at", "2026-11-24 23:50").stdout)
    assert (inside["in_period"], inside["period_note"], inside["days_to_expiry"]) == (True, "", 0)
    ran = cli(*args[:-1], "--at", "2026-11-25 00:05")
    assert "合同期外（服务期 2026-01-01 至 2026-11-24）" in ran.stderr


def test_a_ticket_on_a_contract_without_a_period_says_it_cannot_tell(cli, frozen):
    frozen(sh(2026, 11, 25, 10, 0))
    ran = cli("ticket", "new", "--contract", "leishan", "--severity", "2", "--title", "t", "--at", "2026-11-25 02:10")
    assert ran.exit_code == 0 and "服务期未填写" in ran.stderr


def test_covered_outside_the_period_says_so_with_the_dates(cli, tmp_path, frozen):
    imported(cli, tmp_path, "2026-01-01", "2026-11-24")
    frozen(sh(2026, 11, 25, 0, 30))  # UTC: still 2026-11-24
    ran = cli("covered", "mzsf")
    assert ran.exit_code == 0  # the answer to "covered?" is the contract's clauses; the period is said beside it
    assert (
        ran.stdout.splitlines()[0]
        == "雷山县人民医院（leishan）：查「mzsf」  合同期外（服务期 2026-01-01 至 2026-11-24）"
    )
    (match,) = json.loads(cli("covered", "mzsf", "--json").stdout)
    assert (match["in_period"], match["period_note"]) == (False, "合同期外（服务期 2026-01-01 至 2026-11-24）")
    inside = cli("covered", "mzsf", "--at", "2026-11-24 23:59")
    assert inside.stdout.splitlines()[0] == "雷山县人民医院（leishan）：查「mzsf」"
    (match,) = json.loads(cli("covered", "mzsf", "--at", "2026-11-24 23:59", "--json").stdout)
    assert (match["in_period"], match["period_note"], match["days_to_expiry"]) == (True, "", 0)
    bad = cli("covered", "mzsf", "--at", "昨晚")
    assert bad.exit_code == 2 and "--at" in bad.stderr


def test_contracts_show_days_to_expiry(cli, tmp_path, frozen):
    cli("contracts")  # the bundled contract, without a period
    imported(cli, tmp_path, "2026-01-01", "2026-12-31", code="soon", customer="台江县人民医院")
    imported(cli, tmp_path, "2025-01-01", "2026-12-03", code="gone", customer="剑河县人民医院")
    frozen(sh(2026, 12, 8, 9, 0))
    lines = cli("contracts").stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["gone", "leishan", "soon"]
    assert lines[0].endswith("2025-01-01 至 2026-12-03 已过期 5 天")
    assert lines[1].endswith("服务期未填写")
    assert lines[2].endswith("2026-01-01 至 2026-12-31 剩余 23 天")
    rows = {r["code"]: r for r in json.loads(cli("contracts", "--json").stdout)}
    assert rows["soon"]["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert (rows["soon"]["days_to_expiry"], rows["soon"]["in_period"]) == (23, True)
    assert (rows["gone"]["days_to_expiry"], rows["gone"]["period_state"]) == (-5, "ended")
    assert (rows["leishan"]["period"], rows["leishan"]["days_to_expiry"], rows["leishan"]["in_period"]) == (
        None,
        None,
        None,
    )


# ---- the console at 80x24 -------------------------------------------------------------------------------


def _text(widget: Static) -> str:
    return str(widget.render())


async def test_the_board_header_warns_of_a_contract_ending_within_30_days(cli, tmp_path):
    imported(cli, tmp_path, "2026-01-01", "2026-12-20")
    app = make_app(resolve_url(), clock=lambda: sh(2026, 12, 8, 23, 30))  # 2026-12-08 15:30 UTC
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.screen.query_one("#expiry", Static)
        await until(pilot, lambda: box.has_class("shown"), what="the expiry line")
        await until(pilot, lambda: box.region.height == 1, what="the line laid out")
        line = _text(box).strip()
        assert line == "雷山县人民医院 合同 12 天后到期（最后一天 2026-12-20）"
        assert cell_len(line) <= 78 and box.region.y == 1  # right under the top line, within 80 columns


async def test_the_board_header_is_quiet_without_a_period_or_far_from_the_end(cli, tmp_path):
    app = make_app(resolve_url(), clock=lambda: sh(2026, 12, 8, 23, 30))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.contracts and not app.screen.query_one("#expiry", Static).has_class("shown")
    imported(cli, tmp_path, "2026-01-01", "2027-06-30")
    app = make_app(resolve_url(), clock=lambda: sh(2026, 12, 8, 23, 30))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.contracts[0].period and not app.screen.query_one("#expiry", Static).has_class("shown")


async def test_the_form_warns_before_saving_a_call_outside_the_period(cli, tmp_path):
    """The form's first line says 合同期外 with the dates for the call time as typed; a call time inside
    the period takes the warning away."""
    imported(cli, tmp_path, "2026-01-01", "2026-12-07")
    app = make_app(resolve_url(), clock=lambda: sh(2026, 12, 8, 0, 30))  # UTC: still the 7th
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "NewTicketScreen", what="the form")
        head = app.screen.query_one("#head", Static)
        await until(pilot, lambda: "合同期外" in _text(head), what="the warning")
        line = _text(head).strip()
        assert line == "新工单 · 雷山县人民医院  合同期外（服务期 2026-01-01 至 2026-12-07）"  # the code gives way
        assert cell_len(line) <= 78 and head.region.y < 2
        app.screen.query_one("#at", Input).value = "23:50"  # last night, the 7th: in force
        await until(pilot, lambda: "合同期外" not in _text(head), what="the warning gone")
        assert _text(head).strip() == "新工单 · 雷山县人民医院（leishan）"


async def test_the_form_and_the_lookup_say_when_no_period_is_given(db_path):
    app = make_app(resolve_url(), clock=lambda: sh(2026, 12, 8, 0, 30))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("m")
        await until(pilot, lambda: type(app.screen).__name__ == "CoverageScreen", what="the lookup")
        period = app.screen.query_one("#period", Static)
        assert period.has_class("shown") and _text(period).strip() == "服务期未填写"
        await pilot.press("escape", "n")
        await until(pilot, lambda: type(app.screen).__name__ == "NewTicketScreen", what="the form")
        head = app.screen.query_one("#head", Static)
        await until(pilot, lambda: "服务期未填写" in _text(head), what="the form's line")


async def test_the_lookup_screen_says_outside_the_period(cli, tmp_path):
    imported(cli, tmp_path, "2026-01-01", "2026-12-07")
    app = make_app(resolve_url(), clock=lambda: sh(2026, 12, 8, 0, 30))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("m", *"mzsf")
        await until(pilot, lambda: type(app.screen).__name__ == "CoverageScreen", what="the lookup")
        period = app.screen.query_one("#period", Static)
        await until(pilot, lambda: period.has_class("shown"), what="the period line")
        assert _text(period).strip() == "合同期外（服务期 2026-01-01 至 2026-12-07）"


async def test_a_call_saved_from_the_form_outside_the_period_is_logged(cli, tmp_path):
    """Saving is not refused: the ticket is written, and the toast says （合同期外）."""
    from .conftest import say_who

    imported(cli, tmp_path, "2026-01-01", "2026-12-07")
    app = make_app(resolve_url(), clock=lambda: sh(2026, 12, 8, 0, 30))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "NewTicketScreen", what="the form")
        app.screen.query_one("#title", Input).value = "收费处无法收费"
        app.screen.query_one("#severity", Input).value = "2"
        await pilot.press("f2")
        await say_who(pilot)
        await until(pilot, lambda: type(app.screen).__name__ == "BoardScreen", what="saved")
        await until(pilot, lambda: any("合同期外" in n.message for n in app._notifications), what="the toast")
    (ticket,) = json.loads(cli("ticket", "list", "--json").stdout)
    assert ticket["title"] == "收费处无法收费"
