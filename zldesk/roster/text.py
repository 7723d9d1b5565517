"""The roster as people read it elsewhere: the 节假日值班通报 for the hospital's QQ group or e-mail, and an
iCalendar file for the engineers' phones. Both read computed segments only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from ..calendar import ChinaCalendar, weekday_name
from ..contract import DAY_NAMES, Contract
from ..errors import NotFound
from ..sla import Timeline
from ..text import visible
from .model import LINE_LABELS, Engineer, Segment, duty_lines
from .units import base_name, holiday_block, provisional_years
from .views import runs

_CONTACTS = ("hotline", "backup", "complaints")


def _day(d: date) -> str:
    return f"{d.month}月{d.day}日（{weekday_name(d)}）"


def _hm(t: datetime, day: date) -> str:
    return "24:00" if t.date() > day else f"{t:%H:%M}"


def _runs(days: list[date]) -> list[list[date]]:
    out: list[list[date]] = []
    for d in days:
        if out and out[-1][-1] + timedelta(days=1) == d:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def _contact_lines(contract: Contract) -> list[str]:
    out = []
    for kind in _CONTACTS:
        contacts = [c for c in contract.contacts if c.kind == kind]
        if not contacts:
            continue
        numbers = "、".join(dict.fromkeys(c.value for c in contacts))
        when = ""
        window = next((w for w in contract.windows if w.name == contacts[0].window), None)
        if window is not None:
            when = (
                window.label
                if window.outside
                else f"{DAY_NAMES.get(window.days, window.days)} {window.start}–{window.end}"
            )
            when = f"（{when}）"
        out.append(f"  {contacts[0].label}：{numbers}{when}")
    return out


def _pieces(segments: list[Segment], day: date) -> list[tuple[str | None, datetime, datetime]]:
    """The line's holders during `day`, one entry per unbroken run of one engineer."""
    zone = segments[0].start.tzinfo
    a, b = datetime.combine(day, time(), zone), datetime.combine(day + timedelta(days=1), time(), zone)
    out: list[tuple[str | None, datetime, datetime]] = []
    for s in segments:
        x, y = max(s.start, a), min(s.end, b)
        if x >= y:
            continue
        if out and out[-1][0] == s.engineer and out[-1][2] == x:
            out[-1] = (s.engineer, out[-1][1], y)
        else:
            out.append((s.engineer, x, y))
    return out


def notice(
    contract: Contract,
    roster_segments: Iterable[Segment],
    calendar: ChinaCalendar,
    name: str,
    year: int,
    engineers: Sequence[Engineer] = (),
) -> str:
    """The holiday duty notice, ready to paste. `roster_segments` must cover the holiday's days (compute
    them over that range); `engineers` gives the phones. Unheld time is marked 【无人值守】, at the top
    too, so nobody sends the notice without seeing it; so are dates of a year with no official schedule
    yet (【推定】: the package's estimate, which the State Council's notice may move)."""
    days, makeups = holiday_block(calendar, name, year)
    if not days:
        names = sorted({base_name(d.name) for d in calendar.special_days(year) if d.kind == "holiday"})
        raise NotFound("没有这个节假日", f"{year} 年没有「{name}」（当年的节假日：{'、'.join(names) or '无'}）")
    title = base_name(name.strip())
    title = next(
        (base_name(calendar.day(d).name) for d in days if base_name(calendar.day(d).name).startswith(title)), title
    )
    phones = {e.name: e.phone for e in engineers}
    by_line: dict[str, list[Segment]] = {}
    zone = contract.zone
    for s in sorted(roster_segments, key=lambda s: s.start):
        by_line.setdefault(s.line, []).append(replace(s, start=s.start.astimezone(zone), end=s.end.astimezone(zone)))
    order = [line for line in LINE_LABELS if line in by_line] + [line for line in by_line if line not in LINE_LABELS]

    spans = "、".join(_day(r[0]) if len(r) == 1 else f"{_day(r[0])}至{_day(r[-1])}" for r in _runs(days))
    out = [f"【{contract.customer}】{year}年{title}值班通报", ""]
    guessed = provisional_years(calendar, days + makeups)
    if guessed:
        years = "、".join(str(y) for y in guessed)
        out += [
            f"【推定】{years}年的放假安排国务院尚未正式公布，以下放假日期是推定的，可能变动；"
            "正式通知发布后请核对日期再发。",
            "",
        ]
    schedule: list[str] = []
    holes: list[str] = []
    for d in days:
        schedule.append(f"{_day(d)} {calendar.day(d).name}")
        for line in order:
            label = LINE_LABELS.get(line, line)
            parts = []
            for engineer, a, b in _pieces(by_line[line], d):
                hours = f"{_hm(a, d)}–{_hm(b, d)}"
                if engineer is None:
                    parts.append(f"【无人值守】（{hours}）")
                    holes.append(f"{_day(d)} {label} {hours}")
                else:
                    phone = f" {phones[engineer]}" if phones.get(engineer) else ""
                    parts.append(f"{engineer}{phone}（{hours}）")
            if parts:
                schedule.append(f"  {label}：" + "；".join(parts))
    if holes:
        out += ["【无人值守】以下时段还没有人值班，发出前请补排：", *(f"  {h}" for h in holes), ""]
    out.append(
        f"各位老师：{year}年{title}放假时间为{spans}，共 {len(days)} 天"
        + ("（推定，尚未正式公布）。" if guessed else "。")
    )
    if makeups:
        out.append("、".join(_day(d) for d in makeups) + "调休上班，服务热线照常接听。")
    out += _hotline_closed(contract, calendar, days)
    out += [
        "假期期间，值班安排如下：",
        "",
        *schedule,
        "",
        "联系方式：",
        *_contact_lines(contract),
        "",
        f"{contract.vendor}",
    ]
    # Each entry is one line of the notice, which people read wherever it goes (a terminal, a QQ group):
    # a control or a line break inside a name or a phone shows as `\x1b`, `\n`, never acts or forges a line.
    return "\n".join(visible(line) for line in out) + "\n"


