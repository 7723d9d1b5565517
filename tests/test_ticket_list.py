"""`ticket list` streams: one SELECT read a batch at a time, each batch written before the next is read (so
its memory does not grow with the tickets), the JSON the same bytes as one `json.dumps` of the whole list,
and every deadline the one `ticket_deadline` gives, whether it came through `Policy.due_many` or not."""

from __future__ import annotations

import inspect
import io
import json
import math
import sys
from collections import OrderedDict, UserList
from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest

from zldesk.commands import output
from zldesk.contract import read_contract_file
from zldesk.errors import OutOfRange
from zldesk.sla import Policy
from zldesk.store import whole
from zldesk.tickets import Ticket, ticket_deadline, ticket_deadlines

from .conftest import LEISHAN


def _printed(function, value) -> str:
    real, sys.stdout = sys.stdout, io.StringIO()
    try:
        function(value)
        return sys.stdout.getvalue()
    finally:
        sys.stdout = real


ODD = [
    {},
    [],
    {"a": [], "b": {}, "c": [[], [{}]], "d": None, "e": True, "f": False},
    {"n": 0, "big": 10**30, "neg": -7, "x": 1.5, "tiny": 5e-324, "nan": math.nan, "inf": -math.inf},
    {"s": "雷山\u202e\x9b\x1b\n\"'\\", 3: "int key", None: "none key", 2.5: "float key", True: "bool key"},
    {"when": datetime(2026, 12, 1, tzinfo=UTC), "delta": timedelta(seconds=3), "tuple": (1, (2, 3), ())},
    {"deep": {"deeper": {"deepest": [1, {"k": ["v", None, 2.0]}]}}},
    # what the writer splits the C encoder's output at, inside text; a dict and a list not of the plain types
    {"sep": "a,\x00b", ",\x00": [",\x00", "null"], "od": OrderedDict(x=[1], y=OrderedDict()), "set": {1}},
    [[["x"]], UserList([1, 2]), ()],
    "text alone",
    17,
    None,
]


@pytest.mark.parametrize("items", [[], [ODD[2]], ODD, [ODD[4]] * 3])
def test_streamed_json_is_the_same_bytes_as_print_json(items):
    assert _printed(lambda v: output.print_json_items(iter(v)), items) == _printed(output.print_json, items)


def _tickets(cli, n: int) -> None:
    for i in range(n):
        ran = cli("ticket", "new", "--severity", str(1 + i % 4), "--title", f"第{i}张", "--at", "2026-11-24T10:00")
        assert ran.exit_code == 0, ran.stderr


@pytest.mark.parametrize("as_json", [True, False])
def test_listing_writes_each_batch_before_reading_the_next(cli, monkeypatch, as_json):
    """With batches of 2, the first ticket is written while only the first batch has been read: nothing
    is gathered whole, so memory stays flat however many tickets are listed."""
    _tickets(cli, 7)
    read: list[int] = []
    batches = whole.board_tickets

    def small(*args, **kwargs):
        for batch in batches(*args, **{**kwargs, "batch": 2}):
            read.append(len(batch))
            yield batch

    monkeypatch.setattr(whole, "board_tickets", small)
    seen_at_first_write: list[int] = []
    name = "json_safe" if as_json else "visible"
    real = getattr(output, name)

    def noting(text, *args, **kwargs):
        if not seen_at_first_write:
            seen_at_first_write.append(len(read))
        return real(text, *args, **kwargs)

    monkeypatch.setattr(output, name, noting)
    ran = cli("ticket", "list", "--open", *(["--json"] if as_json else []))
    assert ran.exit_code == 0, ran.stderr
    assert read == [2, 2, 2, 1] and seen_at_first_write == [1]
    if as_json:
        assert len(json.loads(ran.stdout)) == 7
    else:
        assert len(ran.stdout.splitlines()) == 7


def test_a_stored_ticket_is_made_with_every_field_of_a_ticket():
    """ticket_of sets the fields itself (not through the dataclass's __init__): it must name all of them."""
    assert list(inspect.signature(whole.ticket_of).parameters) == [f.name for f in fields(Ticket)]


