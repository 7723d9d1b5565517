"""Roster query functions. They take a Session and never commit: the caller's one transaction does, so
an import or an override is written whole or not at all, with its row in the roster history."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime

from sqlmodel import Session, delete, select

from ..contract import Contract
from ..errors import InvalidInput, OverrideRefused
from ..roster import Engineer, Override, Roster, Shift, check, typed_override
from ..roster.changes import added_shifts_line, engineer_line, override_line, rotations_line, shifts_line
from .audit import append, lock_head, roster_digest
from .contracts import _row, get_contract
from .db import driver_connection, driver_errors
from .models import EngineerRow, OverrideRow, RosterEvent, RotationRow, ShiftRow
from .rows import read_roster


def load_roster(session: Session, code: str) -> tuple[Contract, Roster]:
    """The contract and its whole roster: its duty lines, every engineer, its rotations, shifts, overrides."""
    contract = get_contract(session, code)
    with driver_errors(session):
        return contract, read_roster(driver_connection(session), contract, _row(session, code).id)


def _refuse_if_invalid(roster: Roster, source: str) -> None:
    problems = check(roster)
    if problems:
        raise InvalidInput(source, problems)


def _merge_engineers(known: tuple[Engineer, ...], incoming: tuple[Engineer, ...]) -> tuple[Engineer, ...]:
    by_name = {e.name: e for e in known}
    by_name.update({e.name: e for e in incoming})
    return tuple(by_name.values())


def _save_engineers(
    session: Session, engineers: tuple[Engineer, ...], before: tuple[Engineer, ...], changes: list[str]
) -> None:
    old = {e.name: e for e in before}
    for e in engineers:
        if old.get(e.name) == e:
            continue
        row = session.exec(select(EngineerRow).where(EngineerRow.name == e.name)).first() or EngineerRow(name=e.name)
        row.phone, row.skills, row.active = e.phone, list(e.skills), e.active
        session.add(row)
        changes.append(engineer_line(e, known=e.name in old))


def replace_roster(
    session: Session,
    code: str,
    incoming: Roster,
    *,
    source: str,
    who: str,
    raw: bytes = b"",
    now: datetime | None = None,
) -> list[str]:
    """A roster file (TOML): its engineers are added or updated, its rotations and fixed shifts replace
    the contract's, its overrides are added after the existing ones. Returns the changes."""
    contract, current = load_roster(session, code)
    cid = _row(session, code).id
    first_id = max((o.id for o in current.overrides), default=0) + 1
    added = tuple(replace(o, id=first_id + i) for i, o in enumerate(incoming.overrides))
    result = Roster(
        current.lines,
        _merge_engineers(current.engineers, incoming.engineers),
        incoming.rotations,
        incoming.shifts,
        current.overrides + added,
    )
    _refuse_if_invalid(result, source)
    changes: list[str] = []
    _save_engineers(session, result.engineers, current.engineers, changes)
    if current.rotations != incoming.rotations:
        session.exec(delete(RotationRow).where(RotationRow.contract_id == cid))
        session.add_all(
            [
                RotationRow(
                    contract_id=cid,
                    position=i,
                    name=r.name,
                    line=r.line,
                    unit=r.unit,
                    handoff=r.handoff,
                    start=r.start,
                    end=r.end,
                    engineers=list(r.engineers),
                )
                for i, r in enumerate(incoming.rotations)
            ]
        )
        changes.append(rotations_line(incoming.rotations, before=len(current.rotations)))
    if _shift_keys(current.shifts) != _shift_keys(incoming.shifts):
        session.exec(delete(ShiftRow).where(ShiftRow.contract_id == cid))
        _add_shifts(session, cid, incoming.shifts, source)
        changes.append(shifts_line(len(incoming.shifts), before=len(current.shifts)))
    now = now or datetime.now(UTC)
    for o in incoming.overrides:
        _add_override_row(session, cid, o, who, now)
        changes.append(override_line(o, contract.zone))
    if changes:
        _log(session, cid, now, who, "import", source, raw, changes)
    return changes


def add_shifts(
    session: Session,
    code: str,
    shifts: list[Shift],
    *,
    source: str,
    who: str,
    raw: bytes = b"",
    engineers: tuple[Engineer, ...] = (),
    now: datetime | None = None,
) -> list[str]:
    """Fixed shifts from a file (CSV). Where an older fixed shift on the same line overlaps a new one,
    the new file wins for its time and the older shift keeps only what lies outside it."""
    _, current = load_roster(session, code)
    cid = _row(session, code).id
    kept: list[Shift] = []
    for old in current.shifts:
        kept += _outside(old, [s for s in shifts if s.line == old.line])
    result = Roster(
        current.lines,
        _merge_engineers(current.engineers, engineers),
        current.rotations,
        tuple(kept) + tuple(shifts),
        current.overrides,
    )
    _refuse_if_invalid(result, source)
    changes: list[str] = []
    _save_engineers(session, result.engineers, current.engineers, changes)
    trimmed = len(current.shifts) - sum(1 for s in kept if s in current.shifts)
    if _shift_keys(kept) != _shift_keys(current.shifts):
        session.exec(delete(ShiftRow).where(ShiftRow.contract_id == cid))
        _add_shifts(session, cid, tuple(kept), None)
    _add_shifts(session, cid, tuple(shifts), source)
    changes.append(added_shifts_line(len(shifts), trimmed))
    _log(session, cid, now or datetime.now(UTC), who, "shifts", source, raw, changes)
    return changes


