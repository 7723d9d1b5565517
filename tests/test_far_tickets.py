"""Tickets stored with a far date (by a zldesk from before the date bounds, or by hand) never crash or hang
a command or a screen: every other ticket shows as always, the far one says 超出范围 and why.

The rows are written through the store's own table and column types, as an older zldesk wrote them: a
negotiated deadline in 9999 (what `ticket negotiate --due 9999-12-31T23:59` stored before it was refused)
or in 2500 (the one that made `ticket list` build five centuries of intervals), a call in 1990 or in
year 1, a pause that ends in 2500, a resolution in 9999, a remote permission until 9999. Every surface
runs in its own process with a time limit, since a hang is what went wrong: the CLI's text and JSON,
and the console's board and ticket screen through Pilot.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from zldesk.store import open_store, writing
from zldesk.store.models import TicketRow
from zldesk.store.tickets import open_ticket

from .conftest import store_checksum

ROOT = Path(__file__).parents[1]
SH = ZoneInfo("Asia/Shanghai")
LIMIT = 60  # seconds a surface may take here; the bug took minutes, a normal run one or two


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _ts(value: datetime) -> float:
    return value.timestamp()


OPENED = (datetime.now(UTC) - timedelta(days=10)).replace(microsecond=0)  # when each far ticket was called
# name: (level, the row's columns as the older zldesk left them)
FAR = {
    "negotiated_9999": (
        3,
        {
            "negotiated_due": utc(9999, 12, 31, 15, 59),
            "negotiated_with": "李主任",
            "due_ts": _ts(utc(9999, 12, 31, 15, 59)),
            "board_due": _ts(utc(9999, 12, 31, 15, 59)),
        },
    ),
    "negotiated_2500": (
        4,
        {
            "negotiated_due": utc(2500, 6, 1, 2),
            "negotiated_with": "李主任",
            "due_ts": _ts(utc(2500, 6, 1, 2)),
            "board_due": _ts(utc(2500, 6, 1, 2)),
        },
    ),
    "called_1990": (
        3,
        {
            "received_at": utc(1990, 3, 1, 2),
            "clock_start": utc(1990, 3, 1, 2),
            "levels": [["1990-03-01T10:00:00+08:00", 3]],
            "computed_due": utc(1990, 3, 6, 2),
            "due_ts": _ts(utc(1990, 3, 6, 2)),
            "board_due": _ts(utc(1990, 3, 6, 2)),
        },
    ),
    "called_year_1": (
        2,
        {
            "received_at": utc(1, 1, 1),
            "clock_start": utc(1, 1, 1),
            "levels": [["0001-01-01T00:00:00+00:00", 2]],
            "computed_due": utc(1, 1, 1, 5),
            "due_ts": _ts(utc(1, 1, 1, 5)),
            "board_due": _ts(utc(1, 1, 1, 5)),
        },
    ),
    "paused_to_2500": (
        3,
        {
            "state": "acknowledged",
            "pauses": [[(OPENED + timedelta(hours=1)).isoformat(), "2500-01-01T00:00:00+08:00", "等"]],
        },
    ),
    "resolved_9999": (3, {"state": "resolved", "resolved_at": utc(9999, 12, 31), "board_due": None}),
    "permission_9999": (
        3,
        {"remote": [["王科长", OPENED.isoformat(), "9999-12-31T15:59:00+00:00", "电话", "查日志", "王工"]]},
    ),
}
ON_BOARD = [name for name, (_, columns) in FAR.items() if columns.get("board_due", 0) is not None]
IN_RANGE = ("permission_9999",)  # a far end of a permission is no deadline: the clock is the usual one
# The board draws the key the store kept (no zldesk could store the pause's end: it was in the future);
# only the ticket itself holds the far time.
ORDINARY_KEY = (*IN_RANGE, "paused_to_2500")


@pytest.fixture
def store(db_path) -> dict[str, int]:
    """A normal ticket called an hour ago, and one ticket per far case, each opened normally and then
    given its far columns through the store's table (bypassing every check, as an older zldesk did)."""
    url = f"sqlite:///{db_path}"
    engine = open_store(url)
    now = datetime.now(UTC)
    ids = {}
    with writing(engine) as session:
        ids["normal"], _, _ = open_ticket(
            session, "leishan", {"severity": 2, "title": "正常的工单"}, now - timedelta(hours=1), "值班", now=now
        )
        for name, (level, _) in FAR.items():
            ids[name], _, _ = open_ticket(
                session, "leishan", {"severity": level, "title": f"远日期 {name}"}, OPENED, "值班", now=now
            )
    table = TicketRow.__table__
    with writing(engine) as session:
        for name, (_, columns) in FAR.items():
            session.connection().execute(update(table).where(table.c.id == ids[name]).values(**columns))
    engine.dispose()
    return ids


