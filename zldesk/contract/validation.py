"""A contract's validation: walk the dict that TOML or JSON gives, collect every problem with its field
path, build the dataclasses."""

from __future__ import annotations

import re
from typing import Any

from ..errors import OutOfRange, Problem
from ..text import in_range
from .limits import MAX_ROWS
from .model import (
    CODE_RE,
    DAYS,
    EVERY_RE,
    HHMM_RE,
    KIND_RE,
    MAX_EVERY,
    UNITS,
    Contact,
    Contract,
    Module,
    Period,
    Schedule,
    Service,
    Severity,
    Site,
    Target,
    Window,
    every_text,
    hhmm_minutes,
)
from .reader import MISSING, Reader
from .zones import zone_problem

MAX_TARGET = 1000  # hours or working days: a contract's arrival target is hours or days, never years
MAX_NUMBER = 1_000_000  # module numbers and site counts: far above any contract, far below SQLite's 2**63


def _hhmm(r: Reader, value: str | None, path: str, allow_24: bool) -> str | None:
    if value is None:
        return None
    m = HHMM_RE.match(value)
    if not m:
        r.error(path, f"时间应写作 HH:MM（如 08:30），实际是 {value!r}")
        return None
    hh, mm = int(m.group(1)), int(m.group(2))
    if not (hh < 24 and mm < 60) and not (allow_24 and hh == 24 and mm == 0):
        r.error(path, f"不是有效的时刻：{value!r}")
        return None
    return value


def contract_from_dict(data: Any, *, stored: bool = False) -> tuple[Contract | None, list[Problem], list[Problem]]:
    """Build a Contract from parsed TOML/JSON. Returns (contract or None, errors, warnings). `stored`: terms
    the store keeps (a contract version), read as they were written, control characters and all: an older
    zldesk took them, and a ticket is held to the terms it was opened under whatever they hold."""
    r = Reader(controls=not stored)
    top = r.table(
        data,
        "",
        {"code", "customer", "vendor", "product", "timezone"},
        {"title", "period", "site", "windows", "severities", "services", "modules", "contacts"},
    )
    if top is None:
        return None, r.problems, r.warnings
    code = r.get(top, "", "code", "str")
    if code is not None and not CODE_RE.match(code):
        r.error("code", f"合同代号只能用小写字母、数字、- 和 _（不超过 40 个字符）：{code!r}")
    tz = r.get(top, "", "timezone", "str")
    if tz is not None and (problem := zone_problem(tz)) is not None:
        r.error("timezone", problem)
    scalars = {
        key: r.get(top, "", key, "str", "" if key == "title" else MISSING)
        for key in ("customer", "vendor", "product", "title")
    }
    period = _period(r, top.get("period"), bounded=not stored)
    site = _site(r, top.get("site"))
    window_rows = r.rows(top, "windows", MAX_ROWS["windows"])
    windows = [(path, w) for path, item in window_rows if (w := _window(r, path, item))]
    # A window dropped for its own error is still a name: referring to it is not a second error.
    names = {w.name for _, w in windows} | {
        item["name"] for _, item in window_rows if isinstance(item, dict) and isinstance(item.get("name"), str)
    }
    _check_windows(r, windows, names)
    severity_rows = r.rows(top, "severities", MAX_ROWS["severities"])
    severities = [(path, s) for path, item in severity_rows if (s := _severity(r, path, item, names))]
    raw_levels = [item.get("level") if isinstance(item, dict) else None for _, item in severity_rows]
    if all(isinstance(v, int) and not isinstance(v, bool) for v in raw_levels):
        _check_levels(r, raw_levels)
    services = [s for path, item in r.rows(top, "services", MAX_ROWS["services"]) if (s := _service(r, path, item))]
    modules = [(path, m) for path, item in r.rows(top, "modules", MAX_ROWS["modules"]) if (m := _module(r, path, item))]
    _check_modules(r, modules)
    contacts = [
        c for path, item in r.rows(top, "contacts", MAX_ROWS["contacts"]) if (c := _contact(r, path, item, names))
    ]
    if r.problems:
        return None, r.problems, r.warnings
    contract = Contract(
        code=code,
        customer=scalars["customer"],
        vendor=scalars["vendor"],
        product=scalars["product"],
        timezone=tz,
        title=scalars["title"],
        period=period,
        windows=tuple(w for _, w in windows),
        severities=tuple(s for _, s in severities),
        services=tuple(services),
        modules=tuple(m for _, m in modules),
        contacts=tuple(contacts),
        site=site,
        warnings=tuple(r.warnings),
    )
    return contract, [], r.warnings


