"""A ticket and its history read through the driver's own connection (sqlite3 or psycopg), no SQLAlchemy.

`ticket show` on a current SQLite store reads through here with sqlite3 alone (store/quick.py's
driver_reading), and the sessions' `load_ticket` and `history` (store/tickets.py) read through the same
functions, so a stored ticket becomes a `Ticket` in one place only.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from ..errors import OutOfRange, UnknownTicket
from ..sla import Deadline, Policy
from ..tickets import Grant, Ticket, ticket_deadline
from .rows import _all, _json, _utc, placeholder, policies

MAX_ID = 2**63 - 1  # SQLite's INTEGER (and PostgreSQL's bigint): a number past it names no ticket

# The ticket table's columns by the type the models give them (store/models.py's TicketRow).
_TIMES = {
    "received_at",
    "acknowledged_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
    "negotiated_due",
    "computed_due",
    "clock_start",
    "created_at",
    "updated_at",
}
_JSON = {"pauses", "levels", "remote", "warnings"}
_BOOLS = {"in_scope", "provisional"}


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _grant(g: list) -> Grant:
    # Permissions stored before channel, scope and engineer were recorded have three fields.
    who, at, until, *rest = g
    return Grant(who, _dt(at), _dt(until), *(rest + ["", "", ""])[:3])


def to_ticket(row, code: str) -> Ticket:
    """The ticket a stored row (the ORM's TicketRow, or `stored_ticket`'s) says, of contract `code`."""
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


def _value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _TIMES:
        return _utc(value)
    if name in _JSON:
        return _json(value)
    if name in _BOOLS:
        return bool(value)
    return value


def stored_ticket(conn, ticket_id: int) -> tuple[SimpleNamespace, str]:
    """(the ticket's stored row, with the attributes and value types of the ORM's TicketRow; its contract's
    code). UnknownTicket if there is none."""
    if not 0 < ticket_id <= MAX_ID:  # the driver would raise OverflowError: 10**20 is simply no ticket
        raise UnknownTicket(ticket_id)
    cursor = conn.cursor()
    try:
        cursor.execute(
            "SELECT t.*, c.code FROM ticket t JOIN contract c ON c.id = t.contract_id "
            f"WHERE t.id = {placeholder(conn)}",
            (ticket_id,),
        )
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        raise UnknownTicket(ticket_id)
    *values, code = row
    return SimpleNamespace(**{n: _value(n, v) for n, v in zip(names, values)}), code


def load_ticket(conn, ticket_id: int) -> tuple[Ticket, Policy, Deadline | None]:
    """The ticket, the terms it was opened under, and its deadline under them: what every surface shows (None
    for a time past the years the engine computes, stored by an older zldesk or by hand: see tickets.clock)."""
    row, code = stored_ticket(conn, ticket_id)
    t, policy = to_ticket(row, code), policies(conn, [row.terms_id])[row.terms_id]
    try:
        return t, policy, ticket_deadline(policy, t)
    except OutOfRange:
        return t, policy, None


class Event(NamedTuple):
    """One row of a ticket's history, as every surface reads it (the ORM's TicketEvent has these too)."""

    seq: int
    kind: str
    who: str
    entered_at: datetime
    effective_at: datetime
    data: dict
    reason: str
    changes: dict


def ticket_events(conn, ticket_id: int) -> list[Event]:
    """The ticket's history, oldest first."""
    sql = (
        "SELECT seq, kind, who, entered_at, effective_at, data, reason, changes FROM ticket_event "
        f"WHERE ticket_id = {placeholder(conn)} ORDER BY seq"
    )
    return [
        Event(seq, kind, who, _utc(entered), _utc(effective), _json(data), reason, _json(changes))
        for seq, kind, who, entered, effective, data, reason, changes in _all(conn, sql, (ticket_id,))
    ]
