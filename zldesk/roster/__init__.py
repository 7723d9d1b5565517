"""The on-duty roster: who holds each line the contract promises. `compute` is the one function that
decides it; the rest asks its segments (now, gaps, hours), words them (the holiday notice, iCal) or reads
and writes the roster's files. Pure: no database, no Textual, no Typer."""

from .checks import check, typed_override
from .demo import demo_path, demo_roster
from .duty import OnDuty
from .engine import compute
from .files import new_engineers, parse_time, read_roster_csv, read_roster_toml, write_roster_csv
from .model import (
    GAP,
    LINE_LABELS,
    UNIT_LABELS,
    UNITS,
    Engineer,
    Line,
    Override,
    Roster,
    Rotation,
    Segment,
    Shift,
    duty_lines,
    line_name,
)
from .text import notice, to_ics
from .units import ONE_DAY, holiday_block, holiday_blocks, holiday_days, next_year_of, provisional_years
from .views import KIND_LABELS, LineNow, gap_days, gap_label, gaps, hours, now, runs, whole_runs

__all__ = [
    "GAP",
    "KIND_LABELS",
    "LINE_LABELS",
    "ONE_DAY",
    "UNITS",
    "UNIT_LABELS",
    "Engineer",
    "Line",
    "LineNow",
    "OnDuty",
    "Override",
    "Roster",
    "Rotation",
    "Segment",
    "Shift",
    "check",
    "typed_override",
    "compute",
    "demo_path",
    "demo_roster",
    "duty_lines",
    "gap_days",
    "gap_label",
    "gaps",
    "holiday_block",
    "holiday_blocks",
    "holiday_days",
    "hours",
    "line_name",
    "new_engineers",
    "next_year_of",
    "notice",
    "now",
    "parse_time",
    "provisional_years",
    "read_roster_csv",
    "read_roster_toml",
    "runs",
    "to_ics",
    "whole_runs",
    "write_roster_csv",
]