def test_batch_deadlines_are_ticket_deadline_for_every_kind_of_ticket():
    policy = Policy(read_contract_file(LEISHAN))
    opened = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    held = []
    for i in range(200):
        at = opened + timedelta(minutes=37 * i, microseconds=i)
        level = 1 + i % 4
        kind = i % 6
        t = Ticket("leishan", level, f"#{i}", at, levels=((at, level),))
        if kind == 1:  # paused, still or over
            end = None if i % 12 == 1 else at + timedelta(hours=5)
            t = Ticket("leishan", level, "p", at, levels=((at, level),), pauses=((at + timedelta(hours=1), end, ""),))
        elif kind == 2:  # upgraded: the clock restarts
            t = Ticket("leishan", 1, "u", at, levels=((at, 3), (at + timedelta(hours=2), 1)))
        elif kind == 3:  # negotiated
            t = Ticket("leishan", level, "n", at, levels=((at, level),), negotiated_due=at + timedelta(days=9))
        elif kind == 4:  # a negotiated deadline beyond the years computed: no deadline, as load_ticket says
            far = datetime(9999, 12, 31, tzinfo=UTC)
            t = Ticket("leishan", level, "f", at, levels=((at, level),), negotiated_due=far)
        elif kind == 5:  # no level history recorded
            t = Ticket("leishan", level, "o", at)
        held.append((policy, t))
    expected = []
    for p, t in held:
        try:
            expected.append(ticket_deadline(p, t))
        except OutOfRange:
            expected.append(None)
    assert ticket_deadlines(held) == expected
    assert sum(d is None for d in expected) == sum(1 for i in range(200) if i % 6 == 4)


def test_the_text_says_the_clock_and_due_the_json_says_for_every_kind_of_ticket(cli, monkeypatch):
    """A plain open ticket's line is drawn from its row's stored key (tickets.board_clock, as the board does),
    the others from the ticket itself: both say what `ticket list --json` says, for tickets in every state."""
    import zldesk.commands.tickets as ticket_commands

    now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    monkeypatch.setattr(ticket_commands, "_now", lambda: now)
    _tickets(cli, 8)  # 1..8, called 2026-11-24 10:00 (+08:00)
    for args in (
        ("ack", "2"),
        ("arrive", "3", "--at", "2026-11-24T11:00"),
        ("pause", "4", "--at", "2026-11-24T12:00", "--reason", "等医院"),
        ("pause", "5", "--at", "2026-11-24T12:00", "--reason", "等医院"),
        ("resume", "5", "--at", "2026-11-25T09:00"),
        ("severity", "6", "1", "--reason", "全院停摆", "--at", "2026-11-24T13:00"),
        ("negotiate", "7", "--due", "2026-12-20T18:00", "--agreed-with", "李主任"),
        ("resolve", "8", "--at", "2026-11-24T16:00"),
    ):
        assert cli("ticket", *args).exit_code == 0, args
    keyed, real = [], whole._keyed
    monkeypatch.setattr(whole, "_keyed", lambda raw: keyed.append(real(raw)) or keyed[-1])
    for flags in ((), ("--open",)):
        lines = cli("ticket", "list", *flags).stdout.splitlines()
        data = json.loads(cli("ticket", "list", *flags, "--json").stdout)
        assert [int(line.split()[0][1:]) for line in lines] == [d["id"] for d in data]
        for line, d in zip(lines, data):
            due = datetime.fromisoformat(d["clock"]["due"]) if d["clock"]["due"] else None
            shown = f"到期 {due:%m-%d %H:%M}" if due else "到期 -"
            assert shown + ("临" if d["clock"]["provisional"] and due else "") + "  " in line, (line, d["clock"])
            assert line.endswith("  " + d["clock"]["text"]), (line, d["clock"])
    assert len(lines) == 7  # the resolved one is not open
    # 1-3 from their key, twice; paused, resumed, re-levelled, negotiated (and the resolved one, once) not
    assert keyed.count(True) == 2 * 3 and keyed.count(False) == 2 * 4 + 1


def test_clocks_and_deadlines_made_without_init_are_the_dataclasses():
    """clock._clock and clock._deadline set the fields themselves: the same objects as the constructors'."""
    from zldesk.sla import Deadline
    from zldesk.tickets import clock

    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    made = clock._clock("waiting", 60.0, 0.5, at, at, at + timedelta(hours=1), "arrived", True, True)
    expected = clock.Clock("waiting", 60.0, 0.5, at, at, at + timedelta(hours=1), "arrived", True, True)
    assert made == expected and vars(made) == vars(expected) and hash(made) == hash(expected)
    made = clock._deadline(2, "onsite", at, 3600, at, None, True, ("w",))
    expected = Deadline(2, "onsite", at, 3600, at, None, True, ("w",), ())
    assert made == expected and vars(made) == vars(expected) and hash(made) == hash(expected)
