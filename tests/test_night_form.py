"""The new-ticket form and the coverage lookup, filled half-asleep over a laggy SSH line (issue 14).

Driven through Pilot on a real store. A burst is what a laggy line or a frozen loop delivers: every key
queued before the first is handled (posted to the app at once, as the driver posts what it read).
"""

from __future__ import annotations

import json

from rich.text import Text
from textual import events
from textual.keys import _character_to_key
from textual.widgets import DataTable, Input

from zldesk.app import make_app
from zldesk.store.db import resolve_url
from zldesk.widgets.triage_box import TriageBox


def _key(key: str) -> events.Key:
    """A key as the driver makes it: a character (汉字 too), or a named key such as tab."""
    if len(key) == 1:
        return events.Key(key if key.isalnum() else _character_to_key(key), key)
    return events.Key(key, None)


async def _burst(pilot, *keys: str) -> None:
    """Every key queued at once, then until the app has handled them all."""
    for key in keys:
        pilot.app.post_message(_key(key))
    await _settle(pilot)


async def _settle(pilot) -> None:
    await pilot.pause()
    while pilot.app.workers:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause()


def _plain(widget) -> str:
    content = widget.render() if isinstance(widget, TriageBox) else widget.content
    return content.plain if isinstance(content, Text) else getattr(content, "plain", str(content))


async def _form(pilot):
    await _settle(pilot)
    await pilot.press("n")
    await _settle(pilot)
    assert type(pilot.app.screen).__name__ == "NewTicketScreen"
    return pilot.app.screen


def _values(screen) -> dict[str, str]:
    return {box.id: box.value for box in screen.query(Input)}


def _ticked(screen) -> dict[str, bool]:
    return {box.id: box.value for box in screen.query(TriageBox)}


# ---- item 5: enter moves on, space ticks, the level is said in words -------------------------------------


async def test_enter_moves_past_the_boxes_and_never_ticks_one(db_path):
    """Enter after the module goes through the three questions to 级别 without ticking any: no level,
    no deadline previewed (before, the first enter ticked 全院系统瘫痪 and made the call level 1)."""
    app = make_app(resolve_url())
    app.engineer = "值班工程师"  # who is at the keyboard: asked and tested in test_console_night.py
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        await pilot.press(*"收费处无法收费", "tab", *"mzsf", "enter")
        assert app.focused.id == "whole"
        await pilot.press("enter", "enter", "enter")
        await _settle(pilot)
        assert app.focused.id == "severity"
        assert _ticked(screen) == {"whole": False, "windows": False, "request": False}
        assert _values(screen)["severity"] == ""
        assert "级别未定" in _plain(screen.query_one("#level"))
        assert "选好级别后" in _plain(screen.query_one("#preview"))


async def test_space_ticks_and_the_box_reads_without_colour(db_path):
    """Space ticks the question in focus, drawn [x], and the form proposes its level in words; space
    again unticks it, drawn [ ], and no level is left behind (before: level 3 appeared)."""
    app = make_app(resolve_url())
    app.engineer = "值班工程师"  # who is at the keyboard: asked and tested in test_console_night.py
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        await pilot.press(*"收费处无法收费", "tab", "enter", "enter")  # to the second question
        box = screen.query_one("#windows", TriageBox)
        assert app.focused is box and _plain(box).startswith("[ ]")
        await pilot.press("space")
        await _settle(pilot)
        assert box.value and _plain(box).startswith("[x]")
        assert _plain(screen.query_one("#whole", TriageBox)).startswith("[ ]")
        level = _plain(screen.query_one("#level"))
        assert "建议 2 级（所有窗口部门不能做基本业务）" in level
        assert "现在登记：2 级，到期" in _plain(screen.query_one("#preview"))
        assert _values(screen)["severity"] == ""  # the proposal is said, not typed in for the engineer
        await pilot.press("space")
        await _settle(pilot)
        assert not box.value and _plain(box).startswith("[ ]")
        assert "级别未定" in _plain(screen.query_one("#level"))
        assert "选好级别后" in _plain(screen.query_one("#preview"))


async def test_a_typed_level_wins_over_the_triage(db_path, cli):
    """3 typed, then 全院系统瘫痪 ticked: the call is logged at 3, the proposal of 1 said beside it; a
    second call with only the triage answered is logged at the proposed level; unticking after typing
    leaves the typed level."""
    app = make_app(resolve_url())
    app.engineer = "值班工程师"  # who is at the keyboard: asked and tested in test_console_night.py
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        await pilot.press(*"打印机报错", "tab", "tab", "tab", "tab", "tab", "3")
        screen.query_one("#whole", TriageBox).focus()
        await _settle(pilot)
        await pilot.press("space")
        await _settle(pilot)
        level = _plain(screen.query_one("#level"))
        assert "按填的 3 级登记" in level and "分诊建议 1 级（全院系统瘫痪）" in level
        assert "现在登记：3 级" in _plain(screen.query_one("#preview"))
        await pilot.press("space")  # unticked: the typed 3 stays, nothing else appears
        await _settle(pilot)
        assert "按填的 3 级登记" in _plain(screen.query_one("#level"))
        await pilot.press("space", "f2")
        await _settle(pilot)
        screen = await _form(pilot)
        await pilot.press(*"全院瘫痪", "tab", "tab", "space")
        await _settle(pilot)
        assert "建议 1 级（全院系统瘫痪）" in _plain(screen.query_one("#level"))
        await pilot.press("f2")
        await _settle(pilot)
        screen = await _form(pilot)
        await pilot.press(*"写错级别", "tab", "tab", "tab", "tab", "space", "tab", "9")  # request ticked, 9 typed
        await _settle(pilot)
        assert "没有「9」级" in _plain(screen.query_one("#level"))  # not the proposed 4: what was typed is wrong
        await pilot.press("f2")
        await _settle(pilot)
        assert type(app.screen).__name__ == "NewTicketScreen"  # not saved
    logged = {t["title"]: t["severity"] for t in json.loads(cli("ticket", "list", "--json").stdout)}
    assert logged == {"打印机报错": 3, "全院瘫痪": 1}


