"""A ticket's clock at an instant: the one answer to "what is its deadline, is its clock running, and how
much business time is left", read by the board, the ticket screen, `ticket list`, `ticket show` and every
JSON. No Textual here.

The store keeps one number per ticket for the board (`clock_key`): the binding deadline as epoch seconds
while the clock runs, or FROZEN + the business seconds that were left when it stopped (an engineer
arrived, the ticket was resolved) or paused. `clock_at` turns that number into a Clock; `ticket_clock`
does the same from the ticket itself, through the same two functions, so the two can never differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from ..sla import Pause, SeverityChange
from .model import PENDING, Ticket

# Sorts after every epoch second (~2e9): a frozen clock's key is FROZEN + what was left, so the board lists
# running clocks first, soonest breach first, then the frozen ones, least left first.
FROZEN = 1e12

RUNNING, WAITING, PAUSED, STOPPED = "running", "waiting", "paused", "stopped"
STATE_WORDS = {RUNNING: "计时中", WAITING: "等窗口开放", PAUSED: "挂起停表", STOPPED: "已停表"}
STOPS = {"arrived": "到场", "resolved": "解决"}

# Share of business time left -> style. Breached counts up as negative time.
PLENTY, QUARTER, HOUR, BREACHED, FROZEN_STYLE = "green", "yellow", "bold red", "bold white on red", "cyan"


@dataclass(frozen=True)
class Clock:
    state: str  # running | waiting (the window is closed now) | paused | stopped
    seconds: float  # business seconds left to the binding deadline (negative: breached); frozen ones: at the stop
    share: float  # of the level's target
    due: datetime | None  # the binding deadline (a negotiated one when agreed); None while paused without one
    at: datetime  # the instant this clock was read at
    resumes: datetime | None = None  # waiting: when the window opens and the count goes on
    stopped_by: str | None = None  # arrived | resolved
    negotiated: bool = False
    provisional: bool = False

    @property
    def breached(self) -> bool:
        return self.seconds < 0

    @property
    def frozen(self) -> bool:
        return self.state in (PAUSED, STOPPED)

    @property
    def remaining_seconds(self) -> float | None:
        """What `remaining_seconds` in the JSON has always meant: time left while the clock counts (running,
        waiting or paused), None once it stopped."""
        return None if self.state == STOPPED else self.seconds

    @property
    def style(self) -> str:
        if self.frozen:
            return FROZEN_STYLE
        if self.seconds < 0:
            return BREACHED
        if self.seconds < 3600:
            return HOUR
        return QUARTER if self.share < 0.25 else PLENTY

    def text(self, zone: tzinfo) -> str:
        """The clock in a few cells: 5:00:00 · 超时 0:40:00 · 09:00起 5:00:00 · 暂停 1:00:00 · 到场 1:23:45."""
        if self.state == PAUSED:
            return f"暂停 {hms(self.seconds)}"
        if self.state == STOPPED:
            return f"{STOPS.get(self.stopped_by or '', '停表')} {hms(self.seconds)}"
        if self.breached:
            return f"超时 {hms(-self.seconds)}"
        if self.state == WAITING and self.resumes is not None:
            start = self.resumes.astimezone(zone)  # within a day the hour says it; further off, the day does
            when = f"{start:%H:%M}" if (self.resumes - self.at).total_seconds() < 86400 else f"{start:%m-%d}"
            return f"{when}起 {hms(self.seconds)}"
        return hms(self.seconds)

    def due_text(self, zone: tzinfo) -> str:
        return (
            "-" if self.due is None else f"{self.due.astimezone(zone):%m-%d %H:%M}" + ("临" if self.provisional else "")
        )

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
    due = None if due_ts is None else datetime.fromtimestamp(due_ts, zone)
    at = datetime.fromtimestamp(now, zone)
    if key >= FROZEN / 2:
        left = key - FROZEN
        if state == PENDING:
            return Clock(PAUSED, left, left / target, due, at, None, None, negotiated, provisional)
        return Clock(STOPPED, left, left / target, due, at, None, stopped_by, negotiated, provisional)
    window = policy.severity(severity).target.window
    left = policy.business_between(window, now, key)
    opens = policy.open_from(window, now)
    if opens > now and left > 0:
        resumes = datetime.fromtimestamp(opens, zone)
        return Clock(WAITING, left, left / target, due, at, resumes, None, negotiated, provisional)
    return Clock(RUNNING, left, left / target, due, at, None, None, negotiated, provisional)


def ticket_clock(policy, t: Ticket, d, now: datetime) -> Clock:
    """The ticket's Clock at `now`, computed from the ticket itself exactly as the board computes it from
    the stored key."""
    stop = t.sla_stop
    by = None if stop is None else ("arrived" if t.arrived_at is not None and t.arrived_at == stop else "resolved")
    return clock_at(
        policy,
        t.severity,
        clock_key(policy, t, d),
        d.due.timestamp() if d.due else None,
        now.timestamp(),
        state=t.state,
        negotiated=t.negotiated_due is not None,
        provisional=d.provisional,
        stopped_by=by,
    )
