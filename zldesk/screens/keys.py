"""Keys several screens share: j k g G and the page keys (the action table's list.* actions) on a list or
long page, and typing ahead into a box a key has just opened."""

from __future__ import annotations

from textual import events
from textual.widgets import DataTable, Input

from ..widgets.ticket_board import TicketBoard


class ListKeys:
    """Mixed into a Screen whose `list_widget()` is a DataTable, a scrolled page or the ticket board."""

    def list_widget(self):
        raise NotImplementedError

    def _step(self, rows: int) -> None:
        widget = self.list_widget()
        if isinstance(widget, TicketBoard):  # a ScrollView too, but its cursor is what moves
            widget.move(rows)
        elif isinstance(widget, DataTable):
            if widget.row_count:
                widget.move_cursor(row=max(0, min(widget.row_count - 1, widget.cursor_row + rows)))
        else:
            widget.scroll_relative(y=rows, animate=False)

    def _page(self) -> int:
        return max(1, self.list_widget().scrollable_content_region.height - 1)

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def action_page_down(self) -> None:
        self._step(self._page())

    def action_page_up(self) -> None:
        self._step(-self._page())

    def action_cursor_top(self) -> None:
        self._step(-(10**9))

    def action_cursor_bottom(self) -> None:
        self._step(10**9)


class TypeAhead:
    """Mixed into a Screen whose key (/) opens a box. Textual gives the box focus only after the keys
    already queued, and over SSH the keys typed after / often come in the same packet: those keys are
    the box's, not the screen's (m would open the coverage screen instead of filtering for "m"). The app
    hands each key to `take_typed` before its bindings see it."""

    _typing_into: Input | None = None

    def type_into(self, box: Input) -> None:
        self._typing_into = box
        box.focus()

    def take_typed(self, event: events.Key) -> bool:
        """True if the key went into the box being opened."""
        box = self._typing_into
        if box is None or box.has_focus or not event.is_printable or not event.character:
            return False
        box.insert_text_at_cursor(event.character)
        return True

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._typing_into = None