def _period(r: Reader, value: Any, bounded: bool) -> Period | None:
    if value is None:
        return None
    d = r.table(value, "period", {"start", "end"}, set())
    if d is None:
        return None
    start, end = r.get(d, "period", "start", "date"), r.get(d, "period", "end", "date")
    for key, day in (("start", start), ("end", end)):
        try:
            if day is not None and bounded:
                in_range(day, f"period.{key}")
        except OutOfRange as e:
            r.error(f"period.{key}", f"超出范围：{e.reason}")
            return None
    if start and end and end < start:
        r.error("period.end", f"结束日期 {end} 早于开始日期 {start}")
        return None
    return Period(start, end) if start and end else None


MAX_TRAVEL = 24 * 60  # minutes: a drive longer than a day is no arrival promise anyone keeps


def _site(r: Reader, value: Any) -> Site | None:
    """`site = {address, travel_minutes, travel_minutes_night?}`: whole minutes, 1 to a day."""
    if value is None:
        return None
    before = len(r.problems)
    d = r.table(value, "site", {"address", "travel_minutes"}, {"travel_minutes_night"})
    if d is None:
        return None
    address = r.get(d, "site", "address", "str")
    if address == "":
        r.error("site.address", "现场地址为空")
    minutes = {}
    for key in ("travel_minutes", "travel_minutes_night"):
        m = minutes[key] = r.get(d, "site", key, "int", None if key == "travel_minutes_night" else MISSING)
        if m is not None and not 0 < m <= MAX_TRAVEL:
            r.error(f"site.{key}", f"路程应为 1 到 {MAX_TRAVEL} 分钟的整数，实际是 {m}")
    if len(r.problems) != before:
        return None
    return Site(address, minutes["travel_minutes"], minutes["travel_minutes_night"])


def _window(r: Reader, path: str, item: Any) -> Window | None:
    before = len(r.problems)  # a missing required field (found by table) keeps the row out too
    d = r.table(item, path, {"name", "label", "days", "start", "end"}, {"note", "outside"})
    if d is None:
        return None
    days = r.get(d, path, "days", "str")
    if days is not None and days not in DAYS:
        r.error(f"{path}.days", f"应为 {' | '.join(DAYS)} 之一，实际是 {days!r}")
    start = _hhmm(r, r.get(d, path, "start", "str"), f"{path}.start", allow_24=False)
    end = _hhmm(r, r.get(d, path, "end", "str"), f"{path}.end", allow_24=True)
    if start and end and hhmm_minutes(end) <= hhmm_minutes(start):
        r.error(f"{path}.end", f"结束时间 {end} 不晚于开始时间 {start}（跨午夜的时段请拆成两个窗口）")
    w = Window(
        name=r.get(d, path, "name", "str"),
        label=r.get(d, path, "label", "str"),
        days=days,
        start=start,
        end=end,
        note=r.get(d, path, "note", "text", ""),
        outside=r.get(d, path, "outside", "str", None) or None,
    )
    return w if len(r.problems) == before else None


