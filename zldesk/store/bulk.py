"""Many new tickets at once (`zldesk import tickets`): each ticket's row, history rows, hash chain and search
entry made by the same functions the one-at-a-time writer uses (tickets.ticket_values, event_values,
audit.append_many, index_new), written with one executemany per table in the caller's one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import JSON, bindparam, insert, select, text
from sqlmodel import Session

from ..sla import Policy
from ..text import search_tokens
from ..tickets import Ticket, ticket_deadline, ticket_deadlines
from .audit import _canonical, append_many, chain_many
from .db import driver_errors
from .models import ContractRow, TicketEvent, TicketRow
from .tickets import encode, event_values, index_new, ticket_values
from .types import UtcDateTime, compact_json, to_micros

_TICKET, _EVENT = TicketRow.__table__, TicketEvent.__table__
_EXISTING = select(_TICKET.c.id, _TICKET.c.received_at, _TICKET.c.title, _TICKET.c.caller).where(
    _TICKET.c.contract_id == bindparam("b_contract"),
    _TICKET.c.received_at >= bindparam("b_low"),
    _TICKET.c.received_at <= bindparam("b_high"),
    _TICKET.c.id <= bindparam("b_upto"),
)


class Event(NamedTuple):
    """One history row of an imported ticket, as `act` would have written it (a named tuple: an import
    makes millions, a frozen dataclass's __init__ costs five times a tuple's)."""

    kind: str
    at: datetime
    data: dict[str, Any]
    who: str
    reason: str = ""
    changes: dict[str, list] | None = None


class NewTicket(NamedTuple):
    """A ticket in its final state (its history replayed by tickets.lifecycle), its history, its notes."""

    contract_id: int
    policy: Policy
    ticket: Ticket
    events: tuple[Event, ...]
    notes: tuple[str, ...] = ()


def insert_rows(conn, table, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts of the same columns) into `table`. Each value goes through its column's own type
    (`bind_processor`, what a Core insert applies: UTC times, JSON text); on SQLite straight to the driver's
    executemany, a fifth of the cost of SQLAlchemy's per-row parameter handling; elsewhere a Core insert."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    names = [c.name for c in columns]
    procs = [_stored_form(c, conn.dialect) for c in columns]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    processed = [(i, p) for i, p in enumerate(procs) if p is not None]
    values = []
    for row in rows:
        value = list(map(row.__getitem__, names))
        for i, p in processed:
            if value[i] is not None:
                value[i] = p(value[i])
        values.append(value)
    with driver_errors(conn):
        conn.connection.dbapi_connection.executemany(sql, values)


def _stored_form(column, dialect):
    """The column's bind processor (what a Core insert applies), the same values given for an import's
    commonest ones at less cost: an instant given again as the very object of the row before made once
    (every row's entry time is the import's one `now`: no memo of every instant, whose keys cost more to
    hash than the value to make), an empty JSON list or object as its text."""
    proc = column.type.bind_processor(dialect)
    if proc is None:
        return None
    if isinstance(column.type, UtcDateTime):
        last: list = [None, None]  # the last instant (the object itself) and its stored form

        def instant(value: datetime):
            if value is not last[0]:
                last[0], last[1] = value, proc(value)
            return last[1]

        return instant
    if isinstance(column.type, JSON):
        empty = {list: proc([]), dict: proc({})}

        def json_text(value):
            return empty[type(value)] if not value and type(value) in empty else proc(value)

        return json_text
    return proc


def for_import(session: Session) -> None:
    """The session's connection set for one long write (SQLite: a 64 MiB page cache for the indexes' pages,
    instead of 2 MiB); durability as it was (the journal and synchronous settings stay)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size = -65536")


def contract_id(session: Session, code: str) -> int:
    return session.connection().execute(select(ContractRow.id).where(ContractRow.code == code)).scalar_one()


def _new_ids(conn, n: int) -> list[int] | range:
    """Ticket ids for `n` new tickets, chosen under the write lock (the events need them before the INSERT)."""
    if conn.dialect.name == "sqlite":
        first = conn.execute(text("SELECT coalesce(max(id), 0) + 1 FROM ticket")).scalar_one()
        return range(first, first + n)
    return (
        conn.execute(
            text("SELECT nextval(pg_get_serial_sequence('ticket', 'id')) FROM generate_series(1, :n)"), {"n": n}
        )
        .scalars()
        .all()
    )


