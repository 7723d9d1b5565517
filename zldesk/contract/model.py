"""The maintenance contract as plain typed data: windows, severity levels, services, modules, contacts.

No database and no file formats here: `validation.py` builds a contract from the dict that TOML or JSON
gives, `contract_to_dict` gives that dict back, `files.py` reads and writes the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import Problem
from .zones import zone_named

DAYS = ("all", "weekdays", "workdays")
UNITS = ("hours", "working_days")
# The same rules as people read them, everywhere zldesk says them.
DAY_NAMES = {"all": "每天", "weekdays": "星期一至五", "workdays": "法定工作日"}
UNIT_NAMES = {"hours": "小时", "working_days": "个工作日"}
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
HHMM_RE = re.compile(r"^(\d{2}):(\d{2})$")
# A service's schedule (issue 17): `every = "6 months"`, a count and a unit, singular or plural.
SCHEDULE_UNITS = {"day": "天", "week": "周", "month": "个月", "year": "年"}
EVERY_RE = re.compile(r"^([1-9][0-9]{0,2}) (day|week|month|year)s?$")
MAX_EVERY = 120  # far past any contract's (每 10 年 at most), far below a date's overflow


@dataclass(frozen=True)
class Window:
    """Business time: on `days`, from `start` to `end`; with `outside`, only while that window is closed."""

    name: str
    label: str
    days: str
    start: str
    end: str
    note: str = ""
    outside: str | None = None

    @property
    def start_time(self) -> time:
        return parse_hhmm(self.start)

    @property
    def minutes(self) -> int:
        """Length of one day's opening, in minutes (`24:00` closes at midnight)."""
        return hhmm_minutes(self.end) - hhmm_minutes(self.start)


@dataclass(frozen=True)
class Target:
    amount: int | float
    unit: str
    window: str


@dataclass(frozen=True)
class Severity:
    level: int
    name: str
    description: str
    target: Target
    negotiable: bool = False
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schedule:
    """How often a service is owed (issue 17): every `count` `unit`s (`every = "6 months"`, as the file
    writes it); `month` (1-12, with a unit of years) pins the month it falls due in (`每年一次（12 月）`).
    The service's `frequency` keeps the signed wording next to it."""

    every: str  # "6 months", "1 year": normalised, count and unit (singular for 1)
    month: int | None = None

    @property
    def count(self) -> int:
        return int(self.every.split()[0])

    @property
    def unit(self) -> str:
        return self.every.split()[1].removesuffix("s")

    @property
    def text(self) -> str:
        """`每 6 个月`, `每 1 年（12 月）`, `每 1 周`: as people read it."""
        pinned = f"（{self.month} 月）" if self.month else ""
        return f"每 {self.count} {SCHEDULE_UNITS[self.unit]}{pinned}"

    def to_dict(self) -> dict[str, Any]:
        return {"every": self.every} | ({"month": self.month} if self.month else {})


def every_text(count: int, unit: str) -> str:
    """`every`'s normal form: `1 month`, `6 months`."""
    return f"{count} {unit}{'s' if count > 1 else ''}"


@dataclass(frozen=True)
class Service:
    category: str
    name: str
    description: str
    channels: tuple[str, ...] = ()
    frequency: str | None = None
    exclusions: tuple[str, ...] = ()
    note: str = ""
    schedule: Schedule | None = None  # None: no schedule (不定期, or nothing owed at set times)


@dataclass(frozen=True)
class Module:
    no: int
    name: str
    selected: bool
    sites: int | None = None
    remark: str = ""


@dataclass(frozen=True)
class Contact:
    kind: str
    label: str
    value: str
    window: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Period:
    start: date
    end: date


@dataclass(frozen=True)
class Site:
    """Where the hospital is and how long the drive takes (issue 16): the day's minutes, and the night's
    (21:00-07:00 in the contract's zone) when the contract gives them; without them the day's hold."""

    address: str
    travel_minutes: int
    travel_minutes_night: int | None = None


