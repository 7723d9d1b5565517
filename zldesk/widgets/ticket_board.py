"""The open-ticket board: a line-API widget that draws only the rows on screen, with live countdowns.

A DataTable refreshed row by row every second does not scale to 20,000 open tickets; this widget keeps
the rows as plain tuples and computes the countdown of a row only when the row is drawn.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..text import fit
from ..tickets import STATE_NAMES, Clock, clock_at


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # 0: takes what is left


COLUMNS = (
    Column("id", "单号", 5),
    Column("hospital", "医院", 6),
    Column("severity", "级", 2),
    Column("module", "模块", 8),
    Column("title", "标题", 0),
    Column("assignee", "指派", 6),
    Column("state", "状态", 6),
    Column("due", "到期", 13),
    Column("countdown", "剩余", 16),
)


def layout(total: int) -> list[int]:
    """Column widths for a line of `total` cells: fixed columns, the title takes the rest (at least 8)."""
    fixed = sum(c.width for c in COLUMNS) + len(COLUMNS) - 1
    return [c.width or max(8, total - fixed) for c in COLUMNS]


def cells(row, customer: str, clock: Clock, zone) -> dict[str, str]:
    return {
        "id": f"#{row.id}",
        "hospital": customer,
        "severity": str(row.severity),
        "module": row.module_name or "-",
        "title": row.title,
        "assignee": row.assignee or "-",
        "state": STATE_NAMES.get(row.state, row.state),
        "due": clock.due_text(zone),
        "countdown": clock.text(zone),
    }


def row_clock(policy, row, now: float) -> Clock:
    """The row's clock, from the key the store keeps for the board (tickets.clock: the same answer as the
    ticket's own)."""
    return clock_at(
        policy,
        row.severity,
        row.board_due,
        row.due_ts,
        now,
        state=row.state,
        negotiated=row.negotiated,
        provisional=row.provisional,
        stopped_by="arrived",
    )


class TicketBoard(ScrollView, can_focus=True):
    """Rows of open tickets, soonest breach first; `cursor` is an index into `rows`."""

    # No bindings of its own: the board screen binds the keys (zldesk/actions.py) and calls these.
    DEFAULT_CSS = "TicketBoard { height: 1fr; }"

    cursor: reactive[int] = reactive(0)

    class Opened(Message):
        def __init__(self, ticket_id: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list = []
        self.policies: dict = {}  # contract version id -> Policy: the terms each ticket was opened under
        self.names: dict = {}  # contract id -> (code, customer)
        self.clock = time.time  # replaced in tests
        # (row id, width, highlight) -> the segments of the columns that do not tick
        self._static: dict[tuple, list[Segment]] = {}

    def set_rows(self, rows: list, policies: dict, names: dict) -> None:
        """New rows from the store; the cursor stays on the same ticket if it is still there."""
        current = self.rows[self.cursor].id if self.rows and self.cursor < len(self.rows) else None
        self.rows, self.policies, self.names = rows, policies, names
        self._static.clear()
        index = next((i for i, r in enumerate(rows) if r.id == current), None)
        self.virtual_size = Size(self.size.width, len(rows))
        self.cursor = min(index if index is not None else self.cursor, max(0, len(rows) - 1))
        self.refresh()

    @property
    def current_id(self) -> int | None:
        return self.rows[self.cursor].id if self.rows and self.cursor < len(self.rows) else None

    def watch_cursor(self, old: int, new: int) -> None:
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True)
        self.refresh()

    def move(self, step: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))

    def open_current(self) -> None:
        if self.current_id is not None:
            self.post_message(self.Opened(self.current_id))

    def _clock(self, row, now: float) -> Clock:
        return row_clock(self.policies[row.terms_id], row, now)

    def _cells(self, row, clock: Clock) -> dict[str, str]:
        customer = self.names.get(row.contract_id, ("", ""))[1]
        return cells(row, customer, clock, self.policies[row.terms_id].out_zone)

    def line_cells(self, index: int, now: float) -> tuple[dict[str, str], str]:
        """The texts of row `index` and the style of its countdown."""
        row = self.rows[index]
        clock = self._clock(row, now)
        return self._cells(row, clock), clock.style

    def countdown_region(self) -> Region:
        """Where the countdowns are drawn: a tick repaints only this strip of the screen."""
        widths = layout(self.size.width)
        return Region(sum(widths[:-1]) + len(widths) - 1, 0, widths[-1], self.size.height)

    def tick(self) -> None:
        self.refresh(self.countdown_region())

    def render_lines(self, crop):
        # The widget's style is worked out from CSS on every access: once per repaint is enough.
        self._base_style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = getattr(self, "_base_style", None) or self.rich_style
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        clock = self._clock(row, self.clock())  # the only cell that changes between ticks
        selected = index == self.cursor
        line_style = (
            base + Style(reverse=True)
            if selected and self.has_focus
            else (base + Style(bold=True) if selected else base)
        )
        widths = layout(width)
        key = (row.id, width, selected, self.has_focus)
        segments = self._static.get(key)
        if segments is None:
            texts = self._cells(row, clock)
            segments = [
                Segment(fit(texts[column.key], size) + " ", line_style) for column, size in zip(COLUMNS[:-1], widths)
            ]
            self._static[key] = segments
        style = line_style + Style.parse(clock.style) if clock.style else line_style
        text = clock.text(self.policies[row.terms_id].out_zone)
        strip = Strip(segments + [Segment(fit(text, widths[-1]), style)])
        return strip.crop_extend(scroll_x, scroll_x + width, base)


def header_line(width: int) -> str:
    return " ".join(fit(c.title, w) for c, w in zip(COLUMNS, layout(width)))
