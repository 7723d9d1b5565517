"""A ticket as people and scripts see it: the JSON of `ticket show` (its clock from tickets.clock), the
fields and history lines in words. Shared by the CLI and the console; no Textual, no Typer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..text import day_time
from .clock import breaches, ticket_clock
from .leave import departure, leave_json
from .model import CHANNELS, FIELD_NAMES, KIND_NAMES, STATE_NAMES
from .terms import reapply_line


def hotline_open(policy, at: datetime) -> bool | None:
    """Whether the contract's hotline (its `hotline` contact's window) is open at `at`; None if it has none."""
    window = next((c.window for c in policy.contract.contacts if c.kind == "hotline" and c.window), None)
    if window is None:
        return None
    return policy.open_from(window, at.timestamp()) == at.timestamp()


def default_channel(policy, at: datetime) -> str:
    """A call logged without a channel came in on the hotline while it is open, else on the backup line."""
    return "hotline" if hotline_open(policy, at) else "backup"


def ticket_json(policy, t, d, tid: int, now: datetime, events=None) -> dict:
    """The ticket as `ticket show --json` gives it; `clock` is tickets.clock's answer at `now`, the same one
    the board draws from the stored key. `d` None (load_ticket: a time beyond the years the engine computes):
    the same keys, the clock out of range and saying which time, nothing computed."""
    clock = ticket_clock(policy, t, d, now)
    leave = departure(policy, t.severity, clock)
    zone = policy.out_zone  # every time in the contract's zone, as the screens say them; the stored ones are UTC

    def iso(value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(zone).isoformat()

    stop = t.sla_stop

    window, due = (d.window, d.due) if d else (policy.severity(t.severity).target.window, clock.due)
    problems = [clock.problem] if clock.problem else []
    out = {
        "id": tid,
        "contract": t.contract,
        "version": t.version,
        "state": t.state,
        "severity": t.severity,
        "title": t.title,
        "description": t.description,
        "module_no": t.module_no,
        "module": t.module_name,
        "in_scope": t.in_scope,
        "caller": t.caller,
        "phone": t.phone,
        "dept": t.dept,
        "channel": t.channel,
        "assignee": t.assignee,
        "received_at": iso(t.received_at),
        "acknowledged_at": iso(t.acknowledged_at) if t.acknowledged_at else None,
        "arrived_at": iso(t.arrived_at) if t.arrived_at else None,
        "resolved_at": iso(t.resolved_at) if t.resolved_at else None,
        "closed_at": iso(t.closed_at) if t.closed_at else None,
        "negotiated_due": iso(t.negotiated_due) if t.negotiated_due else None,
        "negotiated_with": t.negotiated_with,
        "pauses": [{"start": iso(a), "end": iso(b), "reason": r} for a, b, r in t.pauses] if t.pauses else [],
        "due": iso(due),
        "leave_by": leave_json(leave, zone),  # when to set out for the site (tickets.leave); null: no need
        "computed_due": iso(d.computed_due) if d else None,
        "window": window,
        "provisional": d.provisional if d else False,
        "warnings": [*(d.warnings if d else ()), *problems],
        "remaining_seconds": clock.remaining_seconds,
        "clock": clock.to_json(policy.out_zone),
        "breaches": breaches(d, stop or now) if d else [],
        "remote_permission": _remote_json(t, now, zone) if t.remote else None,
    }
    if events is not None:
        from ..explain import Step, explain, sentence

        steps = [*(explain(policy, d) if d else ()), *(Step("warning", p) for p in problems)]
        said = sentence(steps)  # the deadline's; the departure has its own line (leave_row)
        if leave is not None:
            steps.append(Step("leave", leave.explain(zone), start=leave.leave_by.astimezone(zone)))
        out["explain"] = [s.to_json() for s in steps]
        out["sentence"] = said
        out["history"] = [
            {
                "seq": e.seq,
                "kind": e.kind,
                "who": e.who,
                "entered_at": iso(e.entered_at),
                "effective_at": iso(e.effective_at),
                "data": e.data,
                "reason": e.reason,
                "changes": e.changes,
            }
            for e in events
        ]
    return out


def leave_row(data: dict, now: datetime) -> tuple[str, bool] | None:
    """The departure line of a full `ticket_json` (with its explanation), as `ticket show` and the ticket
    screen both say it, and whether it has passed with no arrival recorded (then red): None without one."""
    if not data.get("leave_by"):
        return None
    leave = datetime.fromisoformat(data["leave_by"])
    line = next(s["text"] for s in data["explain"] if s["kind"] == "leave")
    if leave.date() != now.astimezone(leave.tzinfo).date():
        line = line.replace("出发 ", f"出发 {day_time(leave, leave.tzinfo, now, hour=False)} ", 1)
    late = now > leave
    return line + ("（已过，尚未到场）" if late else ""), late


def _remote_json(t, now: datetime, zone) -> dict | None:
    grant = t.remote_allowed(now)
    if grant is None:
        return None
    return {
        "granted_by": grant.granted_by,
        "at": grant.at.astimezone(zone).isoformat(),
        "until": grant.until.astimezone(zone).isoformat() if grant.until else None,
        "channel": grant.channel,
        "scope": grant.scope,
        "engineer": grant.engineer,
    }


def permission_text(grant: dict | None) -> str:
    """The valid remote permission in one line, as the CLI and the ticket screen both show it."""
    if grant is None:
        return "无有效许可"
    until = f"{datetime.fromisoformat(grant['until']):%Y-%m-%d %H:%M}" if grant["until"] else "工单关闭"
    return (
        f"{grant['granted_by']}（{grant['channel'] or '渠道未记'}）允许 {grant['engineer'] or '工程师'}："
        f"{grant['scope'] or '范围未记'}，至 {until}"
    )


# Lists kept on the ticket for replay; a person reads the event itself instead.
INTERNAL = ("version", "levels", "pauses", "remote", "state_before_pause", "terms")

# The fields a person reads on a ticket, in this order (the CLI's `ticket show` and the ticket screen).
DETAILS = (
    ("合同", "contract"),
    ("模块", "module"),
    ("来电人", "caller"),
    ("电话", "phone"),
    ("科室", "dept"),
    ("渠道", "channel"),
    ("指派", "assignee"),
    ("描述", "description"),
)


# The fields that may span lines; every other one is shown on one line, a line break in it as `\n`.
MULTILINE = ("description",)


def detail_rows(data: dict) -> list[tuple[str, str, bool]]:
    """(label, value, may it span lines) of each field `ticket_json` gave that has a value; the channel by
    its name."""
    rows = [
        (label, CHANNELS.get(data[key], data[key]) if key == "channel" else str(data[key]), key in MULTILINE)
        for label, key in DETAILS
        if data.get(key)
    ]
    if not data["in_scope"]:
        rows.append(("范围", f"不在合同范围：第 {data['module_no']} 行 {data['module']} 未选", False))
    return rows


def change_lines(changes: dict, zone, now: datetime | None = None) -> list[str]:
    """What a change did, field by field in words (改级别：3 → 2), times in the contract's zone (with the year
    when not `now`'s)."""
    now = now or datetime.now(UTC)
    return [
        f"{FIELD_NAMES.get(k, k)}：{_value(k, old, zone, now)} → {_value(k, new, zone, now)}"
        for k, (old, new) in changes.items()
        if k not in INTERNAL
    ]