@dataclass(frozen=True)
class Contract:
    code: str
    customer: str
    vendor: str
    product: str
    timezone: str
    title: str = ""
    period: Period | None = None
    windows: tuple[Window, ...] = ()
    severities: tuple[Severity, ...] = ()
    services: tuple[Service, ...] = ()
    modules: tuple[Module, ...] = ()
    contacts: tuple[Contact, ...] = ()
    site: Site | None = None  # None: the contract gives no address or travel time
    # Findings that do not stop an import (a repeated module name, a label that disagrees with its days).
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        """Its zone; UnknownZone for one only an older zldesk took (`localtime`)."""
        return zone_named(self.timezone, self.code)

    def window(self, name: str) -> Window:
        for w in self.windows:
            if w.name == name:
                return w
        raise KeyError(name)

    def severity(self, level: int) -> Severity:
        for s in self.severities:
            if s.level == level:
                return s
        raise KeyError(level)

    def module(self, no: int) -> Module:
        for m in self.modules:
            if m.no == no:
                return m
        raise KeyError(no)


def hhmm_minutes(text: str) -> int:
    m = HHMM_RE.match(text)
    if not m:
        raise ValueError(text)
    return int(m.group(1)) * 60 + int(m.group(2))


def parse_hhmm(text: str) -> time:
    minutes = hhmm_minutes(text)
    return time(minutes // 60, minutes % 60) if minutes < 24 * 60 else time(0)


# ---------------------------------------------------------------------------------------------------
# Back to a dict: every key, in the order a person reads them. TOML drops the empty ones.


def contract_to_dict(c: Contract) -> dict[str, Any]:
    head = {
        "code": c.code,
        "customer": c.customer,
        "vendor": c.vendor,
        "product": c.product,
        "timezone": c.timezone,
        "title": c.title,
        "period": None if c.period is None else {"start": c.period.start, "end": c.period.end},
    }
    return (
        head
        | _site_dict(c.site)
        | {
            "windows": [
                {
                    "name": w.name,
                    "label": w.label,
                    "days": w.days,
                    "start": w.start,
                    "end": w.end,
                    "outside": w.outside,
                    "note": w.note,
                }
                for w in c.windows
            ],
            "severities": [
                {
                    "level": s.level,
                    "name": s.name,
                    "description": s.description,
                    "examples": list(s.examples),
                    "target": {"amount": s.target.amount, "unit": s.target.unit, "window": s.target.window},
                    "negotiable": s.negotiable,
                }
                for s in c.severities
            ],
            "services": [_service_dict(s) for s in c.services],
            "modules": [
                {"no": m.no, "name": m.name, "selected": m.selected, "sites": m.sites, "remark": m.remark}
                for m in c.modules
            ],
            "contacts": [
                {"kind": k.kind, "label": k.label, "value": k.value, "window": k.window, "note": k.note}
                for k in c.contacts
            ],
        }
    )


def _service_dict(s: Service) -> dict[str, Any]:
    """A service; its schedule only when it has one, next to the wording it comes from: a contract without
    schedules reads (and hashes, in the store's recorded terms) as it did before schedules were kept."""
    out = {
        "category": s.category,
        "name": s.name,
        "description": s.description,
        "channels": list(s.channels),
        "frequency": s.frequency,
    }
    if s.schedule is not None:
        out["schedule"] = s.schedule.to_dict()
    return out | {"exclusions": list(s.exclusions), "note": s.note}


def _site_dict(site: Site | None) -> dict[str, Any]:
    """The site, only when the contract has one: a contract without one reads (and hashes, in the store's
    recorded terms) as it did before sites were kept."""
    if site is None:
        return {}
    return {
        "site": {
            "address": site.address,
            "travel_minutes": site.travel_minutes,
            "travel_minutes_night": site.travel_minutes_night,
        }
    }
