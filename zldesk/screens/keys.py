"""Keys several screens share: j k g G and the page keys (the action table's list.* actions) on a list or
long page."""

from __future__ import annotations

from textual.widgets import DataTable

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
        self._step(-10**9)

    def action_cursor_bottom(self) -> None:
        self._step(10**9)

