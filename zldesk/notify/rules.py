"""Which notifications are due at an instant: the rules against each open ticket's facts. Pure.

Each event has a key (rule, ticket, the state it is about, stage, channel): the same event has the same
key however often the rules are read, so the outbox (UNIQUE key) holds it once. A new deadline (negotiated,
reopened, re-levelled) is a new state, so a new event. A rule's `then` is stage 2, due `then.after` after
stage 1 when the condition still holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from ..text import visible
from ..tickets.clock import OUT_OF_RANGE, PAUSED, STOPPED, Clock
from .config import Rule
from .message import Message

WORDS = {
    "unacknowledged": "未受理",
    "leave_by": "该出发了",
    "breach": "即将超时",
    "breached": "已超时",
}


@dataclass(frozen=True)
class TicketFacts:
    id: int
    hospital: str
    severity: int
    title: str
    received_at: datetime
    acknowledged_at: datetime | None
    arrived_at: datetime | None
    clock: Clock
    leave_at: datetime | None  # the departure time (tickets/leave.py), None without a site or promise
    zone: tzinfo
    on_duty: tuple[tuple[str, str, str], ...] = ()  # (line's label, engineer, phone) of each open line now


@dataclass(frozen=True)
class Event:
    key: str
    rule: str
    channel: str
    ticket_id: int | None  # None: about a contract or a duty line (duty_rules.py)
    subject: str
    stage: int
    message: Message


def _trigger(rule: Rule, t: TicketFacts) -> tuple[datetime, str] | None:
    """When the rule's condition became true for the ticket (wall time) and the state it is about, or None
    while it does not hold."""
    c = t.clock
    counting = c.state not in (STOPPED, OUT_OF_RANGE) and c.due is not None
    if rule.when == "unacknowledged":
        if t.acknowledged_at is not None or t.arrived_at is not None or c.state == STOPPED:
            return None
        return t.received_at + rule.offset, f"call={t.received_at.isoformat()}"
    if rule.when == "leave_by":
        if t.leave_at is None or t.arrived_at is not None or not counting:
            return None
        return t.leave_at - rule.offset, f"leave={t.leave_at.isoformat()}"
    if not counting or c.state == PAUSED or c.seconds is None:
        return None
    state = f"due={c.due.isoformat()}"
    if rule.when == "breach":
        if c.breached or c.seconds > rule.offset.total_seconds():
            return None
        return min(c.at, c.due - rule.offset), state  # business time: true now, from the wall time at the latest
    if rule.when == "breached":
        if not c.breached:
            return None
        return c.due + rule.offset, state
    return None


def evaluate(rules: tuple[Rule, ...], tickets: list[TicketFacts], now: datetime) -> list[Event]:
    events = []
    for t in tickets:
        for rule in rules:
            if rule.when not in WORDS or t.severity not in rule.severity:
                continue
            found = _trigger(rule, t)
            if found is None or now < found[0]:
                continue
            since, state = found
            for stage, channels in stages(rule, since, now):
                message = compose(rule, t, now, stage)
                for channel in channels:
                    key = f"{rule.name}|ticket {t.id}|{state}|{stage}|{channel}"
                    events.append(Event(key, rule.when, channel, t.id, f"ticket {t.id}", stage, message))
    return events


def stages(rule: Rule, since: datetime, now: datetime) -> list[tuple[int, tuple[str, ...]]]:
    """Stage 1 to the rule's channels; stage 2 (`then`) too once the condition has held `then.after`."""
    out = [(1, rule.to)]
    if rule.then_after is not None and now >= since + rule.then_after:
        out.append((2, rule.then_to))
    return out


def left_words(seconds: float) -> str:
    """Business time left in words: 还剩 1 小时 5 分 · 已超时 12 分 · 还剩不到 1 分."""
    late = seconds < 0
    minutes = int(abs(seconds) // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{n} {u}" for n, u in ((days, "天"), (hours, "小时"), (minutes, "分")) if n]
    words = " ".join(parts) if parts else "不到 1 分"
    return f"已超时 {words}" if late else f"还剩 {words}"


def compose(rule: Rule, t: TicketFacts, now: datetime, stage: int) -> Message:
    zone = t.zone
    word = WORDS[rule.when] + ("（升级）" if stage == 2 else "")
    title = f"【{t.severity}级·{word}】{visible(t.hospital)} #{t.id}"
    c = t.clock
    lines = [f"**{title}**", f"工单 #{t.id}：{visible(t.title)}", f"来电 {t.received_at.astimezone(zone):%m-%d %H:%M}"]
    if c.due is not None:
        left = left_words(c.seconds) if c.seconds is not None else ""
        lines.append(f"时限 {c.due.astimezone(zone):%m-%d %H:%M}，{left}")
    if rule.when == "leave_by" and t.leave_at is not None:
        lines.append(f"出发时间 {t.leave_at.astimezone(zone):%H:%M}，尚未到场")
    if rule.when == "unacknowledged":
        lines.append(f"来电 {int((now - t.received_at).total_seconds() // 60)} 分钟仍未受理")
    holders = [
        f"{visible(label)} {visible(name)}" + (f" {visible(phone)}" if phone else "")
        for label, name, phone in t.on_duty
    ]
    lines.append("现在值班：" + ("；".join(holders) if holders else "无人值守！"))
    return Message(title, "\n".join(lines))
