"""Contract (`c`): service windows, severity definitions and contacts, in the contract's own words."""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ..actions import bindings
from ..contract import DAY_NAMES, UNIT_NAMES
from ..text import visible
from .keys import ListKeys

_KINDS = {
    "hotline": "热线",
    "backup": "备勤",
    "complaints": "投诉",
    "qq_group": "QQ 群",
    "forum": "论坛",
    "website": "网站",
    "ftp": "FTP",
    "email": "邮件",
}


def _t(value: object, style: str = "", lines: bool = False) -> Text:
    """On one line unless the value may span `lines` (a note, a description), kept then in its own column."""
    return Text(visible(str(value), lines=lines), style=style)


def _table(*columns: str) -> Table:
    # No box lines: box-drawing glyphs are ambiguous-width and shift CJK columns in some terminals.
    table = Table(box=None, expand=True, header_style="bold underline", padding=(0, 1))
    for name in columns:
        table.add_column(name, overflow="fold")
    return table


_WINDOW_WIDTHS = (9, 18, 11, 30)


def _window_grid(*cells: Text, header: bool = False) -> Table:
    """One row of the window list at fixed widths, so the separate rows line up under one header."""
    table = _table("窗口", "标签", "日期", "时段")
    table.show_header = header
    for column, width in zip(table.columns, _WINDOW_WIDTHS):
        column.width = width
    if cells:
        table.add_row(*cells)
    return table


def windows_table(contract) -> Group:
    """One line per window, its note below it at full width (a note column would be a thin strip)."""
    parts: list = [_window_grid(header=True)]
    for w in contract.windows:
        hours = f"{w.start}-{w.end}" + (f"，{w.outside} 关闭时" if w.outside else "")
        parts.append(_window_grid(_t(w.name, "bold"), _t(w.label), _t(DAY_NAMES.get(w.days, w.days)), _t(hours)))
        if w.note:
            parts.append(Padding(_t(w.note, "dim", lines=True), (0, 1, 0, 4)))
    return Group(*parts)


def severities_table(contract) -> Table:
    table = _table("级别", "时限", "定义")
    for s in sorted(contract.severities, key=lambda s: s.level):
        target = f"{s.target.amount} {UNIT_NAMES.get(s.target.unit, s.target.unit)}（{s.target.window}）"
        if s.negotiable:
            target += "，可协商"
        table.add_row(_t(f"{s.level} 级", "bold"), _t(target), _t(f"{s.name}：") + _t(s.description, lines=True))
    return table


def contacts_table(contract) -> Table:
    table = _table("类别", "名称", "号码/地址")
    for c in contract.contacts:
        table.add_row(_t(_KINDS.get(c.kind, c.kind)), _t(c.label), _t(c.value, "bold"))
    return table


class ContractScreen(ListKeys, Screen):
    SCREEN_KEY = "contract"
    BINDINGS = bindings(SCREEN_KEY)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="contract-body"):
            yield Static(Text("服务窗口"), classes="section")
            yield Static(id="windows")
            yield Static(Text("问题分级与到达时限"), classes="section")
            yield Static(id="severities")
            yield Static(Text("联系方式"), classes="section")
            yield Static(id="contacts")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_contract()

    def refresh_contract(self) -> None:
        contract = self.app.contract
        if contract is None:
            return
        self.query_one("#windows", Static).update(windows_table(contract))
        self.query_one("#severities", Static).update(severities_table(contract))
        self.query_one("#contacts", Static).update(contacts_table(contract))

    def list_widget(self) -> VerticalScroll:
        return self.query_one("#contract-body", VerticalScroll)
