"""The handover sheet of a duty line's handoff (`zldesk handover`, the console's `h`) and the acknowledgements
of handoffs (roster_event rows of kind `handover`, written by store/roster.py `acknowledge_handover`).

Read through the driver's own connection (as rows.py): the roster, the open tickets whole, their clocks.
A sheet is a list of items, each (kind, instant, ticket, text): the shift's timeline (deadlines, windows
opening and closing, remote permissions ending; any other kind with an instant joins it as one more kind),
the paused tickets and the roster's gaps. No SQLAlchemy here."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..calendar import ChinaCalendar
from ..roster import Roster, compute, gaps, handover
from ..roster.handover import Ack, Handoff
from ..text import fit, visible
from .rows import read_acks

BEFORE, AHEAD = timedelta(days=8), timedelta(days=32)  # segments read around `at`: a weekly shift each side
SPAN = timedelta(hours=24)  # a sheet covers its shift up to this long after the handoff
GAPS_AHEAD = timedelta(hours=24)
KIND = "handover"  # roster_event.kind of an acknowledgement; its source is "<line> <handoff, ISO UTC>"
WINDOW_WORDS = {"hotline": "热线", "backup": "备勤", "onsite": "现场", "remote": "远程", "workday": "工作日"}
SECTIONS = (("paused", "挂起的工单"), ("gap", "未来 24 小时值班缺口"))  # the rest is the shift's timeline
TITLE_CELLS = 24


@dataclass(frozen=True)
class Item:
    kind: str  # due | clock | remote (the timeline, by instant) | paused | gap; more kinds join the timeline
    at: datetime | None
    text: str  # one line, user text made visible
    ticket: int | None = None


@dataclass(frozen=True)
class Sheet:
    contract: str
    customer: str
    line: str
    label: str
    at: datetime  # when it was read
    handoff: Handoff
    end: datetime  # the end of what it covers: the next change of holder, or SPAN after the handoff
    ack: Ack | None
    items: list[Item] = field(default_factory=list)

    def text(self, zone) -> str:
        h = self.handoff
        out = [f"【交接单】{visible(self.customer)} {self.label}"]
        who = f"{visible(h.outgoing)} → " if h.outgoing else "（无人）→ "
        until = f"，至 {_when(h.until, zone, h.at)}" if h.until else ""
        out.append(f"{_when(h.at, zone, self.at, day=True)} 交接：{who}{visible(h.incoming)}{until}")
        if self.ack:
            out.append(f"已确认：{visible(self.ack.who)} {_when(self.ack.at, zone, h.at)}")
        else:
            out.append("交接未确认" if h.at <= self.at else "尚未交接")
        timeline = [i for i in self.items if i.kind not in dict(SECTIONS)]
        out.append(f"—— 本班要事（至 {_when(self.end, zone, h.at)}）——")
        out += [i.text for i in timeline] or ["（无）"]
        for kind, title in SECTIONS:
            out.append(f"—— {title} ——")
            out += [i.text for i in self.items if i.kind == kind] or ["（无）"]
        return "\n".join(out) + "\n"

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
            "items": [{"kind": i.kind, "at": iso(i.at), "ticket": i.ticket, "text": i.text} for i in self.items],
            "text": self.text(zone),
        }


def _when(t: datetime, zone, ref: datetime, day: bool = False) -> str:
    """09:00 on the reference's day, 12-03 09:00 on another."""
    local, there = t.astimezone(zone), ref.astimezone(zone)
    if not day and local.date() == there.date():
        return f"{local:%H:%M}"
    return f"{local:%m-%d %H:%M}" if local.year == there.year else f"{local:%Y-%m-%d %H:%M}"


def resolve_line(contract, roster, text: str | None) -> tuple[str, str]:
    """(name, label) of the line asked for; refused, with the lines there are, when unknown or not said."""
    from ..errors import Refused
    from ..roster import line_name
    from ..text import visible

    lines = roster.lines
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


def ack_source(line: str, handoff: datetime) -> str:
    return f"{line} {handoff.astimezone(UTC).isoformat()}"


def line_segments(contract, roster: Roster, at: datetime):
    return compute(roster, contract, ChinaCalendar.shared(), at - BEFORE, at + AHEAD)


def sheet(conn, contract_id: int, contract, roster: Roster, line: str, at: datetime) -> Sheet | None:
    """The sheet of the line's handoff at `at` (handover.chosen: the current one until acknowledged, else
    the next); None when the segments read hold no handoff for it."""
    acks = read_acks(conn, contract_id)
    segments = line_segments(contract, roster, at)
    h = handover.chosen(handover.handoffs(segments, line), at, acks)
    if h is None:
        return None
    end = min(h.until or h.at + SPAN, h.at + SPAN)
    items = _ticket_items(conn, contract_id, contract, h.at, end, at)
    items += _gap_items(segments, roster, contract, at)
    label = next((x.label for x in roster.lines if x.name == line), line)
    return Sheet(contract.code, contract.customer, line, label, at, h, end, handover.acknowledged(h, acks), items)


