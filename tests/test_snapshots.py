"""80x24 pictures of the console on the demo store, at a fixed night-time instant (the backup line's hours).

Each test says what a person should see; `pytest --snapshot-update` rewrites the pictures after a
deliberate change, and the SVG report shows the difference when one breaks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from zldesk.app import make_app
from zldesk.demo import fill_demo
from zldesk.store import open_store

from .conftest import until

NIGHT = datetime(2026, 11, 25, 2, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def night_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    fill_demo(open_store(url), NIGHT)
    return make_app(url, clock=lambda: NIGHT)


async def _loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_board_at_night(snap_compare, night_app):
    """The board at 02:30 on a Wednesday: the status line says 工作日, that the hotline is closed (call
    the backup line) and who holds the backup line now (值班：备勤 and a name from the demo roster); the line
    under it, on the warning colour, says the backup line changed hands at 18:00 and nobody acknowledged it
    (备勤交接未确认：杨帆 18:00). The breached level-2 ticket leads, saying 超时 0:40:00 in red; every other clock waits for its window and
    says when it starts: the level-1 and level-2 tickets `09:00起` with under an hour left (red), levels 3
    and 4 `08:30起`; the clocks stopped by an arrival (到场) or a pause (暂停) come last, in cyan. Those
    three red rows start with a red `!` in the first column, the others with a blank. There is no hospital
    column (every ticket is 雷山县人民医院's); the module column names modules apart: 门急诊收费 (its
    系统 dropped) beside 门急诊医~, 住院费用, 系统管理~. Chinese columns line up; the title column is cut
    with ~. The footer shows n / m o q ? and nothing runs past the palette hint."""
    assert snap_compare(night_app, terminal_size=(80, 24), run_before=_loaded)


def test_ticket_screen(snap_compare, night_app):
    """The ticket screen of the second row (the level-1 ticket): fields, the remaining time as the board
    says it (09:00起 0:25:00: the on-site window opens at 09:00), the deadline explained in a sentence
    (from 11-24 evening, the on-site window's hours counted), whose watch the deadline falls in, and the
    history with both the effective and the entered time. The footer offers a 受理 v 到场 r 解决 p 挂起/恢复."""

    async def open_second(pilot):
        await _loaded(pilot)
        await pilot.press("j", "enter")
        await _loaded(pilot)  # the ticket is read in a worker

    assert snap_compare(night_app, terminal_size=(80, 24), run_before=open_second)


def test_markup_in_ticket_text_is_literal(snap_compare, night_app):
    """The ticket titled 护士站医嘱无法提交[重要], whose note says [/bold]: both show exactly as typed, nothing
    is bold or hidden, and the screen does not crash."""

    async def open_marked(pilot):
        await _loaded(pilot)
        board = pilot.app.screen.query_one("TicketBoard")
        board.cursor = next(i for i, r in enumerate(board.rows) if "[重要]" in r.title)
        await pilot.press("enter")
        await _loaded(pilot)

    assert snap_compare(night_app, terminal_size=(80, 24), run_before=open_marked)


def test_new_ticket_form(snap_compare, night_app):
    """The new-ticket form after typing a problem and `mzsf` as the module and ticking the second triage
    question, after an unknown number in 电话 (the first field; the line beside it says 未登记的号码): the
    first line names the hospital and says 服务期未填写 in yellow (the bundled contract gives no period, so the
    form cannot say the call is in it: issue 16); the module line says 覆盖 第 2 行 门急诊收费系统; the
    questions are drawn [ ] [x] [ ], readable
    without colour; the level field is empty (its placeholder says 留空按上面的分诊建议) and the line under it
    says 建议 2 级（所有窗口部门不能做基本业务）; the four levels are listed one line each in the contract's
    words, and the preview says the level-2 deadline at 02:30 is 11-25 14:00 with 09:00起 5:00:00 left, as
    the board would say it (5 hours on the on-site window, which opens at 09:00). 来电时间 holds the time the
    form opened, 2026-11-25 02:30."""
    from textual.widgets import Checkbox, Input

    async def fill(pilot):
        await _loaded(pilot)
        await pilot.press("n")
        await pilot.pause()
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        await pilot.press(*"0855-3331234", "tab", *"收费窗口全部无法结算", "tab", *"mzsf")
        pilot.app.screen.query_one("#windows", Checkbox).value = True
        pilot.app.screen.query_one("#title", Input).focus()
        form = pilot.app.screen
        await until(pilot, lambda: "未登记" in str(form.query_one("#who-hint").render()), what="the number looked up")
        form._ask_similar()  # now, rather than a quiet moment after the last key: the picture waits for it
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(night_app, terminal_size=(80, 24), run_before=fill)


def test_roster_screen(snap_compare, night_app):
    """The roster (`o`) at 02:30 on Wednesday 11-25: the hotline and on-site lines closed with who takes
    over at 08:30 and 09:00, the backup line held until 08:30; below, seven days from today, one row a
    day with its day type (周末 in yellow) and who holds each line, then the next holiday (元旦) in rows of
    its own, dated 2027-01-01..: next year's days carry their year. No gaps in the demo roster, so no red 缺
    cells."""

    async def open_roster(pilot):
        await _loaded(pilot)
        await pilot.press("o")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(night_app, terminal_size=(80, 24), run_before=open_roster)
