"""The obligations screen (`p` on the board): every scheduled service of every contract in force, by due
date, overdue first - the same list as `zldesk obligations` (store/obligations.py, zldesk.obligations' one
rule); `d` records a fulfilment of the one under the cursor, now, with a note asked in the small prompt
form. Read and written through the gateway."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ..actions import bindings
from ..text import fit, visible
from .keys import ListKeys

STYLES = {"overdue": "bold red", "due_soon": "yellow", "ok": "green", "no_period": "dim"}


class ObligationsScreen(ListKeys, Screen):
    SCREEN_KEY = "obligations"
    BINDINGS = bindings(SCREEN_KEY)
    DEFAULT_CSS = """
    ObligationsScreen #obligations-head { height: 1; background: $boost; padding: 0 1; }
    ObligationsScreen #obligations-clause { height: 3; padding: 0 1; border-top: solid $primary; }
    ObligationsScreen #obligations-empty { display: none; padding: 1 2; }
    ObligationsScreen #obligations-empty.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list = []  # obligations.Obligation, as shown

    def compose(self) -> ComposeResult:
        yield Static(Text("合同约定的定期服务（按到期日）  d 记一次履约  esc 返回"), id="obligations-head")
        yield DataTable(id="obligations", cursor_type="row", zebra_stripes=True)
        yield Static(Text("没有要履行的定期服务。"), id="obligations-empty")
        yield Static(id="obligations-clause")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("状态", "到期", "医院", "服务", "最近履约")
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        self.app.gateway.read(self._read, self._show, group="obligations", what="读取定期服务失败", node=self)

    def _read(self) -> list:
        from ..store.obligations import read_obligations

        with self.app.reading() as conn:
            return read_obligations(conn, None, self.app.clock(), every=True)

    def _show(self, rows: list) -> None:
        from ..obligations import STATE_NAMES
        from ..widgets.board_columns import hospital_label

        table = self.query_one(DataTable)
        keep = self._current()
        keep = (keep.contract, keep.no) if keep else None
        table.clear()
        self.rows = rows
        width = max(12, self.size.width - 46)
        for o in rows:
            due = "—" if o.next_due is None else f"{o.next_due:%Y-%m-%d}"
            last = "—" if o.last_done is None else f"{o.last_done:%Y-%m-%d}"
            table.add_row(
                Text(STATE_NAMES[o.state], style=STYLES[o.state]),
                Text(due),
                Text(fit(hospital_label(o.customer), 8).rstrip()),  # 榕江, as the board names it
                Text(fit(o.service.name, width).rstrip()),
                Text(last),
            )
        keys = [(o.contract, o.no) for o in rows]
        if keep in keys:
            table.move_cursor(row=keys.index(keep))
        self.query_one("#obligations-empty", Static).set_class(not rows, "shown")
        self._clause()
        table.focus()

    def _current(self):
        table = self.query_one(DataTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            return self.rows[table.cursor_row]
        return None

    def _clause(self) -> None:
        o = self._current()
        words = "" if o is None else f"{visible(o.customer)}  {o.clause}  到期 {o.due_text}"
        self.query_one("#obligations-clause", Static).update(Text(visible(words)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._clause()

    def list_widget(self) -> DataTable:
        return self.query_one(DataTable)

    def action_done(self, error: str = "", values: dict | None = None) -> None:
        """d: a fulfilment of the obligation under the cursor, now; the note asked first (may be empty)."""
        from .prompt import Field, PromptScreen

        o = self._current()
        if o is None:
            return
        title = f"记一次履约：{o.service.name}（{o.contract}）"
        field = Field("note", "说明（报告编号、发给了谁……）", required=False)
        self.app.push_screen(
            PromptScreen(title, [field], values, error), lambda typed: typed is not None and self._record(o, typed)
        )

    def _record(self, o, typed: dict) -> None:
        from ..text import control_problem

        note = typed.get("note", "").strip()
        problem = control_problem(note) if note else None
        if problem:
            self.action_done(f"说明不能用：{problem}", typed)
            return
        now = self.app.clock()
        code, no = o.contract, str(o.no)

        def change(session):
            from ..store.obligations import record_done

            who = self.app.engineer or self.app.who
            return record_done(session, code, no, done_at=now, now=now, who=who, note=note)

        self.app.gateway.write(
            change,
            lambda _: self.load(),
            said=lambda done: f"已记录履约 #{done['id']}：{done['category']}/{done['service']}",
            what="没有记录履约",
            node=self,
        )
