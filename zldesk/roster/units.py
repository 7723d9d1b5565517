"""Where a rotation's shifts are cut, and which days make up a named holiday, on China's statutory calendar.

Pure calendar logic: dates in, dates out. A shift is (begin day, end day): it runs from the begin day's
handoff to the end day's handoff, so the clock time of the cut lives with the rotation, not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, tzinfo

from ..calendar import HOLIDAY, ChinaCalendar, Day

ONE_DAY = timedelta(days=1)
# How far before a date the shift holding it can begin: the longest run of days off (春节 plus a
# weekend, ~10 days) and a week, with room to spare.
LOOKBACK = timedelta(days=21)


def at(d: date, minutes: int, zone: tzinfo) -> datetime:
    """Local wall time `minutes` after midnight of `d` (1440 is the next midnight), aware in `zone`."""
    return (datetime.combine(d, time()) + timedelta(minutes=minutes)).replace(tzinfo=zone)


def unit_cuts(unit: str, calendar: ChinaCalendar, first: date, last: date) -> Iterator[tuple[date, date]]:
    """The shifts of `unit` whose begin day is in [first, last], in order."""
    if unit in ("day", "night"):
        d = first
        while d <= last:
            yield d, d + ONE_DAY
            d += ONE_DAY
    elif unit == "week":
        d = first + timedelta(days=-first.weekday() % 7)  # the first Monday on or after `first`
        while d <= last:
            yield d, d + timedelta(days=7)
            d += timedelta(days=7)
    elif unit == "workday":
        d = first
        while not calendar.is_workday(d):
            d += ONE_DAY
        while d <= last:
            nxt = d + ONE_DAY
            while not calendar.is_workday(nxt):
                nxt += ONE_DAY
            yield d, nxt
            d = nxt
    elif unit == "holiday":
        for block in holiday_blocks(calendar, first, last):
            yield block[0], block[-1] + ONE_DAY
    else:
        raise ValueError(f"unknown unit {unit!r}")


def holiday_blocks(calendar: ChinaCalendar, first: date, last: date) -> Iterator[list[date]]:
    """Maximal runs of consecutive days off that hold at least one statutory holiday, starting in
    [first, last] (a run already under way at `first` is cut there). Plain weekends are not blocks."""
    d = first
    while d <= last:
        while d <= last and calendar.is_workday(d):
            d += ONE_DAY
        if d > last:
            return
        run = []
        while not calendar.is_workday(d):
            run.append(d)
            d += ONE_DAY
        if any(calendar.day(x).kind == HOLIDAY for x in run):
            yield run


# ---- named holidays --------------------------------------------------------------------------------

_SUFFIXES = ("（周末）", "（补假，推定）", "（补假）", "（推定）", "调休休息", "调休上班")


def base_name(name: str) -> str:
    """国庆节（补假） / 国庆节调休休息 / 国庆节调休上班 -> 国庆节; 农历除夕 -> 春节."""
    for suffix in _SUFFIXES:
        name = name.replace(suffix, "")
    return {"农历除夕": "春节"}.get(name, name)


def holiday_core(days: list[Day]) -> list[Day]:
    # A weekend the calendar folded into a holiday is named after the *nearest* holiday within a week,
    # which can be the wrong one (2026-09-26/27 after 中秋节 are called 国庆节（周末）): the block's
    # own weekday holidays name it, its weekends only when there is nothing else.
    holidays = [d for d in days if d.kind == HOLIDAY]
    return [d for d in holidays if "（周末）" not in d.name] or holidays


def _matches(wanted: str, name: str) -> bool:
    wanted = base_name(wanted.strip())
    return bool(wanted) and base_name(name).startswith(wanted)


def holiday_block(calendar: ChinaCalendar, name: str, year: int) -> tuple[list[date], list[date]]:
    """The days off of the holiday called `name` in `year` (国庆节, 春节, 中秋 ...) and the make-up
    workdays (调休上班) that pay for them. Both empty if the year has no such holiday.

    A block is a run of days off; it belongs to every holiday named inside it, so in 2025, when
    中秋节 fell inside the National Day week, both names give 10-01..10-08. The year is that of the
    named day itself (元旦 2023 is 2022-12-31..2023-01-02)."""
    days: list[date] = []
    names: set[str] = set()
    for run in holiday_blocks(calendar, date(year, 1, 1) - LOOKBACK, date(year, 12, 31)):
        core = holiday_core([calendar.day(d) for d in run])
        if any(d.date.year == year and _matches(name, d.name) for d in core):
            days += run
            names |= {base_name(d.name) for d in core}
    if not days:
        return [], []
    makeups = []
    d, stop = days[0] - timedelta(days=30), days[-1] + timedelta(days=30)
    while d <= stop:
        day = calendar.day(d)
        if day.kind == "makeup" and base_name(day.name) in names:
            makeups.append(d)
        d += ONE_DAY
    return days, makeups


def holiday_days(calendar: ChinaCalendar, name: str, year: int) -> list[date]:
    """The days off of a named statutory holiday: 国庆节 2026 -> 10-01..10-07."""
    return holiday_block(calendar, name, year)[0]


def next_year_of(calendar: ChinaCalendar, name: str, today: date) -> int:
    """The year of the next occurrence of a named holiday: this year's if it has not ended by `today`
    (it may be under way), else next year's. This year when neither year has it (the caller says so)."""
    for year in (today.year, today.year + 1):
        days = holiday_days(calendar, name, year)
        if days and days[-1] >= today:
            return year
    return today.year


def provisional_years(calendar: ChinaCalendar, days: list[date]) -> list[int]:
    """The years among `days` with no official schedule yet: their holidays are the package's estimate
    (推定), dates that may still move when the State Council publishes the year's notice."""
    return sorted(y for y in {d.year for d in days} if calendar.official_source(y) is None)
