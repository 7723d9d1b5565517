"""Handoffs: the instants a duty line's holder changes, which one a handover sheet is for, and whether the
incoming engineer has acknowledged it. Only computed segments in (from `roster.compute`); no database.

A line's holders are read in time order across its closed hours: the on-site line closed from 21:00 to
09:00 and held by the same engineer the next morning has not changed hands. A handoff is to an engineer
(the line falling to nobody is a gap, said by `gaps`); the incoming shift runs to the next change of holder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..text import day_time, fit, visible
from .model import Segment

UNACKNOWLEDGED_AFTER = timedelta(minutes=15)  # the header says 交接未确认 once a handoff is this old
RECENT = timedelta(hours=12)  # ... and up to this old: a handoff older than that is no longer "this one"


@dataclass(frozen=True)
class Handoff:
    line: str
    at: datetime
    outgoing: str | None  # None: the line was unheld (a gap) before it
    incoming: str
    until: datetime | None  # the next change of holder; None past the segments computed


@dataclass(frozen=True)
class Ack:
    """A handover acknowledged: a roster_event row of kind `handover` (store/roster.py)."""

    line: str
    handoff: datetime
    who: str
    at: datetime


def handoffs(segments: Iterable[Segment], line: str) -> list[Handoff]:
    """The line's handoffs inside the segments, in time order. The first holder is not one: when they
    took the line lies before the segments."""
    rows = sorted((s for s in segments if s.line == line), key=lambda s: s.start)
    changes: list[tuple[datetime, str | None, str | None]] = []  # (when, from, to)
    for prev, s in zip(rows, rows[1:]):
        if s.engineer != prev.engineer:
            changes.append((s.start, prev.engineer, s.engineer))
    out = []
    for i, (at, outgoing, incoming) in enumerate(changes):
        if incoming is not None:
            until = changes[i + 1][0] if i + 1 < len(changes) else None
            out.append(Handoff(line, at, outgoing, incoming, until))
    return out


def acknowledged(handoff: Handoff, acks: Sequence[Ack]) -> Ack | None:
    return next((a for a in acks if a.line == handoff.line and a.handoff == handoff.at), None)


def current(found: Sequence[Handoff], at: datetime) -> Handoff | None:
    """The handoff whose shift `at` falls in (the latest one at or before it, while its shift lasts)."""
    past = [h for h in found if h.at <= at]
    if not past or (past[-1].until is not None and past[-1].until <= at):
        return None
    return past[-1]


def chosen(found: Sequence[Handoff], at: datetime, acks: Sequence[Ack]) -> Handoff | None:
    """The handoff a sheet is for at `at`: the current one while it is recent (under RECENT ago) and not
    acknowledged (the incoming engineer has not taken over yet), else the next one after `at`."""
    now = current(found, at)
    if now is not None and at - now.at < RECENT and acknowledged(now, acks) is None:
        return now
    return next((h for h in found if h.at > at), None)


def unacknowledged(found: Sequence[Handoff], at: datetime, acks: Sequence[Ack]) -> Handoff | None:
    """The current handoff when it happened UNACKNOWLEDGED_AFTER or longer ago (and under RECENT) and nobody
    acknowledged it: the one `chosen` gives, so the sheet the header sends to is its sheet."""
    now = current(found, at)
    if now is None or not UNACKNOWLEDGED_AFTER <= at - now.at < RECENT or acknowledged(now, acks) is not None:
        return None
    return now


# ---- the sheet, in words ----------------------------------------------------------------------------------

WINDOW_WORDS = {"hotline": "热线", "backup": "备勤", "onsite": "现场", "remote": "远程", "workday": "工作日"}
SECTIONS = (("paused", "挂起的工单"), ("gap", "未来 24 小时值班缺口"))  # the rest is the shift's timeline
TITLE_CELLS = 24


@dataclass(frozen=True)
class Item:
    """One line of a sheet, as facts; `text` words it. The kinds with an instant (due, clock, remote, and any
    added later) are the shift's timeline, in time order; paused and gap have their own sections."""

    kind: str  # due | clock | remote | paused | gap
    at: datetime | None
    ticket: int | None = None
    severity: int | None = None
    title: str = ""
    what: str = ""  # paused: the reason; remote: who granted it; clock: the window's name; gap: the line's label
    label: str = ""  # clock: the window's label (when it has no word of its own)
    count: int = 0  # clock: the tickets whose clocks start or stop
    opens: bool = False  # clock: opening (else closing)
    late: bool = False  # due: passed already when the sheet was read
    end: datetime | None = None  # gap: its end

    def text(self, zone, ref: datetime, read: datetime) -> str:
        head = f"#{self.ticket} {self.severity}级 {fit(self.title, TITLE_CELLS).rstrip()}"
        if self.kind == "due":  # `ref` is the handoff: one due before it comes to the incoming engineer late
            said = "已超时 " if self.late else "交接前" if self.at < ref else ""
            return f"{when(self.at, zone, ref)} {said}到期 {head}"
        if self.kind == "remote":
            by = f"（授权：{visible(self.what)}）" if self.what else ""
            return f"{when(self.at, zone, ref)} {head} 远程许可到期{by}"
        if self.kind == "clock":
            word = WINDOW_WORDS.get(self.what) or visible(self.label or self.what)
            change = "开放" if self.opens else "关闭"
            return f"{when(self.at, zone, ref)} {word}窗口{change}：{self.count} 张工单{'开始' if self.opens else '停止'}计时"
        if self.kind == "paused":
            since = f"（{when(self.at, zone, read, day=True)} 起）" if self.at else ""
            return f"{head}：{visible(self.what) or '未写原因'}{since}"
        if self.kind == "gap":
            return f"{visible(self.what)} {when(self.at, zone, read, day=True)} 至 {when(self.end, zone, self.at)} 无人值守"
        return f"{when(self.at, zone, ref)} {visible(self.what)}" if self.at else visible(self.what)