def _check_windows(r: Reader, windows: list[tuple[str, Window]], names: set[str]) -> None:
    seen: set[str] = set()
    by_name = {w.name: w for _, w in windows}
    for path, w in windows:
        if w.name in seen:
            r.error(f"{path}.name", f"窗口名重复：{w.name!r}")
        seen.add(w.name)
        if w.outside is not None:
            other = by_name.get(w.outside)
            if other is None:
                if w.outside not in names:
                    r.error(f"{path}.outside", f"引用了不存在的窗口 {w.outside!r}")
            elif other.outside is not None or other.name == w.name:
                r.error(f"{path}.outside", f"outside 只能引用普通窗口，{w.outside!r} 自身也带 outside")
        # The text sometimes writes a label (7*8) that its own days contradict: keep both, say so.
        m = re.match(r"^\s*(\d)\s*\*\s*\d+", w.label)
        if m and w.outside is None:
            per_week = int(m.group(1))
            if (per_week == 7) != (w.days == "all"):
                r.warnings.append(
                    Problem(
                        path,
                        f"窗口 {w.name!r} 的标签 {w.label!r} 与其日期 {w.days!r} 不一致；时限按 days={w.days!r} 计算",
                    )
                )


def _severity(r: Reader, path: str, item: Any, windows: set[str]) -> Severity | None:
    before = len(r.problems)  # a missing required field (found by table) keeps the row out too
    d = r.table(item, path, {"level", "name", "description", "target"}, {"examples", "negotiable"})
    if d is None:
        return None
    target = None
    t = r.table(d.get("target", {}), f"{path}.target", {"amount", "unit", "window"}, set()) if "target" in d else None
    if t is not None:
        tp = f"{path}.target"
        amount, unit, window = (
            r.get(t, tp, "amount", "number"),
            r.get(t, tp, "unit", "str"),
            r.get(t, tp, "window", "str"),
        )
        if amount is not None and not 0 < amount < float("inf"):
            r.error(f"{tp}.amount", f"时限应大于 0，实际是 {amount!r}")
        elif amount is not None and amount > MAX_TARGET:  # the deadline engine looks at most 60 years ahead
            r.error(f"{tp}.amount", f"时限不能超过 {MAX_TARGET}（小时或工作日），实际是 {amount!r}")
        if unit is not None and unit not in UNITS:
            r.error(f"{tp}.unit", f"应为 {' | '.join(UNITS)} 之一，实际是 {unit!r}")
        if window is not None and window not in windows:
            r.error(f"{tp}.window", f"引用了不存在的窗口 {window!r}（已有：{'、'.join(sorted(windows))}）")
        target = Target(amount, unit, window)
    level = r.get(d, path, "level", "int")
    s = Severity(
        level=level,
        name=r.get(d, path, "name", "str"),
        description=r.get(d, path, "description", "text"),
        target=target,
        negotiable=r.get(d, path, "negotiable", "bool", False),
        examples=r.get(d, path, "examples", "strlist", ()),
    )
    return s if len(r.problems) == before else None


def _check_levels(r: Reader, levels: list[int]) -> None:
    if sorted(levels) != list(range(1, len(levels) + 1)):
        r.error("severities", f"级别应为 1..{len(levels)} 各一次，实际是 {sorted(levels)}")


def _service(r: Reader, path: str, item: Any) -> Service | None:
    before = len(r.problems)  # a missing required field (found by table) keeps the row out too
    d = r.table(
        item, path, {"category", "name", "description"}, {"channels", "frequency", "schedule", "exclusions", "note"}
    )
    if d is None:
        return None
    schedule = _schedule(r, f"{path}.schedule", d.get("schedule"))
    s = Service(
        category=r.get(d, path, "category", "str"),
        name=r.get(d, path, "name", "str"),
        description=r.get(d, path, "description", "text"),
        channels=r.get(d, path, "channels", "strlist", ()),
        frequency=r.get(d, path, "frequency", "str", None) or None,
        exclusions=r.get(d, path, "exclusions", "strlist", ()),
        note=r.get(d, path, "note", "text", ""),
        schedule=schedule,
    )
    return s if len(r.problems) == before else None


