"""The action table (zldesk/actions.py) is where every key of the console comes from: each binding is one of
its entries, each entry has a handler where it is bound, each handler has an entry, no screen has a key
twice, the README's key table is the one the table makes; and, driven through Pilot, the keys do what
the table says on every screen (esc back, q back but on the board, j k g G on every list)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import Counter
from pathlib import Path

import pytest
from textual.actions import parse
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable

import zldesk.screens
import zldesk.widgets
from zldesk.actions import ACTIONS, APP, SCREENS, bindings, markdown_table, offered
from zldesk.app import ZlDeskApp, make_app
from zldesk.demo import fill_demo
from zldesk.store import open_store

from .conftest import say_who

README = Path(__file__).resolve().parent.parent / "README.md"

# Handlers not bound to any key, on purpose (none today). Each needs a comment saying who calls it.
INTERNAL: set[tuple[str, str]] = set()

# Ids that were in the table: a user's key map may name them, so none may go.
KNOWN_IDS = {
    "app.board",
    "app.coverage",
    "app.contract",
    "app.help",
    "app.quit",
    "app.roster",
    "app.next_contract",
    "board.new",
    "board.filter",
    "board.leave",
    "board.open",
    "ticket.ack",
    "ticket.arrive",
    "ticket.resolve",
    "ticket.pause",
    "ticket.close",
    "ticket.reopen",
    "ticket.assign",
    "ticket.severity",
    "ticket.negotiate",
    "ticket.note",
    "ticket.remote",
    "ticket.remote_session",
    "ticket.back",
    "new.cancel",
    "new.save",
    "roster.override",
    "coverage.filter",
    "coverage.back",
    "list.down",
    "list.up",
    "list.top",
    "list.bottom",
}


def _classes(package, base) -> list[type]:
    """The subclasses of `base` defined in the modules of `package`."""
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found += [
            c
            for _, c in inspect.getmembers(module, inspect.isclass)
            if issubclass(c, base) and c.__module__ == module.__name__
        ]
    return found


SCREEN_CLASSES = _classes(zldesk.screens, Screen)
WIDGET_CLASSES = _classes(zldesk.widgets, Widget)


def _place(key: str) -> type:
    """The class that binds the actions of `key`."""
    if key == APP:
        return ZlDeskApp
    return next(c for c in SCREEN_CLASSES if c.SCREEN_KEY == key)


def _receiver(action, key: str) -> tuple[type, str]:
    """(the class whose handler runs, the handler's name) when `action`'s key is pressed on `key`."""
    namespace, name, _ = parse(action.action)
    return (ZlDeskApp if namespace == "app" else _place(key)), f"action_{name}"


def _own_handlers(cls: type) -> set[str]:
    """The action_* handlers that zldesk defines on `cls` or its mixins (not Textual's own)."""
    return {
        name
        for klass in cls.__mro__
        if klass.__module__.startswith("zldesk")
        for name in vars(klass)
        if name.startswith("action_")
    }


def test_every_screen_has_a_key_of_the_table():
    keys = [c.SCREEN_KEY for c in SCREEN_CLASSES]
    assert sorted(keys) == sorted(k for k in SCREENS if k != APP)  # one screen a key, every key a screen
    assert all(set(a.screens) <= set(SCREENS) and a.screens for a in ACTIONS)


def test_ids_are_unique_and_stable():
    ids = [a.id for a in ACTIONS]
    assert len(ids) == len(set(ids))
    assert KNOWN_IDS <= set(ids), KNOWN_IDS - set(ids)


def test_bindings_come_only_from_the_table():
    for cls in SCREEN_CLASSES:
        assert cls.__dict__.get("BINDINGS") == bindings(cls.SCREEN_KEY), cls.__name__
    assert ZlDeskApp.__dict__["BINDINGS"] == bindings(APP)
    # Not even Textual's app keys (ctrl+q would quit from any screen): the app's merged bindings are ours.
    merged = {b.id for _, b in ZlDeskApp._merge_bindings()}
    assert merged == {a.id for a in ACTIONS if APP in a.screens}
    for cls in WIDGET_CLASSES:  # a widget's keys are bound by the screen that holds it
        assert not cls.__dict__.get("BINDINGS"), cls.__name__


def test_every_bound_action_has_a_handler():
    missing = []
    for a in ACTIONS:
        for key in a.screens:
            cls, handler = _receiver(a, key)
            if not callable(getattr(cls, handler, None)):
                missing.append(f"{a.id} on {key}: {cls.__name__}.{handler}")
    assert not missing


def test_every_handler_has_an_entry():
    bound = {(cls.__name__, handler) for a in ACTIONS for cls, handler in (_receiver(a, k) for k in a.screens)}
    unbound = [
        (cls.__name__, name)
        for cls in [ZlDeskApp, *SCREEN_CLASSES, *WIDGET_CLASSES]
        for name in sorted(_own_handlers(cls))
        if (cls.__name__, name) not in bound | INTERNAL
    ]
    assert not unbound


def test_no_screen_has_a_key_twice():
    for key in SCREENS:
        keys = Counter(k for a in offered(key) for k in a.keys.split(","))
        assert [k for k, n in keys.items() if n > 1] == [], key


def test_help_and_palette_list_what_the_screen_offers():
    """Help is the screen's own actions then the app's; the palette leaves out moves and leaving."""
    board = [a.id for a in offered("board")]
    assert board[:2] == ["board.new", "board.filter"] and board[-2:] == ["app.help", "app.palette"]
    assert "list.down" in board and "ticket.ack" not in board and "app.board" not in board
    assert {a.id for a in offered("ticket")} >= {"ticket.back", "ticket.reopen", "list.down", "app.help"}
    assert "app.roster" not in {a.id for a in offered("ticket")}  # o is 重开 there
    assert not [a.id for a in ACTIONS if a.palette and a.id.startswith(("list.", "app.quit", "app.back"))]


def _table_rows(text: str) -> list[list[str]]:
    """A markdown table as its cells, spaces squeezed, the --- line left out."""
    rows = []
    for line in text.strip().splitlines():
        cells = [" ".join(cell.split()) for cell in line.strip().strip("|").split("|")]
        if not all(set(cell) <= set("-: ") for cell in cells):
            rows.append(cells)
    return rows


def _readme_key_table() -> str:
    """The first table of README.md's section `## 控制台` whose header is 按键 | 作用."""
    section = README.read_text(encoding="utf-8").split("\n## 控制台\n", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if _table_rows(line) == [["按键", "作用"]])
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return "\n".join(lines[start:end])


def test_the_generated_table_has_a_row_per_action():
    rows = _table_rows(markdown_table())
    assert rows[0] == ["按键", "作用"] and len(rows) == 1 + len(ACTIONS)
    assert ["`/`", "筛选看板（看板）"] in rows and ["`esc` `q`", "返回看板（合同条款、值班表）"] in rows


def test_readme_key_table_is_the_table():
    assert _table_rows(_readme_key_table()) == _table_rows(markdown_table())


# ---- the keys on the real console ---------------------------------------------------------------------


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    fill_demo(open_store(url))
    return make_app(url)


async def _settle(pilot) -> None:
    """Until no worker runs: a read's callback may start the next read."""
    await pilot.pause()
    while pilot.app.workers:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _until(pilot, condition) -> None:
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("not in 10 s")


async def _go(pilot, *keys: str) -> str:
    await pilot.press(*keys)
    await _settle(pilot)
    return pilot.app.screen.SCREEN_KEY


# The keys that reach each screen from the board, and the key that leaves it.
ROUTES = {
    "ticket": ("enter",),
    "coverage": ("m",),
    "contract": ("c",),
    "roster": ("o",),
    "recent": ("R",),
    "new": ("n",),
}


async def test_esc_goes_back_from_every_screen_and_q_too_but_on_the_board(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        for name, keys in ROUTES.items():
            assert await _go(pilot, *keys) == name
            assert await _go(pilot, "escape") == "board", name
            if name != "new":  # on the form q is a letter (and a stray one must not throw the call away)
                await _go(pilot, *keys)
                if name == "coverage":  # it opens in the query box, where q is a letter too: from the table
                    await _go(pilot, "enter")
                assert await _go(pilot, "q") == "board", name
        for name, keys in (("help", ("question_mark",)), ("prompt", ("enter", "i")), ("confirm", ("enter", "r"))):
            assert await _go(pilot, *keys) == name
            await _go(pilot, "escape")
            assert app.screen.SCREEN_KEY != name
            await _go(pilot, "escape")
        assert app.screen.SCREEN_KEY == "board" and app.is_running
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_esc_in_the_coverage_query_goes_back(app):
    """The screen opens in its query box: esc there is back, as everywhere; / from the table returns to
    the query, and esc from the table is back too."""
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await _go(pilot, "m", *"mzsf")
        assert await _go(pilot, "escape") == "board"
        await _go(pilot, "m", "enter")
        screen = app.screen
        assert screen.query_one(DataTable).has_focus
        await _go(pilot, "slash")
        assert screen.query_one("#filter").has_focus
        await _go(pilot, "enter")
        assert await _go(pilot, "escape") == "board"


async def test_j_k_g_G_move_on_the_roster_and_the_board(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        board = app.screen.query_one("TicketBoard")
        await _go(pilot, "j", "j")
        assert board.cursor == 2
        await _go(pilot, "G")
        assert board.cursor == len(board.rows) - 1
        await _go(pilot, "k", "g")
        assert board.cursor == 0
        await _go(pilot, "o")
        table = app.screen.query_one(DataTable)
        await _go(pilot, "j", "j")
        assert table.cursor_row == 2
        await _go(pilot, "k")
        assert table.cursor_row == 1
        await _go(pilot, "G")
        assert table.cursor_row == table.row_count - 1
        await _go(pilot, "g")
        assert table.cursor_row == 0


async def test_help_and_footer_of_every_screen_come_from_the_table(app):
    from textual.widgets._footer import FooterKey

    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        for name, keys in {"board": (), **ROUTES}.items():
            if keys:
                await _go(pilot, *keys)
            if name == "coverage":
                # In the query box it opens in, a letter is a letter: the footer offers only what works there.
                footer = [k.key for k in app.screen.query(FooterKey) if k.key != "ctrl+p"]
                assert footer == ["escape", "f1"]
                await _go(pilot, "enter")  # the table: the screen's own keys
            footer = [k.description for k in app.screen.query(FooterKey) if k.key != "ctrl+p"]
            assert footer == [a.description for a in offered(name) if a.footer], name
            assert len(footer) <= 6, name
            await _go(pilot, "f1")
            assert [a.id for a in app.screen.actions] == [a.id for a in offered(name)], name
            await _go(pilot, "f1")  # F1 again closes it
            assert app.screen.SCREEN_KEY == name
            if keys:
                await _go(pilot, "escape")


async def test_palette_runs_a_command_of_the_screen_in_front(app):
    """On a ticket, ctrl+p and 受理 acknowledges it, as `a` would."""
    from textual.command import CommandList

    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        board = app.screen.query_one("TicketBoard")
        board.cursor = next(i for i, r in enumerate(board.rows) if r.state == "new")
        await _go(pilot, "enter")
        await pilot.press("ctrl+p", *"受理")
        results = app.screen.query_one(CommandList)
        await _until(pilot, lambda: results.option_count > 0)  # the palette searches in the background
        await pilot.press("down", "enter")  # the best match: the command itself
        await say_who(pilot)  # the first write asks who is at the keyboard
        await _settle(pilot)
        assert app.screen.SCREEN_KEY == "ticket" and app.screen.state == "acknowledged"


async def test_keys_in_the_same_burst_as_slash_go_into_the_box(app):
    """Over SSH `/mz` often arrives in one packet: the driver queues the three keys before / has given the
    filter box the focus. m must not open the coverage screen: both letters are the filter's."""
    from textual import events

    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        for key, character in (("slash", "/"), ("m", "m"), ("z", "z")):
            app.post_message(events.Key(key, character))  # queued at once, as the driver does
        await _settle(pilot)
        assert app.screen.SCREEN_KEY == "board" and app.screen.filter_text == "mz"
        await _go(pilot, "escape", "m", "enter")  # coverage, from its query box to the table
        for key, character in (("slash", "/"), *((c, c) for c in "mzsf")):
            app.post_message(events.Key(key, character))
        await _settle(pilot)
        assert app.screen.SCREEN_KEY == "coverage" and app.screen.query_one("#filter").value == "mzsf"
