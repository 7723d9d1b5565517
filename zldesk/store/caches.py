"""The tables that cache something recorded elsewhere, checked against it: each ticket row against the replay
of its history (store/audit.py chains the history), each contract's tables against the terms its last import
recorded (contract_version), the roster's tables against the digest its last change recorded (roster_event).
A row changed, closed or reopened without a history row, a phone number or target changed in a contract
table, a roster edited in the tables: each shows here, by ticket, contract or table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, func, select

from .. import phones
from ..contract import contract_to_dict
from ..errors import ZlDeskError
from ..tickets import Ticket, TicketError, clock_key, replay, ticket_deadline
from .audit import ROSTER_TABLES, Finding, roster_digest
from .models import ContractRow, ContractVersion, RosterEvent, TicketEvent, TicketRow
from .rows import policies, read_contracts
from .schema import terms_json
from .tickets import decode, to_ticket

_TICKET, _EVENT, _VERSION = TicketRow.__table__, TicketEvent.__table__, ContractVersion.__table__
# `terms` is checked on its own (terms_differ): a history entered before tickets recorded theirs has none.
TICKET_FIELDS = tuple(f.name for f in fields(Ticket) if f.name != "terms")
DEADLINE_COLUMNS = ("computed_due", "due_ts", "clock_start", "provisional", "warnings", "board_due")
# A tampered row or event may hold anything: what replaying or reading it can raise.
_BAD_DATA = (TicketError, ValueError, KeyError, TypeError, AttributeError, IndexError)


# ---- tickets -------------------------------------------------------------------------------------------


def ticket_findings(conn: Connection) -> tuple[int, list[Finding]]:
    """(how many tickets, what is wrong with them): each row against the replay of its history through
    `tickets.replay`, its deadline columns against `ticket_deadline`/`clock_key` under its terms, its terms
    against the history (a reapply) or else the contract's version current when it was opened."""
    codes = dict(conn.execute(select(ContractRow.id, ContractRow.code)).all())
    ids = {code: cid for cid, code in codes.items()}
    versions: dict[int, list[tuple[int, datetime]]] = {}
    for vid, cid, at in conn.execute(select(_VERSION.c.id, _VERSION.c.contract_id, _VERSION.c.created_at)):
        versions.setdefault(cid, []).append((vid, at))
    for listed in versions.values():
        listed.sort()
    policy = _Policies(conn)
    streaming = conn.execution_options(stream_results=True, yield_per=2000)
    rows = streaming.execute(select(_TICKET).order_by(_TICKET.c.id))
    e = _EVENT.c
    events = streaming.execute(
        select(e.ticket_id, e.seq, e.kind, e.entered_at, e.effective_at, e.data, e.reason).order_by(e.ticket_id, e.seq)
    )
    out: list[Finding] = []
    count = 0
    for tid, row, history in _joined(rows, events):
        if row is None:
            out.append(Finding("history_without_ticket", "ticket", str(tid)))
            continue
        count += 1
        if not history:
            out.append(Finding("ticket_without_history", "ticket", str(tid)))
            continue
        out += _one_ticket(row, codes.get(row.contract_id), history, policy, ids, versions)
    return count, out


def _joined(rows, events) -> Iterator[tuple[int, Any, list]]:
    """(ticket id, its row or None, its events in order), both read in ticket id order."""
    by_ticket = groupby(events, key=lambda e: e.ticket_id)
    pending = next(by_ticket, None)
    for row in rows:
        while pending is not None and pending[0] < row.id:
            yield pending[0], None, list(pending[1])
            pending = next(by_ticket, None)
        if pending is not None and pending[0] == row.id:
            yield row.id, row, list(pending[1])
            pending = next(by_ticket, None)
        else:
            yield row.id, row, []
    while pending is not None:
        yield pending[0], None, list(pending[1])
        pending = next(by_ticket, None)


