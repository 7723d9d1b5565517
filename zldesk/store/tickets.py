"""Query functions for tickets. Every change writes its event and the new state in the caller's one
transaction, with the ticket's version checked, so a change is never half-written or silently lost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session, insert, select, update

from .. import phones
from ..errors import UnknownContract, UnknownTicket
from ..sla import Deadline, Policy
from ..text import search_query, search_tokens, tsquery_text, tsvector_text
from ..tickets import (
    TIME_FIELDS,
    Action,
    ChangeSince,
    StaleTicket,
    Ticket,
    apply,
    checked,
    checked_fields,
    clock_key,
    create,
    ticket_deadline,
)
from . import ticket_rows
from .audit import append
from .db import driver_connection, driver_errors
from .models import ContractRow, TicketEvent, TicketRow
from .rows import BOARD_COLUMNS, ListRow, board_rows, contract_heads
from .terms import current_terms, policies_of, policy_for, ticket_policy
from .ticket_rows import Event, ticket_events
from .whole import _dt, to_ticket

__all__ = [
    "ListRow",
    "StaleTicket",
    "policy_for",
    "ticket_deadline",
    "to_ticket",
]  # re-exported: callers import them from here


_TICKET = TicketRow.__table__
_EVENT = TicketEvent.__table__
# Statements built once, values bound per call: building a statement costs more than running it.
_INSERT_TICKET = insert(_TICKET)
_UPDATE_TICKET = update(_TICKET).where(_TICKET.c.id == bindparam("b_id"), _TICKET.c.version == bindparam("b_version"))
_LOAD = (
    select(_TICKET, ContractRow.code)
    .join(ContractRow, ContractRow.id == _TICKET.c.contract_id)
    .where(_TICKET.c.id == bindparam("b_id"))
)
_CONTRACT_ID = select(ContractRow.id).where(ContractRow.code == bindparam("b_code"))


# ---- rows <-> tickets ----------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _board_due(policy: Policy, t: Ticket, d: Deadline) -> float | None:
    """The board's sort key and countdown (tickets.clock_key) while the ticket is open; None after."""
    return clock_key(policy, t, d) if t.is_open else None


def _row_values(t: Ticket, d: Deadline, board_due: float | None) -> dict[str, Any]:
    return dict(
        terms_id=t.terms,
        version=t.version,
        state=t.state,
        severity=t.severity,
        title=t.title,
        description=t.description,
        module_no=t.module_no,
        module_name=t.module_name,
        in_scope=t.in_scope,
        caller=t.caller,
        phone=t.phone,
        dept=t.dept,
        channel=t.channel,
        assignee=t.assignee,
        received_at=t.received_at,
        acknowledged_at=t.acknowledged_at,
        arrived_at=t.arrived_at,
        resolved_at=t.resolved_at,
        closed_at=t.closed_at,
        state_before_pause=t.state_before_pause,
        pauses=[[_iso(a), _iso(b), r] for a, b, r in t.pauses],
        levels=[[_iso(at), lv] for at, lv in t.levels],
        negotiated_due=t.negotiated_due,
        negotiated_with=t.negotiated_with,
        remote=[[g.granted_by, _iso(g.at), _iso(g.until), g.channel, g.scope, g.engineer] for g in t.remote],
        computed_due=d.computed_due,
        due_ts=d.due.timestamp() if d.due else None,
        clock_start=d.clock_start,
        provisional=d.provisional,
        warnings=list(d.warnings),
        board_due=board_due,
    )


def ticket_values(contract_id: int, policy: Policy, t: Ticket, d: Deadline, now: datetime) -> dict[str, Any]:
    """A new ticket's row (every column but id): `ticket new` and `import tickets` both make it here, with
    the phone's matching keys (`zldesk who`; a ticket's phone is set when it is made, never changed)."""
    row = dict(contract_id=contract_id, created_at=now, updated_at=now, **_row_values(t, d, _board_due(policy, t, d)))
    row["phone_key"], row["phone_local"] = phones.keys(t.phone) if t.phone else (None, None)
    return row


def event_values(
    ticket_id: int,
    seq: int,
    kind: str,
    who: str,
    now: datetime,
    at: datetime,
    data: dict[str, Any],
    reason: str = "",
    changes: dict[str, list] | None = None,
) -> dict[str, Any]:
    """A history row (every column but id and the hashes, which audit.append adds): every writer's one shape."""
    return dict(
        ticket_id=ticket_id,
        seq=seq,
        kind=kind,
        who=who,
        entered_at=now,
        effective_at=at,
        data=encode(data),
        reason=reason,
        changes=changes or {},
    )


def encode(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _iso(v) if isinstance(v, datetime) else v for k, v in data.items()}


def decode(data: dict[str, Any]) -> dict[str, Any]:
    """Event data back to values: the datetime-valued keys are known."""
    return {k: _dt(v) if k in TIME_FIELDS and v is not None else v for k, v in data.items()}


# ---- changes -------------------------------------------------------------------------------------------


