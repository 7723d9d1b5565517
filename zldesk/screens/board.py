"""Board (the default screen): open tickets across contracts, soonest breach first, counting down live."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from ..actions import bindings
from ..calendar import weekday_name
from ..text import fit, visible
from ..widgets.ticket_board import TicketBoard
from .keys import ListKeys, TypeAhead


class BoardScreen(ListKeys, TypeAhead, Screen):
    SCREEN_KEY = "board"
    BINDINGS = bindings(SCREEN_KEY)
    AUTO_FOCUS = "TicketBoard"  # not the first focusable: keys typed at start-up went to the hidden filter box
    DEFAULT_CSS = """
    BoardScreen #now { height: 1; background: $boost; padding: 0 1; }
    BoardScreen #expiry { display: none; height: 1; background: $warning; color: $text; padding: 0 1; }
    BoardScreen #expiry.shown { display: block; }
    BoardScreen #alarm { display: none; height: auto; background: $error; color: $text; padding: 0 1; }
    BoardScreen #alarm.shown { display: block; }
    BoardScreen #columns { height: 1; text-style: bold; color: $text-muted; }
    BoardScreen #filter { display: none; height: 3; margin: 0 1; }
    BoardScreen #filter.shown { display: block; }
    BoardScreen #empty { display: none; padding: 1 2; }
    BoardScreen #empty.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        # Empty until the first load arrives: a key pressed before it (/ and a filter) finds nothing.
        self.all_rows: list = []
        self.total = 0  # open tickets: len(all_rows), or more while only the first rows are read
        self.policies: dict = {}
        self.names: dict = {}
        self.alarm_seen: int | None = None  # the newest notification seen (store/notify.fired); None: not read
        self.filter_text = ""
        self._now_line: str | None = None
        self._expiry_line: str | None = None
        self._expiry_key: tuple | None = None
        self.overdue = 0  # obligations overdue in every contract in force (store/obligations.py)

    def compose(self) -> ComposeResult:
        yield Static(id="now")
        yield Static(id="expiry")
        yield Static(id="alarm")
        yield Input(placeholder="筛选：标题、模块、医院、指派人或单号（esc 取消）", id="filter")
        yield Static(id="columns")
        yield TicketBoard(id="board")
        yield Static(Text("没有未结的工单。"), id="empty")
        yield Footer()

    def on_mount(self) -> None:
        board = self.query_one(TicketBoard)
        board.clock = lambda: self.app.clock().timestamp()
        board.focus()

    def on_resize(self) -> None:
        self.query_one("#columns", Static).update(Text(self.query_one(TicketBoard).header(self.size.width)))

    def show_rows(self, rows: list, policies: dict, names: dict, total: int | None = None) -> None:
        """The rows to show; `total`: how many tickets are open when these are only the first of them."""
        self.all_rows, self.policies, self.names = rows, policies, names
        self.total = len(rows) if total is None else total
        self._apply_filter()
        self.app.gateway.read(self._read_overdue, self._show_overdue, group="overdue", what="读取履约失败", node=self)
        self.app.gateway.read(self._read_alarms, self._show_alarms, group="alarms", what="读取通知失败", node=self)

    def _read_alarms(self) -> tuple:
        """`zldesk watch` wrote a notification since the last board load: its title, for the open tickets."""
        from ..store.notify import fired

        with self.app.reading() as conn:
            return fired(conn, self.alarm_seen)

    def _show_alarms(self, found: tuple) -> None:
        self.alarm_seen, rows = found
        shown = {r.id for r in self.all_rows}
        for _, ticket, title in rows:
            if ticket in shown:  # a banner and the terminal's bell; the title is data, never markup
                self.app.bell()
                self.app.notify(visible(title), title="值守通知", severity="warning", timeout=30, markup=False)

    def _read_overdue(self) -> int:
        """With each board load (every change in the store): how many obligations are overdue now."""
        from ..store.obligations import overdue_count

        with self.app.reading() as conn:
            return overdue_count(conn, self.app.clock())

    def _show_overdue(self, count: int) -> None:
        if count != self.overdue:
            self.overdue = count
            self.update_now(*self.app.status())

    def _apply_filter(self) -> None:
        q = self.filter_text.strip().casefold()
        rows = self.all_rows
        if q:
            rows = [
                r
                for r in rows
                if q
                in f"#{r.id} {r.title} {r.module_name} {r.assignee} "
                f"{self.names.get(r.contract_id, ('', ''))[1]}".casefold()
            ]
        self.query_one(TicketBoard).set_rows(rows, self.policies, self.names)
        empty = self.query_one("#empty", Static)
        empty.update(Text("没有符合筛选的工单（esc 清除筛选）。" if q and self.all_rows else "没有未结的工单。"))
        empty.set_class(not rows, "shown")
        self.query_one("#columns", Static).update(Text(self.query_one(TicketBoard).header(self.size.width)))

    def update_now(self, now: datetime, status: str, duty: str = "") -> None:
        # To the minute: the line changes (and is repainted) once a minute, not every tick. What matters
        # most comes first, so at 80 columns only the end of the duty names can be cut (with ~).
        line = f"{now:%m-%d %H:%M} {weekday_name(now.date())[-1]} {status}  未结 {self.total}"
        if self.overdue:
            line += f"  履约逾期 {self.overdue}"
        if self.filter_text:
            line += f"  筛选「{visible(self.filter_text)}」"
        if duty:
            line += f"  {duty}"
        line = fit(line, max(self.size.width - 2, 20)).rstrip()
        if line != self._now_line:
            self._now_line = line
            self.query_one("#now", Static).update(Text(line))
        self._expiry(now)

    def _expiry(self, now: datetime) -> None:
        """Under the top line, on the warning colour, what must not wait (issue 16): each hospital's handoff
        nobody acknowledged 15 minutes on (`备勤交接未确认：李强 02:00（雷山、榕江）`), then a contract in the store
        that ends within 30 days or has ended (`雷山县人民医院 合同 12 天后到期（最后一天 …）`), the soonest
        first. A contract without a period is not warned of here (`contracts` and the lookups say 服务期未填写)."""
        from ..contract import period_at
        from ..widgets.board_columns import hospital_label

        contracts = self.app.contracts
        names = {c.code: c.customer for c in contracts}
        # One roster often serves several hospitals: the same handoff is said once, with whose it is.
        whose: dict[str, list[str]] = {}
        for code, duty in sorted(self.app.duty.items()):
            if flag := duty.flag(now).strip():
                whose.setdefault(flag, []).append(hospital_label(names.get(code, code)))
        many = len(contracts) > 1
        flags = [f + (f"（{'、'.join(h)}）" if many else "") for f, h in whose.items()]
        # once a minute, or when a flag, a contract's period or its name changes (an import, an ack)
        key = (f"{now:%Y-%m-%d %H:%M%z}", flags, [(c.customer, c.timezone, c.period) for c in contracts])
        if key == self._expiry_key:
            return
        self._expiry_key = key
        soon = []
        for c in contracts:
            answer = period_at(c, now)
            if answer.ends_soon:
                soon.append((answer.days_to_expiry, c.code, answer.warning(visible(c.customer))))
        soon.sort()
        said = list(flags)
        if soon:
            said.append(soon[0][2] + (f"；另 {len(soon) - 1} 个合同见 zldesk contracts" if len(soon) > 1 else ""))
        line = fit("；".join(said), max(self.size.width - 2, 20)).rstrip() if said else ""
        if line != self._expiry_line:
            self._expiry_line = line
            box = self.query_one("#expiry", Static)
            box.update(Text(line, style="bold"))
            box.set_class(bool(line), "shown")

    def alarm(self, text: str) -> None:
        """A line under the top one that stays: something the engineer must act on (the store was replaced)."""
        alarm = self.query_one("#alarm", Static)
        alarm.update(Text(text, style="bold"))
        alarm.add_class("shown")

    def tick(self) -> None:
        self.query_one(TicketBoard).tick()

    def list_widget(self) -> TicketBoard:
        return self.query_one(TicketBoard)

    def action_open(self) -> None:
        self.query_one(TicketBoard).open_current()

    def action_recent(self) -> None:
        """R: resolved and closed tickets of the last days, which the board (open tickets) no longer lists."""
        from .recent import RecentScreen

        self.app.push_screen(RecentScreen())

    def action_handover(self) -> None:
        """h: the handover sheet of the line changing hands (screens/handover.py)."""
        from .handover import HandoverScreen

        self.app.push_screen(HandoverScreen())

    def action_obligations(self) -> None:
        """p: the contracts' scheduled services, by due date; d there records a fulfilment."""
        from .obligations import ObligationsScreen

        self.app.push_screen(ObligationsScreen())

    def action_report(self) -> None:
        """S: this month's on-time rate per hospital (screens/report.py)."""
        from .report import ReportScreen

        self.app.push_screen(ReportScreen())

    # ---- filter ------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        self.type_into(box)

    def action_leave(self) -> None:
        """esc clears the filter, from the filter box or from the list alike."""
        box = self.query_one("#filter", Input)
        if box.has_focus or box.value:
            box.value = ""
            box.remove_class("shown")
            self.query_one(TicketBoard).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(TicketBoard).focus()

    def on_ticket_board_opened(self, event: TicketBoard.Opened) -> None:
        self.app.open_ticket(event.ticket_id)
