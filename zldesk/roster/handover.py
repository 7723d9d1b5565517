"""Handoffs: the instants a duty line's holder changes, which one a handover sheet is for, and whether the
incoming engineer has acknowledged it. Only computed segments in (from `roster.compute`); no database.

A line's holders are read in time order across its closed hours: the on-site line closed from 21:00 to
09:00 and held by the same engineer the next morning has not changed hands. A handoff is to an engineer
(the line falling to nobody is a gap, said by `gaps`); the incoming shift runs to the next change of holder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

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
