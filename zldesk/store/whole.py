"""Tickets read whole through the driver's own connection (sqlite3 or psycopg), as `ticket list` streams
them: the board's own SELECT and order (rows.py), each row made a tickets.Ticket by `ticket_of`, the one
mapping of a stored ticket for every reader (`to_ticket` gives it the SQLAlchemy rows of store/tickets.py).
No SQLAlchemy here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..errors import OutOfRange
from ..text import check_computable
from ..tickets import Grant, Ticket, filled
from .rows import BOARD_COLUMNS, ListRow, _all, _board_sql, _json, _utc, placeholder

# What a whole ticket needs beyond its board row, in this order.
_WHOLE = (
    "version, description, module_no, in_scope, caller, phone, dept, channel, received_at, acknowledged_at, "
    "arrived_at, resolved_at, closed_at, state_before_pause, pauses, levels, negotiated_due, negotiated_with, remote"
)
_BOARD = len(ListRow._fields)
_AT = {name: i for i, name in enumerate([*ListRow._fields, *_WHOLE.split(", ")])}  # column -> its place


def board_tickets(
    conn,
    codes: dict[int, str],
    *,
    open_only: bool = True,
    contract_id: int | None = None,
    batch: int = 500,
    keyed: bool = False,
) -> Iterator[list[tuple[ListRow, Ticket | None]]]:
    """The board's rows (board_rows: the same SELECT, the same order), each with its ticket whole, in
    batches of `batch` as the cursor reads them: a caller that writes each batch out holds one batch,
    whatever the number of tickets. `codes`: contract id -> code.

    `keyed`: each item is (row, ticket, what stopped its clock: arrived, resolved or None), the ticket None
    where the row's stored key is its clock as the board draws it (`_keyed`): not made for nothing."""
    cursor = conn.cursor()
    try:
        cursor.execute(*_board_sql(conn, f"{BOARD_COLUMNS}, {_WHOLE}", open_only, contract_id))
        while rows := cursor.fetchmany(batch):
            if not keyed:
                yield [(ListRow._make(raw[:_BOARD]), _plain_ticket(raw, codes)) for raw in rows]
                continue
            yield [
                (ListRow._make(raw[:_BOARD]), None, _stopped_by(raw[_AT["arrived_at"]], raw[_AT["resolved_at"]]))
                if _keyed(raw)
                else (ListRow._make(raw[:_BOARD]), _plain_ticket(raw, codes), None)
                for raw in rows
            ]
    finally:
        cursor.close()


def _keyed(raw: tuple) -> bool:
    """An open ticket never paused, never re-levelled, with no negotiated deadline, called in the years the
    engine computes: its clock is tickets.board_clock of its stored key, exactly (store/caches.py finds any
    row whose key is not what its ticket gives). Anything else, a row an older zldesk or a hand left with a
    far time among them, is computed from the ticket itself."""
    board_due, pauses, levels = raw[_AT["board_due"]], raw[_AT["pauses"]], raw[_AT["levels"]]
    received, negotiated = raw[_AT["received_at"]], raw[_AT["negotiated_due"]]
    if board_due is None or negotiated is not None or pauses not in ("[]", []):
        return False
    # re-levelled: as SQLite keeps it, a JSON list of [time, level] pairs, with a `[` more for each
    if levels.count("[") > 2 if type(levels) is str else len(_list(levels)) > 1:
        return False
    try:  # SQLite keeps it as microseconds since 1970 (types.UtcMicros): no datetime made to check it
        check_computable(received / 1_000_000 if type(received) is int else _utc(received))
    except OutOfRange:
        return False
    return True


def _stopped_by(arrived: Any, resolved: Any) -> str | None:
    """What stopped the clock, as tickets.ticket_clock says it: the first of arrival and resolution."""
    arrived, resolved = _time(arrived), _time(resolved)
    if arrived is None:
        return None if resolved is None else "resolved"
    return "arrived" if resolved is None or arrived <= resolved else "resolved"


