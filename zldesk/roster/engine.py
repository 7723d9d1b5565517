"""The duty roster: who holds each line the contract promises, at every minute it is promised.

Pure: a Roster (engineers, rotations, fixed shifts, overrides), the contract and the calendar in,
segments out. `compute` is the only place that decides who is on duty; every screen and command reads
its segments (`now`, `gaps`, `hours` in views.py; the notice and iCal in text.py).

Precedence where several claim the same minute: overrides (newest id first) > fixed shifts > rotations
(a later rotation in the tuple is a higher layer). A rotation hands over once per *occurrence* of its
unit that has open time on its line, counted from its start, so a week or day when the line is closed
skips nobody, and any query range sees the same engineers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from ..calendar import ChinaCalendar
from ..contract import Contract, Window, hhmm_minutes
from ..errors import InvalidInput
from ..sla import Timeline
from .checks import check
from .model import GAP, Roster, Rotation, Segment
from .units import LOOKBACK, ONE_DAY, at, unit_cuts

# ---- the engine ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    start: datetime
    end: datetime
    rank: tuple[int, int]  # (0 rotation | 1 shift | 2 override, layer or id): higher wins
    engineer: str
    source: str
    covers: str | None = None


class _Opening:
    """A line's open time, day by day from the window's Timeline, remembered for one computation."""

    def __init__(self, window: Window, contract: Contract, calendar: ChinaCalendar, zone: ZoneInfo) -> None:
        self.timeline = Timeline(window, contract, calendar, zone)
        self.zone = zone
        self._days: dict[date, list[tuple[datetime, datetime]]] = {}

    def day(self, d: date) -> list[tuple[datetime, datetime]]:
        spans = self._days.get(d)
        if spans is None:
            spans = self._days[d] = [
                (at(d, a, self.zone), at(d, b, self.zone)) for a, b in self.timeline.day_minutes(d)
            ]
        return spans

    def _days_of(self, a: datetime, b: datetime):
        d, last = a.astimezone(self.zone).date(), b.astimezone(self.zone).date()
        while d <= last:
            yield from self.day(d)
            d += ONE_DAY

    def spans(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        """Open intervals inside [a, b), touching ones merged (the backup line across midnight)."""
        out: list[list[datetime]] = []
        for x, y in self._days_of(a, b):
            x, y = max(x, a), min(y, b)
            if x >= y:
                continue
            if out and out[-1][1] == x:
                out[-1][1] = y
            else:
                out.append([x, y])
        return [(x, y) for x, y in out]

    def has_open(self, a: datetime, b: datetime) -> bool:
        return any(x < b and a < y for x, y in self._days_of(a, b))


def compute(
    roster: Roster, contract: Contract, calendar: ChinaCalendar, start: datetime, end: datetime
) -> list[Segment]:
    """The final roster of [start, end): per line, in time order, segments that exactly cover the line's
    open time; engineer None where nobody holds it. Raises InvalidInput if the roster has problems."""
    problems = check(roster)
    if problems:
        raise InvalidInput("值班表", problems)
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("compute() needs aware datetimes")
    zone = contract.zone
    start, end = start.astimezone(zone), end.astimezone(zone)
    out: list[Segment] = []
    if end <= start:
        return out
    for line in roster.lines:
        opening = _Opening(line.window, contract, calendar, zone)
        spans = opening.spans(start, end)
        if spans:
            claims = _claims(roster, line.name, opening, calendar, zone, start, end)
            out += _resolve(line.name, spans, claims)
    return out


def _claims(
    roster: Roster,
    line: str,
    opening: _Opening,
    calendar: ChinaCalendar,
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
) -> list[_Claim]:
    claims: list[_Claim] = []
    for layer, rotation in enumerate(roster.rotations):
        if rotation.line == line:
            claims += _rotation_claims(rotation, layer, opening, calendar, zone, start, end)
    for shift in roster.shifts:
        if shift.line == line and shift.start < end and start < shift.end:
            claims.append(
                _Claim(
                    max(shift.start.astimezone(zone), start),
                    min(shift.end.astimezone(zone), end),
                    (1, 0),
                    shift.engineer,
                    shift.source or "导入排班",
                )
            )
    for o in roster.overrides:
        if o.line == line and o.start < end and start < o.end:
            claims.append(
                _Claim(
                    max(o.start.astimezone(zone), start),
                    min(o.end.astimezone(zone), end),
                    (2, o.id),
                    o.engineer,
                    f"调班 #{o.id}：{o.reason}" if o.reason else f"调班 #{o.id}",
                    o.covers,
                )
            )
    return claims


def _rotation_claims(
    rotation: Rotation,
    layer: int,
    opening: _Opening,
    calendar: ChinaCalendar,
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
) -> list[_Claim]:
    """Walk the rotation's shifts from its start, counting occurrences, up to the end of the query."""
    handoff = hhmm_minutes(rotation.handoff)
    begin = at(rotation.start, handoff, zone)
    finish = at(rotation.end, handoff, zone) if rotation.end else None
    stop = min(end, finish) if finish else end
    out: list[_Claim] = []
    count, people = 0, rotation.engineers
    for first, last in unit_cuts(rotation.unit, calendar, rotation.start - LOOKBACK, stop.date()):
        a, b = max(at(first, handoff, zone), begin), at(last, handoff, zone)
        if finish:
            b = min(b, finish)
        if a >= stop:
            break
        if b <= a or not opening.has_open(a, b):
            continue  # before the rotation starts, or a shift with the line closed: not an occurrence
        if b > start:
            out.append(
                _Claim(
                    max(a, start),
                    min(b, end),
                    (0, layer),
                    people[count % len(people)],
                    f"轮值「{rotation.label}」第 {count + 1} 班",
                )
            )
        count += 1
    return out


def _resolve(line: str, spans: list[tuple[datetime, datetime]], claims: list[_Claim]) -> list[Segment]:
    """Cut the open spans at every claim boundary and give each piece to the claim that wins it."""
    points = sorted({p for span in spans for p in span} | {p for c in claims for p in (c.start, c.end)})
    by_start = sorted(claims, key=lambda c: c.start)
    active: list[_Claim] = []
    out: list[Segment] = []
    i = j = 0
    for a, b in pairwise(points):
        while j < len(spans) and spans[j][1] <= a:
            j += 1
        if j == len(spans):
            break
        if not spans[j][0] <= a:
            continue  # closed between spans
        while i < len(by_start) and by_start[i].start <= a:
            active.append(by_start[i])
            i += 1
        active = [c for c in active if c.end > a]
        holder: _Claim | None = None
        for c in sorted(active, key=lambda c: c.rank):
            if c.covers is None or (holder is not None and holder.engineer == c.covers):
                holder = c
        engineer, source = (holder.engineer, holder.source) if holder else (None, GAP)
        last = out[-1] if out else None
        if last and last.end == a and last.engineer == engineer and last.source == source:
            out[-1] = Segment(line, last.start, b, engineer, source)
        else:
            out.append(Segment(line, a, b, engineer, source))
    return out
