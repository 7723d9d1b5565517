"""The open-ticket board: a line-API widget that draws only the rows on screen, with live countdowns.

A DataTable refreshed row by row every second does not scale to 20,000 open tickets; this widget keeps
the rows as plain tuples and computes the countdown of a row only when the row is drawn.
"""

from __future__ import annotations

import time

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..text import fit
from ..tickets import LATE_STYLE, Clock, departure, leave_text
from ..tickets import board_clock as row_clock
from .board_columns import COLUMNS, TICKING, cells, header_line, layout, module_label, module_labels

__all__ = ["COLUMNS", "TicketBoard", "cells", "header_line", "layout", "row_clock"]


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
        self.hospitals = False  # the rows are of more than one hospital: the hospital column is shown
        self.sites = False  # some row's terms give a site (set_rows)
        self.wanted: int | None = None  # a ticket just logged: the cursor goes to it once the rows have it
        # (row id, width, highlight) -> the segments of the columns that do not tick
        self._static: dict[tuple, list[Segment]] = {}
        self._layouts: dict[tuple, list] = {}  # (width, hospitals) -> board_columns.layout
        self._labels: dict[tuple, dict[str, str]] = {}  # (terms id, width) -> module name -> label
        self._leaves: dict[tuple, tuple | None] = {}  # (row id, due, state, day) -> (出发 text, leave_by)

    def set_rows(self, rows: list, policies: dict, names: dict) -> None:
        """New rows from the store; the cursor stays on the same ticket if it is still there."""
        current = self.rows[self.cursor].id if self.rows and self.cursor < len(self.rows) else None
        if self.wanted is not None and any(r.id == self.wanted for r in rows):
            current, self.wanted = self.wanted, None
        self.rows, self.policies, self.names = rows, policies, names
        self.hospitals = len({names.get(r.contract_id, ("", ""))[1] for r in rows}) > 1
        # Some terms give a site: those rows' 到期 cell says when to set out (出发 13:40) and ticks too.
        self.sites = any(p.contract.site is not None for p in policies.values())
        self._static.clear()
        self._labels.clear()
        self._leaves.clear()
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

    def on_click(self, event: events.Click) -> None:
        """A click on a row opens its ticket (the cursor moves there first)."""
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.rows):
            self.cursor = index
            self.open_current()

    def columns(self, width: int | None = None) -> list:
        """The columns shown now and their widths (board_columns.layout)."""
        key = (self.size.width if width is None else width, self.hospitals)
        shown = self._layouts.get(key)
        if shown is None:
            shown = self._layouts[key] = layout(*key)
        return shown

    def header(self, width: int) -> str:
        return header_line(width, self.hospitals)

    def _clock(self, row, now: float) -> Clock:
        return row_clock(self.policies[row.terms_id], row, now)

    def _module(self, row, width: int) -> str:
        """The row's module as the board names it: told apart from the other modules of its terms."""
        key = (row.terms_id, width)
        labels = self._labels.get(key)
        if labels is None:
            modules = self.policies[row.terms_id].contract.modules
            labels = self._labels[key] = module_labels((m.name for m in modules), width)
        label = labels.get(row.module_name)
        return label if label is not None else module_label(row.module_name, width)

    def _cells(self, row, clock: Clock, module_width: int | None = None) -> dict[str, str]:
        if module_width is None:
            module_width = next((w for c, w in self.columns() if c.key == "module"), 10)
        customer = self.names.get(row.contract_id, ("", ""))[1]
        zone = self.policies[row.terms_id].out_zone
        return cells(row, customer, clock, zone, self._module(row, module_width))

    def line_cells(self, index: int, now: float) -> tuple[dict[str, str], str]:
        """The texts of row `index` (every column's, shown or not) and the style of its countdown."""
        row = self.rows[index]
        clock = self._clock(row, now)
        texts = self._cells(row, clock)
        leave = self._leave(row, clock)
        if leave is not None:
            texts["due"] = leave[0]
        return texts, clock.style

    def _leave(self, row, clock: Clock) -> tuple[str, str] | None:
        """(出发 13:40, its style) when the row's engineer must set out for the site (tickets.departure),
        kept per row, deadline and day: a tick compares one instant."""
        if not self.sites:
            return None
        key = (row.id, clock.due, clock.state, clock.at.date())
        held = self._leaves.get(key, self)
        if held is self:
            if len(self._leaves) > 4 * len(self.rows) + 64:
                self._leaves.clear()
            policy = self.policies[row.terms_id]
            d = departure(policy, row.severity, clock)
            held = self._leaves[key] = None if d is None else (leave_text(d, policy.out_zone, clock.at), d.leave_by)
        if held is None:
            return None
        return held[0], LATE_STYLE if clock.at > held[1] else ""

    def ticking_regions(self) -> tuple[Region, ...]:
        """Where the marks and the countdowns are drawn: a tick repaints only these two strips (and the 到期
        one when a row's terms give a site: its 出发 turns red when passed)."""
        shown, height = self.columns(), self.size.height
        start = sum(w for _, w in shown[:-1]) + len(shown) - 1
        regions = [Region(0, 0, shown[0][1], height), Region(start, 0, shown[-1][1], height)]
        if self.sites and (due := self._due_at(shown)) is not None:
            regions.append(Region(due[0], 0, due[1], height))
        return tuple(regions)

    @staticmethod
    def _due_at(shown: list) -> tuple[int, int] | None:
        """(x, width) of the 到期 column, when shown."""
        x = 0
        for column, width in shown:
            if column.key == "due":
                return x, width
            x += width + 1
        return None

    def tick(self) -> None:
        self.refresh(*self.ticking_regions())

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
        clock = self._clock(row, self.clock())  # the mark and the countdown change between ticks
        selected = index == self.cursor
        line_style = (
            base + Style(reverse=True)
            if selected and self.has_focus
            else (base + Style(bold=True) if selected else base)
        )
        shown = self.columns(width)
        key = (row.id, width, selected, self.has_focus)
        segments = self._static.get(key)
        if segments is None:
            texts = self._cells(row, clock, next((w for c, w in shown if c.key == "module"), 10))
            segments = [
                Segment(fit(texts[column.key], size) + " ", line_style)
                for column, size in shown
                if column.key not in TICKING
            ]
            self._static[key] = segments
        leave = self._leave(row, clock)
        if leave is not None:  # the 到期 cell says when to set out instead (drawn afresh, not kept)
            kept = [(c.key, w) for c, w in shown if c.key not in TICKING]
            at = next((i for i, (k, _) in enumerate(kept) if k == "due"), None)
            if at is not None:
                cell = line_style + Style.parse(leave[1]) if leave[1] else line_style
                segments = [*segments[:at], Segment(fit(leave[0], kept[at][1]) + " ", cell), *segments[at + 1 :]]
        style = line_style + Style.parse(clock.style) if clock.style else line_style
        text = clock.text(self.policies[row.terms_id].out_zone)
        mark = Segment(fit(clock.mark, shown[0][1]) + " ", style if clock.mark else line_style)
        strip = Strip([mark, *segments, Segment(fit(text, shown[-1][1]), style)])
        return strip.crop_extend(scroll_x, scroll_x + width, base)