def _plain_ticket(raw: tuple, codes: dict[int, str]) -> Ticket:
    """A ticket from the driver's own values: times as SQLite keeps them (UTC text) or aware, JSON as text
    or parsed."""
    (_, cid, terms, severity, state, _, _, _, _, assignee, module_name, title, version, description, module_no,
     in_scope, caller, phone, dept, channel, received, acknowledged, arrived, resolved, closed, before_pause,
     pauses, levels, negotiated, negotiated_with, remote) = raw  # fmt: skip
    return ticket_of(
        codes[cid],
        severity,
        title,
        _utc(received),
        description,
        module_no,
        module_name,
        bool(in_scope),
        caller,
        phone,
        dept,
        channel,
        assignee,
        state,
        _time(acknowledged),
        _time(arrived),
        _time(resolved),
        _time(closed),
        before_pause,
        _list(pauses),
        _list(levels),
        _time(negotiated),
        negotiated_with,
        _list(remote),
        terms,
        version,
    )


def to_ticket(row, code: str) -> Ticket:
    """The Ticket of a SQLAlchemy row (its times already aware, its lists parsed)."""
    return ticket_of(
        code,
        row.severity,
        row.title,
        row.received_at,
        row.description,
        row.module_no,
        row.module_name,
        row.in_scope,
        row.caller,
        row.phone,
        row.dept,
        row.channel,
        row.assignee,
        row.state,
        row.acknowledged_at,
        row.arrived_at,
        row.resolved_at,
        row.closed_at,
        row.state_before_pause,
        row.pauses,
        row.levels,
        row.negotiated_due,
        row.negotiated_with,
        row.remote,
        row.terms_id,
        row.version,
    )


def ticket_of(
    contract, severity, title, received_at, description, module_no, module_name, in_scope, caller, phone, dept,
    channel, assignee, state, acknowledged_at, arrived_at, resolved_at, closed_at, state_before_pause, pauses,
    levels, negotiated_due, negotiated_with, remote, terms, version,
) -> Ticket:  # fmt: skip
    """The Ticket of a stored row's values (times aware; pauses, levels and permissions as stored: lists of
    ISO text). Made without the frozen dataclass's __init__, which sets its 26 fields one by one through
    object.__setattr__ (a third of reading a ticket); the same fields, the same object."""
    return filled(
        Ticket,
        dict(
            contract=contract,
            severity=severity,
            title=title,
            received_at=received_at,
            description=description,
            module_no=module_no,
            module_name=module_name,
            in_scope=in_scope,
            caller=caller,
            phone=phone,
            dept=dept,
            channel=channel,
            assignee=assignee,
            state=state,
            acknowledged_at=acknowledged_at,
            arrived_at=arrived_at,
            resolved_at=resolved_at,
            closed_at=closed_at,
            state_before_pause=state_before_pause,
            pauses=tuple((_dt(a), _dt(b), r) for a, b, r in pauses) if pauses else (),
            levels=tuple((_dt(at), level) for at, level in levels),
            negotiated_due=negotiated_due,
            negotiated_with=negotiated_with,
            remote=tuple(_grant(g) for g in remote) if remote else (),
            terms=terms,
            version=version,
        ),
    )


def _time(value: Any) -> datetime | None:
    return None if value is None else _utc(value)


def _list(value: Any) -> list:
    return [] if value == "[]" else _json(value)  # most tickets: never paused, no remote access


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _grant(g: list) -> Grant:
    # Permissions stored before channel, scope and engineer were recorded have three fields.
    who, at, until, *rest = g
    return Grant(who, _dt(at), _dt(until), *(rest + ["", "", ""])[:3])


def period_tickets(conn, contract_id: int, code: str, start: datetime, end: datetime) -> list[tuple[int, int, Ticket]]:
    """(id, terms id, ticket whole) of every ticket of the contract called in [start, end), in the order
    they were called: what a service report counts (report/numbers.py)."""
    from datetime import UTC, timedelta

    ph = placeholder(conn)
    low, high = start.astimezone(UTC), end.astimezone(UTC)
    if ph == "?":  # SQLite keeps a ticket's times as microseconds since 1970 (types.UtcMicros)
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        low, high = (low - epoch) // timedelta(microseconds=1), (high - epoch) // timedelta(microseconds=1)
    sql = (
        f"SELECT {BOARD_COLUMNS}, {_WHOLE} FROM ticket WHERE contract_id = {ph} "
        f"AND received_at >= {ph} AND received_at < {ph} ORDER BY received_at, id"
    )
    out = []
    for raw in _all(conn, sql, (contract_id, low, high)):
        row = ListRow._make(raw[:_BOARD])
        out.append((row.id, row.terms_id, _plain_ticket(raw, {contract_id: code})))
    return out
