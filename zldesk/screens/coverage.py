"""Coverage (`m`): the contract's modules and services, filtered as you type (hanzi, pinyin, number).

`m` opens it with the query box focused, at the top: the engineer types at once; down and up move the
row while the query keeps the focus, enter goes to the table, esc goes back from either."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from ..actions import bindings
from ..coverage import Match, lookup
from ..text import visible
from .keys import ListKeys, TypeAhead

_STYLES = {"覆盖": "bold green", "未选": "bold red", "不含": "bold red"}
_KINDS = {"module": "模块", "service": "服务", "exclusion": "不含条款"}


def all_rows(contract) -> list[Match]:
    """The unfiltered view: every module, then every service, as the contract lists them."""
    rows = [lookup(contract, str(m.no))[0] for m in contract.modules]
    rows += [
        Match("service", s.name, True, f"服务内容细则·{s.category}·{s.name}：{s.description}", "name", 0, service=s)
        for s in contract.services
    ]
    return rows


class CoverageScreen(ListKeys, TypeAhead, Screen):
    SCREEN_KEY = "coverage"
    BINDINGS = bindings(SCREEN_KEY)
    # The table takes the room left, not its own height: taller, it pushed the query box off the screen.
    DEFAULT_CSS = """
    CoverageScreen #matches { height: 1fr; }
    CoverageScreen #period { display: none; height: 1; padding: 0 1; }
    CoverageScreen #period.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.matches: list[Match] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="查询：编号、汉字或拼音（如 21、收费、mzsf、微信支付）", id="filter")
        yield Static(id="period")
        yield DataTable(id="matches", cursor_type="row", zebra_stripes=True)
        yield Static(id="clause")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("状态", width=4)
        table.add_column("类别", width=8)
        table.add_column("编号", width=4)
        table.add_column("名称")
        self.refresh_contract()

    def on_screen_resume(self) -> None:
        """Each time `m` shows it: to the query, its last text selected (typing replaces it); letters that
        came in the same burst as `m` go into it too (TypeAhead)."""
        self.type_into(self.query_one(Input))

    def on_screen_suspend(self) -> None:
        # Selected as it is left, not as it gets the focus back: keys typed in the same burst as the next
        # `m` reach the box before that focus does, and must replace the old query, not extend it.
        self.query_one(Input).select_all()

    def refresh_contract(self) -> None:
        self.show(self.query_one(Input).value)

    def show(self, query: str) -> None:
        # `/` was the key to the query before `m` opened in it: typed first from habit, it is not the query's.
        query = query.lstrip("/")
        contract = self.app.contract
        self._period(contract)
        table = self.query_one(DataTable)
        table.clear()
        self.matches = [] if contract is None else (lookup(contract, query) if query.strip() else all_rows(contract))
        for i, m in enumerate(self.matches):
            table.add_row(
                Text(m.status, style=_STYLES[m.status]),
                Text(_KINDS[m.kind]),
                Text(str(m.module.no) if m.module else ""),
                Text(visible(m.name)),
                key=str(i),
            )
        if not self.matches:
            what = f"「{query.strip()}」" if query.strip() else ""
            self.query_one("#clause", Static).update(
                Text(f"合同中没有{visible(what)}：既不在软件系统明细表，也不在服务内容细则中")
            )
        else:
            self._show_clause(0)

    def _period(self, contract) -> None:
        """Above the rows, when the answer is not simply yes (issue 16): `合同期外（服务期 …）` in red, or
        `服务期未填写`; nothing while the contract is in force. Read now, in the contract's zone."""
        from ..contract import period_at

        answer = period_at(contract, self.app.clock()) if contract is not None else None
        line = self.query_one("#period", Static)
        line.set_class(bool(answer and answer.note), "shown")
        if answer and answer.note:
            style = "bold red" if answer.in_period is False else "yellow"
            line.update(Text(answer.note, style=style))

    def _show_clause(self, index: int) -> None:
        if 0 <= index < len(self.matches):
            self.query_one("#clause", Static).update(Text(visible(self.matches[index].clause, lines=True)))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_clause(event.cursor_row)

    def action_focus_filter(self) -> None:
        self.type_into(self.query_one(Input))

    def action_back(self) -> None:
        """esc, from the query box as from the table: back to where `m` was pressed (q too, from the table;
        in the box it is a letter). The query is kept for next time, selected: typing replaces it."""
        self.app.action_back()

    def list_widget(self) -> DataTable:
        return self.query_one(DataTable)
