"""A ticket as people and scripts see it: the JSON of `ticket show`, the remaining time, the clock text.

Shared by the CLI and the console; no Textual, no Typer.
"""

from __future__ import annotations

from datetime import datetime

from .lifecycle import FIELD_NAMES, KIND_NAMES, STATE_NAMES


def default_channel(policy, at: datetime) -> str:
    """A call logged without a channel came in on the hotline while it is open, else on the backup line."""
    return "hotline" if policy.hotline_open(at) else "backup"


def remaining(policy, t, d, now: datetime) -> float | None:
    """Business seconds left to the binding deadline (a negotiated one when agreed; negative: breached),
    as the board counts it; frozen while paused; None once the clock stopped."""
    if t.sla_stop is not None:
        return None
    if d.due is None:  # paused: what was left when the clock stopped
        return policy.remaining(d, now)
    return policy.business_between(d.window, now.timestamp(), d.due.timestamp())


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "已停表"
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


def ticket_json(policy, t, d, tid: int, now: datetime, events=None) -> dict:
    out = {
        "id": tid, "contract": t.contract, "version": t.version, "state": t.state, "severity": t.severity,
        "title": t.title, "description": t.description, "module_no": t.module_no, "module": t.module_name,
        "in_scope": t.in_scope, "caller": t.caller, "phone": t.phone, "dept": t.dept, "channel": t.channel,
        "assignee": t.assignee,
        **{k: getattr(t, k).isoformat() if getattr(t, k) else None for k in (
            "received_at", "acknowledged_at", "arrived_at", "resolved_at", "closed_at", "negotiated_due")},
        "negotiated_with": t.negotiated_with,
        "pauses": [{"start": a.isoformat(), "end": b.isoformat() if b else None, "reason": r} for a, b, r in t.pauses],
        "due": d.due.isoformat() if d.due else None,
        "computed_due": d.computed_due.isoformat() if d.computed_due else None,
        "window": d.window, "provisional": d.provisional, "warnings": list(d.warnings),
        "remaining_seconds": remaining(policy, t, d, now),
        "breaches": policy.breaches(d, t.sla_stop or now),
        "remote_permission": _remote_json(t, now),
    }
    if events is not None:
        from ..explain import explain, sentence

        steps = explain(policy, d)
        out["explain"] = [s.to_json() for s in steps]
        out["sentence"] = sentence(steps)
        out["history"] = [{"seq": e.seq, "kind": e.kind, "who": e.who, "entered_at": e.entered_at.isoformat(),
                           "effective_at": e.effective_at.isoformat(), "data": e.data, "reason": e.reason,
                           "changes": e.changes} for e in events]
    return out


def _remote_json(t, now: datetime) -> dict | None:
    grant = t.remote_allowed(now)
    if grant is None:
        return None
    who, at, until, channel, scope, engineer = grant
    return {"granted_by": who, "at": at.isoformat(), "until": until.isoformat() if until else None,
            "channel": channel, "scope": scope, "engineer": engineer}


def permission_text(grant: dict | None) -> str:
    """The valid remote permission in one line, as the CLI and the ticket screen both show it."""
    if grant is None:
        return "无有效许可"
    return (f"{grant['granted_by']}（{grant['channel'] or '渠道未记'}）允许 {grant['engineer'] or '工程师'}："
            f"{grant['scope'] or '范围未记'}，至 {grant['until'] or '工单关闭'}")


# Lists kept on the ticket for replay; a person reads the event itself instead.
INTERNAL = ("version", "levels", "pauses", "remote", "state_before_pause")


def event_line(e, zone) -> tuple[str, str]:
    """(when, what) of one history event: the effective time, and the entered time too when logged late;
    what changed in words, times in the contract's zone."""
    effective = e.effective_at.astimezone(zone)
    entered = e.entered_at.astimezone(zone)
    when = f"{effective:%m-%d %H:%M}"
    if abs((entered - effective).total_seconds()) > 60:
        when += f"（{entered:%m-%d %H:%M} 录入）"
    what = {"note": e.data.get("text", ""), "create": e.data.get("title", ""),
            "remote": f"{e.data.get('granted_by')}（{e.data.get('channel') or '渠道未记'}）允许 "
                      f"{e.data.get('engineer') or '工程师'} 远程：{e.data.get('scope') or '范围未记'}",
            "remote_session": f"{e.data.get('engineer')} 远程会话：{e.data.get('what')}"}.get(e.kind) or "；".join(
        f"{FIELD_NAMES.get(k, k)}：{_value(k, old, zone)} → {_value(k, new, zone)}"
        for k, (old, new) in e.changes.items() if k not in INTERNAL)
    if e.reason:
        what += f"  原因：{e.reason}"
    return when, what


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


def _value(field: str, value, zone) -> str:
    """A changed value as a person reads it: — for nothing, states by name, times local to the minute."""
    if value is None or value == "":
        return "—"
    if field == "state":
        return STATE_NAMES.get(value, value)
    if isinstance(value, str) and field.endswith(("_at", "_due")):
        try:
            return f"{datetime.fromisoformat(value).astimezone(zone):%m-%d %H:%M}"
        except ValueError:
            return value
    return str(value)
