"""A ticket's clock at an instant: the one answer to "what is its deadline, is its clock running, and how
much business time is left", read by the board, the ticket screen, `ticket list`, `ticket show` and every
JSON. No Textual here.

The store keeps one number per ticket for the board (`clock_key`): the binding deadline as epoch seconds
while the clock runs, or FROZEN + the business seconds that were left when it stopped (an engineer
arrived, the ticket was resolved) or paused. `clock_at` turns that number into a Clock; `ticket_clock`
does the same from the ticket itself, through the same two functions, so the two can never differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ..errors import OutOfRange
from ..sla import Deadline, Pause, SeverityChange
from ..text import check_computable, day_time
from .far import beyond_years, instant
from .model import PENDING, Ticket, filled

# Sorts after every epoch second (~2e9): a frozen clock's key is FROZEN + what was left, so the board lists
# running clocks first, soonest breach first, then the frozen ones, least left first.
FROZEN = 1e12

RUNNING, WAITING, PAUSED, STOPPED = "running", "waiting", "paused", "stopped"
# A ticket stored with a time beyond the years the engine computes (by an older zldesk, or by hand): shown
# as such on every surface, never a crash, never years of intervals built.
OUT_OF_RANGE = "out_of_range"
STATE_WORDS = {
    RUNNING: "计时中",
    WAITING: "等窗口开放",
    PAUSED: "挂起停表",
    STOPPED: "已停表",
    OUT_OF_RANGE: "超出范围",
}
STOPS = {"arrived": "到场", "resolved": "解决"}

# Share of business time left -> style. Breached counts up as negative time.
PLENTY, QUARTER, HOUR, BREACHED, FROZEN_STYLE = "green", "yellow", "bold red", "bold white on red", "cyan"
OUT_STYLE = "bold black on yellow"
HOUR_SECONDS = 3600  # under this much left, a row is urgent: red, and marked


@dataclass(frozen=True)
class Clock:
    state: str  # running | waiting (the window is closed now) | paused | stopped | out_of_range
    seconds: float | None  # business seconds left to the binding deadline (negative: breached); frozen: at the
    # stop; None when out of range
    share: float | None  # of the level's target
    due: datetime | None  # the binding deadline (a negotiated one when agreed); None while paused without one
    at: datetime  # the instant this clock was read at
    resumes: datetime | None = None  # waiting: when the window opens and the count goes on
    stopped_by: str | None = None  # arrived | resolved
    negotiated: bool = False
    provisional: bool = False
    problem: str = ""  # out_of_range: which time, in words

    @property
    def breached(self) -> bool:
        return self.seconds is not None and self.seconds < 0

    @property
    def frozen(self) -> bool:
        return self.state in (PAUSED, STOPPED)

    @property
    def remaining_seconds(self) -> float | None:
        """What `remaining_seconds` in the JSON has always meant: time left while the clock counts (running,
        waiting or paused), None once it stopped."""
        return None if self.state in (STOPPED, OUT_OF_RANGE) else self.seconds

    @property
    def urgent(self) -> bool:
        """Under an hour of business time left on a counting clock, or breached: the board's red rows."""
        return self.state in (RUNNING, WAITING) and self.seconds is not None and self.seconds < HOUR_SECONDS

    @property
    def mark(self) -> str:
        """The board's mark of an urgent row, a character and not only a colour, so that it reads without
        colour (NO_COLOR) and in 16 colours: `!`; a breached row says 超时 in its countdown as well."""
        return "!" if self.urgent else ""

    @property
    def style(self) -> str:
        if self.state == OUT_OF_RANGE:
            return OUT_STYLE
        if self.frozen:
            return FROZEN_STYLE
        if self.seconds < 0:
            return BREACHED
        if self.seconds < HOUR_SECONDS:
            return HOUR
        return QUARTER if self.share < 0.25 else PLENTY

    def text(self, zone: tzinfo) -> str:
        """The clock in a few cells: 5:00:00 · 超时 0:40:00 · 09:00起 5:00:00 · 12-08起 27:30:00 · 2027-01-04起
        (another year's day leaves no room for the count on the board) · 暂停 1:00:00 · 到场 1:23:45 · 超出范围."""
        if self.state == OUT_OF_RANGE:
            return STATE_WORDS[OUT_OF_RANGE]
        if self.state == PAUSED:
            return f"暂停 {hms(self.seconds)}"
        if self.state == STOPPED:
            return f"{STOPS.get(self.stopped_by or '', '停表')} {hms(self.seconds)}"
        if self.breached:
            return f"超时 {hms(-self.seconds)}"
        if self.state == WAITING and self.resumes is not None:
            if (self.resumes - self.at).total_seconds() < 86400:  # within a day the hour says it; further, the day
                return f"{self.resumes.astimezone(zone):%H:%M}起 {hms(self.seconds)}"
            other_year = self.resumes.astimezone(zone).year != self.at.astimezone(zone).year
            day = day_time(self.resumes, zone, self.at, hour=False)
            return f"{day}起" if other_year else f"{day}起 {hms(self.seconds)}"
        return hms(self.seconds)

    def due_text(self, zone: tzinfo) -> str:
        """The board's 13 cells: 12-02 08:30, or another year's day alone (2027-01-05); 临 when provisional."""
        if self.due is None:
            return "-"
        return day_time(self.due, zone, self.at, narrow=True) + ("临" if self.provisional else "")

    def to_json(self, zone: tzinfo) -> dict:
        return {
            "state": self.state,
            "seconds": self.seconds,
            "text": self.text(zone),
            "breached": self.breached,
            "due": self.due.astimezone(zone).isoformat() if self.due else None,
            "resumes": self.resumes.astimezone(zone).isoformat() if self.resumes else None,
            "stopped_by": self.stopped_by,
            "negotiated": self.negotiated,
            "provisional": self.provisional,
            "problem": self.problem or None,
        }


