"""The rules about a contract rather than a ticket: `roster_gap` (a duty line nobody holds, N before the
gap starts), `handover_unacked` (a line changed hands N ago and the incoming engineer has not acknowledged
it) and `obligation_due` (a periodic service not done N before its due day ends). Pure, like rules.py.

One team often holds the lines of several hospitals with one roster: the same gap or handoff then shows in
every contract. Its key leaves the contract out, so it is one message naming every hospital it concerns.

A gap's key is the instant it starts; a gap already running when the segments begin (they are computed
from a day back) is keyed by its end, and one running past both ends by the line alone - never by a clipped
instant, which would move every round and send the same gap again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from ..text import visible
from .config import Rule
from .message import Message

WORDS = {"roster_gap": "值班缺口", "handover_unacked": "交接未确认", "obligation_due": "履约到期"}
HANDOFF_RECENT = timedelta(hours=12)  # as the header's 交接未确认 (roster/handover.py RECENT)
MORNING = time(9, 0)  # an obligation's reminder falling in the night waits for 09:00 (it is not an outage)


@dataclass(frozen=True)
class Gap:
    line: str  # its label: 备勤
    start: datetime
    end: datetime
    from_start: bool = True  # the start is the gap's own (not the first instant computed)
    to_end: bool = True  # likewise the end


@dataclass(frozen=True)
class Change:
    """A handoff: `line` (label) passed from `outgoing` to `incoming` at `at`."""

    line: str
    at: datetime
    outgoing: str | None
    incoming: str
    phone: str
    acknowledged: bool
    until: datetime | None  # the next change of holder


@dataclass(frozen=True)
class Owed:
    """An obligation's pending due date (zldesk.obligations), not yet met."""

    no: int
    service: str  # 巡检服务·生产环境健康巡检服务
    due: date


@dataclass(frozen=True)
class ContractFacts:
    id: int
    code: str
    customer: str
    zone: tzinfo
    gaps: tuple[Gap, ...] = ()
    changes: tuple[Change, ...] = ()
    owed: tuple[Owed, ...] = ()
    on_duty: tuple[tuple[str, str, str], ...] = ()  # (line's label, engineer, phone) of each open line now
    problem: str = ""  # no roster (值班表未建), or one that does not compute: said instead of gaps


@dataclass(frozen=True)
class Found:
    """One rule's condition for one thing, before it is worded: when it became true and its state."""

    since: datetime
    state: str
    what: object
    facts: ContractFacts
    hospitals: list[str] = field(default_factory=list)


def _found(rule: Rule, c: ContractFacts, now: datetime) -> list[Found]:
    out = []
    if rule.when == "roster_gap":
        if c.problem:  # no roster, or one that does not compute: every line is as good as unheld
            out.append(Found(now, f"roster={c.problem}", Gap("", now, now, False, False), c))
        for g in c.gaps:
            if g.end <= now or now < g.start - rule.offset:
                continue
            mark = g.start.isoformat() if g.from_start else f"to {g.end.isoformat()}" if g.to_end else "whole"
            out.append(Found(g.start - rule.offset, f"gap={g.line}@{mark}", g, c))
    elif rule.when == "handover_unacked":
        for h in c.changes:
            fresh = now - h.at < HANDOFF_RECENT and (h.until is None or now < h.until)
            if not h.acknowledged and fresh and now >= h.at + rule.offset:
                out.append(Found(h.at + rule.offset, f"handoff={h.line}@{h.at.isoformat()}>{h.incoming}", h, c))
    elif rule.when == "obligation_due":
        for o in c.owed:
            ends = datetime.combine(o.due + timedelta(days=1), time(), c.zone)  # done on the due day counts
            since = remind_at(ends - rule.offset, c.zone)
            if now >= since:
                out.append(Found(since, f"contract {c.id}|obligation={o.no}@{o.due.isoformat()}", o, c))
    return out


