"""The demo roster: data/roster/demo.toml, moved by whole weeks so its week is the week of `today`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from .contract import Contract
from .data import data_dir
from .roster import Roster
from .roster_io import read_roster_toml

# The Monday of the week the demo file was written for (国庆节 2026 is in the week after).
ANCHOR = date(2026, 9, 28)


def demo_path():
    return data_dir() / "roster" / "demo.toml"


def demo_roster(contract: Contract, today: date) -> Roster:
    """The demo roster on `contract`'s lines, shifted by whole weeks (weekdays stay weekdays) so that
    its overrides fall in the week of `today`. The holidays do not move: they are the calendar's."""
    path = demo_path()
    roster = read_roster_toml(path.read_text(encoding="utf-8"), str(path), contract)
    weeks = ((today - timedelta(days=today.weekday())) - ANCHOR).days // 7
    if weeks == 0:
        return roster
    step = timedelta(weeks=weeks)
    return replace(
        roster,
        rotations=tuple(replace(r, start=r.start + step, end=r.end and r.end + step) for r in roster.rotations),
        shifts=tuple(replace(s, start=s.start + step, end=s.end + step) for s in roster.shifts),
        overrides=tuple(replace(o, start=o.start + step, end=o.end + step) for o in roster.overrides),
    )
