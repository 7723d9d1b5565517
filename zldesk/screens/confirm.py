"""A one-key confirmation for an action with no way back (arrival, resolution), with an optional effective time.

`y` confirms and nothing else does: not enter, the key that opened the ticket and that every form takes, so
enter pressed twice (or once too often after a form) never stops a contract clock. `t` opens the time box
(empty: now); enter in the box returns to the question, showing the time it will record.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..actions import bindings
from ..errors import ZlDeskError
from ..text import parse_instant, visible


class ConfirmScreen(ModalScreen[dict | None]):
    """Dismissed with {"at": the typed time, "" for now} on `y`, None on n or esc."""

    SCREEN_KEY = "confirm"
    BINDINGS = bindings(SCREEN_KEY)
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 64; height: auto; border: round $warning; background: $surface;
                               padding: 0 1; }
    ConfirmScreen .error { color: $error; height: auto; }
    ConfirmScreen Input, ConfirmScreen Input:focus { height: 1; border: none; padding: 0 1; background: $panel; }
    ConfirmScreen Input:focus { background: $boost; }
    """

    def __init__(self, question: str, zone, at: str = "", error: str = "", keys: str = "") -> None:
        """`at` and `error`: shown again as typed, with why, when the store refused the time. `keys`: a
        question with no time (discarding a form), said with these words for y and n."""
        super().__init__()
        self.question, self.zone, self.at_text, self.error = question, zone, at, error
        self.timed, self.keys = not keys, keys or "y 确认  n/esc 取消  t 填生效时间（电话里说的时刻）"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question, style="bold"), id="question")
            yield Static(id="when")
            yield Input(value=self.at_text, placeholder="留空为现在，如 2026-11-25 02:30", id="at")
            yield Static(Text(self.keys, style="dim"), id="keys")
            yield Static(Text(visible(self.error, lines=True)), id="error", classes="error")

    def on_mount(self) -> None:
        # The question has the keys, not the time box: y n t are answers, not letters typed. The box takes
        # the focus only on t (a box that can be focused would be given it on opening).
        self.query_one("#at", Input).can_focus = False
        self.set_focus(None)
        if not self.timed:
            self.query_one("#at", Input).display = self.query_one("#when", Static).display = False
        self._show_when()

    def _parsed(self) -> datetime | None:
        """The typed time (None: now); raises ZlDeskError as the CLI's --at would."""
        typed = self.query_one("#at", Input).value.strip()
        return parse_instant(typed, self.zone, "生效时间") if typed else None

    def _show_when(self) -> bool:
        when = self.query_one("#when", Static)
        try:
            at = self._parsed()
        except ZlDeskError as e:
            when.update(Text(f"生效时间：{e.title}：{e.message}", style="bold red"))
            return False
        local = self.app.clock().astimezone(self.zone) if at is None else at.astimezone(self.zone)
        said = f"现在（{local:%m-%d %H:%M}）" if at is None else f"{local:%Y-%m-%d %H:%M}"
        when.update(Text(f"生效时间：{said}"))
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show_when()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """enter in the time box only ends the typing: the question is asked again, never answered."""
        self._show_when()
        event.input.can_focus = False
        self.set_focus(None)

    def action_time(self) -> None:
        if not self.timed:
            return
        box = self.query_one("#at", Input)
        box.can_focus = True
        box.focus()

    def action_yes(self) -> None:
        if not self._show_when():
            self.query_one("#error", Static).update(Text("时间不对：改好再按 y，或清空（按现在）"))
            return
        self.dismiss({"at": self.query_one("#at", Input).value.strip()})

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_key(self, event) -> None:
        """enter on the question says how to answer it (it confirms nothing)."""
        if event.key == "enter" and not self.query_one("#at", Input).has_focus:
            self.query_one("#error", Static).update(Text("enter 不会确认：" + self.keys))
            event.stop()