def remind_at(moment: datetime, zone: tzinfo) -> datetime:
    """A reminder due before 09:00 local is sent at 09:00 that day."""
    local = moment.astimezone(zone)
    morning = datetime.combine(local.date(), MORNING, zone)
    return max(local, morning)


def evaluate(rules: tuple[Rule, ...], contracts: list[ContractFacts], now: datetime) -> list:
    from .rules import Event, stages

    events = []
    for rule in rules:
        if rule.when not in WORDS:
            continue
        merged: dict[str, Found] = {}
        for c in contracts:
            for f in _found(rule, c, now):
                merged.setdefault(f.state, f).hospitals.append(c.customer)
        for state, f in merged.items():
            for stage, channels in stages(rule, f.since, now):
                message = compose(rule, f, now, stage)
                line = getattr(f.what, "line", "")
                subject = f"line {line}" if rule.when != "obligation_due" and line else f"contract {f.facts.code}"
                for channel in channels:
                    key = f"{rule.name}|{state}|{stage}|{channel}"
                    events.append(Event(key, rule.when, channel, None, subject, stage, message))
    return events


def _clock(t: datetime, zone: tzinfo, now: datetime) -> str:
    local, today = t.astimezone(zone), now.astimezone(zone)
    return f"{local:%H:%M}" if local.date() == today.date() else f"{local:%m-%d %H:%M}"


def _ahead(seconds: float) -> str:
    from .rules import left_words

    return left_words(seconds).replace("还剩", "还有").replace("已超时", "已过")


def compose(rule: Rule, f: Found, now: datetime, stage: int) -> Message:
    c, zone = f.facts, f.facts.zone
    where = "、".join(dict.fromkeys(visible(h) for h in f.hospitals))
    word = WORDS[rule.when] + ("（升级）" if stage == 2 else "")
    if rule.when == "roster_gap" and c.problem:
        title = f"【{word}】{visible(c.problem)}"
        lines = [f"**{title}**", f"医院：{where}", "不知道谁在值班：请导入或改正值班表（zldesk roster import）"]
    elif rule.when == "roster_gap":
        g = f.what
        title = f"【{word}】{visible(g.line)} {_clock(max(g.start, now), zone, now)} 起无人值守"
        ahead = _ahead((g.start - now).total_seconds())
        start = "现在起" if g.start <= now else f"{_clock(g.start, zone, now)} 起（{ahead}）"
        until = _clock(g.end, zone, now) + ("" if g.to_end else " 以后")
        lines = [f"**{title}**", f"医院：{where}", f"{visible(g.line)} {start}至 {until} 没有人值守，请排班或调班"]
    elif rule.when == "handover_unacked":
        h = f.what
        before = visible(h.outgoing) if h.outgoing else "（无人）"
        title = f"【{word}】{visible(h.line)} {_clock(h.at, zone, now)} {visible(h.incoming)}"
        minutes = int((now - h.at).total_seconds() // 60)
        phone = f"（{visible(h.phone)}）" if h.phone else ""
        lines = [
            f"**{title}**",
            f"医院：{where}",
            f"{visible(h.line)} {_clock(h.at, zone, now)} 交接：{before} → {visible(h.incoming)}{phone}",
            f"交接后 {minutes} 分钟仍未确认接班（zldesk handover ack 或控制台 h）",
        ]
    else:
        o = f.what
        days = (o.due - now.astimezone(zone).date()).days
        when = "今天到期" if days == 0 else f"{days} 天后到期" if days > 0 else f"已逾期 {-days} 天"
        title = f"【{word}】{visible(c.customer)} {visible(o.service)}"
        lines = [f"**{title}**", f"合同 {visible(c.code)}：{visible(o.service)}，应于 {o.due} 前完成，{when}"]
    holders = [f"{visible(a)} {visible(b)}" + (f" {visible(p)}" if p else "") for a, b, p in c.on_duty]
    lines.append("现在值班：" + ("；".join(holders) if holders else "无人值守！"))
    return Message(title, "\n".join(lines))