def zldesk(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    """The real CLI in its own process, killed after LIMIT seconds (the test then fails on the timeout)."""
    env = {**os.environ, "ZLDESK_DB": str(db_path), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "zldesk", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=LIMIT
    )


def test_ticket_list_and_show_in_text_and_json(store, db_path):
    before = store_checksum(db_path)
    listed = zldesk(db_path, "ticket", "list")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    lines = {int(line.split()[0][1:]): line for line in listed.stdout.splitlines()}
    assert set(lines) == set(store.values())
    assert "超出范围" not in lines[store["normal"]]
    assert "到期 9999-12-31 23:59  超出范围" in lines[store["negotiated_9999"]]  # its year, never "12-31 23:59"
    for name in FAR:
        assert ("超出范围" in lines[store[name]]) is (name not in IN_RANGE), (name, lines[store[name]])

    data = {t["id"]: t for t in json.loads(zldesk(db_path, "ticket", "list", "--json").stdout)}
    assert data[store["normal"]]["clock"]["state"] in ("running", "waiting")
    for name in FAR:
        clock = data[store[name]]["clock"]
        if name in IN_RANGE:
            assert clock["problem"] is None and clock["seconds"] is not None
            continue
        assert (clock["state"], clock["text"], clock["seconds"], clock["breached"]) == (
            "out_of_range",
            "超出范围",
            None,
            False,
        ), name
        assert clock["problem"].startswith(("时间超出可计算的年份（1999–2104）：", "到期时间超出")), clock["problem"]
        assert data[store[name]]["remaining_seconds"] is None
    assert "协商时限 9999-12-31 23:59" in data[store["negotiated_9999"]]["clock"]["problem"]
    assert data[store["negotiated_9999"]]["due"] == "9999-12-31T23:59:00+08:00"
    assert "来电时间 0001-01-01 08:00" in data[store["called_year_1"]]["clock"]["problem"]
    assert "挂起 2500-01-01 00:00" in data[store["paused_to_2500"]]["clock"]["problem"]
    assert "解决时间 9999-12-31 08:00" in data[store["resolved_9999"]]["clock"]["problem"]
    opened = json.loads(zldesk(db_path, "ticket", "list", "--open", "--json").stdout)
    assert store["resolved_9999"] not in {t["id"] for t in opened} and store["called_1990"] in {t["id"] for t in opened}

    for name, tid in store.items():
        shown = zldesk(db_path, "ticket", "show", str(tid))
        assert shown.returncode == 0 and "Traceback" not in shown.stderr, (name, shown.stderr)
        assert ("剩余营业时间：超出范围" in shown.stdout) is (name not in ("normal", *IN_RANGE)), (name, shown.stdout)
        as_json = json.loads(zldesk(db_path, "ticket", "show", str(tid), "--json").stdout)
        assert as_json["id"] == tid and as_json["history"][0]["kind"] == "create"
        if name not in ("normal", *IN_RANGE):
            assert (
                as_json["clock"]["problem"] in as_json["sentence"]
                and as_json["clock"]["problem"] in (as_json["warnings"])
            )
    assert "至 9999-12-31 23:59" in zldesk(db_path, "ticket", "show", str(store["permission_9999"])).stdout
    assert store_checksum(db_path) == before  # reading never repairs or rewrites a row behind anyone's back


def test_a_far_ticket_can_be_put_right_and_a_hopeless_one_is_refused_clearly(store, db_path):
    """Negotiating a sane deadline over the 9999 one makes the ticket ordinary again. A call in year 1 can
    never be computed: a change to it is refused, exit 2, the store unchanged, never a traceback."""
    due = (OPENED + timedelta(days=20)).astimezone(SH).replace(tzinfo=None)
    tid = str(store["negotiated_9999"])
    fixed = zldesk(db_path, "ticket", "negotiate", tid, "--due", due.isoformat(), "--agreed-with", "李主任")
    assert fixed.returncode == 0, fixed.stderr
    clock = json.loads(zldesk(db_path, "ticket", "show", tid, "--json").stdout)["clock"]
    assert clock["state"] != "out_of_range" and clock["due"] == due.replace(tzinfo=SH).isoformat()

    before = store_checksum(db_path)
    ran = zldesk(db_path, "ticket", "note", str(store["called_year_1"]), "医院来电催问")
    assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr
    assert "超出范围" in ran.stderr and "1999 年" in ran.stderr
    assert store_checksum(db_path) == before


# The console, in a process of its own: the board's rows as drawn, then each ticket's screen as shown.
CONSOLE = r"""
import asyncio, json, os, sys
from datetime import datetime, UTC
from rich.console import Console
from zldesk.app import make_app
from zldesk.screens.ticket import TicketScreen
from zldesk.widgets.ticket_board import TicketBoard

NOW = datetime.now(UTC)

async def main(url, ids):
    app = make_app(url, clock=lambda: NOW)
    out = {"board": {}, "screen": {}}
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.screen.query_one(TicketBoard)
        for _ in range(200):
            if board.rows:
                break
            await pilot.pause(0.05)
        for i, row in enumerate(board.rows):
            cells, style = board.line_cells(i, NOW.timestamp())
            out["board"][row.id] = [cells["due"], cells["countdown"], style]
        for _ in board.rows:  # every row is drawn, not only the ones computed above
            board.render_line(0)
            board.move(1)
        for tid in ids:
            app.open_ticket(tid)
            for _ in range(200):
                await pilot.pause(0.05)
                if isinstance(app.screen, TicketScreen) and app.screen.version is not None:
                    break
            console = Console(width=200, record=True, file=open(os.devnull, "w"))
            console.print(app.screen.query_one("#ticket").content)
            out["screen"][tid] = console.export_text()
            app.pop_screen()
            await pilot.pause()
        out["running"] = app.is_running
    print(json.dumps(out, ensure_ascii=False))

asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
"""


def test_board_and_ticket_screen(store, db_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ran = subprocess.run(
        [sys.executable, "-c", CONSOLE, f"sqlite:///{db_path}", json.dumps(list(store.values()))],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=LIMIT * 2,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    out = json.loads(ran.stdout.splitlines()[-1])
    assert out["running"]
    board = {int(k): v for k, v in out["board"].items()}
    assert set(board) == {store["normal"], *(store[name] for name in ON_BOARD)}
    assert board[store["normal"]][1] != "超出范围"
    for name in ON_BOARD:
        due, countdown, style = board[store[name]]
        assert (countdown == "超出范围") is (name not in ORDINARY_KEY), (name, countdown)
        assert (style == "bold black on yellow") is (name not in ORDINARY_KEY), (name, style)
    assert board[store["negotiated_9999"]][0] == "9999-12-31"  # the 13-cell column: another year's day
    assert board[store["negotiated_2500"]][0] == "2500-06-01"
    screens = {int(k): v for k, v in out["screen"].items()}
    assert "剩余营业时间  超出范围" not in screens[store["normal"]]
    for name in FAR:
        text = screens[store[name]]
        assert f"远日期 {name}" in text and "历史" in text, name
        assert ("剩余营业时间  超出范围" in text) is (name not in IN_RANGE), (name, text)
    assert "协商时限 9999-12-31 23:59" in screens[store["negotiated_9999"]]


# The engine itself, in a process of its own: each far instant refused at once, nothing built for it.
ENGINE = r"""
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zldesk.contract import Target, Window, read_contract_file
from zldesk.data import data_dir
from zldesk.errors import OutOfRange
from zldesk.sla import Pause, Policy

contract = read_contract_file(data_dir() / "contracts" / "leishan.toml")
policy = Policy(contract)
opened = datetime(2026, 11, 23, 2, tzinfo=UTC)
out = {}

def refused(name, work):
    try:
        work()
    except OutOfRange as e:
        out[name] = [e.exit_code, e.title, e.message]
    else:
        out[name] = None

refused("negotiated 9999", lambda: policy.deadline(3, opened, negotiated=datetime(9999, 12, 31, 15, 59, tzinfo=UTC)))
refused("opened in year 1", lambda: policy.deadline(2, datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))))
refused("pause to 2500", lambda: policy.deadline(3, opened, pauses=(Pause(opened, datetime(2500, 1, 1, tzinfo=UTC)),)))
policy.deadline(3, opened)
built = len(policy.timelines["workday"].starts)
refused("count to 2500", lambda: policy.business_between("workday", opened.timestamp(), 16725225600.0))
refused("count to a huge number", lambda: policy.business_between("workday", opened.timestamp(), 1e300))
out["built for them"] = len(policy.timelines["workday"].starts) - built
# A window that is never open (the hours of the very window it waits to close): no deadline in any year.
never = Window("never", "x", "workdays", "08:30", "18:00", outside="workday")
level3 = replace(contract.severity(3), target=Target(3, "hours", "never"))
closed = replace(contract, windows=(*contract.windows, never), severities=(level3,))
refused("a window never open", lambda: Policy(closed).deadline(3, opened))
print(json.dumps(out, ensure_ascii=False))
"""


def test_the_engine_refuses_a_far_instant_at_once():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ran = subprocess.run(
        [sys.executable, "-c", ENGINE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=LIMIT
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    out = json.loads(ran.stdout)
    assert out.pop("built for them") == 0
    for name, refusal in out.items():
        assert refusal is not None, name
        code, title, message = refusal
        assert code == 2 and title == "时限计算用到的时刻 超出范围" and "应在 1999 年 至 2104 年 之间" in message, name
    assert out["negotiated 9999"][2].endswith("实际是 9999 年")
    assert out["a window never open"][2].endswith("实际是 2105 年")  # looked as far as the engine goes, no further
