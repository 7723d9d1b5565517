"""China's statutory calendar: days off, make-up workdays (调休上班) and where each fact came from.

Sources, strongest first: an override file `data/calendars/YYYY.toml` (an official notice the `holidays`
package does not know yet), then `holidays.China`. A year that neither has an official schedule for is
still computed (the package's estimate, weekends otherwise) but marked provisional.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from pathlib import Path

WORKDAY, WEEKEND, HOLIDAY, MAKEUP = "workday", "weekend", "holiday", "makeup"
_WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Day:
    date: date
    kind: str  # workday | weekend | holiday | makeup
    name: str  # 工作日 | 周末 | 国庆节 | 国庆节调休上班 ...
    source: str  # where the fact came from

    @property
    def is_workday(self) -> bool:
        return self.kind in (WORKDAY, MAKEUP)

    @property
    def label(self) -> str:
        """What a person calls the day: 工作日, 周末, the holiday's name, or 调休上班."""
        return self.name


def weekday_name(d: date) -> str:
    return "星期" + _WEEKDAYS[d.weekday()]


class ChinaCalendar:
    """Day types for any date. Years are read once and kept."""

    def __init__(self, overrides: Path | None = None) -> None:
        if overrides is None:
            from ..data import data_dir

            overrides = data_dir() / "calendars"
        self.overrides = overrides
        self._years: dict[int, dict[date, Day]] = {}
        self._official: dict[int, str | None] = {}

    @classmethod
    @cache
    def shared(cls) -> ChinaCalendar:
        """The calendar of the bundled override files, one per process: a year's days are read once,
        however many contracts, policies and threads ask."""
        return cls()

    @cached_property
    def _package(self):
        import holidays
        from holidays.countries.china import ChinaStaticHolidays

        return holidays, ChinaStaticHolidays.special_public_holidays

    def day(self, d: date) -> Day:
        special = self._year(d.year).get(d)
        if special is not None:
            return special
        if d.weekday() >= 5:
            return Day(d, WEEKEND, "周末", "星期六、日")
        return Day(d, WORKDAY, "工作日", "星期一至五")

    def is_workday(self, d: date) -> bool:
        special = self._year(d.year).get(d)
        if special is not None:
            return special.is_workday
        return d.weekday() < 5

    def official_source(self, year: int) -> str | None:
        """Where the year's official schedule came from, or None when there is none (provisional)."""
        self._year(year)
        return self._official[year]

    def special_days(self, year: int) -> list[Day]:
        """The year's days off that fall on weekdays or inside a holiday, and its make-up workdays."""
        return sorted(self._year(year).values(), key=lambda day: day.date)

    # -----------------------------------------------------------------------------------------------

    def _year(self, year: int) -> dict[date, Day]:
        days = self._years.get(year)
        if days is None:
            path = self.overrides / f"{year}.toml"
            if path.is_file():
                days, source = _read_override(path, year), f"data/calendars/{path.name}"
            else:
                days, source = self._package_year(year)
            self._years[year], self._official[year] = days, source
        return days

    @cached_property
    def _cache(self):
        from .cache import YearCache

        return YearCache(self.overrides)

    def _package_year(self, year: int) -> tuple[dict[date, Day], str | None]:
        cached = self._cache.get(year)
        if cached is not None:
            rows, source = cached
            return {d: Day(d, kind, name, src) for d, kind, name, src in rows}, source
        days, source = self._from_package(year)
        self._cache.put(year, [(d.date, d.kind, d.name, d.source) for d in days.values()], source)
        return days, source

    def _from_package(self, year: int) -> tuple[dict[date, Day], str | None]:
        holidays, official = self._package
        known = year in official
        source = f"holidays {holidays.__version__}" + ("" if known else "（推定）")
        observed = holidays.China(years=year, language="zh_CN")
        days: dict[date, Day] = {}
        for d, name in observed.items():
            days[d] = Day(d, HOLIDAY, name, source)
        # The package writes a substituted day off as 休息日（由 YYYY-MM-DD 调休）; its schedule table gives
        # the pairs (day off, make-up workday) directly, and a few extra days off with their names.
        for off, work, name in _schedule(official, year):
            if name is not None:
                days[off] = Day(off, HOLIDAY, name, source)
                continue
            block = _block_name(days, off)
            days[off] = Day(off, HOLIDAY, f"{block}调休休息" if block else "调休休息", source)
            if work.year == year:
                days[work] = Day(work, MAKEUP, f"{block}调休上班" if block else "调休上班", source)
        # A make-up Saturday can precede its holiday's year (2011-12-31 for 2012-01-03): the next year's
        # schedule lists it.
        for off, work, name in _schedule(official, year + 1):
            if name is None and work.year == year:
                block = _block_name(self._year(year + 1), off)
                days[work] = Day(work, MAKEUP, f"{block}调休上班" if block else "调休上班", source)
        _name_weekends_inside_holidays(days, source)
        return days, (source if known else None)