def _one_ticket(row, code, history, policy, ids, versions) -> list[Finding]:
    tid = str(row.id)
    seqs = [e.seq for e in history]
    if seqs != list(range(1, len(seqs) + 1)):
        return [Finding("history_gap", "ticket_event", tid, expected=len(seqs), found=seqs)]
    # Each action was checked against the moment it was entered ("not in the future"): replayed as of the
    # last of those moments, every action accepted then is accepted again.
    entered = max(e.entered_at for e in history)
    try:
        replayed = replay([(e.kind, e.effective_at, decode(e.data), e.reason) for e in history], entered)
    except _BAD_DATA as e:
        return [Finding("history_does_not_replay", "ticket_event", tid, found=_said(e))]
    try:
        stored = to_ticket(row, code)
        differ = tuple(f for f in TICKET_FIELDS if getattr(stored, f) != getattr(replayed, f))
    except _BAD_DATA:  # a JSON column no longer a list of what it holds
        differ = tuple(f for f in ("pauses", "levels", "remote") if not isinstance(row._mapping[f], list)) or ("?",)
    # what `who` finds it by (schema v11): the keys of the phone its history says, so a phone changed in
    # the row alone is named once, as the phone
    if (row.phone_key, row.phone_local) != phones.keys(replayed.phone):
        differ += ("phone_key",)
    out = [Finding("ticket_differs", "ticket", tid, differ)] if differ else []
    terms = _terms_due(replayed, history, ids.get(replayed.contract), versions)
    if row.terms_id != terms:
        out.append(Finding("terms_differ", "ticket", tid, ("terms_id",), expected=terms, found=row.terms_id))
    rules = policy.get(terms)
    if rules is None:  # damaged terms: the contract check names the version
        return out
    try:
        d = ticket_deadline(rules, replayed)
        want = {
            "computed_due": d.computed_due,
            "due_ts": d.due.timestamp() if d.due else None,
            "clock_start": d.clock_start,
            "provisional": d.provisional,
            "warnings": list(d.warnings),
            "board_due": clock_key(rules, replayed, d) if replayed.is_open else None,
        }
    except (ZlDeskError, *_BAD_DATA) as e:
        return [*out, Finding("deadline_differs", "ticket", tid, found=_said(e))]
    off = tuple(c for c in DEADLINE_COLUMNS if row._mapping[c] != want[c])
    if off:
        found = {c: row._mapping[c] for c in off}
        out.append(Finding("deadline_differs", "ticket", tid, off, expected={c: want[c] for c in off}, found=found))
    return out


def _terms_due(replayed: Ticket, history, contract_id: int | None, versions) -> int | None:
    """The terms the history puts the ticket under (its creation's, or the last reapply's), else, for a
    history entered before tickets recorded theirs, the contract's newest version when the ticket was
    entered (its first version for a ticket older than versions, schema v7)."""
    if replayed.terms is not None:
        return replayed.terms
    listed: list[tuple[int, datetime]] = versions.get(contract_id, [])
    entered = history[0].entered_at
    before = [vid for vid, at in listed if at <= entered]
    return before[-1] if before else (listed[0][0] if listed else None)


class _Policies:
    """The deadline rules of a version, read once; None for terms that no longer match their digest."""

    def __init__(self, conn: Connection) -> None:
        self.dbapi, self.known = conn.connection.dbapi_connection, {}

    def get(self, terms: int | None):
        if terms not in self.known:
            try:
                self.known[terms] = policies(self.dbapi, [terms]).get(terms)
            except ZlDeskError:
                self.known[terms] = None
        return self.known[terms]


def _said(e: Exception) -> str:
    return f"{e.title}：{e.message}" if isinstance(e, ZlDeskError) else type(e).__name__


# ---- contracts -----------------------------------------------------------------------------------------

# Where each part of a contract's JSON form lives.
PART_TABLES = {
    "windows": "contract_window",
    "severities": "severity",
    "services": "service",
    "modules": "module",
    "contacts": "contact",
}


