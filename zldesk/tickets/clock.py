"""A ticket's clock at an instant: how much business time is left toward its binding deadline, and how
it reads on every surface. No Textual here."""

from __future__ import annotations

from dataclasses import dataclass

from ..sla import Policy

# Share of business time left -> style. Breached counts up as negative time.
PLENTY, QUARTER, HOUR, BREACHED, FROZEN_STYLE = "green", "yellow", "bold red", "bold white on red", "cyan"


@dataclass(frozen=True)
class Countdown:
    seconds: float | None  # business seconds left (negative: breached); None: no deadline
    share: float | None  # of the level's target
    frozen: bool
    label: str = "暂停"  # what stopped a frozen clock

    @property
    def style(self) -> str:
        if self.seconds is None:
            return ""
        if self.frozen:
            return FROZEN_STYLE
        if self.seconds < 0:
            return BREACHED
        if self.seconds < 3600:
            return HOUR
        if self.share is not None and self.share < 0.25:
            return QUARTER
        return PLENTY

    @property
    def text(self) -> str:
        if self.seconds is None:
            return "-"
        sign = "-" if self.seconds < 0 else ""
        total = int(abs(self.seconds))
        hours, rest = divmod(total, 3600)
        clock = f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"
        return f"{self.label} {clock}" if self.frozen else clock


def countdown(policy: Policy, severity: int, due_ts: float | None, frozen_remaining: float | None,
              now: float, state: str = "") -> Countdown:
    """Business time left to `due_ts` on the level's window, or what was left when the clock stopped."""
    target = policy.target_seconds(severity)
    if frozen_remaining is not None:
        return Countdown(frozen_remaining, frozen_remaining / target, True, "暂停" if state == "pending" else "到场")
    if due_ts is None:
        return Countdown(None, None, False)
    window = policy.severity(severity).target.window
    left = policy.business_between(window, now, due_ts)
    return Countdown(left, left / target, False)
