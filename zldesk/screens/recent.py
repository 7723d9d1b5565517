"""Recently resolved (`R` on the board): tickets resolved in the last 7 days of the contract's calendar,
closed ones too, so `x` (close) and `o` (reopen) can still be reached once a ticket has left the board."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ..actions import bindings
from ..text import day_time, fit
from .keys import ListKeys

DAYS = 7  # today and the six days before it, in the ticket's contract's zone


def cutoff(now: datetime, zone) -> datetime:
    """The first instant of the last DAYS days in `zone`: midnight, DAYS - 1 days before today there."""
    day = now.astimezone(zone).date() - timedelta(days=DAYS - 1)
    return datetime.combine(day, time(), tzinfo=zone)


class RecentScreen(ListKeys, Screen):
    SCREEN_KEY = "recent"
    BINDINGS = bindings(SCREEN_KEY)
    DEFAULT_CSS = """
    RecentScreen #recent-head { height: 1; background: $boost; padding: 0 1; }
    RecentScreen #recent-empty { display: none; padding: 1 2; }
    RecentScreen #recent-empty.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[int] = []

    def compose(self) -> ComposeResult:
        yield Static(
            Text(f"最近 {DAYS} 天解决、关闭的工单（按解决时间，新的在前）  enter 打开  esc 返回"), id="recent-head"
        )
        yield DataTable(id="recent", cursor_type="row", zebra_stripes=True)
        yield Static(Text(f"最近 {DAYS} 天没有解决或关闭的工单。"), id="recent-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("单号", "状态", "解决于", "级别", "标题")
        self.load()

    def on_screen_resume(self) -> None:
        self.load()  # back from a ticket that was reopened or closed meanwhile

    def load(self) -> None:
        self.app.gateway.read(self._read, self._show, group="recent", what="读取最近解决的工单失败", node=self)

    def _read(self) -> list[tuple]:
        from ..store.rows import policies, resolved_since

        now = self.app.clock()
        with self.app.reading() as conn:
            # a day more than any zone's 7 days reach back; each ticket is then cut in its own contract's zone
            heads = resolved_since(conn, now - timedelta(days=DAYS + 1))
            rules = policies(conn, {h.terms_id for h in heads})
        out = []
        for h in heads:
            zone = rules[h.terms_id].out_zone if h.terms_id in rules else now.tzinfo
            if h.resolved_at >= cutoff(now, zone):
                out.append((h, day_time(h.resolved_at, zone, now)))  # with its year on 1 January
        return out

    def _show(self, rows: list[tuple]) -> None:
        from ..tickets import STATE_NAMES

        table = self.query_one(DataTable)
        keep = self.ids[table.cursor_row] if self.ids and table.cursor_row < len(self.ids) else None
        table.clear()
        self.ids = [h.id for h, _ in rows]
        width = max(20, self.size.width - 36)
        for h, resolved in rows:
            table.add_row(
                Text(f"#{h.id}"),
                Text(STATE_NAMES.get(h.state, h.state)),
                Text(resolved),
                Text(str(h.severity)),
                Text(fit(h.title, width).rstrip()),
            )
        if keep in self.ids:
            table.move_cursor(row=self.ids.index(keep))
        self.query_one("#recent-empty", Static).set_class(not rows, "shown")
        table.focus()

    def list_widget(self) -> DataTable:
        return self.query_one(DataTable)

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.ids and 0 <= table.cursor_row < len(self.ids):
            self.app.open_ticket(self.ids[table.cursor_row])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()