def contract_findings(conn: Connection) -> tuple[int, int, list[Finding]]:
    """(contracts, versions, findings): every version's terms against its sha256 (`version_damaged`), and
    each contract's tables, read as a contract, against its newest version (`contract_differs`, one per
    table, with the paths that differ; `contract_unversioned` for a contract with none)."""
    out: list[Finding] = []
    codes = dict(conn.execute(select(ContractRow.id, ContractRow.code)).all())
    newest: dict[int, tuple[int, str, str]] = {}
    count = 0
    for vid, cid, terms, digest in conn.execute(
        select(_VERSION.c.id, _VERSION.c.contract_id, _VERSION.c.terms, _VERSION.c.sha256).order_by(_VERSION.c.id)
    ):
        count += 1
        if hashlib.sha256(terms.encode()).hexdigest() != digest:
            out.append(Finding("version_damaged", "contract_version", str(vid), (codes.get(cid, "?"),)))
        newest[cid] = (vid, terms, digest)
    try:
        contracts = read_contracts(conn.connection.dbapi_connection)
    except _BAD_DATA as e:
        return len(codes), count, [*out, Finding("contract_unreadable", "contract", found=_said(e))]
    for cid, contract in sorted(contracts.items(), key=lambda kv: kv[1].code):
        if cid not in newest:
            out.append(Finding("contract_unversioned", "contract", contract.code))
            continue
        vid, terms, digest = newest[cid]
        now = terms_json(contract_to_dict(contract))
        if hashlib.sha256(now.encode()).hexdigest() == digest:
            continue
        try:
            recorded = json.loads(terms)
        except ValueError:
            continue  # damaged: named above
        paths = _paths(recorded, json.loads(now))
        for table in dict.fromkeys(PART_TABLES.get(p.split("[")[0].split(".")[0], "contract") for p in paths):
            mine = tuple(p for p in paths if PART_TABLES.get(p.split("[")[0].split(".")[0], "contract") == table)
            out.append(Finding("contract_differs", table, contract.code, mine, expected=vid))
    return len(contracts), count, out


def _paths(a: Any, b: Any, at: str = "") -> list[str]:
    """Where two JSON values differ: `contacts[0].value`, `severities[1].target.amount`, `modules` (a count)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [p for k in sorted(a.keys() | b.keys()) for p in _paths(a.get(k), b.get(k), f"{at}.{k}" if at else k)]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b)) for p in _paths(x, y, f"{at}[{i}]")]
    return [] if a == b else [at]


# ---- the roster ----------------------------------------------------------------------------------------


def roster_findings(conn: Connection) -> tuple[str, list[Finding]]:
    """("recorded" | "not_recorded" | "none", findings): each roster table against the digest the newest roster
    change recorded; "not_recorded" where that change predates schema v8 and so recorded none."""
    table = RosterEvent.__table__
    last = conn.execute(select(table.c.id, table.c.roster_digest).order_by(table.c.id.desc()).limit(1)).first()
    now = roster_digest(conn)
    if last is None:
        empty = {name for name in ROSTER_TABLES if _empty(conn, name)}
        return "none", [Finding("roster_without_history", t) for t in ROSTER_TABLES if t not in empty]
    if last.roster_digest is None:
        return "not_recorded", []
    try:
        recorded = json.loads(last.roster_digest)
    except ValueError:
        recorded = None
    recorded = recorded if isinstance(recorded, dict) else {}
    return "recorded", [
        Finding("roster_differs", t, str(last.id), expected=recorded.get(t), found=now[t])
        for t in ROSTER_TABLES
        if recorded.get(t) != now[t]
    ]


def _empty(conn: Connection, name: str) -> bool:
    from .models import SQLModel

    return not conn.execute(select(func.count()).select_from(SQLModel.metadata.tables[name])).scalar()
