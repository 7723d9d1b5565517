"""A night on call, keyboard only (issue 14): a resolved ticket is still reachable (ctrl+p #N, R), `r` and `v`
ask in one key (y; enter never confirms), the call time and an arrival or resolution time can be typed
(effective and entered both kept), and the history names the engineer at the keyboard, not the OS user.
Pilot on real SQLite files; the store is read back through the CLI and `audit verify`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from textual.widgets import DataTable, Input, Static

from zldesk.app import make_app
from zldesk.demo import fill_demo
from zldesk.store import open_store, reading
from zldesk.store.db import resolve_url
from zldesk.store.tickets import history

ZONE = ZoneInfo("Asia/Shanghai")


async def _ready(pilot) -> None:
    """Until no worker runs: a read's callback may start the next read (the change watch's does)."""
    await pilot.pause()
    while pilot.app.workers:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _until(pilot, wanted, what: str, timeout: float = 10.0) -> None:
    """Wait for a condition, generously; never a bare sleep."""
    for _ in range(int(timeout / 0.05)):
        if wanted():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for: {what}")


def _screen(app) -> str:
    return type(app.screen).__name__


def _show(cli, tid: int) -> dict:
    return json.loads(cli("ticket", "show", str(tid), "--json").stdout)


def _events(url: str, tid: int):
    with reading(open_store(url)) as session:
        return history(session, tid)


async def _name(pilot, name: str = "王芳") -> None:
    """Answer the first write's question (who is at the keyboard) with `name`."""
    await _until(pilot, lambda: _screen(pilot.app) == "PromptScreen", "the engineer question")
    box = pilot.app.screen.query_one(Input)
    box.value = name
    await pilot.press("enter")
    await _ready(pilot)


def _local(minutes_ago: int) -> str:
    return f"{datetime.now(UTC).astimezone(ZONE) - timedelta(minutes=minutes_ago):%Y-%m-%d %H:%M}"


# ---- item 2: a resolved ticket is still reachable ---------------------------------------------------------


async def test_palette_opens_a_resolved_ticket_by_its_number(db_path, cli):
    """ctrl+p then `#1` or `1` opens ticket 1, resolved and so on no board row (found in the store)."""
    from textual.command import CommandPalette

    assert cli("ticket", "new", "--severity", "3", "--title", "已解决的那张").exit_code == 0
    assert cli("ticket", "resolve", "1").exit_code == 0
    app = make_app(resolve_url())
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        assert app.get_screen("board").all_rows == []
        for typed in ("#1", "1"):
            await pilot.press("ctrl+p")
            await _until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
            await pilot.press(*typed)
            await _until(pilot, lambda p=app.screen: "已解决的那张" in _options(p), "the ticket offered by number")
            await pilot.press("enter")
            await _until(pilot, lambda: _screen(app) == "TicketScreen", "the ticket screen")
            assert app.screen.ticket_id == 1
            await _until(pilot, lambda: app.screen.state == "resolved", "the ticket read")
            await pilot.press("escape")
            await _ready(pilot)


def _options(palette) -> str:
    from textual.widgets import OptionList

    options = palette.query_one(OptionList)
    return " ".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))