def insert_tickets(session: Session, tickets: list[NewTicket], now: datetime) -> list[int]:
    """Write `tickets` (rows, history, chain, search) in the session's transaction; returns their ids."""
    if not tickets:
        return []
    conn = session.connection()
    ids = _new_ids(conn, len(tickets))
    rows, entries = [], []
    # the batch's deadlines at once (one binary search a plain ticket); one the engine refuses (None) is
    # computed again alone, to raise what ticket_deadline raises
    deadlines = ticket_deadlines([(n.policy, n.ticket) for n in tickets])
    for tid, n, d in zip(ids, tickets, deadlines):
        if d is None:
            d = ticket_deadline(n.policy, n.ticket)
        rows.append({"id": tid, **ticket_values(n.contract_id, n.policy, n.ticket, d, now)})
        t = n.ticket
        entries.append((tid, search_tokens(" ".join([t.title, t.description, *n.notes]))))
    insert_rows(conn, _TICKET, rows)
    (_sqlite_events if conn.dialect.name == "sqlite" else _events)(conn, ids, tickets, now)
    index_new(conn, entries)
    return list(ids)


def _events(conn, ids, tickets: list[NewTicket], now: datetime) -> None:
    """The tickets' history rows as every writer makes them: `event_values`, chained by `append_many`."""
    events = [
        event_values(tid, seq, e.kind, e.who, now, e.at, e.data, e.reason, e.changes)
        for tid, n in zip(ids, tickets)
        for seq, e in enumerate(n.events, 1)
    ]
    append_many(conn, _EVENT, events, write=insert_rows)


_EVENT_COLUMNS = ("id", "ticket_id", "seq", "kind", "who", "entered_at", "effective_at", "data", "reason", "changes")
_INSERT_EVENT = f"INSERT INTO ticket_event ({', '.join(_EVENT_COLUMNS)}, row_hash) VALUES ({', '.join('?' * 11)})"


def _sqlite_events(conn, ids, tickets: list[NewTicket], now: datetime) -> None:
    """The tickets' history rows on SQLite: what `_events` writes (the same values, the same digests: the
    ticket's data through `encode`, each value canonical for the digest and in its column's stored form for
    the row: UtcMicros' integer, compact_json's text, Sha256's bytes; a test holds the rows equal), made as
    tuples in one pass, hashed by `chain_many`, inserted in one executemany."""
    entered, entered_us = _canonical(now), to_micros(now)
    contents, stored = [], []
    for tid, n in zip(ids, tickets):
        for seq, e in enumerate(n.events, 1):
            data, changes = encode(e.data) if e.data else {}, e.changes or {}
            contents.append(
                {
                    "changes": _canonical(changes) if changes else changes,
                    "data": _canonical(data) if data else data,
                    "effective_at": _canonical(e.at),  # each its own instant: no memo
                    "entered_at": entered,
                    "kind": e.kind,
                    "reason": e.reason,
                    "seq": seq,
                    "ticket_id": tid,
                    "who": e.who,
                }
            )
            stored.append([tid, seq, e.kind, e.who, entered_us, to_micros(e.at), _json(data), e.reason, _json(changes)])
    hashes = chain_many(conn, _EVENT, contents)
    values = [(c["id"], *row, bytes.fromhex(h)) for c, row, h in zip(contents, stored, hashes)]
    with driver_errors(conn):
        conn.connection.dbapi_connection.executemany(_INSERT_EVENT, values)


def _json(value) -> str:
    return "{}" if not value and type(value) is dict else compact_json(value)


def last_id(session: Session) -> int:
    """The highest ticket id so far (0: none)."""
    return session.connection().execute(text("SELECT coalesce(max(id), 0) FROM ticket")).scalar_one()


def existing(
    session: Session, contract: int, low: datetime, high: datetime, upto: int
) -> Iterator[tuple[int, datetime, str, str]]:
    """(id, received_at, title, caller) of the contract's tickets received between `low` and `high`, of ids up
    to `upto` (those already there before this import)."""
    params = {"b_contract": contract, "b_low": low, "b_high": high, "b_upto": upto}
    yield from session.connection().execute(_EXISTING, params)