def hms(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def ticket_deadline(policy, t: Ticket):
    """The ticket's Deadline under `policy` (its terms): its level history, pauses and negotiated due."""
    return policy.deadline(
        t.severity,
        t.received_at,
        pauses=tuple(Pause(a, b) for a, b, _ in t.pauses),
        changes=tuple(SeverityChange(at, level) for at, level in t.levels),
        negotiated=t.negotiated_due,
    )


def ticket_deadlines(held: list[tuple]) -> list:
    """The Deadline of each (policy, ticket) as `ticket_deadline` gives it, None where the engine refuses
    its times (as store.load_ticket says it). Tickets never paused and never re-levelled are most of a list:
    theirs come from Policy.due_many, one binary search each, a level's tickets at once."""
    out: list = [None] * len(held)
    plain: dict[tuple, list[int]] = {}
    for i, (policy, t) in enumerate(held):
        if _plain(t):
            plain.setdefault((id(policy), t.severity), []).append(i)
        else:
            out[i] = _deadline_or_none(policy, t)
    marks: dict[tuple, tuple] = {}  # (policy, level, first year, last year) -> (provisional, warnings)
    for indexes in plain.values():
        policy, first = held[indexes[0]]
        level = first.severity
        s = policy.severity(level)  # an unknown level is refused by name, as ticket_deadline does
        try:  # due_many refuses an opening past the years the engine computes (check_computable)
            dues = policy.due_many(level, [held[i][1].received_at for i in indexes])
        except OutOfRange:  # then each on its own, as ticket_deadline does
            for i in indexes:
                out[i] = _deadline_or_none(*held[i])
            continue
        target, zone, window = policy.target_seconds(level), policy.zone, s.target.window
        for i, due in zip(indexes, dues):
            t = held[i][1]
            start = t.received_at.astimezone(zone)
            key = (id(policy), level, start.year, due.astimezone(zone).year)  # all Policy.provisional reads
            mark = marks.get(key)
            if mark is None:
                mark = marks[key] = policy.provisional(s, t.received_at, due)
            agreed = t.negotiated_due.astimezone(zone) if t.negotiated_due else None
            out[i] = _deadline(level, window, start, target, due, agreed, *mark)
    return out


def _deadline(level, window, start, target, due, agreed, provisional, warnings) -> Deadline:
    """Deadline(..., pauses=()), filled (a list makes one a ticket)."""
    return filled(
        Deadline,
        dict(
            level=level,
            window=window,
            clock_start=start,
            target_seconds=target,
            computed_due=due,
            negotiated_due=agreed,
            provisional=provisional,
            warnings=warnings,
            pauses=(),
        ),
    )


def _plain(t: Ticket) -> bool:
    """Never paused, never re-levelled, every time computable: its deadline is due_many's."""
    if t.pauses or len(t.levels) > 1:
        return False
    others = [at for at in (t.negotiated_due, *(at for at, _ in t.levels)) if at is not None and at != t.received_at]
    try:
        check_computable(*others)
    except OutOfRange:
        return False
    return True


def _deadline_or_none(policy, t: Ticket):
    try:
        return ticket_deadline(policy, t)
    except OutOfRange:
        return None


def breaches(d, at: datetime) -> list[str]:
    """Which of the ticket's deadlines had passed at `at` (its stop, or now): 'computed', 'negotiated', both
    or none. A negotiated deadline replaces the computed one, but the contract's own is kept and reported."""
    out = []
    if d.computed_due is not None and at > d.computed_due:
        out.append("computed")
    if d.negotiated_due is not None and at > d.negotiated_due:
        out.append("negotiated")
    return out


def clock_key(policy, t: Ticket, d) -> float:
    """The number the store keeps for the board: the binding deadline (epoch seconds) while the clock runs,
    FROZEN + what was left once it stopped at arrival or resolution, or while paused without a negotiated
    deadline."""
    stop = t.sla_stop
    if stop is not None:
        return FROZEN + _left(policy, d, stop)
    if d.due is not None:
        return d.due.timestamp()
    return FROZEN + policy.remaining(d, t.pauses[-1][0])


def _left(policy, d, at: datetime) -> float:
    """Business time left at `at` toward the binding deadline, as the running count would have shown it."""
    if d.due is None:
        return policy.remaining(d, at)
    return policy.business_between(d.window, at.timestamp(), d.due.timestamp())


def clock_at(
    policy,
    severity: int,
    key: float,
    due_ts: float | None,
    now: float,
    *,
    state: str,
    negotiated: bool = False,
    provisional: bool = False,
    stopped_by: str | None = None,
) -> Clock:
    """The Clock of a ticket of `severity` under `policy` (its contract's terms) from the stored key, at `now`
    (epoch seconds). A running clock whose window is closed now is `waiting`: it shows when counting resumes."""
    target = policy.target_seconds(severity)
    zone = policy.out_zone
    due = None if due_ts is None else instant(due_ts, zone)
    at = _read_at(now, zone)
    if key >= FROZEN / 2 and math.isfinite(key):
        left = key - FROZEN
        if state == PENDING:
            return _clock(PAUSED, left, left / target, due, at, None, None, negotiated, provisional)
        return _clock(STOPPED, left, left / target, due, at, None, stopped_by, negotiated, provisional)
    window = policy.severity(severity).target.window
    try:  # a deadline beyond the years the engine computes: refused at once, shown as such
        timeline, then, opens = _now_on(policy, window, now)
        left = timeline.business_at(key) - then  # policy.business_between(window, now, key)
    except OutOfRange as e:
        return out_of_range(due, at, e.message, negotiated)
    if opens > now and left > 0:
        resumes = datetime.fromtimestamp(opens, zone)
        return _clock(WAITING, left, left / target, due, at, resumes, None, negotiated, provisional)
    return _clock(RUNNING, left, left / target, due, at, None, None, negotiated, provisional)


def _clock(state, seconds, share, due, at, resumes, stopped_by, negotiated, provisional) -> Clock:
    """Clock(...), filled (a list makes one a ticket)."""
    return filled(
        Clock,
        dict(
            state=state,
            seconds=seconds,
            share=share,
            due=due,
            at=at,
            resumes=resumes,
            stopped_by=stopped_by,
            negotiated=negotiated,
            provisional=provisional,
            problem="",
        ),
    )


# What a list reads of one instant, kept while every clock of it is read at that instant (cleared for another):
# "now" -> the instant; zone -> now there; (policy id, window) -> (policy, timeline, business seconds, next opening).
_at_now: dict = {}


def _kept(now: float) -> dict:
    if _at_now.get("now") != now:
        _at_now.clear()
        _at_now["now"] = now
    return _at_now


def _now_on(policy, window: str, now: float) -> tuple:
    """`window`'s timeline, its business seconds at `now` and when it next opens."""
    kept = _kept(now)
    held = kept.get((id(policy), window))
    if held is None or held[0] is not policy:
        timeline = policy.timelines[window]
        held = kept[id(policy), window] = (policy, timeline, timeline.business_at(now), timeline.open_from(now))
    return held[1:]


def _read_at(now: float, zone: tzinfo) -> datetime:
    """datetime.fromtimestamp(now, zone)."""
    kept = _kept(now)
    at = kept.get(zone)
    if at is None:
        at = kept[zone] = datetime.fromtimestamp(now, zone)
    return at


def board_clock(policy, row, now: float, stopped_by: str = "arrived") -> Clock:
    """The clock of a board row (store.rows.ListRow) from the key the store keeps for it: the same answer as
    the ticket's own (`ticket_clock`), which the store checks (store/caches.py). An open ticket's clock
    stops only when an engineer arrives."""
    return clock_at(
        policy,
        row.severity,
        row.board_due,
        row.due_ts,
        now,
        state=row.state,
        negotiated=row.negotiated,
        provisional=row.provisional,
        stopped_by=stopped_by,
    )


def ticket_clock(policy, t: Ticket, d, now: datetime) -> Clock:
    """The ticket's Clock at `now`, computed from the ticket itself exactly as the board computes it from
    the stored key."""
    zone, agreed = policy.out_zone, t.negotiated_due is not None
    if d is None:  # load_ticket: the engine refused the ticket's times
        return out_of_range(instant(t.negotiated_due, zone), now.astimezone(zone), beyond_years(t, zone, now), agreed)
    stop = t.sla_stop
    by = None if stop is None else ("arrived" if t.arrived_at is not None and t.arrived_at == stop else "resolved")
    try:
        key = clock_key(policy, t, d)
    except OutOfRange:  # its arrival or resolution is beyond those years
        return out_of_range(d.due, now.astimezone(zone), beyond_years(t, zone, now), agreed)
    return clock_at(
        policy,
        t.severity,
        key,
        d.due.timestamp() if d.due else None,
        now.timestamp(),
        state=t.state,
        negotiated=agreed,
        provisional=d.provisional,
        stopped_by=by,
    )


def out_of_range(due: datetime | None, at: datetime, problem: str, negotiated: bool = False) -> Clock:
    """The Clock of a ticket whose times the engine will not compute: no count, its deadline if one holds."""
    return Clock(OUT_OF_RANGE, None, None, due, at, negotiated=negotiated, problem=problem)
