"""A ticket's departure time (issue 16: 出发 13:40): the one answer the board, the ticket screen, `ticket show`
and its JSON (`leave_by`) read, from the ticket's Clock (its binding deadline) and its terms' site.

None when the terms give no site, the level promises no arrival (travel.promises_arrival), the clock has
stopped (an engineer arrived, or the ticket was resolved) or holds no deadline (paused without one)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache

from ..travel import Departure, leave_by, promises_arrival
from .clock import OUT_OF_RANGE, STOPPED, Clock

LATE_STYLE = "bold red"  # passed, and no arrival recorded


def departure(policy, severity: int, clock: Clock) -> Departure | None:
    site = policy.contract.site
    if site is None or clock.due is None or clock.state in (STOPPED, OUT_OF_RANGE):
        return None
    if not promises_arrival(policy.severity(severity)):
        return None
    return _leave(site, clock.due, policy.out_zone)


def leave_json(d: Departure | None, zone: tzinfo) -> str | None:
    return None if d is None else d.leave_by.astimezone(zone).isoformat()


def leave_text(d: Departure, zone: tzinfo, now: datetime) -> str:
    """The board's 13 cells: 出发 13:40 today, 出发 明08:10 / 出发 昨20:40 a day off, else the day (出发 12-05),
    and another year's month (出发 2025-12: a year off, the ticket screen says the rest)."""
    leave, today = d.leave_by.astimezone(zone), now.astimezone(zone).date()
    days = (leave.date() - today).days
    if days == 0:
        return f"出发 {leave:%H:%M}"
    if days in (1, -1):
        return f"出发 {'明' if days == 1 else '昨'}{leave:%H:%M}"
    return f"出发 {leave:%m-%d}" if leave.year == today.year else f"出发 {leave:%Y-%m}"


@lru_cache(maxsize=1 << 16)  # a board's rows: one per (site, deadline); the site and the deadline decide it
def _leave(site, due: datetime, zone: tzinfo) -> Departure:
    return leave_by(site, due, zone)
