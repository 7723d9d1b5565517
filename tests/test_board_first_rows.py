"""The console paints the top of the board first and the rest after (issue 15, goal 3): its first read
takes the FIRST_ROWS soonest due and the open count, the second all of them, and the order of the board
(soonest due first, frozen clocks after) is the same whole or in part. The real app on a real store."""

from __future__ import annotations

import threading

import pytest
from rich.text import Text

import zldesk.app as app_module
from zldesk.app import make_app
from zldesk.demo import fill_demo
from zldesk.store import open_store, quick
from zldesk.store import rows as store_rows

from .conftest import until


@pytest.fixture
def demo(tmp_path):
    path = tmp_path / "demo.db"
    fill_demo(open_store(f"sqlite:///{path}"))
    return path


def _board_order(path) -> list[int]:
    conn = quick.connect(path)
    try:
        with quick.reading(conn):
            return [r.id for r in store_rows.board_rows(conn)]
    finally:
        conn.close()


async def test_the_first_rows_are_shown_before_the_rest_are_read(demo, monkeypatch):
    order = _board_order(demo)
    assert len(order) > 3
    monkeypatch.setattr(app_module, "FIRST_ROWS", 3)
    gate, reads = threading.Event(), []
    full = store_rows.board_rows

    def held(conn, **kwargs):  # the whole board waits until the test has seen the first rows
        reads.append(kwargs.get("limit"))
        if kwargs.get("limit") is None:
            assert gate.wait(30), "the test never let the read go"
        return full(conn, **kwargs)

    monkeypatch.setattr(store_rows, "board_rows", held)
    app = make_app(f"sqlite:///{demo}")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.get_screen("board")
            board = screen.list_widget()
            await until(pilot, lambda: board.rows, what="the first rows")
            await until(pilot, lambda: None in reads, what="the second read under way")
            assert [r.id for r in board.rows] == order[:3]  # the soonest due, in the board's order
            assert reads[0] == 3 and screen.total == len(order)

            def now_line() -> str:
                shown = screen.query_one("#now").render()
                return shown.plain if isinstance(shown, Text) else str(shown)

            # the top line (redrawn each second) counts every open ticket, not the rows read so far
            await until(pilot, lambda: f"未结 {len(order)}" in now_line(), what="the open count")
            assert len(board.rows) == 3
            gate.set()
            await until(pilot, lambda: len(board.rows) == len(order), what="the rest of the board")
            assert [r.id for r in board.rows] == order  # soonest due first, unchanged
            assert screen.total == len(order)
    finally:
        gate.set()


async def test_a_board_shorter_than_the_first_read_is_read_once(demo, monkeypatch):
    order = _board_order(demo)
    reads = []
    full = store_rows.board_rows

    def noting(conn, **kwargs):
        reads.append(kwargs.get("limit"))
        return full(conn, **kwargs)

    monkeypatch.setattr(store_rows, "board_rows", noting)
    app = make_app(f"sqlite:///{demo}")
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.get_screen("board").list_widget()
        await until(pilot, lambda: board.rows, what="the board")
        await pilot.pause(0.3)
        assert [r.id for r in board.rows] == order and reads[0] == app_module.FIRST_ROWS
        assert None not in reads[:1]


def test_the_first_rows_are_the_top_of_the_whole_board(demo):
    conn = quick.connect(demo)
    try:
        with quick.reading(conn):
            whole = store_rows.board_rows(conn)
            for n in (1, 2, 5, len(whole), len(whole) + 10):
                assert store_rows.board_rows(conn, limit=n) == whole[:n]
            assert store_rows.open_count(conn) == len(whole)
            keys = [(r.board_due, r.id) for r in whole]
            assert keys == sorted(keys)  # soonest due first; frozen clocks (FROZEN + left) after
    finally:
        conn.close()
