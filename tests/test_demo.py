"""`zldesk --demo`'s three hospitals (issue 16, the demo): the bundled contract and two fictional ones of the
same template on one board, each with its service period around today, its site, its people and a roster;
the demo tickets the file names go to their hospital, with the caller's number from its people. Built by
`fill_demo(..., hospitals=True)` (what `zldesk --demo` runs) on a real SQLite file, read back by the CLI."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zldesk.demo import _TICKETS, fill_demo
from zldesk.demo.hospitals import hospitals_path
from zldesk.store import open_store

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 2, 10, tzinfo=ZONE)


@pytest.fixture
def demo(db_path, cli, monkeypatch):
    import zldesk.commands.tickets as ticket_commands

    monkeypatch.setattr(ticket_commands, "_now", lambda: NOW)
    assert fill_demo(open_store(f"sqlite:///{db_path}"), now=NOW, hospitals=True) == len(_TICKETS)
    return cli


def _file() -> list[dict]:
    return tomllib.loads(hospitals_path().read_text(encoding="utf-8"))["hospitals"]


def test_three_hospitals_each_with_its_period_people_and_roster(demo):
    listed = json.loads(demo("contracts", "--json").stdout)
    assert [c["code"] for c in listed] == ["danzhai", "leishan", "rongjiang"]
    for entry in _file():
        shown = json.loads(demo("export", "contract", entry["code"], "--format", "json").stdout)
        assert shown["customer"] == entry["customer"]
        today = NOW.date()
        assert shown["period"] == {
            "start": (today + timedelta(days=entry["period"]["start_days"])).isoformat(),
            "end": (today + timedelta(days=entry["period"]["end_days"])).isoformat(),
        }
        if entry.get("template"):  # the template's words, under the hospital's own name
            assert "雷山县人民医院" not in json.dumps(shown, ensure_ascii=False)
            assert entry["customer"] in shown["severities"][0]["description"]
        people = demo("export", "contacts", entry["code"], "--format", "json")
        assert [p["name"] for p in json.loads(people.stdout)] == [p["name"] for p in entry["contacts"]]
        roster = demo("roster", "now", "--contract", entry["code"], "--json")
        assert roster.exit_code == 0 and json.loads(roster.stdout), roster.stderr


def test_the_tickets_go_to_the_hospitals_the_file_names(demo):
    tickets = json.loads(demo("ticket", "list", "--json").stdout)
    by_title = {t["title"]: t["contract"] for t in tickets}
    for entry in _file():
        for title in entry.get("tickets", []):
            assert by_title.pop(title) == entry["code"]
    assert set(by_title.values()) == {"leishan"}  # the rest: the bundled contract's


def test_a_caller_of_the_demo_is_known_by_the_number_on_their_ticket(demo):
    """吴药师 of 榕江 called about the stock count: `who` on the number the ticket holds says so."""
    (ticket,) = [
        t for t in json.loads(demo("ticket", "list", "--json").stdout) if t["title"] == "药库月末盘点报表需要调整"
    ]
    shown = json.loads(demo("ticket", "show", str(ticket["id"]), "--json").stdout)
    who = json.loads(demo("who", shown["phone"], "--json").stdout)
    assert {(k["contract"], k["name"], k["source"]) for k in who} == {
        ("rongjiang", "吴药师", "contacts"),
        ("rongjiang", "吴药师", "ticket"),
    }


def test_zldesk_demo_shows_the_three_hospitals_on_one_board_at_80x24(tmp_path):
    """`zldesk --demo` in tmux at 80x24 (at whatever hour it runs): rows of 雷山, 榕江 and 丹寨 on the one board,
    each named; rows of levels 1 and 2 say when to set out (出发); `n` and a demo caller's number fill the form
    with their hospital and name."""
    import re
    import shutil

    from .conftest import missing
    from .test_terminal_escapes import Console

    if shutil.which("tmux") is None:
        missing("tmux", "ZLDESK_REQUIRE_TMUX", "tmux is not on PATH")
    console = Console(tmp_path / "unused.db", tmp_path, "--demo")
    try:
        screen = console.wait_for("单号", "出发", "剩余")
        assert {"雷山", "榕江", "丹寨"} <= set(re.findall(r"#\d+\s+(\S+)", screen)), screen
        console.visit("n", "新工单 ·")
        console.keys("0855-6600016")
        screen = console.wait_for("榕江县人民医院 · 吴药师（药库）")
        assert "新工单 · 榕江县人民医院" in screen, screen
    finally:
        console.close()


@pytest.mark.parametrize(
    "hour, said",
    [
        # 08:40: the hotline changed hands at 08:30, ten minutes ago; the backup line at 18:00 yesterday, over
        # twelve hours ago: nothing to acknowledge, and the contract ending is the whole line.
        ((8, 40), "榕江县人民医院 合同 18 天后到期（最后一天 2026-12-13）"),
        # 12:10: the 08:30 handoff unacknowledged on all three hospitals' rosters, said once, before the ending.
        ((12, 10), "热线交接未确认：刘洋 08:30（丹寨、雷山、榕江）；榕江县人民医院 合同 18 天后到"),
    ],
)
async def test_the_line_under_the_header_says_what_must_not_wait(db_path, hour, said):
    from textual.widgets import Static

    from zldesk.app import make_app
    from zldesk.store.db import resolve_url

    from .conftest import until

    now = datetime(2026, 11, 25, *hour, tzinfo=ZONE)
    fill_demo(open_store(f"sqlite:///{db_path}"), now=now, hospitals=True)
    app = make_app(resolve_url(), clock=lambda: now)
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.get_screen("board").query_one("#expiry", Static)
        await until(pilot, lambda: said in str(box.render()), what=f"{said} (shows {box.render()!s})")


async def test_h_shows_the_handoff_of_every_hospital_and_a_takes_it_over_on_each(db_path, cli):
    """12:10: the hotline changed hands at 08:30 on the three hospitals' rosters. `h` shows the three sheets,
    one after another (ready to paste), and one `a` acknowledges it on each, in one write: the warning goes,
    and each hospital's roster history has the acknowledgement."""
    from textual.widgets import Static

    from zldesk.app import make_app
    from zldesk.store.db import resolve_url

    from .conftest import until

    now = datetime(2026, 11, 25, 12, 10, tzinfo=ZONE)
    fill_demo(open_store(f"sqlite:///{db_path}"), now=now, hospitals=True)
    app = make_app(resolve_url(), clock=lambda: now)
    app.engineer = "刘洋"
    async with app.run_test(size=(80, 24)) as pilot:
        warnings = app.get_screen("board").query_one("#expiry", Static)
        await until(pilot, lambda: "交接未确认" in str(warnings.render()), what="the flag")
        await pilot.press("h")
        await until(pilot, lambda: type(app.screen).__name__ == "HandoverScreen" and app.screen.sheets, what="sheets")
        text = str(app.screen.query_one("#handover-text", Static).render())
        assert [line.split()[0] for line in text.splitlines() if line.startswith("【交接单】")] == [
            "【交接单】丹寨县人民医院", "【交接单】雷山县人民医院", "【交接单】榕江县人民医院",
        ]  # fmt: skip
        await pilot.press("a")
        await until(pilot, lambda: "交接未确认" not in str(warnings.render()), what="the flag gone")
    for code in ("danzhai", "leishan", "rongjiang"):
        log = cli("roster", "log", "--contract", code).stdout
        assert "交接确认" in log and "刘洋 接班" in log, (code, log)
