"""The new-ticket form's triage: its questions, the level they propose, and the box each is asked in, drawn
`[x]` or `[ ]`: readable without colour, unlike Textual's ▐X▌ (the same three cells, told apart by colour only)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class TriageBox(Checkbox, inherit_bindings=False):
    """No keys of its own: Checkbox's enter would tick it as the engineer moves on. The form's space
    (`new.toggle` in the action table) ticks it, when the key arrives."""

    @property
    def _button(self) -> Content:  # Textual's ToggleButton draws the button from this
        return Content.styled("[x]" if self.value else "[ ]", "bold" if self.value else "")


# The triage: the contract's own words for levels 1 and 2, and the request kind that makes level 4; each
# with the few words the proposal is said in.
TRIAGE = (
    ("whole", "全院系统瘫痪，业务不能开展？", 1, "全院系统瘫痪"),
    ("windows", "所有窗口部门（挂号、药房、收费、结帐）都不能做基本业务？", 2, "所有窗口部门不能做基本业务"),
    ("request", "只是需求类请求（参数调整、装程序、操作指导）？", 4, "只是需求类请求"),
)


def propose_level(whole: bool, windows: bool, request: bool) -> tuple[int, str] | None:
    """The level the ticked answers point to and why (the first ticked, in the order asked: 1 and 2 by
    the contract's definitions, 4 for a request); None when nothing is ticked: no answer is no level."""
    ticked = {"whole": whole, "windows": windows, "request": request}
    return next(((level, why) for key, _, level, why in TRIAGE if ticked[key]), None)