def event_line(e, zone, now: datetime | None = None) -> tuple[str, str, str]:
    """(when, what, text) of one history event: the effective time, and the entered time too when logged
    late; what changed in words, times in the contract's zone (with the year when not `now`'s), on one line;
    and the text a note or a remote session wrote, which may span lines (shown indented under the event,
    never as events of its own)."""
    now = now or datetime.now(UTC)
    when = day_time(e.effective_at, zone, now)
    if abs((e.entered_at - e.effective_at).total_seconds()) > 60:
        when += f"（{day_time(e.entered_at, zone, now)} 录入）"
    text = {"note": e.data.get("text", ""), "remote_session": e.data.get("what", "")}.get(e.kind, "")
    what = {
        "note": "",
        "create": e.data.get("title", ""),
        "remote": f"{e.data.get('granted_by')}（{e.data.get('channel') or '渠道未记'}）允许 "
        f"{e.data.get('engineer') or '工程师'} 远程：{e.data.get('scope') or '范围未记'}",
        "remote_session": f"{e.data.get('engineer')} 远程会话：",
    }.get(e.kind)
    if what is None:
        what = "；".join(change_lines(e.changes, zone, now))
    if e.kind == "reapply":
        what = reapply_line(e.data, zone, now)
    if e.reason:
        what += f"  原因：{e.reason}"
    return when, what, str(text or "")


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def _value(field: str, value, zone, now: datetime) -> str:
    """A changed value as a person reads it: — for nothing, states by name, times local to the minute."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field == "state":
        return STATE_NAMES.get(value, value)
    if isinstance(value, str) and field.endswith(("_at", "_due")):
        try:
            return day_time(datetime.fromisoformat(value), zone, now)
        except ValueError:
            return value
    return str(value)
