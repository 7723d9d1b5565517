"""Tickets read whole through the driver's own connection (sqlite3 or psycopg), as `ticket list` streams
them: the board's own SELECT and order (rows.py), each row mapped to a tickets.Ticket in one place for every
reader (`to_ticket`: the SQLAlchemy rows of store/tickets.py too). No SQLAlchemy here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from ..tickets import Grant, Ticket
from .rows import BOARD_COLUMNS, ListRow, _board_sql, _json, _utc

# What a whole ticket needs beyond its board row (tickets.Ticket), in this order.
_WHOLE = (
    "version, description, module_no, in_scope, caller, phone, dept, channel, received_at, acknowledged_at, "
    "arrived_at, resolved_at, closed_at, state_before_pause, pauses, levels, negotiated_due, negotiated_with, remote"
)
_TIMES = ("received_at", "acknowledged_at", "arrived_at", "resolved_at", "closed_at", "negotiated_due")
_LISTS = ("pauses", "levels", "remote")


class _Stored(NamedTuple):
    """A ticket's row as `to_ticket` reads it: times aware (UTC), lists parsed."""

    contract_id: int
    terms_id: int | None
    severity: int
    state: str
    assignee: str
    module_name: str
    title: str
    version: int
    description: str
    module_no: int | None
    in_scope: bool
    caller: str
    phone: str
    dept: str
    channel: str
    received_at: datetime
    acknowledged_at: datetime | None
    arrived_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    state_before_pause: str | None
    pauses: list
    levels: list
    negotiated_due: datetime | None
    negotiated_with: str
    remote: list


def _list(value):
    return [] if value == "[]" else _json(value)  # most tickets: never paused, no remote access


_NAMES = [*ListRow._fields, *_WHOLE.split(", ")]
_DECODE = [
    (i, _utc if name in _TIMES else _list if name in _LISTS else bool)
    for i, name in enumerate(_NAMES)
    if name in _TIMES or name in _LISTS or name == "in_scope"
]
_PICK = [_NAMES.index(name) for name in _Stored._fields]


def board_tickets(
    conn, codes: dict[int, str], *, open_only: bool = True, contract_id: int | None = None, batch: int = 500
) -> Iterator[list[tuple[ListRow, Ticket]]]:
    """The board's rows (board_rows: the same SELECT, the same order), each with its ticket whole, in
    batches of `batch` as the cursor reads them: a caller that writes each batch out holds one batch,
    whatever the number of tickets. `codes`: contract id -> code."""
    cursor = conn.cursor()
    try:
        cursor.execute(*_board_sql(conn, f"{BOARD_COLUMNS}, {_WHOLE}", open_only, contract_id))
        width = len(ListRow._fields)
        while rows := cursor.fetchmany(batch):
            out = []
            for raw in rows:
                values = list(raw)
                for i, decode in _DECODE:
                    if values[i] is not None:
                        values[i] = decode(values[i])
                stored = _Stored._make([values[i] for i in _PICK])
                out.append((ListRow._make(raw[:width]), to_ticket(stored, codes[stored.contract_id])))
            yield out
    finally:
        cursor.close()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _grant(g: list) -> Grant:
    # Permissions stored before channel, scope and engineer were recorded have three fields.
    who, at, until, *rest = g
    return Grant(who, _dt(at), _dt(until), *(rest + ["", "", ""])[:3])


def to_ticket(row, code: str) -> Ticket:
    """The Ticket of a stored row (a SQLAlchemy row or `_Stored`: times aware, lists parsed)."""
    return Ticket(
        contract=code,
        severity=row.severity,
        title=row.title,
        received_at=row.received_at,
        description=row.description,
        module_no=row.module_no,
        module_name=row.module_name,
        in_scope=row.in_scope,
        caller=row.caller,
        phone=row.phone,
        dept=row.dept,
        channel=row.channel,
        assignee=row.assignee,
        state=row.state,
        acknowledged_at=row.acknowledged_at,
        arrived_at=row.arrived_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        state_before_pause=row.state_before_pause,
        pauses=tuple((_dt(a), _dt(b), r) for a, b, r in row.pauses),
        levels=tuple((_dt(at), level) for at, level in row.levels),
        negotiated_due=row.negotiated_due,
        negotiated_with=row.negotiated_with,
        remote=tuple(_grant(g) for g in row.remote),
        terms=row.terms_id,
        version=row.version,
    )
