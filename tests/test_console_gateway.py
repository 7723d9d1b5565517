"""The console's one gateway to the store (zldesk/gateway.py): reads run in worker threads, keys pressed
before they arrive are harmless, and a store that fails is a toast, never the end of the console, which
picks up again once the store is fixed. The real app from make_app on real SQLite files."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import pytest
from textual.widgets import Input

from zldesk.app import make_app
from zldesk.demo import fill_demo
from zldesk.store import open_store, writing
from zldesk.store.tickets import open_ticket

from .conftest import say_who


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "demo.db"
    url = f"sqlite:///{path}"
    fill_demo(open_store(url))
    return url, path


@pytest.fixture
def gate():
    """An event a patched store function waits on; always opened at the end, so no thread is left hanging."""
    event = threading.Event()
    yield event
    event.set()


def _held(function, gate: threading.Event, threads: list):
    """`function`, waiting for `gate` first and noting the thread it runs in."""

    def held(*args, **kwargs):
        threads.append(threading.current_thread())
        assert gate.wait(30), "the test never let the read go"
        return function(*args, **kwargs)

    return held


async def _settle(pilot) -> None:
    """Until no worker runs: a read's callback may start the next read (the change watch's does)."""
    await pilot.pause()
    while pilot.app.workers:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _tick(pilot) -> None:
    """What the one-second interval does: look for a change (or retry a failed read), then read."""
    pilot.app.tick()
    await _settle(pilot)


def _rename(path, old: str, new: str) -> None:
    """Another process breaks (or mends) the store: the table the board and tickets are read from."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"ALTER TABLE {old} RENAME TO {new}")
        conn.commit()
    finally:
        conn.close()


def _text(renderable) -> str:
    import os

    from rich.console import Console

    console = Console(width=100, record=True, file=open(os.devnull, "w"))
    console.print(renderable)
    return console.export_text()


def _errors(app, title: str) -> list[str]:
    return [n.message for n in app._notifications if n.title == title and n.severity == "error"]


async def test_keys_before_the_first_load_are_harmless(store, gate, monkeypatch):
    """/mz typed while the first board read is still under way: no crash, the filter is kept and applied
    to the rows when they arrive; enter, j, G and the help on the empty board do nothing wrong."""
    from zldesk.store import rows

    threads: list = []
    monkeypatch.setattr(rows, "board_rows", _held(rows.board_rows, gate, threads))
    app = make_app(store[0])
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.get_screen("board")
        await pilot.press("slash", "m", "z")
        await pilot.pause()
        assert threads and board.all_rows == [] and board.query_one("#filter", Input).value == "mz"
        await pilot.press("enter", "j", "G", "enter", "f1", "escape")
        await pilot.pause()
        assert app.is_running and app.screen is board
        gate.set()
        await _settle(pilot)
        assert board.all_rows and board.filter_text == "mz"
        assert all(
            "mz" in f"#{r.id} {r.title} {r.module_name} {r.assignee}".casefold()
            for r in board.query_one("TicketBoard").rows
        )
        await pilot.press("escape")  # clears the filter: every row
        await pilot.pause()
        assert len(board.query_one("TicketBoard").rows) == len(board.all_rows)