async def test_R_lists_the_last_seven_days_resolved_and_closed_and_enter_opens(db_path, cli):
    """R on the board: tickets resolved in the last 7 days (closed ones too), newest first; one resolved
    ten days ago and an open one are not there; enter opens the one under the cursor, where x can close it."""
    long_ago = f"{datetime.now(UTC).astimezone(ZONE) - timedelta(days=10):%Y-%m-%d %H:%M}"
    assert cli("ticket", "new", "--severity", "3", "--title", "十天前", "--at", long_ago).exit_code == 0
    assert cli("ticket", "resolve", "1", "--at", long_ago).exit_code == 0
    for title in ("昨晚解决", "已关闭", "还开着"):
        assert cli("ticket", "new", "--severity", "3", "--title", title, "--at", _local(120)).exit_code == 0
    assert cli("ticket", "resolve", "2", "--at", _local(60)).exit_code == 0
    assert cli("ticket", "resolve", "3", "--at", _local(30)).exit_code == 0
    assert cli("ticket", "close", "3").exit_code == 0
    app = make_app(resolve_url())
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("R")
        await _ready(pilot)
        assert _screen(app) == "RecentScreen"
        table = app.screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[:2] for r in rows] == [["#3", "已关闭"], ["#2", "已解决"]]
        await pilot.press("j", "enter")
        await _until(pilot, lambda: _screen(app) == "TicketScreen", "the ticket screen")
        assert app.screen.ticket_id == 2
        await pilot.press("escape")
        await _ready(pilot)
        assert _screen(app) == "RecentScreen"
        await pilot.press("escape")
        await _ready(pilot)
        assert _screen(app) == "BoardScreen"


# ---- item 3 and 7: r and v ask in one key, with an optional time -----------------------------------------


async def test_r_asks_and_only_y_confirms(db_path, cli):
    """r shows 确认解决 #1？; enter twice answers nothing, n leaves the ticket as it was; r then y resolves it
    (after saying who is at the keyboard); audit verify still replays every ticket to its row."""
    assert cli("ticket", "new", "--severity", "3", "--title", "误按").exit_code == 0
    app = make_app(resolve_url())
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("enter")
        await _until(pilot, lambda: _screen(app) == "TicketScreen" and app.screen.state == "new", "the ticket")
        await pilot.press("r")
        await _until(pilot, lambda: _screen(app) == "ConfirmScreen", "the confirmation")
        assert "确认解决 #1？" in str(app.screen.query_one("#question", Static).render())
        await pilot.press("enter", "enter")
        await _ready(pilot)
        assert _screen(app) == "ConfirmScreen"
        assert "enter 不会确认" in str(app.screen.query_one("#error", Static).render())
        await pilot.press("n")
        await _ready(pilot)
        assert _screen(app) == "TicketScreen"
        assert _show(cli, 1)["state"] == "new"
        await pilot.press("r")
        await _until(pilot, lambda: _screen(app) == "ConfirmScreen", "the confirmation")
        await pilot.press("y")
        await _name(pilot)
        await _until(pilot, lambda: getattr(app.screen, "state", None) == "resolved", "the ticket resolved")
    assert _show(cli, 1)["state"] == "resolved"
    assert [e.kind for e in _events(resolve_url(), 1)] == ["create", "resolve"]
    verify = cli("audit", "verify")
    assert verify.exit_code == 0 and "完好" in verify.stdout, verify.stdout + verify.stderr


async def test_v_takes_the_time_the_engineer_arrived(db_path, cli):
    """v, t, a time 40 minutes ago, enter, y: arrival is effective then and entered now (history shows both);
    a time in the future is refused and the question comes back with the time as typed and why."""
    assert cli("ticket", "new", "--severity", "2", "--title", "收费处无法结算", "--at", _local(90)).exit_code == 0
    app = make_app(resolve_url())
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("enter")
        await _until(pilot, lambda: _screen(app) == "TicketScreen" and app.screen.state == "new", "the ticket")
        await pilot.press("v")
        await _until(pilot, lambda: _screen(app) == "ConfirmScreen", "the confirmation")
        future = f"{datetime.now(UTC).astimezone(ZONE) + timedelta(hours=2):%Y-%m-%d %H:%M}"
        await pilot.press("t", *future, "enter", "y")
        await _name(pilot)
        await _until(pilot, lambda: _screen(app) == "ConfirmScreen", "the question again")
        assert "生效时间在未来" in str(app.screen.query_one("#error", Static).render())
        assert app.screen.query_one("#at", Input).value == future
        arrived = _local(40)
        await pilot.press("t", "ctrl+u", *arrived, "y")  # in the box y is a letter: it answers nothing
        await _ready(pilot)
        assert _screen(app) == "ConfirmScreen" and app.screen.query_one("#at", Input).value == arrived + "y"
        await pilot.press("backspace", "enter", "y")
        await _until(pilot, lambda: getattr(app.screen, "state", None) == "on_site", "the arrival recorded")
    event = _events(resolve_url(), 1)[-1]
    assert event.kind == "arrive" and event.who == "王芳"
    assert f"{event.effective_at.astimezone(ZONE):%Y-%m-%d %H:%M}" == arrived
    assert event.entered_at - event.effective_at > timedelta(minutes=35)
    assert _show(cli, 1)["clock"]["stopped_by"] == "arrived"
    assert "完好" in cli("audit", "verify").stdout