def _gap_items(segments, roster: Roster, contract, at: datetime) -> list[Item]:
    zone, labels = contract.zone, {x.name: x.label for x in roster.lines}
    out = []
    for g in sorted(gaps(segments), key=lambda g: (g.start, g.line)):
        if g.end > at and g.start < at + GAPS_AHEAD:
            a = max(g.start, at)
            text = f"{labels.get(g.line, g.line)} {_when(a, zone, at, day=True)} 至 {_when(g.end, zone, a)} 无人值守"
            out.append(Item("gap", a, text))
    return out


def _ticket_items(conn, contract_id: int, contract, start: datetime, end: datetime, at: datetime) -> list[Item]:
    from ..tickets import PENDING, ticket_clock, ticket_deadlines
    from .rows import policies
    from .whole import board_tickets

    zone = contract.zone
    held, rules = [], {}
    for batch in board_tickets(conn, {contract_id: contract.code}, open_only=True, contract_id=contract_id):
        wanted = {row.terms_id for row, _ in batch} - rules.keys()
        if wanted:
            rules |= policies(conn, wanted)
        deadlines = ticket_deadlines([(rules[row.terms_id], t) for row, t in batch])
        held += [(row.id, rules[row.terms_id], t, d) for (row, t), d in zip(batch, deadlines)]
    timeline: list[Item] = []
    paused: list[Item] = []
    counting: dict[tuple[int, str], list[int]] = {}  # (policy, window) -> tickets whose clock counts in it
    policy_of: dict[int, object] = {}
    for tid, policy, t, d in held:
        head = f"#{tid} {t.severity}级 {fit(t.title, TITLE_CELLS).rstrip()}"
        if t.state == PENDING:
            since, _, reason = t.pauses[-1] if t.pauses else (None, None, "")
            when = f"（{_when(since, zone, at, day=True)} 起）" if since else ""
            paused.append(Item("paused", since, f"{head}：{visible(reason) or '未写原因'}{when}", tid))
        for g in t.remote:
            if g.until is not None and start <= g.until < end:
                by = f"（授权：{visible(g.granted_by)}）" if g.granted_by else ""
                timeline.append(Item("remote", g.until, f"{_when(g.until, zone, start)} {head} 远程许可到期{by}", tid))
        if d is None or t.state == PENDING or t.sla_stop is not None:
            continue
        clock = ticket_clock(policy, t, d, at)
        if clock.due is not None and clock.due < end:
            late = "已超时 " if clock.due <= at else ""
            timeline.append(Item("due", clock.due, f"{_when(clock.due, zone, start)} {late}到期 {head}", tid))
        counting.setdefault((id(policy), d.window), []).append(tid)
        policy_of[id(policy)] = policy
    for (pid, window), tickets in counting.items():
        timeline += _window_items(policy_of[pid], window, len(tickets), start, end)
    timeline.sort(key=lambda i: (i.at, i.kind, i.ticket or 0))
    return timeline + paused


def _window_items(policy, window: str, count: int, start: datetime, end: datetime) -> list[Item]:
    """The window's openings and closings in [start, end): the clocks of `count` tickets start or stop."""
    timeline = policy.timelines[window]
    a, b = start.timestamp(), end.timestamp()
    timeline.ensure(a)
    timeline.ensure(b)
    word = WINDOW_WORDS.get(window) or visible(policy.contract.window(window).label)
    zone, out = policy.out_zone, []
    starts, ends = timeline.starts, timeline.ends
    i = max(bisect_left(ends, a) - 1, 0)
    for j in range(i, len(starts)):
        if starts[j] >= b:
            break
        touching_before = j > 0 and ends[j - 1] == starts[j]
        if a <= starts[j] < b and not touching_before:
            t = datetime.fromtimestamp(starts[j], zone)
            out.append(Item("clock", t, f"{_when(t, zone, start)} {word}窗口开放：{count} 张工单开始计时"))
        touching_after = j + 1 < len(starts) and starts[j + 1] == ends[j]
        if a <= ends[j] < b and not touching_after:
            t = datetime.fromtimestamp(ends[j], zone)
            out.append(Item("clock", t, f"{_when(t, zone, start)} {word}窗口关闭：{count} 张工单停止计时"))
    return out
