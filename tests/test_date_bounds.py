"""Every date a person types or a file gives lies in 2000–2099, read in the contract's zone; a negotiated
deadline lies after the call and at most 366 days after it; a count of days is 1..366. Anything else is
refused naming the option or field and the range, exit 2, the store unchanged, never a traceback.

The year 9999 that made `ticket list` crash, the year 1 that overflowed, `--days 10**9`: each entry
(text.parse_instant behind every --at/--due/--until/--end/--opened/--pause/--from/--to and the console's
forms, the dates of roster and contract files, the --year options, the --days count, the --from..--to
spans) goes through text.py's one check (`in_range`).
"""

from __future__ import annotations

import json
import tomllib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from zldesk.calendar import ChinaCalendar
from zldesk.contract import contract_from_dict
from zldesk.data import data_dir
from zldesk.errors import InvalidInput, OutOfRange, Refused
from zldesk.text import FIRST_YEAR, LAST_YEAR, in_range, parse_instant

from .conftest import LEISHAN, store_checksum

SH = ZoneInfo("Asia/Shanghai")


# ---- the one check -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2000-01-01T00:00",  # the first minute, local
        "2099-12-31T23:59:59",  # the last second
        "2000-01-01T00:00+08:00",
        "2099-12-31T15:59:59Z",  # 23:59:59 in Shanghai
        "2026-06-01T10:00+14:00",  # the furthest real offsets
        "2026-06-01T10:00-12:00",
    ],
)
def test_the_edges_are_taken(text):
    assert parse_instant(text, SH, "--at").tzinfo is not None


@pytest.mark.parametrize(
    "text, title",
    [
        ("1999-12-31T23:59", "--at 超出范围"),
        ("2100-01-01T00:00", "--at 超出范围"),
        ("0001-01-01", "--at 超出范围"),
        ("9999-12-31T23:59", "--at 超出范围"),
        ("2000-01-01T00:00+14:00", "--at 超出范围"),  # 1999-12-31 18:00 in Shanghai
        ("2099-12-31T23:59-12:00", "--at 超出范围"),  # 2100-01-01 19:59 in Shanghai
        ("2099-12-31T16:00Z", "--at 超出范围"),  # 2100-01-01 00:00 in Shanghai
        ("2026-06-01T10:00+14:30", "--at 的时区偏移 超出范围"),  # Python takes up to ±23:59
        ("2026-06-01T10:00-12:01", "--at 的时区偏移 超出范围"),
        ("2026-02-30", "--at 不是 ISO 时间"),
        ("2026-12-31T23:59:60", "--at 不是 ISO 时间"),  # a leap second: datetime has none
        ("10000-01-01", "--at 不是 ISO 时间"),
        ("昨天下午", "--at 不是 ISO 时间"),
    ],
)
def test_outside_is_refused_naming_the_option_and_the_range(text, title):
    with pytest.raises(Refused) as refused:
        parse_instant(text, SH, "--at")
    e = refused.value
    assert e.exit_code == 2 and e.title == title and text in e.message
    if title == "--at 超出范围":
        assert "应在 2000-01-01 00:00 至 2099-12-31 23:59 之间（Asia/Shanghai 时间）" in e.message
    if "偏移" in title:
        assert "-12:00 至 +14:00" in e.message


def test_years_and_days_go_through_the_same_check():
    assert (FIRST_YEAR, LAST_YEAR) == (2000, 2099)
    assert in_range(2099, "--year") == 2099 and in_range(datetime(2000, 1, 1).date(), "x").year == 2000
    with pytest.raises(OutOfRange) as e:
        in_range(2100, "--year")
    assert (e.value.what, e.value.low, e.value.high, e.value.value) == ("--year", "2000", "2099", "2100")
    with pytest.raises(OutOfRange) as e:
        in_range(datetime(9999, 12, 31).date(), "period.end")
    assert e.value.reason == "应在 2000-01-01 至 2099-12-31 之间，实际是 9999-12-31"


# ---- every entry in the CLI --------------------------------------------------------------------------


@pytest.fixture
def ticket(cli) -> int:
    """A level-3 call (negotiable) at 2026-11-23 10:00 Shanghai."""
    ran = cli(
        "ticket", "new", "--contract", "leishan", "--severity", "3", "--title", "医保结算失败",
        "--at", "2026-11-23T10:00", "--json",
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)["id"]


