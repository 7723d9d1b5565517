"""A contract's roster read through the driver's own connection (store/rows.py's `read_roster`, kept here
so that module stays small)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .rows import _all, _date, _json, _utc, placeholder

if TYPE_CHECKING:
    from ..contract import Contract
    from ..roster import Roster


def read_roster(conn, contract: Contract, contract_id: int) -> Roster:
    """The contract's roster: its duty lines, every engineer, its rotations, fixed shifts and overrides
    (times in the contract's zone)."""
    from ..roster import Engineer, Override, Roster, Rotation, Shift, duty_lines

    ph, zone = placeholder(conn), contract.zone
    engineers = tuple(
        Engineer(name, phone, tuple(_json(skills)), bool(active))
        for name, phone, skills, active in _all(conn, "SELECT name, phone, skills, active FROM engineer ORDER BY id")
    )
    rotations = tuple(
        Rotation(line, tuple(_json(names)), unit, handoff, _date(start), _date(end), name)
        for name, line, unit, handoff, start, end, names in _all(
            conn,
            f'SELECT name, line, unit, handoff, start, "end", engineers FROM roster_rotation '
            f"WHERE contract_id = {ph} ORDER BY position",
            (contract_id,),
        )
    )
    shifts = tuple(
        Shift(line, engineer, _utc(start).astimezone(zone), _utc(end).astimezone(zone), source)
        for line, engineer, start, end, source in _all(
            conn,
            f'SELECT line, engineer, start, "end", source FROM roster_shift WHERE contract_id = {ph} '
            "ORDER BY start, id",
            (contract_id,),
        )
    )
    overrides = tuple(
        Override(oid, line, engineer, _utc(start).astimezone(zone), _utc(end).astimezone(zone), reason, covers)
        for oid, line, engineer, start, end, reason, covers in _all(
            conn,
            f'SELECT id, line, engineer, start, "end", reason, covers FROM roster_override '
            f"WHERE contract_id = {ph} ORDER BY id",
            (contract_id,),
        )
    )
    return Roster(duty_lines(contract), engineers, rotations, shifts, overrides)
