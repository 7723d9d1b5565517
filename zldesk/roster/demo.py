"""The demo roster: data/roster/demo.toml, moved by whole weeks so its week is the week of `today`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from ..contract import Contract
from ..data import data_dir
from ..errors import InvalidInput
from .checks import check
from .files import read_roster_toml
from .model import Roster, duty_lines

# The Monday of the week the demo file was written for (国庆节 2026 is in the week after).
ANCHOR = date(2026, 9, 28)


def demo_path() -> Path:
    return data_dir() / "roster" / "demo.toml"


def demo_roster(contract: Contract, today: date) -> Roster:
    """The demo roster on `contract`'s lines, shifted by whole weeks (weekdays stay weekdays) so that
    its overrides fall in the week of `today`. The holidays do not move: they are the calendar's.
    Rows for a line the contract does not have are left out; times keep their wall clock in its zone."""
    path = demo_path()
    roster = read_roster_toml(path.read_text(encoding="utf-8"), str(path))
    lines = duty_lines(contract)
    names = {line.name for line in lines}
    zone = contract.zone
    step = timedelta(weeks=((today - timedelta(days=today.weekday())) - ANCHOR).days // 7)

    def moved(t: datetime) -> datetime:
        return (t + step).replace(tzinfo=zone)

    result = Roster(
        lines,
        roster.engineers,
        tuple(
            replace(r, start=r.start + step, end=r.end and r.end + step) for r in roster.rotations if r.line in names
        ),
        tuple(replace(s, start=moved(s.start), end=moved(s.end)) for s in roster.shifts if s.line in names),
        tuple(replace(o, start=moved(o.start), end=moved(o.end)) for o in roster.overrides if o.line in names),
    )
    problems = check(result)
    if problems:  # a bug in the bundled file, not something a user did
        raise InvalidInput(str(path), problems)
    return result