def _schedule(r: Reader, path: str, value: Any) -> Schedule | None:
    """`{every = "6 months"}`, `{every = "1 year", month = 12}`: every errors named by field
    (`services[3].schedule.every`)."""
    if value is None:
        return None
    d = r.table(value, path, {"every"}, {"month"})
    if d is None:
        return None
    every = r.get(d, path, "every", "str")
    month = r.get(d, path, "month", "int", None)
    m = EVERY_RE.match(every) if isinstance(every, str) else None
    if every is not None and m is None:
        r.error(f"{path}.every", f'应写作“数字 单位”，单位为 day、week、month、year（如 "6 months"），实际是 {every!r}')
    elif m is not None and int(m.group(1)) > MAX_EVERY:
        r.error(f"{path}.every", f"间隔最多 {MAX_EVERY}，实际是 {m.group(1)}")
        m = None
    if month is not None and not 1 <= month <= 12:
        r.error(f"{path}.month", f"月份应为 1 到 12，实际是 {month}")
        return None
    if m is None:
        return None
    if month is not None and m.group(2) != "year":
        r.error(f"{path}.month", f'只有按年的周期可以指定月份（every = "{every}"）')
        return None
    return Schedule(every_text(int(m.group(1)), m.group(2)), month)


def _module(r: Reader, path: str, item: Any) -> Module | None:
    before = len(r.problems)  # a missing required field (found by table) keeps the row out too
    d = r.table(item, path, {"no", "name", "selected"}, {"sites", "remark"})
    if d is None:
        return None
    m = Module(
        no=r.get(d, path, "no", "int"),
        name=r.get(d, path, "name", "str"),
        selected=r.get(d, path, "selected", "bool"),
        sites=r.get(d, path, "sites", "int", None),
        remark=r.get(d, path, "remark", "text", ""),
    )
    if m.no is not None and not 0 < m.no <= MAX_NUMBER:
        r.error(f"{path}.no", f"编号应为 1 到 {MAX_NUMBER} 的整数，实际是 {m.no}")
    if m.sites is not None and not 0 <= m.sites <= MAX_NUMBER:
        r.error(f"{path}.sites", f"站点数应为 0 到 {MAX_NUMBER}，实际是 {m.sites}")
    if m.name == "":
        r.error(f"{path}.name", "模块名为空")
    return m if len(r.problems) == before else None


def _check_modules(r: Reader, modules: list[tuple[str, Module]]) -> None:
    first_no: dict[int, str] = {}
    first_name: dict[str, Module] = {}
    for path, m in modules:
        if m.no in first_no:
            r.error(f"{path}.no", f"编号 {m.no} 重复（{first_no[m.no]} 已用）")
        first_no.setdefault(m.no, path)
        if m.name in first_name:
            other = first_name[m.name]
            r.warnings.append(
                Problem(f"{path}.name", f"模块名 {m.name!r} 重复：第 {other.no} 行与第 {m.no} 行（两行都保留）")
            )
        first_name.setdefault(m.name, m)


def _contact(r: Reader, path: str, item: Any, windows: set[str]) -> Contact | None:
    before = len(r.problems)  # a missing required field (found by table) keeps the row out too
    d = r.table(item, path, {"kind", "label", "value"}, {"window", "note"})
    if d is None:
        return None
    c = Contact(
        kind=r.get(d, path, "kind", "str"),
        label=r.get(d, path, "label", "str"),
        value=r.get(d, path, "value", "str"),
        window=r.get(d, path, "window", "str", None) or None,
        note=r.get(d, path, "note", "text", ""),
    )
    if c.kind is not None and not KIND_RE.match(c.kind):
        r.error(f"{path}.kind", f"类别应为小写英文标识（如 hotline、backup、qq_group），实际是 {c.kind!r}")
    if c.window is not None and c.window not in windows:
        r.error(f"{path}.window", f"引用了不存在的窗口 {c.window!r}")
    return c if len(r.problems) == before else None