def add_override(session: Session, code: str, override: Override, *, who: str, now: datetime | None = None) -> int:
    """One override (调班/替班); the newest wins where overrides overlap. Returns its id."""
    override = typed_override(override)  # one line each, names in one spelling
    contract, current = load_roster(session, code)
    cid = _row(session, code).id
    fresh = replace(override, id=max((o.id for o in current.overrides), default=0) + 1)
    problems = check(replace(current, overrides=current.overrides + (fresh,)))
    if problems:  # typed by a person, not read from a file: say what is wrong, not where in a file
        raise OverrideRefused(problems)
    now = now or datetime.now(UTC)
    row = _add_override_row(session, cid, fresh, who, now)
    session.flush()
    _log(session, cid, now, who, "override", "override", b"", [override_line(replace(fresh, id=row.id), contract.zone)])
    return row.id


def take_over(session: Session, code: str, line: str, engineer: str | None, *, now: datetime):
    """The incoming engineer (`engineer`, default the one the roster puts on) acknowledges the line's current
    handoff: one roster_event row of kind `handover`, append-only, in the roster's hash chain like every
    roster change, in the caller's transaction. Refused (roster.handover) when the line is in nobody's shift,
    when that handoff was acknowledged already, or when the engineer is not one of the roster's. Returns
    (handoff, engineer)."""
    from ..roster import handover
    from .db import driver_connection, driver_errors
    from .handover import KIND, ack_source, line_segments, read_acks

    contract, roster = load_roster(session, code)
    cid, zone = _row(session, code).id, contract.zone
    label = next((x.label for x in roster.lines if x.name == line), line)
    with driver_errors(session):
        acks = read_acks(driver_connection(session), cid)
    h = handover.to_take_over(handover.handoffs(line_segments(contract, roster, now), line), now, acks, label, zone)
    engineer = engineer or h.incoming
    handover.check_engineer(engineer, roster.engineers)
    _log(session, cid, now, engineer, KIND, ack_source(line, h.at), b"", [handover.ack_line(label, h, engineer, zone)])
    return h, engineer


def roster_history(session: Session, code: str) -> list[RosterEvent]:
    cid = _row(session, code).id
    return list(session.exec(select(RosterEvent).where(RosterEvent.contract_id == cid).order_by(RosterEvent.id)))


# ---- helpers -----------------------------------------------------------------------------------------


def _shift_keys(shifts) -> list[tuple]:
    return sorted((s.line, s.engineer, s.start.timestamp(), s.end.timestamp()) for s in shifts)


def _outside(old: Shift, new: list[Shift]) -> list[Shift]:
    """The parts of `old` that no shift of `new` covers."""
    pieces = [(old.start, old.end)]
    for s in new:
        pieces = [p for a, b in pieces for p in ((a, min(b, s.start)), (max(a, s.end), b)) if p[0] < p[1]]
    if pieces == [(old.start, old.end)]:
        return [old]
    return [replace(old, start=a, end=b) for a, b in pieces]


def _add_shifts(session: Session, cid: int, shifts: tuple[Shift, ...], source: str | None) -> None:
    session.add_all(
        [
            ShiftRow(
                contract_id=cid,
                line=s.line,
                engineer=s.engineer,
                start=s.start,
                end=s.end,
                source=s.source or source or "",
            )
            for s in shifts
        ]
    )


def _add_override_row(session: Session, cid: int, o: Override, who: str, now: datetime) -> OverrideRow:
    row = OverrideRow(
        contract_id=cid,
        line=o.line,
        engineer=o.engineer,
        start=o.start,
        end=o.end,
        reason=o.reason,
        covers=o.covers,
        who=who,
        created_at=now,
    )
    session.add(row)
    return row


def _log(
    session: Session, cid: int, at: datetime, who: str, kind: str, source: str, raw: bytes, changes: list[str]
) -> None:
    # Core, not session.add: the row is written now, at the end of the hash chain (store/audit.py). It records
    # the digest of the roster as this change leaves it: the ORM's pending rows first, then the head, then
    # the digest, so that a change another writer committed meanwhile is in it (PostgreSQL).
    session.flush()
    conn, table = session.connection(), RosterEvent.__table__
    lock_head(conn, table)
    append(
        conn,
        table,
        dict(
            contract_id=cid,
            at=at,
            who=who,
            kind=kind,
            source=source,
            sha256=hashlib.sha256(raw).hexdigest() if raw else "",
            summary="\n".join(changes),
            roster_digest=json.dumps(roster_digest(conn), sort_keys=True, separators=(",", ":")),
        ),
    )