def open_ticket(
    session: Session, code: str, data: dict[str, Any], at: datetime, who: str, now: datetime | None = None
) -> tuple[int, Ticket, Deadline]:
    """Create a ticket (its row, its first event and its search entry). Returns (id, ticket, deadline)."""
    now = now or datetime.now(UTC)
    data = checked_fields(data)  # as typed: one line where one is meant, names in one spelling
    terms = current_terms(session, code)
    policy = policies_of(session, [terms])[terms]
    policy.severity(data["severity"])  # an unknown level is refused here, by name
    data = {**data, "contract": code, "terms": terms}  # the history says which terms it was opened under
    t = create(data, at, now, policy.out_zone)
    d = ticket_deadline(policy, t)
    contract_id = session.connection().execute(_CONTRACT_ID, {"b_code": code}).scalar_one()
    # Core statements on the connection, not the ORM: a change is two plain INSERTs or an UPDATE and an INSERT.
    conn = session.connection()
    tid = conn.execute(_INSERT_TICKET, ticket_values(contract_id, policy, t, d, now)).inserted_primary_key[0]
    append(conn, _EVENT, event_values(tid, 1, "create", who, now, at, data))
    _index(session, tid, t, [])
    return tid, t, d


def act(
    session: Session,
    ticket_id: int,
    action: Action,
    who: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> tuple[Ticket, Deadline, dict[str, list]]:
    """Apply one action. With `expected_version`, refuse (StaleTicket) if the ticket changed since."""
    now = now or datetime.now(UTC)
    action = checked(action)
    row, code = _load(session, ticket_id)
    if expected_version is not None and row.version != expected_version:
        since = _since(session, ticket_id, max(expected_version, 0)) if expected_version < row.version else ()
        raise StaleTicket(ticket_id, expected_version, row.version, since, ticket_policy(session, row).out_zone)
    before = to_ticket(row, code)
    policy = ticket_policy(session, row)
    if action.kind == "severity":
        policy.severity(int(action.data["level"]))
    if action.kind == "negotiate":
        action = Action(
            action.kind,
            action.at,
            {**action.data, "negotiable": policy.severity(before.severity).negotiable},
            action.reason,
        )
    after, changes = apply(before, action, now, policy.out_zone)
    if after.terms != before.terms:  # moved to new terms (a reapply): computed under them from now on
        policy = policies_of(session, [after.terms])[after.terms]
    d = ticket_deadline(policy, after)
    values = _row_values(after, d, _board_due(policy, after, d)) | {"updated_at": now}
    # The version in the WHERE makes the write conditional even where reads are not serialized (PostgreSQL).
    conn = session.connection()
    result = conn.execute(_UPDATE_TICKET, values | {"b_id": ticket_id, "b_version": before.version})
    if result.rowcount != 1:
        raise StaleTicket(
            ticket_id,
            before.version,
            before.version,
            _since(session, ticket_id, before.version),
            policy.out_zone,
            raced=True,
        )
    append(
        conn,
        _EVENT,
        event_values(ticket_id, after.version, action.kind, who, now, action.at, action.data, action.reason, changes),
    )
    if action.kind == "note":
        notes = [e.data.get("text", "") for e in history(session, ticket_id) if e.kind == "note"]
        _index(session, ticket_id, after, notes, indexed=notes[:-1])
    return after, d, changes


def _since(session: Session, ticket_id: int, version: int) -> list[ChangeSince]:
    """The ticket's changes after `version`, for the refusal to say."""
    events = session.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.seq > version)
        .order_by(TicketEvent.seq)
    ).all()
    return [ChangeSince(e.seq, e.who, e.entered_at, e.kind, tuple(e.changes)) for e in events]


def _index(session: Session, ticket_id: int, t: Ticket, notes: list[str], indexed: list[str] | None = None) -> None:
    """The ticket's tokens made of its title, description and `notes`; `indexed`: the notes it was indexed
    with until now (None: not indexed yet)."""
    was = None if indexed is None else search_tokens(" ".join([t.title, t.description, *indexed]))
    _put_tokens(session.connection(), ticket_id, search_tokens(" ".join([t.title, t.description, *notes])), was)


def _put_tokens(conn, ticket_id: int, tokens: str, was: str | None = None) -> None:
    # SQLite: the FTS5 table of v10, keyed by rowid; it keeps no copy of the tokens (contentless), so a
    # ticket's old tokens (`was`) are given to take them out. PostgreSQL: v6's tsvector table, by ticket_id.
    if conn.dialect.name == "sqlite":
        if was is not None:
            conn.execute(
                text("INSERT INTO ticket_search (ticket_search, rowid, tokens) VALUES ('delete', :id, :tokens)"),
                {"id": ticket_id, "tokens": was},
            )
        conn.execute(
            text("INSERT INTO ticket_search (rowid, tokens) VALUES (:id, :tokens)"), {"id": ticket_id, "tokens": tokens}
        )
    else:
        conn.execute(text("DELETE FROM ticket_search WHERE ticket_id = :id"), {"id": ticket_id})
        conn.execute(
            text("INSERT INTO ticket_search (ticket_id, tokens) VALUES (:id, CAST(:doc AS tsvector))"),
            {"id": ticket_id, "doc": tsvector_text(tokens)},
        )