# ---- item 6: each key goes to the field that has focus when it arrives -----------------------------------


CALL = [
    *"13800001234",  # the phone first, as the caller ID shows it
    "tab",
    *"收费处全部窗口无法收费",
    "tab",
    *"mzsf",
    "enter",
    "enter",
    "space",
    "enter",
    "enter",
    "tab",  # 级别 left empty: the triage's 2
    *"王护士",
    "enter",
    *"收费处",
    "tab",
    "tab",
    "tab",  # 渠道, 来电时间 (the time the form opened), 描述
    *"五个窗口 都报错",
]


async def test_a_whole_call_in_one_burst_lands_field_by_field(db_path, cli):
    """The whole call typed ahead, tab and enter among the text, in one burst (as over a laggy line, or
    after the loop froze): each field holds its own text (before, everything landed in 问题), the
    second question is ticked, and enter on the last field saves it, its last letters included."""
    app = make_app(resolve_url())
    app.engineer = "值班工程师"  # who is at the keyboard: asked and tested in test_console_night.py
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        await _burst(pilot, *CALL)
        assert _values(screen) == {
            "hospital": "leishan",  # one hospital in the store: the row is hidden
            "title": "收费处全部窗口无法收费",
            "module": "mzsf",
            "severity": "",
            "caller": "王护士",
            "phone": "13800001234",
            "dept": "收费处",
            "channel": "",
            "at": screen._opened_text,  # left as the form opened it: the call is now
            "description": "五个窗口 都报错",
        }
        assert _ticked(screen) == {"whole": False, "windows": True, "request": False}
        await _burst(pilot, *"。", "enter")  # enter in 描述 saves, after the letter before it
        assert type(app.screen).__name__ == "BoardScreen"
    (ticket,) = json.loads(cli("ticket", "list", "--json").stdout)
    shown = json.loads(cli("ticket", "show", str(ticket["id"]), "--json").stdout)
    assert (shown["severity"], shown["module_no"], shown["caller"], shown["phone"]) == (2, 2, "王护士", "13800001234")
    assert shown["description"] == "五个窗口 都报错。"


async def test_shift_tab_goes_back_in_the_same_burst(db_path):
    """Back to 问题 with shift+tab: what is typed there is added to its text, not typed over it."""
    app = make_app(resolve_url())
    app.engineer = "值班工程师"  # who is at the keyboard: asked and tested in test_console_night.py
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        await _burst(pilot, *"标题", "tab", *"mz", "shift+tab", *"补")
        assert (_values(screen)["title"], _values(screen)["module"]) == ("标题补", "mz")


async def test_the_pinyin_index_is_loaded_at_start(db_path):
    """Once the board is up the names' readings are read in a thread: the first `mzsf` in the form reads
    none (before, it imported pypinyin there, freezing the console for up to a second)."""
    from zldesk import coverage

    coverage.syllables.cache_clear()
    app = make_app(resolve_url())
    app.engineer = "值班工程师"  # who is at the keyboard: asked and tested in test_console_night.py
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        contract = app.contract
        names = {m.name for m in contract.modules} | {s.name for s in contract.services}
        assert coverage.syllables.cache_info().currsize >= len(names)
        misses = coverage.syllables.cache_info().misses
        await _form(pilot)
        await pilot.press(*"收费", "tab", *"mzsf")  # the title typed with the phone field in focus goes to 问题
        await _settle(pilot)
        assert "门急诊收费系统" in _plain(app.screen.query_one("#module-hint"))
        assert coverage.syllables.cache_info().misses == misses


# ---- item 12: `m` opens in the query, visible, results as you type ------------------------------------


def _rows(app) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]


async def test_m_opens_in_the_query_results_as_you_type(db_path):
    """At 80x24 the query box is on the screen and has the focus: `xk` filters at once (信息科…, 血库…),
    down moves the row while the query keeps the focus, esc goes back to the board."""
    app = make_app(resolve_url())
    app.engineer = "值班工程师"  # who is at the keyboard: asked and tested in test_console_night.py
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("m")
        await _settle(pilot)
        box = app.screen.query_one("#filter", Input)
        assert box.has_focus
        region = box.region
        assert region.y >= 0 and region.bottom <= 23 and region.height >= 1  # above the footer
        await pilot.press("x", "k")
        await _settle(pilot)
        assert box.value == "xk" and "血库管理系统" in _rows(app) and len(_rows(app)) < 10
        await pilot.press("down")
        await _settle(pilot)
        assert box.has_focus and app.screen.query_one(DataTable).cursor_row == 1
        await pilot.press("escape")
        await _settle(pilot)
        assert type(app.screen).__name__ == "BoardScreen"
        await pilot.press("m")  # again: the last query is there, selected, and typing replaces it
        await _settle(pilot)
        assert box.has_focus and box.value == "xk"
        await _burst(pilot, *"/mzsf")  # / first, from the habit of when / went to the query: not the query's
        assert box.value == "/mzsf" and _rows(app) == ["门急诊收费系统"]
