"""Times the engine does not compute (outside text.COMPUTED_YEARS): what a clock says of them."""

from __future__ import annotations

from datetime import datetime, tzinfo

from ..errors import OutOfRange
from ..text import COMPUTED_YEARS, check_computable, day_time
from .model import Ticket


def beyond_years(t: Ticket, zone: tzinfo, now: datetime) -> str:
    """Which of the ticket's times lie outside the years the engine computes, in words (协商时限 9999-12-31
    23:59): why its clock says 超出范围; when none does, the deadline itself lands past them."""
    times = [
        ("来电时间", t.received_at),
        ("到场时间", t.arrived_at),
        ("解决时间", t.resolved_at),
        ("协商时限", t.negotiated_due),
        *(("改级别", at) for at, _ in t.levels[1:]),
        *(("挂起", at) for pause in t.pauses for at in pause[:2]),
    ]
    bad = []
    for name, at in times:
        try:
            check_computable(at)
        except OutOfRange:
            bad.append(f"{name} {day_time(at, zone, now)}")
    years = f"{COMPUTED_YEARS[0]}–{COMPUTED_YEARS[1]}"
    if not bad:
        return f"到期时间超出可计算的年份（{years}）"
    return f"时间超出可计算的年份（{years}）：{'、'.join(dict.fromkeys(bad))}"


def instant(value: float | datetime | None, zone: tzinfo) -> datetime | None:
    """`value` (epoch seconds or a datetime) in `zone`; None where no datetime there holds it (year 10000)."""
    try:
        if isinstance(value, datetime):
            return value.astimezone(zone)
        return None if value is None else datetime.fromtimestamp(value, zone)
    except (OverflowError, ValueError, OSError):
        return None
