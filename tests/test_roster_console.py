"""The roster in the console: the board's header says who holds each line now, `o` shows the week and
the next holiday per line with gaps marked, `e` enters an override, the ticket screen says whose watch
its deadline falls in. Pilot on a real store filled the way `zldesk --demo` fills it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from textual.widgets import DataTable, Input, Static

from zldesk.app import make_app
from zldesk.demo import fill_demo
from zldesk.store import open_store, reading
from zldesk.store.roster import load_roster, roster_history

from .conftest import say_who

ZONE = ZoneInfo("Asia/Shanghai")
NIGHT = datetime(2026, 11, 25, 2, 30, tzinfo=ZONE)  # Wednesday, backup line hours


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = open_store(url)
    fill_demo(engine, NIGHT)
    return url, engine


def _table(app) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def _fill(pilot, values) -> None:
    """Type each field of the form and enter to the next; the last enter submits."""
    for value in values:
        if value:
            await pilot.press(*value)
        await pilot.press("enter")
        await pilot.pause()


async def _ready(pilot) -> None:
    """Until no worker runs: a read's callback may start the next read (the change watch's does)."""
    await pilot.pause()
    while pilot.app.workers:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def test_header_says_who_holds_the_open_line(store):
    url, engine = store
    with reading(engine) as session:
        _, roster = load_roster(session, "leishan")
    app = make_app(url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        app.tick()
        header = str(app.screen.query_one("#now", Static).render())
        warnings = str(app.screen.query_one("#expiry", Static).render())
        backup = next(r for r in app.duty["leishan"].at(NIGHT) if r.line == "backup").engineer
        assert backup in {e.name for e in roster.engineers}
        # The backup line changed hands at 18:00 and nobody acknowledged it: the line under the header says so,
        # naming the holder (zldesk handover ack clears it); the header names who holds the open line.
        assert f"备勤交接未确认：{backup} 18:00" in warnings
        assert f"值班：备勤 {backup}" in header and "热线" not in header.split("值班：")[1]


async def test_roster_screen_shows_the_week_and_the_next_holiday(store):
    url, _ = store
    app = make_app(url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("o")
        await _ready(pilot)
        assert type(app.screen).__name__ == "RosterScreen"
        rows = _table(app)
        assert [r[0] for r in rows[:7]] == [
            "11-25 三",
            "11-26 四",
            "11-27 五",
            "11-28 六",
            "11-29 日",
            "11-30 一",
            "12-01 二",
        ]
        assert rows[3][1] == "周末" and rows[3][2] == "—"  # no hotline at weekends
        assert rows[7][0] == "下个假期" and rows[8][:2] == ["2027-01-01 五", "元旦"]  # next year's: its year
        assert all("缺" not in cell for row in rows for cell in row)  # the demo roster has no gaps
        on_duty = str(app.screen.query_one("#on-duty", Static).render())
        assert "备勤专线" in on_duty and "至 11-25 08:30" in on_duty


async def test_override_entered_on_the_roster_screen_is_saved_and_shown(store):
    url, engine = store
    app = make_app(url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("o")
        await _ready(pilot)
        await pilot.press("e")
        await pilot.pause()
        await _fill(pilot, ("备勤专线", "孙浩", "2026-11-28 00:00", "2026-11-29 00:00", "", "家中有事"))
        await say_who(pilot)  # the first write asks who is at the keyboard
        await _ready(pilot)
        # 孙浩 is inactive: refused, nothing written; the form comes back as typed, saying why
        with reading(engine) as session:
            assert [e.kind for e in roster_history(session, "leishan")] == ["import"]
        assert type(app.screen).__name__ == "PromptScreen"
        assert "孙浩" in str(app.screen.query_one("#error", Static).render())
        assert app.screen.query_one("#field-start", Input).value == "2026-11-28 00:00"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await _fill(pilot, ("backup", "黄丽", "2026-11-28 00:00", "2026-11-29 00:00", "", "家中有事"))
        await _ready(pilot)
        rows = _table(app)
        saturday = next(r for r in rows if r[0] == "11-28 六")
        assert "黄丽" in saturday[3]
        with reading(engine) as session:
            history = roster_history(session, "leishan")
        assert [e.kind for e in history] == ["import", "override"] and "家中有事" in history[-1].summary


async def test_a_gap_is_marked_red_on_the_roster_screen(store, tmp_path):
    """An override that hands the line to nobody is impossible; a gap comes from a roster without a
    rotation for a line: import one with the hotline only, and every backup hour shows 缺."""
    url, engine = store
    from zldesk.roster import Roster
    from zldesk.store import writing
    from zldesk.store.roster import replace_roster

    with writing(engine) as session:
        _, current = load_roster(session, "leishan")
        hotline = tuple(r for r in current.rotations if r.line == "hotline")
        replace_roster(session, "leishan", Roster(rotations=hotline), source="test", who="test")
    app = make_app(url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        app.tick()
        assert "备勤 无人值守！" in str(app.screen.query_one("#now", Static).render())
        await pilot.press("o")
        await _ready(pilot)
        rows = _table(app)
        assert rows[0][3] == "缺0-8:30,18-24" and rows[0][2] != "—"  # both of the day's gaps, in one cell
        assert rows[3][3] == "缺0-24"


async def test_ticket_screen_says_whose_watch_the_deadline_falls_in(store):
    url, _ = store
    app = make_app(url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        board = app.screen.query_one("TicketBoard")
        board.cursor = next(i for i, r in enumerate(board.rows) if r.severity == 1)
        await pilot.press("enter")
        await _ready(pilot)
        from rich.console import Console

        console = Console(width=200, record=True, file=open("/dev/null", "w"))
        console.print(app.screen.query_one("#ticket", Static).content)
        text = console.export_text()
        due = datetime(2026, 11, 25, 9, 25, tzinfo=ZONE)  # the level-1 ticket's deadline (snapshot)
        expected = "、".join(f"{r.label} {r.engineer}" for r in app.duty["leishan"].at(due) if r.open)
        assert f"到期时值班：{expected}" in text and "现场值班" in expected


async def test_help_on_the_ticket_screen_does_not_offer_o_twice(store):
    url, _ = store
    app = make_app(url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("enter")
        await _ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        shown = [a.id for a in app.screen.actions]
        assert "ticket.reopen" in shown and "app.roster" not in shown and "app.help" in shown


async def test_roster_screen_picks_up_an_override_from_another_process(store):
    """An override entered with the CLI elsewhere appears on an open roster screen within a tick."""
    import os
    import subprocess
    import sys

    url, _ = store
    app = make_app(url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("o")
        await _ready(pilot)
        saturday = next(r for r in _table(app) if r[0] == "11-28 六")
        assert "刘洋" not in saturday[3]
        subprocess.run(
            [
                sys.executable,
                "-m",
                "zldesk",
                "--db",
                url,
                "roster",
                "override",
                "--line",
                "backup",
                "--engineer",
                "刘洋",
                "--from",
                "2026-11-28T00:00",
                "--to",
                "2026-11-29T00:00",
                "--reason",
                "换班",
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "ZLDESK_CACHE": "off"},
        )
        app.tick()  # what the one-second interval does
        await _ready(pilot)
        saturday = next(r for r in _table(app) if r[0] == "11-28 六")
        assert "刘洋" in saturday[3]


async def test_assign_form_offers_the_rosters_engineers(store):
    url, _ = store
    app = make_app(url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("enter")
        await _ready(pilot)
        await pilot.press("i")
        await pilot.pause()
        hint = app.screen.query_one("#field-engineer", Input).placeholder
        assert hint.startswith("值班表里有：") and "王芳" in hint and "孙浩" not in hint  # 孙浩 is inactive
