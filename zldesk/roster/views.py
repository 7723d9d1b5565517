"""Questions asked of computed segments: who is on now, where nobody is, how many hours each worked.

Only segments in (from `roster.compute`); nothing here decides who holds a line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

from ..calendar import HOLIDAY, ChinaCalendar
from .model import LINE_LABELS, Line, Segment
from .units import base_name, holiday_core

KIND_LABELS = {"workday": "工作日", "weekend": "周末", "holiday": "节假日", "makeup": "调休上班"}


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
        label = labels.get(name) or LINE_LABELS.get(name, name)
        i = next((k for k, s in enumerate(rows) if s.start <= at < s.end), None)
        if i is None:
            nxt = next((s for s in rows if s.start > at), None)
            out.append(LineNow(name, label, False, None, None, nxt and nxt.engineer, nxt and nxt.start, ""))
            continue
        j = i  # the run goes on while the same engineer holds the line without a break
        while j + 1 < len(rows) and rows[j + 1].start == rows[j].end and rows[j + 1].engineer == rows[i].engineer:
            j += 1
        nxt = rows[j + 1] if j + 1 < len(rows) else None
        out.append(
            LineNow(
                name,
                label,
                True,
                rows[i].engineer,
                rows[j].end,
                nxt and nxt.engineer,
                nxt and nxt.start,
                rows[i].source,
            )
        )
    return out


def _local_days(s: Segment) -> list[date]:
    last = (s.end - timedelta(microseconds=1)).date()
    days, d = [], s.start.date()
    while d <= last:
        days.append(d)
        d += timedelta(days=1)
    return days


def gap_days(s: Segment, calendar: ChinaCalendar, zone: tzinfo) -> list[str]:
    """The names of the local days a segment touches (工作日, 周末, 国庆节 ...), each once, in order."""
    d, last = s.start.astimezone(zone).date(), (s.end - timedelta(microseconds=1)).astimezone(zone).date()
    names: list[str] = []
    while d <= last:
        names.append(calendar.day(d).name)
        d += timedelta(days=1)
    return list(dict.fromkeys(names))


def gap_label(s: Segment, calendar: ChinaCalendar, zone: tzinfo) -> str:
    """What kind of time a gap is, in a word or two: the holiday(s) it touches, else every day type it
    spans (a gap from Friday evening to Monday morning is 工作日、周末, not just 工作日)."""
    d, last = s.start.astimezone(zone).date(), (s.end - timedelta(microseconds=1)).astimezone(zone).date()
    days = []
    while d <= last:
        days.append(calendar.day(d))
        d += timedelta(days=1)
    holidays = [base_name(day.name) for day in holiday_core(days)]  # a folded-in weekend names no holiday
    return "、".join(dict.fromkeys(holidays)) or "、".join(gap_days(s, calendar, zone))


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


def runs(segments: Iterable[Segment]) -> list[Segment]:
    """Held runs: per line, consecutive segments of one engineer merged into one (across midnight and
    across a change of source, e.g. the holiday layer handing the line to the same person's night
    shift). Gaps are left out. The merged source lists each source once, joined by "；"."""
    out: list[Segment] = []
    for rows in _by_line(segments).values():
        mine: list[tuple[Segment, list[str]]] = []
        for s in rows:
            if s.engineer is None:
                continue
            if mine and mine[-1][0].end == s.start and mine[-1][0].engineer == s.engineer:
                last, sources = mine[-1]
                mine[-1] = (replace(last, end=s.end), sources + [s.source])
            else:
                mine.append((s, [s.source]))
        out += [replace(s, source="；".join(dict.fromkeys(sources))) for s, sources in mine]
    return out


def whole_runs(
    segments_of: Callable[[datetime, datetime], list[Segment]],
    start: datetime,
    end: datetime,
    *,
    margin: timedelta = timedelta(days=21),
    limit: timedelta = timedelta(days=732),
) -> list[Segment]:
    """The held runs that overlap [start, end), each whole: from when that engineer took the line to
    when they hand it over, however far outside the range. `segments_of(a, b)` computes the roster of
    [a, b); it is asked over a wider window, widened on a side while a run touches that side's edge
    (up to `limit` beyond the range: a run longer than that is cut there)."""
    # Near the ends of the calendar (years 1 and 9999) the window stops short of them, never overflows.
    floor, ceiling = datetime(1, 1, 8, tzinfo=start.tzinfo), datetime(9999, 12, 24, tzinfo=end.tzinfo)
    before = after = margin
    while True:
        a = start - before if start - floor > before else min(start, floor)
        b = end + after if ceiling - end > after else max(end, ceiling)
        found = [r for r in runs(segments_of(a, b)) if r.start < end and start < r.end]
        wider_before = before < limit and a > floor and any(r.start <= a for r in found)
        wider_after = after < limit and b < ceiling and any(r.end >= b for r in found)
        if not (wider_before or wider_after):
            return found
        if wider_before:
            before = min(before * 4, limit)
        if wider_after:
            after = min(after * 4, limit)
