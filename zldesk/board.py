"""What the board shows, as plain data: the countdown of each ticket and the cells of its line.

No Textual here: the widget asks for the cells of the rows on screen, once a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size

from .sla import Policy
from .text import visible
from .tickets import STATE_NAMES

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


def fit(text: str, width: int) -> str:
    """User text cut or padded to exactly `width` terminal cells (CJK counts two), controls made visible."""
    text = visible(text).replace("\n", " ")
    if cell_len(text) > width:
        # a wide character that would be split is dropped, not halved: pad after the marker instead
        return set_cell_size(set_cell_size(text, width - 1).rstrip() + "~", width)
    return set_cell_size(text, width)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # 0: takes what is left


COLUMNS = (
    Column("id", "单号", 5), Column("hospital", "医院", 6), Column("severity", "级", 2),
    Column("module", "模块", 8), Column("title", "标题", 0), Column("assignee", "指派", 6),
    Column("state", "状态", 6), Column("due", "到期", 13), Column("countdown", "剩余", 13),
)


def layout(total: int) -> list[int]:
    """Column widths for a line of `total` cells: fixed columns, the title takes the rest (at least 8)."""
    fixed = sum(c.width for c in COLUMNS) + len(COLUMNS) - 1
    return [c.width or max(8, total - fixed) for c in COLUMNS]


def cells(row, customer: str, due_text: str, clock: Countdown) -> dict[str, str]:
    return {
        "id": f"#{row.id}", "hospital": customer, "severity": str(row.severity),
        "module": row.module_name or "-", "title": row.title, "assignee": row.assignee or "-",
        "state": STATE_NAMES.get(row.state, row.state),
        "due": due_text + ("临" if row.provisional else ""), "countdown": clock.text,
    }


def due_text(due_ts: float | None, zone) -> str:
    return "-" if due_ts is None else datetime.fromtimestamp(due_ts, zone).strftime("%m-%d %H:%M")