def index_new(conn, entries: list[tuple[int, str]]) -> None:
    """The search entries of tickets not indexed yet, (id, search_tokens text) each, in one executemany
    (`import tickets`): the same rows `_put_tokens` writes for a new ticket."""
    if not entries:
        return
    if conn.dialect.name == "sqlite":
        rows = [{"id": tid, "tokens": tokens} for tid, tokens in entries]
        conn.execute(text("INSERT INTO ticket_search (rowid, tokens) VALUES (:id, :tokens)"), rows)
    else:
        rows = [{"id": tid, "doc": tsvector_text(tokens)} for tid, tokens in entries]
        conn.execute(text("INSERT INTO ticket_search (ticket_id, tokens) VALUES (:id, CAST(:doc AS tsvector))"), rows)


def rebuild_search(conn) -> int:
    """Index every ticket again (titles, descriptions, notes): after a migration between databases, or an
    upgrade that adds the index. Returns how many tickets."""
    notes: dict[int, list[str]] = {}
    for tid, data in conn.execute(
        select(_EVENT.c.ticket_id, _EVENT.c.data).where(_EVENT.c.kind == "note").order_by(_EVENT.c.id)
    ):
        notes.setdefault(tid, []).append(str((data or {}).get("text", "")))
    rows = conn.execute(select(_TICKET.c.id, _TICKET.c.title, _TICKET.c.description)).fetchall()
    if conn.dialect.name == "sqlite":  # contentless (v10): emptied by its own command
        conn.execute(text("INSERT INTO ticket_search (ticket_search) VALUES ('delete-all')"))
    else:
        conn.execute(text("DELETE FROM ticket_search"))
    for tid, title, description in rows:
        _put_tokens(conn, tid, search_tokens(" ".join([title, description, *notes.get(tid, [])])))
    return len(rows)


# ---- reads ---------------------------------------------------------------------------------------------


MAX_ID = 2**63 - 1  # SQLite's INTEGER (and PostgreSQL's bigint): a number past it names no ticket


def _load(session: Session, ticket_id: int):
    if not 0 < ticket_id <= MAX_ID:  # the driver would raise OverflowError: 10**20 is simply no ticket
        raise UnknownTicket(ticket_id)
    row = session.connection().execute(_LOAD, {"b_id": ticket_id}).first()
    if row is None:
        raise UnknownTicket(ticket_id)
    return row, row.code


def get_ticket(session: Session, ticket_id: int):
    """(the ticket, its stored row: the cached deadline columns included)."""
    row, code = _load(session, ticket_id)
    return to_ticket(row, code), row


def load_ticket(session: Session, ticket_id: int) -> tuple[Ticket, Policy, Deadline | None]:
    """The ticket, its terms and its deadline (ticket_rows.load_ticket, as `ticket show` reads it)."""
    session.flush()  # read by the driver: pending writes first
    with driver_errors(session):
        return ticket_rows.load_ticket(driver_connection(session), ticket_id)


def history(session: Session, ticket_id: int) -> list[Event]:
    session.flush()  # read by the driver (ticket_rows): pending writes first
    with driver_errors(session):
        return ticket_events(driver_connection(session), ticket_id)


def list_tickets(session: Session, *, open_only: bool = True, contract: str | None = None) -> list[ListRow]:
    """Tickets soonest-due first, paused ones (frozen clocks) after the running ones (see rows.board_rows)."""
    contract_id = None
    if contract is not None:
        contract_id = session.execute(select(ContractRow.id).where(ContractRow.code == contract)).scalar()
        if contract_id is None:
            raise UnknownContract(contract)
    with driver_errors(session):
        return board_rows(driver_connection(session), open_only=open_only, contract_id=contract_id)


def contract_names(session: Session) -> dict[int, tuple[str, str]]:
    """contract id -> (code, customer), for labelling board rows."""
    with driver_errors(session):
        return {cid: (code, customer) for cid, code, customer, _ in contract_heads(driver_connection(session))}


def search(session: Session, query: str, limit: int = 200) -> list[ListRow]:
    """Tickets whose title, description or notes contain `query` (Chinese substrings included), newest first."""
    columns = ", ".join("t." + c for c in BOARD_COLUMNS.split(", "))
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        match = search_query(query)
        sql = (
            f"SELECT {columns} FROM ticket_search s JOIN ticket t ON t.id = s.rowid "
            "WHERE ticket_search MATCH :q ORDER BY s.rowid DESC LIMIT :n"
        )
    else:
        match = tsquery_text(query)
        sql = (
            f"SELECT {columns} FROM ticket_search s JOIN ticket t ON t.id = s.ticket_id "
            "WHERE s.tokens @@ CAST(:q AS tsquery) ORDER BY t.id DESC LIMIT :n"
        )
    if match is None:
        return []
    return [ListRow._make(r) for r in conn.execute(text(sql), {"q": match, "n": limit}).fetchall()]