async def test_the_ticket_is_read_in_a_worker_thread(store, gate, monkeypatch):
    """While the ticket's read is held the console answers keys (help opens and closes), a key that acts
    on the ticket waits for it, and leaving before the read arrives is harmless."""
    from zldesk.store import tickets

    app = make_app(store[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        threads: list = []
        monkeypatch.setattr(tickets, "history", _held(tickets.history, gate, threads))
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.SCREEN_KEY == "ticket" and app.screen.version is None
        assert threads and threads[0] is not threading.main_thread()
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.SCREEN_KEY == "help"
        await pilot.press("escape", "a")
        await pilot.pause()
        assert any("还没读出来" in n.message for n in app._notifications)
        await pilot.press("escape")  # back to the board, the read still held
        await pilot.pause()
        assert app.screen.SCREEN_KEY == "board"
        gate.set()
        await _settle(pilot)
        assert app.is_running and app.screen.SCREEN_KEY == "board"
        await pilot.press("enter")
        await _settle(pilot)
        assert app.screen.version is not None and "历史" in _text(app.screen.query_one("#ticket").content)


async def test_a_broken_store_is_a_toast_and_the_board_recovers(store):
    """The ticket table gone (renamed by another process): the board's read fails with a toast, said
    once though it is retried every second, the rows shown stay; mended, the board reads again."""
    url, path = store
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        board = app.get_screen("board")
        shown = list(board.all_rows)
        _rename(path, "ticket", "ticket_gone")
        await _tick(pilot)
        await _tick(pilot)
        assert _errors(app, "读取看板失败") == ["数据库错误：no such table: ticket"]
        assert app.is_running and board.all_rows == shown
        _rename(path, "ticket_gone", "ticket")
        with writing(open_store(url)) as session:
            open_ticket(session, "leishan", {"severity": 3, "title": "修好以后登记的"}, datetime.now(UTC), "t")
        await _tick(pilot)
        assert any(r.title == "修好以后登记的" for r in board.all_rows)
        assert not app.gateway.failing("board") and len(_errors(app, "读取看板失败")) == 1


async def test_a_ticket_opened_on_a_broken_store_shows_once_it_is_mended(store):
    url, path = store
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        _rename(path, "ticket", "ticket_gone")
        await pilot.press("enter")  # the board still shows the rows read before
        await _settle(pilot)
        assert app.screen.SCREEN_KEY == "ticket" and app.screen.version is None
        assert any("no such table" in m for m in _errors(app, "读取工单失败"))
        await pilot.press("a", "j", "G")  # nothing to act on yet: said, not done
        await pilot.pause()
        assert app.is_running
        _rename(path, "ticket_gone", "ticket")
        await _tick(pilot)
        assert app.screen.SCREEN_KEY == "ticket" and app.screen.version is not None
        assert "历史" in _text(app.screen.query_one("#ticket").content)


async def test_a_write_refused_by_the_store_keeps_the_form(store):
    """Saving a new ticket while the table is gone: a toast says why, the form keeps what was typed;
    once mended, F2 saves it."""
    url, path = store
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#title", Input).value = "坏库时登记"
        app.screen.query_one("#severity", Input).value = "3"
        _rename(path, "ticket", "ticket_gone")
        await pilot.press("f2")
        await say_who(pilot)  # the first write asks who is at the keyboard
        await _settle(pilot)
        assert any("no such table" in m for m in _errors(app, "工单没有登记"))
        assert app.screen.SCREEN_KEY == "new" and app.screen.query_one("#title", Input).value == "坏库时登记"
        _rename(path, "ticket_gone", "ticket")
        await pilot.press("f2")
        await _settle(pilot)
        assert app.screen.SCREEN_KEY == "board"
        assert any(r.title == "坏库时登记" for r in app.screen.all_rows)


class _NotedConnection:
    """A sqlite3 connection whose close() is noted in `order` first."""

    def __init__(self, conn, order: list) -> None:
        self._conn, self._order = conn, order

    def close(self) -> None:
        self._order.append("closed")
        self._conn.close()

    def __getattr__(self, name):
        return getattr(self._conn, name)


async def test_closing_waits_for_a_read_in_progress(store, monkeypatch):
    """The console closed while a worker is in the middle of a read: the connections are closed after that
    read, never under it (a sqlite3 connection closed from another thread mid-statement crashed the whole
    test process). A read that starts after the close is refused, not handed a closed connection."""
    import zldesk.store.rows as rows
    from zldesk.errors import StoreError

    url, _ = store
    entered, release, order = threading.Event(), threading.Event(), []
    board_rows = rows.board_rows

    def slow_rows(conn, **kwargs):
        entered.set()
        assert release.wait(30)
        out = board_rows(conn, **kwargs)
        order.append("read done")
        return out

    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        app._quick_conn = _NotedConnection(app._quick_conn, order)
        monkeypatch.setattr(rows, "board_rows", slow_rows)
        app.load_board()
        for _ in range(200):  # until the worker is inside the read, holding the connection
            if entered.is_set():
                break
            await pilot.pause(0.05)
        assert entered.is_set()
        threading.Timer(0.3, release.set).start()  # let it finish while the app is closing
    assert order == ["read done", "closed"]
    with pytest.raises(StoreError, match="已关闭"), app.reading():
        pass


async def test_an_answer_or_a_tick_while_the_app_closes_is_dropped(store):
    """Textual stops the app, then uninstalls its screens, then runs what is still queued: a board read's
    answer, the change watch's or a tick arriving then must not look for the board (it raised `No screen
    called 'board' installed`, seen under load at the end of Pilot tests)."""
    url, _ = store
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        shown = []
        board = app.get_screen("board")
        real = board.show_rows
        board.show_rows = lambda *a: shown.append(a) or real(*a)
        app._running = False  # the steps of App._shutdown, in its order, done here at a chosen moment
        app._installed_screens.pop("board")
        try:
            app.load_board()  # its answer comes back while closing
            app.check_store()
            await _settle(pilot)
            app.tick()
            assert shown == []
        finally:
            app._running = True
            app._installed_screens["board"] = board
        app.load_board()  # running again: answers are shown
        await _settle(pilot)
        assert len(shown) == 1
