"""When the engineer must set out (issue 16): from an arrival deadline and the hospital's travel time, the
latest departure that still arrives in time. Pure, exact, beside the deadline engine: a Site, a zone and a
deadline in, an instant and its explanation out.

The rule, precisely:
- A level promises arrival on site when its target is counted in hours (`unit = "hours"`: levels 1 and 2
  of leishan, "最迟 3 小时内到达"). A target in working days (levels 3 and 4) is a visit arranged with the
  hospital, not a drive against the clock: no departure time.
- The travel time is the one of the departure instant: the night's (`travel_minutes_night`) when the
  engineer sets out at or after 21:00 and before 07:00 in the contract's zone (21:00 is night, 07:00 is
  day), else the day's; without a night time the day's always.
- leave_by is the latest whole minute d with d + travel(d) <= the arrival deadline. As the travel time
  jumps at 21:00 and 07:00 the latest d is either (deadline - that part's time) floored to the minute,
  when it falls in that part, or the last minute before a part ends (20:59 when 21:00 with the night's
  longer drive would arrive late). Every such candidate is checked; the latest that arrives in time wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from .contract import Severity, Site

NIGHT_START, NIGHT_END = time(21, 0), time(7, 0)  # fixed by issue 16, in the contract's zone
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Departure:
    leave_by: datetime  # in the deadline's zone, on a whole minute
    minutes: int  # the travel time that departure takes
    night: bool  # that travel time is the night's
    due: datetime  # the arrival deadline it was computed from
    clipped: bool = False  # the last minute before 21:00 or 07:00, not deadline - travel

    def explain(self, zone: tzinfo) -> str:
        """`出发 13:40：到达时限 16:10 减路程 150 分钟（日间）`."""
        leave, due = self.leave_by.astimezone(zone), self.due.astimezone(zone)
        part = "夜间 21:00-07:00" if self.night else "日间"
        line = f"出发 {leave:%H:%M}：到达时限 {due:%H:%M} 减路程 {self.minutes} 分钟（{part}）"
        if self.clipped:
            edge = (leave + MINUTE).strftime("%H:%M")
            line += f"；{edge} 起换成{'日间' if self.night else '夜间'}路程就来不及，须在 {edge} 前出发"
        return line


def promises_arrival(severity: Severity) -> bool:
    """Whether this level's target is a promise to be on site (hours, not working days)."""
    return severity.target.unit == "hours"


def is_night(at: datetime, zone: tzinfo) -> bool:
    local = at.astimezone(zone).time()
    return local >= NIGHT_START or local < NIGHT_END


def travel_minutes(site: Site, at: datetime, zone: tzinfo) -> tuple[int, bool]:
    """(minutes, night) for setting out at `at`."""
    if site.travel_minutes_night is not None and is_night(at, zone):
        return site.travel_minutes_night, True
    return site.travel_minutes, False


def leave_by(site: Site, due: datetime, zone: tzinfo) -> Departure:
    """The latest whole minute to set out from and still arrive by `due` (aware), as the module says."""
    if due.tzinfo is None:
        raise ValueError(f"due: naive datetime {due!r}")
    candidates = [_floor(due - timedelta(minutes=m)) for m in {site.travel_minutes, site.travel_minutes_night} if m]
    if site.travel_minutes_night is not None:
        longest = timedelta(minutes=max(site.travel_minutes, site.travel_minutes_night))
        candidates += [edge - MINUTE for edge in _edges(due - longest - MINUTE, due, zone)]
    best = None
    for d in candidates:
        minutes, night = travel_minutes(site, d, zone)
        if d + timedelta(minutes=minutes) <= due and (best is None or d > best.leave_by):
            clipped = d != _floor(due - timedelta(minutes=minutes))
            best = Departure(d.astimezone(due.tzinfo), minutes, night, due, clipped)
    assert best is not None  # due - the longest time, floored, always arrives in time
    return best


def _floor(at: datetime) -> datetime:
    """Down to the whole minute (in UTC: every zone zldesk takes is offset by whole minutes)."""
    return at - timedelta(seconds=at.second, microseconds=at.microsecond)


def _edges(start: datetime, end: datetime, zone: tzinfo) -> list[datetime]:
    """The instants of 07:00 and 21:00 in `zone` within (start, end]."""
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    out = []
    while day <= last:
        for t in (NIGHT_END, NIGHT_START):
            edge = datetime.combine(day, t, tzinfo=zone)
            if start < edge <= end:
                out.append(edge)
        day += timedelta(days=1)
    return out