async def test_new_ticket_takes_the_call_time(db_path, cli):
    """The form's 来电时间 is now, editable: a call at 02:10 typed at 02:30 is received at 02:10 and entered
    at 02:30; a year outside 2000–2099 is refused as the CLI's --at refuses it, and nothing is saved."""
    app = make_app(resolve_url())
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("n")
        await _until(pilot, lambda: _screen(app) == "NewTicketScreen", "the form")
        box = app.screen.query_one("#at", Input)
        assert box.value == _local(0) or box.value == _local(1)  # now, to the minute
        app.screen.query_one("#title", Input).value = "半夜来电：挂号打不开"
        app.screen.query_one("#severity", Input).value = "3"
        box.value = "1999-12-31 23:00"
        await pilot.press("f2")
        await _ready(pilot)
        assert _screen(app) == "NewTicketScreen"
        assert any("2000-01-01" in n.message for n in app._notifications)
        called = _local(20)
        box.value = called
        await pilot.press("f2")
        await _name(pilot, "李强")
        await _until(pilot, lambda: _screen(app) == "BoardScreen", "the board")
    event = _events(resolve_url(), 1)[0]
    assert f"{event.effective_at.astimezone(ZONE):%Y-%m-%d %H:%M}" == called and event.who == "李强"
    assert event.entered_at - event.effective_at > timedelta(minutes=15)
    assert len(json.loads(cli("ticket", "list", "--json").stdout)) == 1


# ---- item 8: the engineer at the keyboard ---------------------------------------------------------------

NIGHT = datetime(2026, 11, 25, 2, 30, tzinfo=ZONE)  # a Wednesday night: the backup line is open


