"""The facts of a duty line's handover sheet (`zldesk handover`, the console's `h`), worded by
roster/handover.py: the handoff (the current one until acknowledged, else the next), the open tickets'
deadlines in the shift, the windows opening and closing that start or stop their clocks, remote permissions
ending, paused tickets, and the roster's gaps in the next 24 hours. Acknowledgements are roster_event rows
of kind `handover` (`read_acks` here, store/roster.py `take_over`).

Read through the driver's own connection (as rows.py): the roster, the open tickets whole, their clocks.
No SQLAlchemy here."""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime, timedelta

from ..calendar import ChinaCalendar
from ..roster import Roster, compute, gaps, handover
from ..roster.handover import Item, Sheet
from .rows import _all, _utc, placeholder

BEFORE, AHEAD = timedelta(days=8), timedelta(days=32)  # segments read around `at`: a weekly shift each side
SPAN = timedelta(hours=24)  # a sheet covers its shift up to this long after the handoff
GAPS_AHEAD = timedelta(hours=24)
KIND = "handover"  # roster_event.kind of an acknowledgement; its source is "<line> <handoff, ISO UTC>"


def ack_source(line: str, handoff: datetime) -> str:
    return f"{line} {handoff.astimezone(UTC).isoformat()}"


def line_segments(contract, roster: Roster, at: datetime):
    return compute(roster, contract, ChinaCalendar.shared(), at - BEFORE, at + AHEAD)


def sheet(conn, contract_id: int, contract, roster: Roster, line: str, at: datetime) -> Sheet | None:
    """The sheet of the line's handoff at `at` (handover.chosen); None when the segments read hold no
    handoff for it."""
    acks = read_acks(conn, contract_id)
    segments = line_segments(contract, roster, at)
    h = handover.chosen(handover.handoffs(segments, line), at, acks)
    if h is None:
        return None
    end = min(h.until or h.at + SPAN, h.at + SPAN)
    items = _ticket_items(conn, contract_id, contract, h.at, end, at)
    items += _gap_items(segments, roster, at)
    label = next((x.label for x in roster.lines if x.name == line), line)
    return Sheet(contract.code, contract.customer, line, label, at, h, end, handover.acknowledged(h, acks), items)


def _gap_items(segments, roster: Roster, at: datetime) -> list[Item]:
    labels = {x.name: x.label for x in roster.lines}
    return [
        Item("gap", max(g.start, at), what=labels.get(g.line, g.line), end=g.end)
        for g in sorted(gaps(segments), key=lambda g: (g.start, g.line))
        if g.end > at and g.start < at + GAPS_AHEAD
    ]


def _ticket_items(conn, contract_id: int, contract, start: datetime, end: datetime, at: datetime) -> list[Item]:
    from ..tickets import PENDING, ticket_clock, ticket_deadlines
    from .rows import policies
    from .whole import board_tickets

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
        facts = dict(ticket=tid, severity=t.severity, title=t.title)
        if t.state == PENDING:
            since, _, reason = t.pauses[-1] if t.pauses else (None, None, "")
            paused.append(Item("paused", since, what=reason, **facts))
        for g in t.remote:
            if g.until is not None and start <= g.until < end:
                timeline.append(Item("remote", g.until, what=g.granted_by, **facts))
        if d is None or t.state == PENDING or t.sla_stop is not None:
            continue
        clock = ticket_clock(policy, t, d, at)
        if clock.due is not None and clock.due < end:
            timeline.append(Item("due", clock.due, late=clock.due <= at, **facts))
        counting.setdefault((id(policy), d.window), []).append(tid)
        policy_of[id(policy)] = policy
    for (pid, window), tickets in counting.items():
        timeline += _window_items(policy_of[pid], window, len(tickets), start, end)
    timeline.sort(key=lambda i: (i.at, i.kind, i.ticket or 0))
    return timeline + paused


def _window_items(policy, window: str, count: int, start: datetime, end: datetime) -> list[Item]:
    """The window's openings and closings in [start, end): the clocks of `count` tickets start or stop
    (one window open across midnight, as the backup line is, neither closes nor opens there)."""
    timeline = policy.timelines[window]
    a, b = start.timestamp(), end.timestamp()
    timeline.ensure(a)
    timeline.ensure(b)
    label, zone, out = policy.contract.window(window).label, policy.out_zone, []
    starts, ends = timeline.starts, timeline.ends
    for j in range(max(bisect_left(ends, a) - 1, 0), len(starts)):
        if starts[j] >= b:
            break
        if a <= starts[j] < b and not (j > 0 and ends[j - 1] == starts[j]):
            out.append(
                Item(
                    "clock", datetime.fromtimestamp(starts[j], zone), what=window, label=label, count=count, opens=True
                )
            )
        if a <= ends[j] < b and not (j + 1 < len(starts) and starts[j + 1] == ends[j]):
            out.append(Item("clock", datetime.fromtimestamp(ends[j], zone), what=window, label=label, count=count))
    return out


def read_acks(conn, contract_id: int) -> list:
    """The contract's acknowledged handoffs (roster.handover.Ack), oldest first: roster_event rows of kind
    `handover`, whose source is "<line> <handoff, ISO>" (store/roster.py acknowledge_handover)."""
    from ..roster.handover import Ack

    ph = placeholder(conn)
    rows = _all(
        conn,
        f"SELECT source, who, at FROM roster_event WHERE contract_id = {ph} AND kind = {ph} ORDER BY id",
        (contract_id, "handover"),
    )
    out = []
    for source, who, at in rows:
        line, _, when = source.partition(" ")
        try:
            out.append(Ack(line, datetime.fromisoformat(when), who, _utc(at)))
        except ValueError:  # not written by acknowledge_handover: no handoff of ours
            continue
    return out
