"""When to leave (issue 16): a contract's site (address, day and night travel minutes), kept by schema v12,
and the departure time it gives every target that promises arrival on site, one answer on every surface.

leishan's levels 1 and 2 are 3 / 5 hours to arrival on the onsite window (09:00-21:00 every day); levels 3
and 4 are working days (no departure time). The site below is made up: the signed text gives none."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import zldesk.commands.tickets as ticket_commands
from zldesk.contract import (
    Site,
    contract_from_dict,
    contract_to_dict,
    dumps_json,
    dumps_toml,
    parse_contract_text,
    read_contract_file,
)
from zldesk.store.schema import LATEST
from zldesk.travel import is_night, leave_by, promises_arrival

from .conftest import LEISHAN

SH = ZoneInfo("Asia/Shanghai")
SITE_TOML = '\n[site]\naddress = "贵州省黔东南州雷山县丹江镇"\ntravel_minutes = 150\ntravel_minutes_night = 180\n'


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def hm(d) -> str:
    return f"{d.leave_by.astimezone(SH):%m-%d %H:%M}"


# ---- the rule, pure -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "day", "night", "leave", "minutes", "is_n"),
    [
        ("2026-12-02T16:10", 150, None, "12-02 13:40", 150, False),  # the example
        ("2026-12-02T16:10", 150, 180, "12-02 13:40", 150, False),  # day: the night's time plays no part
        ("2026-12-02T22:30", 60, 90, "12-02 21:00", 90, True),  # 21:30 is night: 90 -> 21:00, itself night
        ("2026-12-02T22:10", 60, 90, "12-02 20:59", 60, False),  # 21:00 (90) is late: the last day minute
        ("2026-12-02T21:30", 60, 90, "12-02 20:30", 60, False),  # a deadline just across the window closing
        ("2026-12-03T07:40", 60, 90, "12-03 06:10", 90, True),  # 06:40 is night: 90 -> 06:10
        ("2026-12-03T08:00", 60, 90, "12-03 07:00", 60, False),  # 07:00 is day again: 60 min
        ("2026-12-03T07:50", 60, 90, "12-03 06:20", 90, True),  # 06:50 and 07:00 are late: by night 06:20
        ("2026-12-03T07:50", 90, 60, "12-03 06:50", 60, True),  # the night shorter: 06:50 by night
        ("2026-12-03T08:20", 90, 60, "12-03 06:59", 60, True),  # 07:00 by day (90) is late: the last night minute
        ("2026-12-03T08:40", 90, 60, "12-03 07:10", 90, False),
        ("2026-12-03T01:00", 60, 90, "12-02 23:30", 90, True),  # the night across midnight
        ("2026-12-02T22:30", 60, None, "12-02 21:30", 60, False),  # no night time: the day's always
        ("2026-12-02T16:10:45", 150, None, "12-02 13:40", 150, False),  # to the whole minute, earlier
    ],
)
def test_leave_by_day_night_and_across_21_and_07(due, day, night, leave, minutes, is_n):
    d = leave_by(Site("x", day, night), at(due), SH)
    assert (hm(d), d.minutes, d.night) == (leave, minutes, is_n)
    assert d.leave_by + timedelta(minutes=d.minutes) <= at(due)
    assert d.leave_by.second == 0 and d.leave_by.utcoffset() == at(due).utcoffset()


def test_the_explanation_says_the_deadline_and_the_travel_time():
    d = leave_by(Site("x", 150), at("2026-12-02T16:10"), SH)
    assert d.explain(SH) == "出发 13:40：到达时限 16:10 减路程 150 分钟（日间）"
    n = leave_by(Site("x", 60, 90), at("2026-12-02T22:30"), SH)
    assert n.explain(SH) == "出发 21:00：到达时限 22:30 减路程 90 分钟（夜间 21:00-07:00）"
    edge = leave_by(Site("x", 60, 90), at("2026-12-02T22:10"), SH)
    assert edge.explain(SH).startswith("出发 20:59：到达时限 22:10 减路程 60 分钟（日间）；21:00 起换成夜间路程")


def test_night_is_21_to_07_in_the_contracts_zone():
    assert is_night(at("2026-12-02T21:00"), SH) and is_night(at("2026-12-03T06:59"), SH)
    assert not is_night(at("2026-12-03T07:00"), SH) and not is_night(at("2026-12-02T20:59"), SH)
    assert is_night(datetime.fromisoformat("2026-12-02T13:00+00:00"), SH)  # 21:00 in Shanghai


@given(
    due=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    day=st.integers(1, 24 * 60),
    night=st.one_of(st.none(), st.integers(1, 24 * 60)),
)
def test_leave_by_is_the_latest_minute_that_arrives_in_time(due, day, night):
    """Against the obvious reference: every whole minute from the deadline back a day and a minute."""
    due = due.replace(tzinfo=SH)
    site = Site("x", day, night)
    got = leave_by(site, due, SH).leave_by
    top = due.replace(second=0, microsecond=0)

    def fits(d: datetime) -> bool:
        m = night if night is not None and is_night(d, SH) else day
        return d + timedelta(minutes=m) <= due

    assert fits(got)
    minutes = int((top - got).total_seconds() // 60)  # every later whole minute up to the deadline: none fits
    assert not any(fits(got + timedelta(minutes=k)) for k in range(1, minutes + 1))


def test_only_hour_targets_promise_arrival():
    contract = read_contract_file(LEISHAN)
    assert [promises_arrival(s) for s in contract.severities] == [True, True, False, False]


# ---- the contract file ----------------------------------------------------------------------------------


def leishan_with_site() -> str:
    return LEISHAN.read_text(encoding="utf-8") + SITE_TOML


def test_a_site_reads_and_round_trips_through_toml_and_json():
    c = parse_contract_text(leishan_with_site(), "toml", "x.toml")
    assert c.site == Site("贵州省黔东南州雷山县丹江镇", 150, 180)
    assert parse_contract_text(dumps_toml(c), "toml", "y.toml") == c
    assert parse_contract_text(dumps_json(c), "json", "y.json") == c
    assert json.loads(dumps_json(c))["site"] == {
        "address": "贵州省黔东南州雷山县丹江镇",
        "travel_minutes": 150,
        "travel_minutes_night": 180,
    }
    day_only = parse_contract_text(leishan_with_site().replace("travel_minutes_night = 180\n", ""), "toml", "z")
    assert day_only.site == Site("贵州省黔东南州雷山县丹江镇", 150) and "travel_minutes_night" not in dumps_toml(
        day_only
    )


def test_a_contract_without_a_site_exports_as_before():
    c = read_contract_file(LEISHAN)
    assert c.site is None and "site" not in contract_to_dict(c) and "[site]" not in dumps_toml(c)


@pytest.mark.parametrize(
    ("site", "path", "words"),
    [
        ({"address": "丹江镇", "travel_minutes": 0}, "site.travel_minutes", "1 到 1440"),
        ({"address": "丹江镇", "travel_minutes": 24 * 60 + 1}, "site.travel_minutes", "1 到 1440"),
        ({"address": "丹江镇", "travel_minutes": 60, "travel_minutes_night": -5}, "site.travel_minutes_night", ""),
        ({"address": "丹江镇", "travel_minutes": 1.5}, "site.travel_minutes", "整数"),
        ({"address": "丹江镇", "travel_minutes": True}, "site.travel_minutes", "整数"),
        ({"address": "", "travel_minutes": 60}, "site.address", "为空"),
        ({"address": "丹江镇\x1b[31m", "travel_minutes": 60}, "site.address", ""),
        ({"address": "丹江镇\u202e", "travel_minutes": 60}, "site.address", ""),
        ({"travel_minutes": 60}, "site.address", "缺少"),
        ({"address": "丹江镇"}, "site.travel_minutes", "缺少"),
        ({"address": "丹江镇", "travel_minutes": 60, "km": 3}, "site.km", "未知字段"),
        ("丹江镇", "site", "应为表"),
    ],
)
def test_a_bad_site_is_refused_by_field(site, path, words):
    data = contract_to_dict(read_contract_file(LEISHAN)) | {"site": site}
    contract, problems, _ = contract_from_dict(json.loads(json.dumps(data, default=str)))
    assert contract is None and [p.path for p in problems] == [path], problems
    assert words in problems[0].message


def test_the_address_is_cleaned_like_other_text():
    data = contract_to_dict(read_contract_file(LEISHAN)) | {"site": {"address": "  丹江镇  ", "travel_minutes": 60}}
    contract, problems, _ = contract_from_dict(json.loads(json.dumps(data, default=str)))
    assert problems == [] and contract.site == Site("丹江镇", 60)


def test_the_diff_names_the_site_in_chinese():
    from zldesk.contract import diff_contracts

    old = read_contract_file(LEISHAN)
    new = parse_contract_text(leishan_with_site(), "toml", "x.toml")
    assert diff_contracts(old, new) == ["现场：— → 贵州省黔东南州雷山县丹江镇 路程 150 分钟（夜间 180 分钟）"]


# ---- the store and the CLI --------------------------------------------------------------------------------


@pytest.fixture
def sited(cli, tmp_path):
    path = tmp_path / "leishan.toml"
    path.write_text(leishan_with_site(), encoding="utf-8")
    ran = cli("import", "contract", str(path))
    assert ran.exit_code == 0, ran.stderr
    return path


def show(cli, tid: int) -> dict:
    ran = cli("ticket", "show", str(tid), "--json")
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)


def test_ticket_show_gives_leave_by_in_the_contracts_zone(cli, sited, monkeypatch):
    monkeypatch.setattr(ticket_commands, "_now", lambda: at("2026-11-25T13:20"))
    assert cli("ticket", "new", "--severity", "1", "--title", "全院瘫痪", "--at", "2026-11-25T13:10").exit_code == 0
    assert cli("ticket", "new", "--severity", "3", "--title", "报表", "--at", "2026-11-25T13:10").exit_code == 0
    one = show(cli, 1)
    assert (one["due"], one["leave_by"]) == ("2026-11-25T16:10:00+08:00", "2026-11-25T13:40:00+08:00")
    assert {"kind": "leave", "text": "出发 13:40：到达时限 16:10 减路程 150 分钟（日间）"}.items() <= next(
        s for s in one["explain"] if s["kind"] == "leave"
    ).items()
    assert show(cli, 2)["leave_by"] is None  # working days: no arrival against the clock
    text = cli("ticket", "show", "1").stdout
    assert "出发 13:40：到达时限 16:10 减路程 150 分钟（日间）" in text and "已过" not in text
    monkeypatch.setattr(ticket_commands, "_now", lambda: at("2026-11-25T13:41"))
    assert "出发 13:40：到达时限 16:10 减路程 150 分钟（日间）（已过，尚未到场）" in cli("ticket", "show", "1").stdout
    assert cli("ticket", "arrive", "1", "--at", "2026-11-25T13:41").exit_code == 0
    arrived = show(cli, 1)
    assert arrived["leave_by"] is None and "出发" not in cli("ticket", "show", "1").stdout
    monkeypatch.setattr(ticket_commands, "_now", lambda: at("2026-11-25T18:31"))
    assert cli("ticket", "new", "--severity", "2", "--title", "收费停了", "--at", "2026-11-25T18:30").exit_code == 0
    # 18:30 + 5 h on 09:00-21:00: 2.5 h today, 2.5 h tomorrow -> 11:30; 150 min by day -> 09:00
    assert show(cli, 3)["leave_by"] == "2026-11-26T09:00:00+08:00"
    assert "出发 11-26 09:00：到达时限 11:30 减路程 150 分钟（日间）" in cli("ticket", "show", "3").stdout


def test_a_night_departure_uses_the_night_travel_time(cli, sited, monkeypatch):
    """Level 1 at 18:20: 2 h 40 to the window closing at 21:00, 20 min from 09:00 -> 09:20 the next day; by
    day (150) that is 06:50, which is night: by night (180) 06:20. And 18:00 -> 21:00, the closing: 18:30."""
    monkeypatch.setattr(ticket_commands, "_now", lambda: at("2026-11-25T18:30"))
    assert cli("ticket", "new", "--severity", "1", "--title", "夜里", "--at", "2026-11-25T18:20").exit_code == 0
    assert cli("ticket", "new", "--severity", "1", "--title", "傍晚", "--at", "2026-11-25T18:00").exit_code == 0
    one, two = show(cli, 1), show(cli, 2)
    assert (one["due"], one["leave_by"]) == ("2026-11-26T09:20:00+08:00", "2026-11-26T06:20:00+08:00")
    assert (two["due"], two["leave_by"]) == ("2026-11-25T21:00:00+08:00", "2026-11-25T18:30:00+08:00")
    assert "出发 11-26 06:20：到达时限 09:20 减路程 180 分钟（夜间 21:00-07:00）" in cli("ticket", "show", "1").stdout


def test_the_bundled_contract_gives_no_leave_by(cli, monkeypatch):
    monkeypatch.setattr(ticket_commands, "_now", lambda: at("2026-11-25T13:20"))
    assert cli("ticket", "new", "--severity", "1", "--title", "全院瘫痪", "--at", "2026-11-25T13:10").exit_code == 0
    assert show(cli, 1)["leave_by"] is None


def test_the_site_is_stored_and_read_back_and_audit_verify_passes(cli, sited, db_path):
    conn = sqlite3.connect(db_path)
    row = conn.execute("SELECT site_address, site_travel_minutes, site_travel_minutes_night FROM contract").fetchone()
    conn.close()
    assert row == ("贵州省黔东南州雷山县丹江镇", 150, 180)
    exported = cli("export", "contract", "leishan", "--format", "json").stdout
    assert json.loads(exported)["site"]["travel_minutes_night"] == 180
    assert cli("audit", "verify").exit_code == 0


def _back_to_v11(db) -> None:
    conn = sqlite3.connect(db)
    for name in ("site_address", "site_travel_minutes", "site_travel_minutes_night"):
        conn.execute(f"ALTER TABLE contract DROP COLUMN {name}")
    conn.execute("UPDATE meta SET value = '11' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()


def test_a_v11_store_upgrades_to_v12_and_verifies(cli, db_path, monkeypatch):
    monkeypatch.setattr(ticket_commands, "_now", lambda: at("2026-11-25T13:20"))
    assert cli("ticket", "new", "--severity", "1", "--title", "全院瘫痪", "--at", "2026-11-25T13:10").exit_code == 0
    before = show(cli, 1)
    _back_to_v11(db_path)
    ran = cli("ticket", "show", "1", "--json")
    assert ran.exit_code == 0 and f"从第 11 版升级到第 {LATEST} 版" in ran.stderr, ran.stderr
    assert json.loads(ran.stdout) == before
    assert cli("audit", "verify").exit_code == 0
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT site_address FROM contract").fetchall() == [(None,)]
    conn.close()


def test_the_site_and_the_upgrade_on_postgres(pg_url, tmp_path, monkeypatch):
    import psycopg

    from .test_postgres import ok, run

    path = tmp_path / "leishan.toml"
    path.write_text(leishan_with_site(), encoding="utf-8")
    monkeypatch.setattr(ticket_commands, "_now", lambda: at("2026-11-25T13:20"))
    ok("ticket", "new", "--severity", "1", "--title", "全院瘫痪", "--at", "2026-11-25T13:10")
    plain = psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://"))
    with plain as conn:
        for name in ("site_address", "site_travel_minutes", "site_travel_minutes_night"):
            conn.execute(f"ALTER TABLE contract DROP COLUMN {name}")
        conn.execute("UPDATE meta SET value = '11' WHERE key = 'schema_version'")
    assert json.loads(ok("ticket", "show", "1", "--json"))["leave_by"] is None  # upgrades
    ok("import", "contract", str(path))
    assert run("audit", "verify").exit_code == 0
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        assert conn.execute("SELECT site_travel_minutes_night FROM contract").fetchall() == [(180,)]
    ok("ticket", "new", "--severity", "1", "--title", "又瘫了", "--at", "2026-11-25T13:15")
    assert json.loads(ok("ticket", "show", "2", "--json"))["leave_by"] == "2026-11-25T13:45:00+08:00"


# ---- the console: the board and the ticket screen, 80x24 -------------------------------------------------


async def _board(app, pilot):
    from zldesk.widgets.ticket_board import TicketBoard

    board = app.screen.query_one(TicketBoard)
    for _ in range(200):
        if board.rows:
            return board
        await pilot.pause(0.05)
    raise AssertionError("the board never filled")


def _due_segment(board, y: int):
    strip = board.render_line(y)
    return next(seg for seg in strip if "出发" in seg.text)


@pytest.mark.parametrize(("now", "red"), [("2026-11-25T13:30", False), ("2026-11-25T13:41", True)])
async def test_the_board_and_the_ticket_screen_say_when_to_leave(cli, sited, db_path, monkeypatch, now, red):
    from zldesk.app import make_app
    from zldesk.screens.ticket import TicketScreen

    monkeypatch.setattr(ticket_commands, "_now", lambda: at("2026-11-25T13:20"))
    assert cli("ticket", "new", "--severity", "1", "--title", "全院瘫痪", "--at", "2026-11-25T13:10").exit_code == 0
    assert cli("ticket", "new", "--severity", "4", "--title", "报表改版", "--at", "2026-11-25T13:10").exit_code == 0
    app = make_app(f"sqlite:///{db_path}", clock=lambda: at(now))
    async with app.run_test(size=(80, 24)) as pilot:
        board = await _board(app, pilot)
        one = next(i for i, r in enumerate(board.rows) if r.id == 1)
        four = next(i for i, r in enumerate(board.rows) if r.id == 2)
        cells, _ = board.line_cells(one, at(now).timestamp())
        assert cells["due"] == "出发 13:40"
        assert board.line_cells(four, at(now).timestamp())[0]["due"] != "出发 13:40"  # working days: the due
        seg = _due_segment(board, one)
        assert (seg.style.color is not None and seg.style.color.name == "red") is red, seg.style
        assert len(board.ticking_regions()) == 3  # the 到期 column ticks too: 出发 turns red on time
        board.cursor = one
        await pilot.press("enter")
        for _ in range(200):
            if isinstance(app.screen, TicketScreen) and app.screen.version is not None:
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, TicketScreen)
        from rich.console import Console

        console = Console(width=80, record=True, color_system="standard", force_terminal=True)
        console.print(app.screen.query_one("#ticket").content)
        text, styled = console.export_text(clear=False), console.export_text(styles=True)
        assert "出发 13:40：到达时限 16:10 减路程 150 分钟（日间）" in text
        assert ("已过，尚未到场" in text) is red
        assert ("\x1b[1;31m出发 13:40" in styled) is red and ("\x1b[1m出发 13:40" in styled) is not red


async def test_a_board_without_sites_draws_as_before(cli, db_path, monkeypatch):
    from zldesk.app import make_app

    monkeypatch.setattr(ticket_commands, "_now", lambda: at("2026-11-25T13:20"))
    assert cli("ticket", "new", "--severity", "1", "--title", "全院瘫痪", "--at", "2026-11-25T13:10").exit_code == 0
    app = make_app(f"sqlite:///{db_path}", clock=lambda: at("2026-11-25T13:30"))
    async with app.run_test(size=(80, 24)) as pilot:
        board = await _board(app, pilot)
        assert board.line_cells(0, at("2026-11-25T13:30").timestamp())[0]["due"] == "11-25 16:10"
        assert len(board.ticking_regions()) == 2 and not board.sites


@pytest.mark.parametrize(
    ("now", "shown"),
    [
        ("2026-12-02T10:00", "出发 13:40"),
        ("2026-12-01T22:00", "出发 明13:40"),
        ("2026-12-03T08:00", "出发 昨13:40"),
        ("2026-11-28T08:00", "出发 12-02"),
        ("2027-01-09T08:00", "出发 2026-12"),
    ],
)
def test_the_boards_departure_fits_its_13_cells(now, shown):
    from rich.cells import cell_len

    from zldesk.tickets import leave_text

    d = leave_by(Site("x", 150), at("2026-12-02T16:10"), SH)
    assert leave_text(d, SH, at(now)) == shown and cell_len(shown) <= 13


@pytest.fixture
def sited_board(cli, sited, db_path, monkeypatch):
    monkeypatch.setattr(ticket_commands, "_now", lambda: at("2026-11-25T13:35"))
    for level, title, when in (
        ("1", "全院系统瘫痪", "2026-11-25T13:10"),
        ("2", "收费处不能结算", "2026-11-25T11:00"),
        ("3", "报表数字不对", "2026-11-25T10:00"),
        ("1", "住院处停了", "2026-11-25T12:00"),
    ):
        assert cli("ticket", "new", "--severity", level, "--title", title, "--at", when).exit_code == 0
    assert cli("ticket", "arrive", "4", "--at", "2026-11-25T12:30").exit_code == 0
    from zldesk.app import make_app

    return make_app(f"sqlite:///{db_path}", clock=lambda: at("2026-11-25T13:35"))


def test_board_with_a_site(snap_compare, sited_board):
    """The board at 13:35 of a hospital whose contract gives a site (150 minutes by day): the level-2 ticket
    (due 16:00, first: soonest breach) says 出发 13:30 in its 到期 cell in red (the cursor's row is drawn
    reversed: a red cell), as 13:30 has passed and no one has arrived; the
    level-1 ticket (due 16:10) says 出发 13:40, not red; the level-3 ticket (working days) shows its due
    date as before; the level-1 ticket an engineer reached (到场, cyan) shows its due date. Everything fits
    80 columns; the columns line up."""

    async def loaded(pilot):
        for _ in range(200):  # the rows and the status line (未结 4) come from workers
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            if "未结 4" in str(pilot.app.screen.query_one("#now").content):
                break

    assert snap_compare(sited_board, terminal_size=(80, 24), run_before=loaded)