async def test_first_write_asks_who_offering_the_engineer_on_duty(tmp_path):
    """The first write asks who is at the keyboard, the roster's engineer on duty already filled in; enter
    takes it, the header shows it and the history records it (not the OS user). A name is taken as --as takes
    it: full-width letters and a zero-width space come out as one spelling; a control character is refused."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = open_store(url)
    fill_demo(engine, NIGHT)
    app = make_app(url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        backup = next(r for r in app.duty["leishan"].at(NIGHT) if r.line == "backup").engineer
        assert backup and app.engineer is None
        board = app.screen
        tid = board.all_rows[0].id
        await pilot.press("enter")
        await _until(pilot, lambda: _screen(app) == "TicketScreen" and app.screen.version, "the ticket")
        await pilot.press("n")  # a note: a write
        await _until(pilot, lambda: _screen(app) == "PromptScreen", "the note form")
        await pilot.press(*"医院来电催", "enter")
        await _until(pilot, lambda: "谁在值班台前" in _title(app), "the engineer question")
        assert app.screen.query_one(Input).value == backup
        await pilot.press("enter")
        await _ready(pilot)
        assert app.engineer == backup
        app.tick()
        assert f"操作人 {backup}" in str(board.query_one("#now", Static).render())
        await pilot.press("escape")
        await _ready(pilot)
        await pilot.press("u")  # another engineer takes over the keyboard
        await _until(pilot, lambda: _screen(app) == "PromptScreen", "the engineer question")
        app.screen.query_one(Input).value = "张\x1b[31m伟"
        await pilot.press("enter")
        await _ready(pilot)
        assert "名字不能用" in str(app.screen.query_one("#error", Static).render())
        app.screen.query_one(Input).value = " 张\u200bＸ伟 "
        await pilot.press("enter")
        await _ready(pilot)
        assert app.engineer == "张X伟"
    with reading(open_store(url)) as session:
        note = history(session, tid)[-1]
    assert (note.kind, note.who) == ("note", backup)


def _title(app) -> str:
    return getattr(app.screen, "title_text", "")


async def test_esc_on_a_filled_form_asks_and_esc_again_keeps_it(db_path, cli):
    """An empty form goes at esc; one with a word typed asks 放弃这张新工单？, and esc (or n, or enter)
    there goes back to the form with what was typed; only y discards it. Nothing is written either way."""
    app = make_app(resolve_url())
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("n")
        await _until(pilot, lambda: _screen(app) == "NewTicketScreen", "the form")
        await pilot.press("escape")
        await _until(pilot, lambda: _screen(app) == "BoardScreen", "an empty form goes at once")
        await pilot.press("n")
        await _until(pilot, lambda: _screen(app) == "NewTicketScreen", "the form again")
        await pilot.press(*"收费处全部窗口无法收费")
        for keys in (("escape",), ("n",), ("enter", "escape")):  # a tired esc twice, a no, an enter
            await pilot.press("escape")
            await _until(pilot, lambda: _screen(app) == "ConfirmScreen", "the question")
            await pilot.press(*keys)
            await _until(pilot, lambda: _screen(app) == "NewTicketScreen", f"back to the form after {keys}")
            assert app.screen.query_one("#title", Input).value == "收费处全部窗口无法收费"
        await pilot.press("escape")
        await _until(pilot, lambda: _screen(app) == "ConfirmScreen", "the question")
        assert "放弃这张新工单" in str(app.screen.query_one("#question", Static).render())
        await pilot.press("y")
        await _until(pilot, lambda: _screen(app) == "BoardScreen", "discarded")
    assert json.loads(cli("ticket", "list", "--json").stdout) == []


async def test_a_call_time_said_as_hh_mm_is_the_last_such_moment(tmp_path):
    """At 00:20 the engineer writes down a call that came at 23:50: the box is selected when tabbed into,
    so 23:50 typed replaces the form's guess, and a bare time is the last such moment (yesterday's here);
    00:10 would be today's."""
    url = f"sqlite:///{tmp_path / 'z.db'}"
    open_store(url).dispose()
    now = datetime(2026, 11, 26, 0, 20, tzinfo=ZONE)
    app = make_app(url, clock=lambda: now)
    app.engineer = "李强"
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        await pilot.press("n")
        await _until(pilot, lambda: _screen(app) == "NewTicketScreen", "the form")
        form = app.screen
        form.query_one("#title", Input).value = "挂号打不开"
        form.query_one("#severity", Input).value = "3"
        form.set_focus(form.query_one("#channel", Input))
        await pilot.press("tab", *"23:50")
        await _until(pilot, lambda: form.query_one("#at", Input).value == "23:50", "the guess replaced")
        assert f"{form._call_time():%Y-%m-%d %H:%M}" == "2026-11-25 23:50"
        form.query_one("#at", Input).value = "00:10"
        assert f"{form._call_time():%Y-%m-%d %H:%M}" == "2026-11-26 00:10"
        form.query_one("#at", Input).value = "23:50"
        preview = form.query_one("#preview", Static)
        await _until(
            pilot, lambda: "按来电 11-25 23:50 登记：3 级" in str(preview.render()), "the preview says the call"
        )
        await pilot.press("f2")
        await _until(pilot, lambda: _screen(app) == "BoardScreen", "saved")
    event = _events(url, 1)[0]
    assert f"{event.effective_at.astimezone(ZONE):%Y-%m-%d %H:%M}" == "2026-11-25 23:50"