def _schedule(official: dict, year: int):
    """The package's schedule table for `year` as (day off, make-up workday or None, name or None).

    Entries are (off month, off day, work month, work day[, work year]) or (month, day, name) for an
    extra day off with no make-up day (2015-09-03, the 2020 Spring Festival extension)."""
    for entry in official.get(year, ()):
        if len(entry) == 3:
            yield date(year, entry[0], entry[1]), None, entry[2]
        else:
            work_year = entry[4] if len(entry) == 5 else year
            yield date(year, entry[0], entry[1]), date(work_year, entry[2], entry[3]), None


def _block_name(days: dict[date, Day], d: date) -> str | None:
    """The statutory holiday nearest to `d` within the same run of days off (weekends included)."""
    for step in range(1, 8):
        for other in (d - timedelta(days=step), d + timedelta(days=step)):
            day = days.get(other)
            if day is not None and day.kind == HOLIDAY and "调休" not in day.name and "休息日" not in day.name:
                return _base_name(day.name)
    return None


def _base_name(name: str) -> str:
    for suffix in ("（补假，推定）", "（补假）", "（推定）"):
        name = name.replace(suffix, "")
    return {"农历除夕": "春节"}.get(name, name)


def _name_weekends_inside_holidays(days: dict[date, Day], source: str) -> None:
    """A Saturday or Sunday that runs into a holiday is part of it: official notices count it so
    (国庆 10-01..10-07 takes in Sunday 10-04; 清明 04-04..04-06 starts on a Saturday)."""
    for d in sorted(day.date for day in days.values() if day.kind == HOLIDAY):
        own = days[d].name
        # A day with its own holiday name gives it to its weekend (中秋节 2026-09-25 to 09-26/27, not the
        # 国庆节 a few days on); a substituted day off takes the name of its block.
        proper = "调休" not in own and "休息日" not in own
        name = _base_name(own) if proper else (_block_name(days, d) or _base_name(own))
        for step in (timedelta(days=1), timedelta(days=-1)):
            other = d + step
            while other.weekday() >= 5 and other not in days and other.year == d.year:
                days[other] = Day(other, HOLIDAY, f"{name}（周末）", source)
                other += step


def _read_override(path: Path, year: int) -> dict[date, Day]:
    """An official notice as TOML: `[[days_off]]` and `[[workdays]]`, each with `date` and `name`."""
    from ..errors import InvalidInput, Problem

    source = f"data/calendars/{path.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
        raise InvalidInput(str(path), [Problem("", f"日历覆盖文件读不了：{e}")]) from None
    days: dict[date, Day] = {}
    problems = []
    for key, kind in (("days_off", HOLIDAY), ("workdays", MAKEUP)):
        for i, row in enumerate(data.get(key, [])):
            d = row.get("date") if isinstance(row, dict) else None
            # A TOML date-time is a date too, but no day lookup would ever match it: refused, not ignored.
            if not isinstance(d, date) or isinstance(d, datetime) or d.year != year:
                problems.append(Problem(f"{key}[{i}].date", f"应为 {year} 年的日期（YYYY-MM-DD，不带时刻）"))
                continue
            days[d] = Day(d, kind, str(row.get("name", "")) or ("调休上班" if kind == MAKEUP else "休息"), source)
    if problems:
        raise InvalidInput(str(path), problems)
    _name_weekends_inside_holidays(days, source)
    return days
