"""The board read at a glance by a half-asleep engineer: urgent rows marked by a character as well as a
colour (so they read without colour and in 16 colours), columns that say something, modules told apart,
the countdown the last column to go when the terminal is narrow, a click on a row opening its ticket."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from zldesk.app import make_app
from zldesk.demo import fill_demo
from zldesk.store import open_store
from zldesk.widgets.board_columns import header_line, layout, module_labels
from zldesk.widgets.ticket_board import TicketBoard

from .test_terminal_escapes import Console

NIGHT = datetime(2026, 11, 25, 2, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def night_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    fill_demo(open_store(url), NIGHT)
    return url


async def _board(pilot) -> TicketBoard:
    board = pilot.app.screen.query_one(TicketBoard)
    for _ in range(200):
        if board.rows:
            break
        await pilot.pause(0.05)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return board


def _lines(board: TicketBoard) -> list[str]:
    """The rows as drawn: the characters only, whatever the colours."""
    return [board.render_line(y).text for y in range(len(board.rows))]


# ---- the columns ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [200, 100, 80, 70, 60, 50, 40])
def test_the_countdown_is_the_last_column_to_go(width):
    keys = [c.key for c, _ in layout(width)]
    assert keys[-1] == "countdown" and keys[0] == "mark"
    assert sum(w for _, w in layout(width)) + len(keys) - 1 <= max(width, 36)
    if width >= 60:
        assert {"id", "severity", "title", "module"} <= set(keys)


def test_the_hospital_column_only_when_the_rows_are_of_more_than_one():
    assert "医院" not in header_line(80, hospitals=False)
    assert "医院" in header_line(100, hospitals=True)
    assert "hospital" not in [c.key for c, _ in layout(80, hospitals=False)]


def test_at_80_columns_a_board_of_several_hospitals_names_each_row_s():
    """The hospital in two CJK cells (雷山县人民医院 is 雷山), kept at 80 columns; the assignee gives way first."""
    from zldesk.widgets.board_columns import hospital_label

    keys = [c.key for c, _ in layout(80, hospitals=True)]
    assert "hospital" in keys and "assignee" not in keys and "module" in keys
    assert dict((c.key, w) for c, w in layout(80, hospitals=True))["title"] >= 12
    assert [hospital_label(n) for n in ("雷山县人民医院", "凯里市第一人民医院", "医院", "丹寨\x1b[2J县医院")] == [
        "雷山", "凯里市第一", "医院", "丹寨\\x1b[2J",
    ]  # fmt: skip


def test_modules_that_begin_alike_are_told_apart():
    names = ["门急诊挂号系统", "门急诊收费系统", "门急诊医生工作站", "住院医生工作站", "一卡通管理系统"]
    for width in (10, 8, 6):
        labels = module_labels(names, width)
        assert len(set(labels.values())) == len(names), labels
    at10 = module_labels(names, 10)
    assert at10["门急诊收费系统"] == "门急诊收费"  # the generic ending goes before anything that tells
    assert at10["门急诊医生工作站"] == "门急诊医~"
    assert module_labels(["门急诊医生工作站", "门急诊医技工作站"], 10) == {
        "门急诊医生工作站": "~生工作站",
        "门急诊医技工作站": "~技工作站",
    }


# ---- the board on the demo store -----------------------------------------------------------------------


async def test_urgent_rows_carry_a_mark_and_breached_ones_say_so(night_url):
    app = make_app(night_url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await _board(pilot)
        lines = _lines(board)
        marked = [line for line in lines if line.startswith("!")]
        # the breached level-2 ticket, and the level-1 and level-2 ones with under an hour left
        assert len(marked) == 3, lines
        assert "超时 0:40:00" in marked[0]
        assert all(not line.startswith("!") for line in lines[3:])
        assert all(line.startswith("  #") for line in lines[3:])  # unmarked rows line up with marked ones
        header = app.screen.query_one("#columns").render().plain
        assert "医院" not in header and "单号" in header  # one hospital: no column saying it on every row
        modules = [line[10:20] for line in lines]
        assert "门急诊收费" in "".join(modules) and "门急诊医~" in "".join(modules)


async def test_at_60_columns_the_countdown_is_still_there(night_url):
    app = make_app(night_url, clock=lambda: NIGHT)
    async with app.run_test(size=(60, 24)) as pilot:
        board = await _board(pilot)
        lines = _lines(board)
        assert "超时 0:40:00" in lines[0]
        assert all(any(w in line for w in ("起", "暂停", "到场", "超时")) for line in lines), lines
        assert all(len(line) <= 60 for line in lines)


async def test_a_click_on_a_row_opens_its_ticket(night_url):
    from zldesk.screens.ticket import TicketScreen

    app = make_app(night_url, clock=lambda: NIGHT)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await _board(pilot)
        wanted = board.rows[2].id
        assert await pilot.click(TicketBoard, offset=(30, 2))
        for _ in range(200):
            if isinstance(app.screen, TicketScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.ticket_id == wanted


# ---- in a real terminal, without colour and in 16 colours ------------------------------------------------


@pytest.fixture
def tmux_needed():
    import shutil

    from .conftest import missing

    if shutil.which("tmux") is None:
        missing("tmux", "ZLDESK_REQUIRE_TMUX", "tmux is not on PATH")


@pytest.mark.parametrize(
    "env",
    [{"NO_COLOR": "1"}, {"TERM": "screen"}],
    ids=["no-colour", "16-colours"],
)
def test_marks_in_a_terminal_without_colour_and_in_16_colours(tmux_needed, tmp_path, env):
    """The demo console (`zldesk --demo`, tickets placed relative to now) in tmux at 80x24: the breached row
    and the two under an hour each start with !, the breached one says 超时; in 16 colours no 256-colour
    or true-colour sequence is written, without colour no colour at all is."""
    console = Console(tmp_path / "unused.db", tmp_path, "--demo", env=env)
    try:
        screen = console.wait_for("超时", "单号")
        console.settle()
        screen = console.capture()
        rows = [line for line in screen.splitlines() if "#" in line and ":" in line]
        marked = [line for line in rows if line.startswith("!")]
        assert len(marked) == 3, screen
        assert any("超时" in line for line in marked), screen
        cells = console.capture(escapes=True)
        if "TERM" in env:
            assert "38;2;" not in cells and "48;2;" not in cells and "38;5;" not in cells, cells
        else:  # NO_COLOR: Textual's monochrome filter leaves greys (r = g = b) and no 16-colour red
            assert not re.search(r"\x1b\[[0-9;]*(?<![0-9])3[1-6]m", cells), cells
            for r, g, b in re.findall(r"[34]8;2;(\d+);(\d+);(\d+)", cells):
                assert r == g == b, (r, g, b)
    finally:
        console.close()