GRANT = ("--granted-by", "王科长", "--channel", "电话", "--scope", "查日志")
# (the command, what its refusal names, a word of the range it states)
ENTRIES = {
    "new --at 9999": (("ticket", "new", "--severity", "2", "--title", "x", "--at", "9999-12-31T23:59"), "--at", "2099"),
    "new --at year 1": (("ticket", "new", "--severity", "2", "--title", "x", "--at", "0001-01-01"), "--at", "2000"),
    "ack --at 1999": (("ticket", "ack", "{id}", "--at", "1999-12-31T23:59"), "--at", "2000-01-01 00:00"),
    "negotiate --due 9999": (
        ("ticket", "negotiate", "{id}", "--due", "9999-12-31T23:59", "--agreed-with", "李主任"),
        "--due",
        "2099-12-31 23:59",
    ),
    "negotiate a second before the call": (
        ("ticket", "negotiate", "{id}", "--due", "2026-11-23T09:59:59", "--agreed-with", "李主任"),
        "协商时限超出范围",
        "2026-11-23 09:59:59：应晚于来电时间 2026-11-23 10:00:00",
    ),
    "negotiate a year and a second after": (
        ("ticket", "negotiate", "{id}", "--due", "2027-11-24T10:00:01", "--agreed-with", "李主任"),
        "协商时限超出范围",
        "2027-11-24 10:00:01：应晚于来电时间 2026-11-23 10:00:00，且不晚于 2027-11-24 10:00:00（来电后 366 天）",
    ),
    "remote --until 2100": (("ticket", "remote", "{id}", *GRANT, "--until", "2100-01-01"), "--until", "2099"),
    "remote-session --end 9999": (
        ("ticket", "remote-session", "{id}", "--what", "查日志", "--end", "9999-01-01T00:00"),
        "--end",
        "2099",
    ),
    "pause --at +23:00": (("ticket", "pause", "{id}", "--at", "2026-11-23T11:00+23:00"), "--at 的时区偏移", "+14:00"),
    "sla --opened 9999": (("sla", "deadline", "--severity", "3", "--opened", "9999-12-31T23:00"), "--opened", "2099"),
    "sla --pause to 9999": (
        ("sla", "deadline", "--severity", "3", "--opened", "2026-01-01", "--pause", "2026-01-02/9999-12-31"),
        "--pause 的结束",
        "2099",
    ),
    "sla --pause from year 1": (
        ("sla", "deadline", "--severity", "3", "--opened", "2026-01-01", "--pause", "0001-01-01/2026-01-02"),
        "--pause 的开始",
        "2000",
    ),
    "sla --pause ending before it starts": (
        ("sla", "deadline", "--severity", "3", "--opened", "2026-01-01", "--pause", "2026-01-03/2026-01-02"),
        "--pause 的结束不晚于开始",
        "2026-01-03/2026-01-02",
    ),
    "sla calendar 2100": (("sla", "calendar", "2100"), "年份", "2099"),
    "sla calendar 1949": (("sla", "calendar", "1949"), "年份", "2000"),
    "roster now --at 9999": (("roster", "now", "--at", "9999-12-31"), "--at", "2099"),
    "roster gaps --days -1": (("roster", "gaps", "--days", "-1"), "--days", "366"),
    "roster gaps --days 0": (("roster", "gaps", "--days", "0"), "--days", "366"),
    "roster gaps --days 367": (("roster", "gaps", "--days", "367"), "--days", "366"),
    "roster gaps --days 10**9": (("roster", "gaps", "--days", "999999999"), "--days", "366"),
    "roster gaps --from year 1": (("roster", "gaps", "--from", "0001-01-01"), "--from", "2000-01-01"),
    "roster export --to 9999": (("roster", "export", "--to", "9999-12-31"), "--to", "2099-12-31"),
    "roster export over a year": (("roster", "export", "--from", "2026-01-01", "--to", "2027-01-02"), "--to", "366"),
    "roster hours --from 1999": (("roster", "hours", "--from", "1999-12-31"), "--from", "2000"),
    "roster hours over a century": (("roster", "hours", "--from", "2000-01-01", "--to", "2099-12-31"), "--to", "366"),
    "roster override to 2100": (
        (
            "roster",
            "override",
            "--line",
            "hotline",
            "--engineer",
            "王芳",
            "--from",
            "2062-12-02T08:30",
            "--to",
            "2100-12-02T18:00",
            "--reason",
            "调休",
        ),  # fmt: skip
        "--to",
        "2099",
    ),
    "roster notice --year 9999": (("roster", "notice", "--holiday", "国庆节", "--year", "9999"), "--year", "2099"),
    "roster notice --year 1999": (("roster", "notice", "--holiday", "国庆节", "--year", "1999"), "--year", "2000"),
}


@pytest.mark.parametrize("case", list(ENTRIES))
def test_every_entry_refuses_what_is_out_of_range(cli, db_path, ticket, case):
    args, what, bound = ENTRIES[case]
    before = store_checksum(db_path)
    ran = cli(*(a.format(id=ticket) for a in args))
    assert ran.exit_code == 2, (case, ran.exit_code, ran.stdout, ran.stderr)
    assert what in ran.stderr and bound in ran.stderr, (case, ran.stderr)
    assert "Traceback" not in ran.stderr
    assert store_checksum(db_path) == before, f"{case} changed the store"