def _hotline_closed(contract: Contract, calendar: ChinaCalendar, days: list[date]) -> list[str]:
    """Say so when the hotline is shut for the whole holiday, and where to call instead."""
    lines = {line.name: line for line in duty_lines(contract)}
    hotline, backup = lines.get("hotline"), lines.get("backup")
    if hotline is None or backup is None or not backup.phones:
        return []
    timeline = Timeline(hotline.window, contract, calendar, contract.zone)
    if any(timeline.day_minutes(d) for d in days):
        return []
    return [f"假期期间服务热线暂停接听，请拨打移动备勤专线 {'、'.join(backup.phones)}。"]


# ---- iCalendar -------------------------------------------------------------------------------------


def _uid(contract: Contract, s: Segment) -> str:
    start = s.start.astimezone(contract.zone)  # the same instant gives the same UID in any zone
    digest = hashlib.sha1(f"{contract.code}|{s.line}|{start.isoformat()}|{s.engineer}".encode()).hexdigest()[:16]
    return f"{s.line}-{start:%Y%m%dT%H%M}-{digest}@zldesk"


def to_ics(
    segments: Iterable[Segment], engineers: Sequence[Engineer], contract: Contract, stamp: datetime | None = None
) -> bytes:
    """One VEVENT per held run (consecutive segments of one engineer on one line, merged), times with
    TZID of the contract's zone (a VTIMEZONE included). UIDs depend only on line, start and engineer,
    so a re-export updates events instead of duplicating them, as long as each run is given whole:
    compute a wider range than the one exported (views.whole_runs), or a run cut at the range's
    start gets a UID of its own. `stamp` (DTSTAMP) defaults to now."""
    from icalendar import Calendar, Event

    phones = {e.name: e.phone for e in engineers}
    zone = contract.zone
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", "-//zldesk//值班表//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", visible(f"{contract.customer}值班表"))
    cal.add("x-wr-timezone", contract.timezone)
    for s in runs(segments):
        event = Event()
        event.add("uid", _uid(contract, s))
        event.add("dtstamp", stamp)
        event.add("dtstart", s.start.astimezone(zone))
        event.add("dtend", s.end.astimezone(zone))
        # iCalendar text cannot hold control characters (RFC 5545 3.3.11): a stored one is shown as `\x1b`.
        event.add("summary", visible(f"{LINE_LABELS.get(s.line, s.line)}：{s.engineer}"))
        phone = phones.get(s.engineer) or "（未登记）"
        event.add(
            "description",
            "\n".join(visible(x) for x in (f"电话：{phone}", f"来源：{s.source}", f"合同：{contract.customer}")),
        )
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
