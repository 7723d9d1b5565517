"""A yes/no question of the new-ticket form, drawn `[x]` or `[ ]`: readable without colour, unlike
Textual's ▐X▌ (the same three cells ticked or not, told apart by colour only)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class TriageBox(Checkbox, inherit_bindings=False):
    """No keys of its own: Checkbox's enter would tick it as the engineer moves on. The form's space
    (`new.toggle` in the action table) ticks it, when the key arrives."""

    @property
    def _button(self) -> Content:  # Textual's ToggleButton draws the button from this
        return Content.styled("[x]" if self.value else "[ ]", "bold" if self.value else "")
