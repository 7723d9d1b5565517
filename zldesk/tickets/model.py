"""A ticket as plain data: its states, the names people read, the channel a call came in on, an action,
a remote-access permission, and the ticket itself. No database, no clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from ..errors import ZlDeskError

NEW, ACKNOWLEDGED, ON_SITE, RESOLVED, CLOSED, PENDING = (
    "new",
    "acknowledged",
    "on_site",
    "resolved",
    "closed",
    "pending",
)
OPEN_STATES = (NEW, ACKNOWLEDGED, ON_SITE, PENDING)
STATE_NAMES = {
    NEW: "新建",
    ACKNOWLEDGED: "已受理",
    ON_SITE: "已到场",
    RESOLVED: "已解决",
    CLOSED: "已关闭",
    PENDING: "挂起",
}
KIND_NAMES = {
    "create": "登记",
    "ack": "受理",
    "assign": "指派",
    "arrive": "到场",
    "resolve": "解决",
    "close": "关闭",
    "reopen": "重开",
    "pause": "挂起",
    "resume": "恢复",
    "severity": "改级别",
    "negotiate": "协商时限",
    "note": "备注",
    "remote": "远程许可",
    "remote_session": "远程会话",
    "reapply": "改用新条款",
}
FIELD_NAMES = {
    "state": "状态",
    "severity": "级别",
    "assignee": "指派",
    "acknowledged_at": "受理时间",
    "arrived_at": "到场时间",
    "resolved_at": "解决时间",
    "closed_at": "关闭时间",
    "negotiated_due": "协商时限",
    "negotiated_with": "协商人",
    "title": "标题",
    "description": "描述",
    "channel": "渠道",
    "module_name": "模块",
    "caller": "来电人",
    "phone": "电话",
    "dept": "科室",
    "contract": "合同",
    "received_at": "来电时间",
    "module_no": "模块编号",
    "in_scope": "在合同范围",
}
CHANNELS = {
    "hotline": "热线",
    "backup": "备勤专线",
    "remote": "远程",
    "qq": "QQ",
    "onsite": "现场",
    "email": "邮件",
    "phone": "电话",
    "forum": "论坛",
    "website": "网站",
    "other": "其他",
}
_CHANNEL_ALIASES = {v: k for k, v in CHANNELS.items()} | {"备勤": "backup", "备线": "backup", "qq群": "qq"}
# A host clock a little behind the caller's watch must not make a fresh call "in the future".
FUTURE_TOLERANCE = timedelta(minutes=1)
# A negotiated deadline lies after the call and at most this long after it. The longest target is days; a
# hospital agrees to wait weeks for a patch, never years: a year (leap day included) holds every real
# agreement and stops 2062 typed for 2026.
NEGOTIATED_SPAN = timedelta(days=366)


class TicketError(ZlDeskError):
    """An action that makes no sense for this ticket now."""

    exit_code = 2


def filled(cls: type, fields: dict[str, Any]) -> Any:
    """An instance of the frozen dataclass `cls` holding `fields` (every field, no __post_init__), made without
    its __init__, which sets each field through object.__setattr__: a third of the cost where a list or an
    import makes hundreds of thousands (tests hold each use equal to `cls(**fields)`)."""
    made = object.__new__(cls)
    made.__dict__.update(fields)
    return made


@dataclass(frozen=True)
class Action:
    kind: (
        str  # create ack assign arrive resolve close reopen pause resume severity negotiate note remote
        # remote_session reapply
    )
    at: datetime  # when it took effect
    data: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True)
class Grant:
    """The hospital's permission for remote access, recorded whole (the contract's condition)."""

    granted_by: str
    at: datetime
    until: datetime | None  # None: until the ticket is closed
    channel: str = ""  # how it was given: 电话, QQ, 书面 (empty in permissions recorded before it was asked)
    scope: str = ""
    engineer: str = ""  # empty: recorded before engineers were named, holds for anyone


# The keys of an action's data that are instants: typed as text, stored as ISO, used as aware datetimes.
TIME_FIELDS = ("due", "until", "end")


@dataclass(frozen=True)
class Ticket:
    contract: str
    severity: int
    title: str
    received_at: datetime
    description: str = ""
    module_no: int | None = None
    module_name: str = ""
    in_scope: bool = True
    caller: str = ""
    phone: str = ""
    dept: str = ""
    channel: str = "hotline"
    assignee: str = ""
    state: str = NEW
    acknowledged_at: datetime | None = None
    arrived_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    state_before_pause: str | None = None
    pauses: tuple[tuple[datetime, datetime | None, str], ...] = ()  # (start, end or None, reason)
    levels: tuple[tuple[datetime, int], ...] = ()  # severity history, first entry at the opening
    negotiated_due: datetime | None = None
    negotiated_with: str = ""
    remote: tuple[Grant, ...] = ()  # the hospital's permissions for remote access, in order
    terms: int | None = None  # the contract version it is held to (None: not recorded, from before v7)
    version: int = 0

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @cached_property  # read three times for each ticket listed; a frozen ticket's fields never change
    def sla_stop(self) -> datetime | None:
        """The clock stops at the first of arrival on site or resolution."""
        arrived, resolved = self.arrived_at, self.resolved_at
        return resolved if arrived is None else arrived if resolved is None else min(arrived, resolved)

    def remote_allowed(self, at: datetime, engineer: str | None = None) -> Grant | None:
        """The latest permission valid at `at` (no end: until the ticket is closed), for `engineer` if
        given (a permission recorded before engineers were named holds for anyone)."""
        for grant in reversed(self.remote):
            if engineer is not None and grant.engineer and grant.engineer != engineer:
                continue
            if (
                grant.at <= at
                and (grant.until is None or at < grant.until)
                and not (self.closed_at and at >= self.closed_at)
            ):
                return grant
        return None


def parse_times(data: dict[str, Any], zone, names: dict[str, str] | None = None) -> dict[str, Any]:
    """An action's data as typed: its TIME_FIELDS read as instants in `zone` (the contract's) when given as
    text, empty ones as None; an error names the field as the person typed it (`--due`, or the form's label)."""
    from ..text import parse_instant

    out = dict(data)
    for key in TIME_FIELDS:
        value = out.get(key)
        if isinstance(value, str):
            what = (names or {}).get(key) or f"--{key}"
            out[key] = parse_instant(value, zone, what) if value.strip() else None
    return out


def channel_code(text: str) -> str:
    key = text.strip().lower()
    if key in CHANNELS:
        return key
    if key in _CHANNEL_ALIASES or text.strip() in _CHANNEL_ALIASES:
        return _CHANNEL_ALIASES.get(key) or _CHANNEL_ALIASES[text.strip()]
    raise TicketError("不认识的渠道", f"{text!r}；可用：{'、'.join(f'{k}（{v}）' for k, v in CHANNELS.items())}")


# cached_property values live in the instance's __dict__: a copy with changed fields computes its own
CACHED = tuple(name for name, value in vars(Ticket).items() if isinstance(value, cached_property))


def replace(t: Ticket, **changes: Any) -> Ticket:
    """dataclasses.replace for a Ticket (no __post_init__ to run), at a tenth of its cost: its fields with
    `changes` over them, never a value cached from the old fields (an import replays millions of actions)."""
    fields = {**t.__dict__, **changes}
    for name in CACHED:
        fields.pop(name, None)
    return filled(Ticket, fields)
