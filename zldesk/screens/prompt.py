"""A small form in a modal: a few labelled inputs, enter to confirm, esc to cancel."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..actions import bindings
from ..text import visible


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    required: bool = True
    placeholder: str = ""


class PromptScreen(ModalScreen[dict | None]):
    SCREEN_KEY = "prompt"
    BINDINGS = bindings(SCREEN_KEY)
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical { width: 64; height: auto; border: round $primary; background: $surface;
                              padding: 0 1; }
    PromptScreen .error { color: $error; height: auto; }
    /* one line an input, so a five-field form (the remote permission) fits 80x24 with its border */
    PromptScreen Input, PromptScreen Input:focus { height: 1; border: none; padding: 0 1; background: $panel; }
    PromptScreen Input:focus { background: $boost; }
    """

    def __init__(self, title: str, fields: list[Field], values: dict | None = None, error: str = "") -> None:
        """`values` fills the inputs again and `error` says why, when a saved form was refused: what was
        typed is never thrown away."""
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.values = values or {}
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text, style="bold"))
            for field in self.fields:
                yield Static(Text(field.label + ("" if field.required else "（可不填）")))
                yield Input(
                    value=str(self.values.get(field.key, "")), placeholder=field.placeholder, id=f"field-{field.key}"
                )
            yield Static(Text("enter 确认  esc 取消", style="dim"))
            yield Static(Text(visible(self.error, lines=True)), id="error", classes="error")  # it quotes what was typed

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
            return
        values = {f.key: self.query_one(f"#field-{f.key}", Input).value.strip() for f in self.fields}
        missing = [f.label for f in self.fields if f.required and not values[f.key]]
        if missing:
            self.query_one("#error", Static).update(Text("还没填：" + "、".join(missing)))
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