def test_the_edges_of_every_range_are_taken(cli, ticket):
    """The last moment of 2099, a deadline negotiated exactly 366 days after the call, 366 days of gaps,
    a year's export: all taken (a call on the last evening of 2099 is due in 2100, which the engine covers)."""
    ran = cli("sla", "deadline", "--severity", "4", "--opened", "2099-12-31T23:59", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["due"].startswith("2100-01-")
    ran = cli("ticket", "negotiate", str(ticket), "--due", "2027-11-24T10:00", "--agreed-with", "李主任", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["due"] == "2027-11-24T10:00:00+08:00"
    assert cli("roster", "gaps", "--from", "2099-01-01", "--days", "366").exit_code in (0, 1)  # 1: gaps found
    assert cli("roster", "export", "--from", "2026-01-01", "--to", "2026-12-31").exit_code == 0
    assert cli("sla", "calendar", "2000").exit_code == 0 and cli("sla", "calendar", "2099").exit_code == 0


# ---- dates in files ----------------------------------------------------------------------------------


def test_a_contract_period_out_of_range_is_refused_on_import(cli, db_path, tmp_path):
    text = LEISHAN.read_text(encoding="utf-8").replace(
        'timezone = "Asia/Shanghai"\n',
        'timezone = "Asia/Shanghai"\nperiod = { start = 0001-01-01, end = 2027-12-31 }\n',
    )
    path = tmp_path / "leishan.toml"
    path.write_text(text, encoding="utf-8")
    assert cli("contracts").exit_code == 0  # the store, with the bundled contract
    before = store_checksum(db_path)
    ran = cli("import", "contract", str(path))
    line = text.splitlines().index("period = { start = 0001-01-01, end = 2027-12-31 }") + 1  # the period's own line
    assert ran.exit_code == 2 and f"{path}:{line}: period.start: 超出范围：应在 2000-01-01 至 2099-12-31" in ran.stderr
    assert store_checksum(db_path) == before
    # Terms a store already holds were written when any year was taken: they are read back as they are.
    contract, problems, _ = contract_from_dict(tomllib.loads(text), stored=True)
    assert problems == [] and contract.period.start.year == 1


def test_a_roster_time_at_the_far_offsets_is_read_in_the_contract_zone(cli, db_path, tmp_path):
    """2000-01-01 00:00 at +14:00 is 1999 in Shanghai: refused, as the CLI refuses it (it was taken before,
    by its own year)."""
    path = tmp_path / "shifts.csv"
    path.write_text("值班线,工程师,电话,开始,结束\n现场值班,王芳,1,2000-01-01T00:00+14:00,2000-01-01 09:00\n", "utf-8")
    assert cli("contracts").exit_code == 0
    before = store_checksum(db_path)
    ran = cli("roster", "import", str(path), "--add-engineers")
    assert ran.exit_code == 2 and f"{path}:2: 开始: 超出范围" in ran.stderr and "Asia/Shanghai" in ran.stderr
    assert store_checksum(db_path) == before


def test_a_calendar_override_with_a_time_of_day_is_refused_not_ignored(tmp_path):
    """`date = 2027-10-01T00:00:00` is a TOML date-time: no day lookup would match it, so it vanished."""
    (tmp_path / "2027.toml").write_text(
        '[[days_off]]\ndate = 2027-10-01T00:00:00\nname = "国庆节"\n[[days_off]]\ndate = 2027-10-02\nname = "国庆节"\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as e:
        ChinaCalendar(overrides=tmp_path).day(datetime(2027, 10, 2).date())
    assert [p.path for p in e.value.problems] == ["days_off[0].date"]


# ---- the console's forms -----------------------------------------------------------------------------


async def _settle(pilot) -> None:
    await pilot.pause()
    while pilot.app.workers:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _fill(pilot, values) -> None:
    """Type each field of the form and enter to the next; the last enter submits."""
    for value in values:
        await pilot.press(*value, "enter")
        await pilot.pause()
    await _settle(pilot)


async def test_the_consoles_forms_refuse_a_far_date_and_come_back_as_typed(cli, db_path, ticket):
    """The negotiate form (d) on the ticket screen and the override form (e) on the roster screen read
    their times through the same parse_instant: 9999 is refused naming the field, the form comes back."""
    from textual.widgets import Input, Static

    from zldesk.app import make_app

    assert cli("roster", "import", str(data_dir() / "roster" / "demo.toml")).exit_code == 0
    before = store_checksum(db_path)
    app = make_app(f"sqlite:///{db_path}", clock=lambda: datetime(2026, 11, 25, 10, 0, tzinfo=SH))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        app.open_ticket(ticket)
        await _settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        await _fill(pilot, ("9999-12-31 23:59", "李主任", ""))
        assert type(app.screen).__name__ == "PromptScreen"
        error = str(app.screen.query_one("#error", Static).render())
        assert "协商后的时限 超出范围" in error and "2099-12-31 23:59" in error, error
        assert app.screen.query_one("#field-due", Input).value == "9999-12-31 23:59"
        await pilot.press("escape", "escape")
        await _settle(pilot)
        await pilot.press("o")
        await _settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        await _fill(pilot, ("备勤专线", "黄丽", "9999-12-31 00:00", "2026-11-29 00:00", "", "家中有事"))
        assert type(app.screen).__name__ == "PromptScreen"
        error = str(app.screen.query_one("#error", Static).render())
        assert "开始 超出范围" in error and "2000-01-01 00:00" in error, error
    assert store_checksum(db_path) == before
