"""A ticket's lifecycle: a new ticket from a call, and the one function that applies an action to it.

The store keeps every action as an event and the state as a cache of them; replaying the events through
`apply` rebuilds the state exactly (a test). Nothing here touches the database or the clock: `now` is given.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, tzinfo
from typing import Any

from .model import (
    ACKNOWLEDGED,
    CLOSED,
    FUTURE_TOLERANCE,
    NEGOTIATED_SPAN,
    NEW,
    ON_SITE,
    OPEN_STATES,
    PENDING,
    RESOLVED,
    STATE_NAMES,
    Action,
    Grant,
    Ticket,
    TicketError,
    replace,
)

CHANGING = tuple(f.name for f in fields(Ticket) if f.name != "version")  # what a history row records


def _changes(before: Ticket, after: Ticket) -> dict[str, list]:
    b, a = before.__dict__, after.__dict__  # the same object: unchanged, without comparing (most fields)
    return {
        name: [_plain(b[name]), _plain(a[name])] for name in CHANGING if b[name] is not a[name] and b[name] != a[name]
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Grant):
        return [_plain(getattr(value, f)) for f in Grant.__dataclass_fields__]
    return value


def shown(value: datetime, zone: tzinfo | None) -> str:
    """A time in a message: in `zone` (the contract's), whatever zone it was given or stored in (UTC)."""
    return f"{value.astimezone(zone or value.tzinfo):%Y-%m-%d %H:%M}"


def create(data: dict[str, Any], at: datetime, now: datetime, zone: tzinfo | None = None) -> Ticket:
    """A new ticket from `ticket new` fields. `at` is when the call came in; `zone` the one its messages
    say times in (the contract's)."""
    _check_time(at, now, None, "来电时间", zone)
    title = str(data.get("title", "")).strip()
    if not title:
        raise TicketError("标题不能为空", "用 --title 写一句话说明问题")
    level = data["severity"]
    return Ticket(
        contract=data["contract"],
        severity=level,
        title=title,
        received_at=at,
        description=data.get("description", ""),
        module_no=data.get("module_no"),
        module_name=data.get("module_name", ""),
        in_scope=data.get("in_scope", True),
        caller=data.get("caller", ""),
        phone=data.get("phone", ""),
        dept=data.get("dept", ""),
        channel=data.get("channel", "hotline"),
        assignee=data.get("assignee", ""),
        levels=((at, level),),
        terms=data.get("terms"),
        version=1,
    )


def apply(t: Ticket, action: Action, now: datetime, zone: tzinfo | None = None) -> tuple[Ticket, dict[str, list]]:
    """The ticket after `action`, and what changed (field: [before, after]). Raises TicketError, whose
    times are said in `zone` (the contract's; the action's own when None)."""
    at, kind = action.at, action.kind
    zone = zone or at.tzinfo
    _check_time(at, now, t.received_at, "生效时间", zone)
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise TicketError("不认识的操作", kind)
    after = replace(handler(t, action, zone), version=t.version + 1)
    return after, _changes(t, after)


def _check_time(at: datetime, now: datetime, received: datetime | None, what: str, zone: tzinfo | None) -> None:
    if at.tzinfo is None:
        raise TicketError(f"{what}没有时区", at.isoformat())
    zone = zone or at.tzinfo  # said in the contract's zone, never the store's UTC nor the host's
    if at > now + FUTURE_TOLERANCE:
        raise TicketError(f"{what}在未来", f"{shown(at, zone)}（现在是 {shown(now, zone)}）")
    if received is not None and at < received:
        raise TicketError(f"{what}早于来电时间", f"{shown(at, zone)} 早于来电时间 {shown(received, zone)}")


def _need(t: Ticket, states: tuple[str, ...], what: str) -> None:
    if t.state not in states:
        allowed = "、".join(STATE_NAMES[s] for s in states)
        hint = "；先恢复（resume）" if t.state == PENDING else ""
        raise TicketError(f"工单{STATE_NAMES[t.state]}，不能{what}", f"只有{allowed}的工单可以{what}{hint}")


def _reason(action: Action, what: str) -> None:
    if not action.reason.strip():
        raise TicketError(f"{what}需要说明原因", "用 --reason 写明")


def _ack(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    _need(t, (NEW,), "受理")
    return replace(t, state=ACKNOWLEDGED, acknowledged_at=a.at)


def _assign(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    _need(t, OPEN_STATES, "指派")
    engineer = str(a.data.get("engineer", "")).strip()
    if not engineer:
        raise TicketError("指派给谁？", "工程师名字为空")
    if engineer == t.assignee:
        raise TicketError("已经指派给此人", engineer)
    return replace(t, assignee=engineer)


def _arrive(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    _need(t, (NEW, ACKNOWLEDGED), "登记到场")
    return replace(t, state=ON_SITE, arrived_at=a.at, acknowledged_at=t.acknowledged_at or a.at)


def _resolve(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    _need(t, (NEW, ACKNOWLEDGED, ON_SITE), "解决")
    return replace(t, state=RESOLVED, resolved_at=a.at, acknowledged_at=t.acknowledged_at or a.at)


def _close(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    _need(t, (RESOLVED,), "关闭")
    if a.at < t.resolved_at:
        raise TicketError("关闭时间早于解决时间", f"{shown(a.at, zone)} 早于 {shown(t.resolved_at, zone)}")
    return replace(t, state=CLOSED, closed_at=a.at)


def _reopen(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    _need(t, (RESOLVED, CLOSED), "重开")
    _reason(a, "重开")
    return replace(t, state=ON_SITE if t.arrived_at else ACKNOWLEDGED, resolved_at=None, closed_at=None)


def _pause(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    _need(t, (NEW, ACKNOWLEDGED, ON_SITE), "挂起")
    if t.pauses and a.at < t.pauses[-1][1]:
        raise TicketError("挂起时间早于上次恢复", f"{shown(a.at, zone)} 早于 {shown(t.pauses[-1][1], zone)}")
    return replace(t, state=PENDING, state_before_pause=t.state, pauses=t.pauses + ((a.at, None, a.reason),))


def _resume(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    _need(t, (PENDING,), "恢复")
    start, _, reason = t.pauses[-1]
    if a.at <= start:
        raise TicketError("恢复时间不晚于挂起时间", f"{shown(a.at, zone)}，挂起于 {shown(start, zone)}")
    return replace(
        t,
        state=t.state_before_pause or ACKNOWLEDGED,
        state_before_pause=None,
        pauses=t.pauses[:-1] + ((start, a.at, reason),),
    )


def _severity(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    _need(t, OPEN_STATES, "改级别")
    _reason(a, "改级别")
    level = int(a.data["level"])
    if level == t.severity:
        raise TicketError("级别没有变", f"已经是 {level} 级")
    if a.at < t.levels[-1][0]:
        raise TicketError("改级别的时间早于上次改级别", f"{shown(a.at, zone)} 早于 {shown(t.levels[-1][0], zone)}")
    # A negotiated deadline belonged to the old level; it does not carry over.
    return replace(t, severity=level, levels=t.levels + ((a.at, level),), negotiated_due=None, negotiated_with="")


def _negotiate(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    _need(t, OPEN_STATES, "协商时限")
    if not a.data.get("negotiable"):
        raise TicketError(f"{t.severity} 级问题的时限不可协商", "合同只允许协商标为 negotiable 的级别")
    due: datetime = a.data["due"]
    agreed = str(a.data.get("agreed_with", "")).strip()
    if not agreed:
        raise TicketError("与谁协商？", "用 --agreed-with 写医院一方的名字")
    if not t.received_at < due <= t.received_at + NEGOTIATED_SPAN:
        z = zone or due.tzinfo
        call, latest = t.received_at.astimezone(z), (t.received_at + NEGOTIATED_SPAN).astimezone(z)
        due = due.astimezone(z)
        raise TicketError(
            "协商时限超出范围",
            f"{due:%Y-%m-%d %H:%M:%S}：应晚于来电时间 {call:%Y-%m-%d %H:%M:%S}，"
            f"且不晚于 {latest:%Y-%m-%d %H:%M:%S}（来电后 {NEGOTIATED_SPAN.days} 天）",
        )
    return replace(t, negotiated_due=due, negotiated_with=agreed)


def _note(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    if not str(a.data.get("text", "")).strip():
        raise TicketError("备注是空的", "")
    return t


def _remote(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    """The contract's condition for remote access: the hospital's permission, recorded whole — who gave
    it, how (channel), when (the action's time), for what (scope), to which engineer."""
    _need(t, OPEN_STATES, "登记远程许可")
    fields = {key: str(a.data.get(key, "")).strip() for key in ("granted_by", "channel", "scope", "engineer")}
    missing = [
        f"{label}（--{key.replace('_', '-')}）"
        for key, label in (
            ("granted_by", "谁允许的"),
            ("channel", "怎么允许的：电话、QQ、书面"),
            ("scope", "允许做什么"),
            ("engineer", "允许哪位工程师"),
        )
        if not fields[key]
    ]
    if missing:
        raise TicketError("远程许可缺少必填项", "；".join(missing))
    until: datetime | None = a.data.get("until")
    if until is not None and until <= a.at:
        raise TicketError("许可的截止时间不晚于许可时间", f"{shown(until, zone)}，许可于 {shown(a.at, zone)}")
    grant = Grant(fields["granted_by"], a.at, until, fields["channel"], fields["scope"], fields["engineer"])
    return replace(t, remote=t.remote + (grant,))


def _remote_session(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    """A remote-access session, recorded only inside a permission given to that engineer."""
    _need(t, OPEN_STATES, "登记远程会话")
    engineer = str(a.data.get("engineer", "")).strip()
    what = str(a.data.get("what", "")).strip()
    if not engineer or not what:
        raise TicketError("远程会话要写明工程师和做了什么", "用 --engineer 和 --what")
    grant = t.remote_allowed(a.at, engineer)
    if grant is None:
        raise TicketError(
            "没有医院的远程许可，不能登记远程会话",
            f"{shown(a.at, zone)} 没有给 {engineer} 的有效许可；先登记医院的许可（谁允许、渠道、范围、"
            "工程师）：控制台里按 l，命令行 zldesk ticket remote",
        )
    end: datetime | None = a.data.get("end")
    if end is not None and (end <= a.at or (grant.until is not None and end > grant.until)):
        until = shown(grant.until, zone) if grant.until is not None else "（工单关闭）"
        raise TicketError("远程会话的结束时间不对", f"应晚于开始 {shown(a.at, zone)}，且不晚于许可截止 {until}")
    return t


def _reapply(t: Ticket, a: Action, zone: tzinfo | None = None) -> Ticket:
    """The ticket moved to new contract terms (`zldesk import contract --reapply-open`): `terms` is the new
    version; `levels` maps a level the new terms dropped to the one it becomes, through the whole level
    history (a relabel, not an upgrade: the clock does not restart); `module` is the row it now refers to."""
    _need(t, OPEN_STATES, "改用新条款")
    levels = {int(k): int(v) for k, v in a.data.get("levels", {}).items()}
    module = a.data.get("module") or {}
    return replace(
        t,
        terms=a.data["terms"],
        severity=levels.get(t.severity, t.severity),
        levels=tuple((at, levels.get(level, level)) for at, level in t.levels),
        module_no=module.get("no", t.module_no),
        module_name=module.get("name", t.module_name),
        in_scope=module.get("selected", t.in_scope),
    )


_HANDLERS = {
    "ack": _ack,
    "assign": _assign,
    "arrive": _arrive,
    "resolve": _resolve,
    "close": _close,
    "reopen": _reopen,
    "pause": _pause,
    "resume": _resume,
    "severity": _severity,
    "negotiate": _negotiate,
    "note": _note,
    "remote": _remote,
    "remote_session": _remote_session,
    "reapply": _reapply,
}


def replay(events: list[tuple[str, datetime, dict, str]], now: datetime) -> Ticket:
    """Fold a ticket's history (kind, effective time, data, reason), first event `create`, into its state."""
    (kind, at, data, _), *rest = events
    if kind != "create":
        raise ValueError("a ticket's history starts with create")
    ticket = create(data, at, now)
    for kind, at, data, reason in rest:
        ticket, _ = apply(ticket, Action(kind, at, data, reason), now)
    return ticket
