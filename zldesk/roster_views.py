"""Questions asked of computed segments: who is on now, where nobody is, how many hours each worked.

Only segments in (from `roster.compute`); nothing here decides who holds a line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from .calendar import HOLIDAY, ChinaCalendar

if TYPE_CHECKING:
    from .roster import Line, Segment

KIND_LABELS = {"workday": "工作日", "weekend": "周末", "holiday": "节假日", "makeup": "调休上班"}
_LABELS = {"hotline": "热线值班", "backup": "备勤专线", "onsite": "现场值班"}


@dataclass(frozen=True)
class LineNow:
    line: str
    label: str
    open: bool
    engineer: str | None  # None while closed, or open with nobody on it (a gap)
    until: datetime | None  # end of this engineer's unbroken run (None while closed)
    next_engineer: str | None  # who holds the line next (after `until`, or when it reopens)
    next_start: datetime | None
    source: str  # why the current holder holds it ("" while closed)


def _by_line(segments: Iterable[Segment]) -> dict[str, list[Segment]]:
    out: dict[str, list[Segment]] = {}
    for s in segments:
        out.setdefault(s.line, []).append(s)
    for rows in out.values():
        rows.sort(key=lambda s: s.start)
    return out


def now(segments: Iterable[Segment], at: datetime, lines: Sequence[Line] | None = None) -> list[LineNow]:
    """Each line at `at`: open or not, who holds it until when, and who comes next. With `lines`, every
    one of them is reported (a line with no segments as closed with nobody next), in that order."""
    grouped = _by_line(segments)
    names = [line.name for line in lines] if lines is not None else list(grouped)
    labels = {line.name: line.label for line in lines or ()}
    out = []
    for name in names:
        rows = grouped.get(name, [])
        label = labels.get(name) or _LABELS.get(name, name)
        i = next((k for k, s in enumerate(rows) if s.start <= at < s.end), None)
        if i is None:
            nxt = next((s for s in rows if s.start > at), None)
            out.append(LineNow(name, label, False, None, None, nxt and nxt.engineer, nxt and nxt.start, ""))
            continue
        j = i  # the run goes on while the same engineer holds the line without a break
        while j + 1 < len(rows) and rows[j + 1].start == rows[j].end and rows[j + 1].engineer == rows[i].engineer:
            j += 1
        nxt = rows[j + 1] if j + 1 < len(rows) else None
        out.append(LineNow(name, label, True, rows[i].engineer, rows[j].end,
                           nxt and nxt.engineer, nxt and nxt.start, rows[i].source))
    return out


def _local_days(s: Segment) -> list[date]:
    last = (s.end - timedelta(microseconds=1)).date()
    days, d = [], s.start.date()
    while d <= last:
        days.append(d)
        d += timedelta(days=1)
    return days


def gaps(segments: Iterable[Segment], calendar: ChinaCalendar | None = None) -> list[Segment]:
    """The segments nobody holds: those touching a statutory holiday first (the ones a notice must not
    have), then the rest, each group in time order."""
    calendar = calendar or ChinaCalendar.shared()
    holes = [s for s in segments if s.engineer is None]

    def on_holiday(s: Segment) -> bool:
        return any(calendar.day(d).kind == HOLIDAY for d in _local_days(s))

    return sorted(holes, key=lambda s: (not on_holiday(s), s.start, s.line))


def hours(segments: Iterable[Segment], calendar: ChinaCalendar | None = None) -> dict[str, dict[str, float]]:
    """Duty hours per engineer by day type (工作日 / 周末 / 节假日 / 调休上班), cut at local midnight."""
    calendar = calendar or ChinaCalendar.shared()
    out: dict[str, dict[str, float]] = {}
    for s in segments:
        if s.engineer is None:
            continue
        mine = out.setdefault(s.engineer, {})
        for d in _local_days(s):
            midnight = datetime.combine(d, time(), s.start.tzinfo)
            a, b = max(s.start, midnight), min(s.end, datetime.combine(d + timedelta(days=1), time(), s.start.tzinfo))
            label = KIND_LABELS[calendar.day(d).kind]
            mine[label] = mine.get(label, 0.0) + (b - a).total_seconds() / 3600
    return out