@dataclass(frozen=True)
class Sheet:
    contract: str
    customer: str
    line: str
    label: str
    at: datetime  # when it was read
    handoff: Handoff
    end: datetime  # the end of what it covers: the next change of holder, or a day after the handoff
    ack: Ack | None
    items: list[Item] = field(default_factory=list)

    def text(self, zone) -> str:
        h = self.handoff
        out = [f"【交接单】{visible(self.customer)} {self.label}"]
        who = f"{visible(h.outgoing)} → " if h.outgoing else "（无人）→ "
        until = f"，至 {when(h.until, zone, h.at)}" if h.until else ""
        out.append(f"{when(h.at, zone, self.at, day=True)} 交接：{who}{visible(h.incoming)}{until}")
        if self.ack:
            out.append(f"已确认：{visible(self.ack.who)} {when(self.ack.at, zone, h.at)}")
        else:
            out.append("交接未确认" if h.at <= self.at else "尚未交接")
        out.append(f"—— 本班要事（至 {when(self.end, zone, h.at)}）——")
        out += [self._line(i, zone) for i in self.items if i.kind not in dict(SECTIONS)] or ["（无）"]
        for kind, title in SECTIONS:
            out.append(f"—— {title} ——")
            out += [self._line(i, zone) for i in self.items if i.kind == kind] or ["（无）"]
        return "\n".join(out) + "\n"

    def _line(self, item: Item, zone) -> str:
        return item.text(zone, self.handoff.at, self.at)

    def to_json(self, zone) -> dict:
        h = self.handoff

        def iso(t):
            return t.astimezone(zone).isoformat() if t else None

        return {
            "contract": self.contract,
            "line": self.line,
            "label": self.label,
            "at": iso(self.at),
            "handoff": iso(h.at),
            "from": h.outgoing,
            "to": h.incoming,
            "until": iso(h.until),
            "covers_until": iso(self.end),
            "acknowledged": {"who": self.ack.who, "at": iso(self.ack.at)} if self.ack else None,
            "items": [
                {"kind": i.kind, "at": iso(i.at), "ticket": i.ticket, "text": self._line(i, zone)} for i in self.items
            ],
            "text": self.text(zone),
        }


def when(t: datetime, zone, ref: datetime, day: bool = False) -> str:
    """09:00 on the reference's day, 12-03 09:00 on another (with the year when not the reference's)."""
    local, there = t.astimezone(zone), ref.astimezone(zone)
    if not day and local.date() == there.date():
        return f"{local:%H:%M}"
    return f"{local:%m-%d %H:%M}" if local.year == there.year else f"{local:%Y-%m-%d %H:%M}"


def resolve_line(contract, lines: Sequence, text: str | None) -> tuple[str, str]:
    """(name, label) of the line asked for; refused, with the lines there are, when unknown or not said."""
    from ..errors import Refused
    from .model import line_name

    there = "、".join(f"{x.name}（{x.label}）" for x in lines) or "无"
    if text is None:
        if len(lines) == 1:
            return lines[0].name, lines[0].label
        raise Refused("要用 --line 指定值班线", f"合同 {contract.code} 有 {len(lines)} 条值班线：{there}")
    name = line_name(contract, text)
    found = next((x for x in lines if x.name == name), None)
    if found is None:
        raise Refused("没有这条值班线", f"--line {visible(text)}；合同 {contract.code} 的值班线：{there}")
    return found.name, found.label


def to_take_over(found: Sequence[Handoff], at: datetime, acks: Sequence[Ack], label: str, zone) -> Handoff:
    """The handoff an acknowledgement at `at` is for (the current one); refused, in words, when the line is
    in nobody's shift or that handoff was acknowledged already."""
    from ..errors import Refused

    h = current(found, at)
    upcoming = next((x for x in found if x.at > at), None)
    then = f"；下一次交接 {day_time(upcoming.at, zone, at)}（{visible(upcoming.incoming)} 接班）" if upcoming else ""
    if h is None:
        raise Refused("没有可确认的交接", f"{label} 现在不在任何人的一班里{then}")
    done = acknowledged(h, acks)
    if done is not None:
        shift, by = day_time(h.at, zone, at), day_time(done.at, zone, at)
        raise Refused("这次交接已确认", f"{label} {shift} 的交接已由 {visible(done.who)} 于 {by} 确认{then}")
    return h


def check_engineer(name: str, engineers) -> None:
    from ..errors import Refused

    known = [e.name for e in engineers if e.active]
    if name not in known:
        raise Refused("没有这个工程师", f"{visible(name)}；值班表里的工程师：{'、'.join(known) or '无'}")


def ack_line(label: str, h: Handoff, engineer: str, zone) -> str:
    """The roster history's line of an acknowledgement."""
    before = f"{h.outgoing} → " if h.outgoing else "（无人）→ "
    return f"{label} {h.at.astimezone(zone):%Y-%m-%d %H:%M} 交接确认：{before}{h.incoming}，{engineer} 接班"
