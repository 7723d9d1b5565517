"""One answer per ticket: its deadline, clock state and time left are the same in `ticket list --json`,
`ticket show --json`, the CLI's text, the console's board and the ticket screen — for a ticket in every
state, before and after a contract re-import that changes the targets (an open ticket keeps the terms it
was opened under).

The scene is set in December 2098 so that "provisional" (a deadline on a working-day window in a year
with no official holiday schedule) does not depend on what the `holidays` package knows today: the
working-day tickets are provisional, the level 1 and 2 ones (a 7-day window) are not.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

import zldesk.commands.tickets as ticket_commands
from zldesk.app import make_app
from zldesk.screens.ticket import TicketScreen
from zldesk.store import open_store, writing
from zldesk.store.tickets import act, open_ticket
from zldesk.tickets import Action
from zldesk.widgets.ticket_board import TicketBoard

from .conftest import LEISHAN

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2098, 12, 6, 10, 0, tzinfo=ZONE)  # a Saturday: the 7x12 on-site window is open, working days not


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


# name: (level, opened, actions, the clock every surface must show at NOW, its state)
TICKETS = {
    "running": (2, "2098-12-06 09:30", [], "4:30:00", "running"),
    "waiting": (3, "2098-12-05 17:00", [], "12-08起 27:30:00", "waiting"),
    "paused": (4, "2098-12-05 10:00", [("pause", "2098-12-05 11:00", {}, "等医院导数据")], "暂停 65:30:00", "paused"),
    "arrived": (1, "2098-12-06 09:10", [("arrive", "2098-12-06 09:50", {}, "")], "到场 2:20:00", "stopped"),
    "breached": (2, "2098-12-05 12:00", [("ack", "2098-12-05 12:05", {}, "")], "超时 5:00:00", "running"),
    "negotiated": (
        3,
        "2098-12-04 10:00",
        [("negotiate", "2098-12-04 11:00", {"due": "2098-12-09 18:00", "agreed_with": "李主任"}, "月底再改")],
        "12-08起 19:00:00",
        "waiting",
    ),
    "resolved": (3, "2098-12-04 10:00", [("resolve", "2098-12-05 15:00", {}, "")], "解决 14:00:00", "stopped"),
}


@pytest.fixture
def store(db_path, monkeypatch):
    monkeypatch.setattr(ticket_commands, "_now", lambda: NOW)
    monkeypatch.setattr("zldesk.commands.state.now", lambda: NOW)  # the import's clock, for its listing
    engine = open_store(f"sqlite:///{db_path}")
    ids = {}
    with writing(engine) as session:
        for name, (level, opened, actions, _, _) in TICKETS.items():
            tid, _, _ = open_ticket(
                session, "leishan", {"severity": level, "title": f"工单 {name}"}, at(opened), "值班", now=NOW
            )
            for kind, when, data, reason in actions:
                data = {k: at(v) if k == "due" else v for k, v in data.items()}
                act(session, tid, Action(kind, at(when), data, reason), "值班", now=NOW)
            ids[name] = tid
    engine.dispose()
    return ids


def reimport_with_new_targets(cli, tmp_path) -> None:
    """Level 2 on site within 4 hours instead of 5, level 3 within 2 working days instead of 3."""
    text = LEISHAN.read_text(encoding="utf-8")
    text = text.replace(
        'target = { amount = 5, unit = "hours", window = "onsite" }',
        'target = { amount = 4, unit = "hours", window = "onsite" }',
    )
    text = text.replace(
        'target = { amount = 3, unit = "working_days", window = "workday" }',
        'target = { amount = 2, unit = "working_days", window = "workday" }',
    )
    changed = tmp_path / "leishan.toml"
    changed.write_text(text, encoding="utf-8")
    ran = cli("import", "contract", str(changed))
    assert ran.exit_code == 0 and "2 处变化" in ran.stdout, ran.stdout + ran.stderr


def cli_answers(cli, ids) -> dict[int, dict]:
    """Per ticket: the clock as `ticket list --json`, `ticket show --json`, `ticket list` and `ticket show` say it."""
    listed = {t["id"]: t for t in json.loads(cli("ticket", "list", "--json").stdout)}
    text_lines = cli("ticket", "list").stdout.splitlines()
    out = {}
    for tid in ids.values():
        shown = json.loads(cli("ticket", "show", str(tid), "--json").stdout)
        (line,) = [x for x in text_lines if x.startswith(f"#{tid} ")]
        show_text = cli("ticket", "show", str(tid)).stdout
        (remaining,) = [x for x in show_text.splitlines() if "剩余营业时间：" in x]
        out[tid] = {
            "list_json": listed[tid]["clock"],
            "show_json": shown["clock"],
            "list_text": line,
            "show_text": remaining,
            "remaining_seconds": (listed[tid]["remaining_seconds"], shown["remaining_seconds"]),
        }
    return out


async def console_answers(url, ids) -> dict[int, dict]:
    """Per ticket: the board's due and countdown cells (open tickets) and the ticket screen's text."""
    app = make_app(url, clock=lambda: NOW)
    out: dict[int, dict] = {tid: {} for tid in ids.values()}
    async with app.run_test(size=(100, 30)) as pilot:
        board = app.screen.query_one(TicketBoard)
        for _ in range(100):
            if board.rows:
                break
            await pilot.pause(0.05)
        for i, row in enumerate(board.rows):
            if row.id in out:
                cells = board.line_cells(i, NOW.timestamp())[0]
                out[row.id]["board"] = (cells["due"], cells["countdown"])
        for tid in ids.values():
            app.open_ticket(tid)
            for _ in range(100):
                await pilot.pause(0.05)
                if isinstance(app.screen, TicketScreen) and app.screen.version is not None:
                    break
            console = Console(width=200, record=True, file=open(os.devnull, "w"))
            console.print(app.screen.query_one("#ticket").content)
            out[tid]["screen"] = console.export_text()
            app.pop_screen()
            await pilot.pause()
    return out


def due_cell(clock: dict) -> str:
    if clock["due"] is None:
        return "-"
    return f"{datetime.fromisoformat(clock['due']):%m-%d %H:%M}" + ("临" if clock["provisional"] else "")


def check_agreement(ids, cli_side, console_side) -> None:
    for name, tid in ids.items():
        level, _, _, want_text, want_state = TICKETS[name]
        c, k = cli_side[tid], console_side[tid]
        assert c["list_json"] == c["show_json"], name
        clock = c["list_json"]
        assert (clock["text"], clock["state"]) == (want_text, want_state), name
        assert clock["provisional"] is (level >= 3), name  # the working-day window, in 2098
        assert c["remaining_seconds"][0] == c["remaining_seconds"][1], name
        assert (c["remaining_seconds"][0] is None) == (want_state == "stopped"), name
        assert c["list_text"].endswith(f"到期 {due_cell(clock)}  {want_text}"), (name, c["list_text"])
        assert f"剩余营业时间：{want_text}" in c["show_text"], name
        assert f"剩余营业时间  {want_text}" in k["screen"], name
        if name == "resolved":
            assert "board" not in k  # the board lists open tickets only
        else:
            assert k["board"] == (due_cell(clock), want_text), name


async def test_every_surface_gives_one_answer_before_and_after_a_reimport(store, cli, db_path, tmp_path):
    url = f"sqlite:///{db_path}"
    before = cli_answers(cli, store), await console_answers(url, store)
    check_agreement(store, *before)

    reimport_with_new_targets(cli, tmp_path)
    after = cli_answers(cli, store), await console_answers(url, store)
    check_agreement(store, *after)  # the open tickets keep the terms they were opened under
    assert before == after

    # A change to an old ticket is still computed under its own terms...
    assert cli("ticket", "note", str(store["waiting"]), "医院说周一再看").exit_code == 0
    assert (
        json.loads(cli("ticket", "show", str(store["waiting"]), "--json").stdout)["clock"]["text"] == "12-08起 27:30:00"
    )
    # ...and a ticket opened now is held to the new ones: 4 hours on site for level 2, not 5.
    engine = open_store(url)
    with writing(engine) as session:
        new_id, _, _ = open_ticket(
            session, "leishan", {"severity": 2, "title": "新条款下的工单"}, at("2098-12-06 09:30"), "值班", now=NOW
        )
    engine.dispose()
    clock = json.loads(cli("ticket", "show", str(new_id), "--json").stdout)["clock"]
    assert clock["text"] == "3:30:00" and clock["due"] == "2098-12-06T13:30:00+08:00"
    board = (await console_answers(url, {"new": new_id}))[new_id]["board"]
    assert board == ("12-06 13:30", "3:30:00")


def test_the_waiting_clock_says_when_it_starts(cli, db_path, monkeypatch):
    """A level-2 call at 02:10 counts from 09:00, when the on-site window opens: `09:00起 5:00:00`, not a
    `5:00:00` that reads as five hours left and does not move."""
    night = datetime(2026, 11, 25, 2, 10, tzinfo=ZONE)
    monkeypatch.setattr(ticket_commands, "_now", lambda: night)
    engine = open_store(f"sqlite:///{db_path}")
    with writing(engine) as session:
        tid, _, _ = open_ticket(
            session, "leishan", {"severity": 2, "title": "收费处全部窗口无法收费"}, night, "值班", now=night
        )
    engine.dispose()
    clock = json.loads(cli("ticket", "show", str(tid), "--json").stdout)["clock"]
    assert (clock["state"], clock["text"], clock["resumes"]) == (
        "waiting",
        "09:00起 5:00:00",
        "2026-11-25T09:00:00+08:00",
    )
    assert re.search(r"到期 11-25 14:00  09:00起 5:00:00$", cli("ticket", "list").stdout.strip())
    later = night + timedelta(hours=7, minutes=30)  # 09:40: counting
    monkeypatch.setattr(ticket_commands, "_now", lambda: later)
    clock = json.loads(cli("ticket", "show", str(tid), "--json").stdout)["clock"]
    assert (clock["state"], clock["text"], clock["resumes"]) == ("running", "4:20:00", None)
