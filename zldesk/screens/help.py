"""Help (`?`, F1): the keys of the screen it was opened on, read from the one action table."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..actions import bindings


class HelpScreen(ModalScreen):
    SCREEN_KEY = "help"
    BINDINGS = bindings(SCREEN_KEY)
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 60; height: auto; max-height: 100%; border: round $primary;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, actions) -> None:
        super().__init__()
        self.actions = actions

    def compose(self) -> ComposeResult:
        # No rules: the board's keys fit 24 lines (and box glyphs are ambiguous-width next to CJK).
        table = Table(box=None, expand=True, title="按键（esc 关闭）", header_style="bold underline")
        table.add_column("按键")
        table.add_column("作用")
        for a in self.actions:
            table.add_row(Text(" / ".join(a.key_names), style="bold"), Text(a.description))
        with VerticalScroll():
            yield Static(table)
