"""Who is at the keyboard: asked before the console's first write (and on `u`), the roster's engineer on duty
offered. The history then records that name, as the CLI's `--as` does; a shared account says only `root`."""

from __future__ import annotations

from ..text import control_problem, plain_name
from .prompt import Field, PromptScreen


def on_duty_now(app) -> tuple[str, list[str]]:
    """(the engineer holding an open line of the contract shown now, or "", the roster's active engineers)."""
    duty = app.duty.get(app.contract.code) if app.contract else None
    if duty is None or duty.roster.empty:
        return "", []
    holder = next((line.engineer for line in duty.at(app.clock()) if line.open and line.engineer), "")
    return holder or "", [e.name for e in duty.roster.engineers if e.active]


def ask_engineer(app, then=None, error: str = "") -> None:
    """The name taken as `--as` takes it (one line, one spelling: text.plain_name); then `then()`. esc: no
    write is made (the form it came from, if any, is still there)."""
    offered, names = on_duty_now(app)
    hint = ("值班表里有：" + "、".join(names[:6]) + ("……" if len(names) > 6 else "")) if names else "你的名字"
    field = Field("engineer", "工程师（历史里记这个名字，同命令行的 --as）", placeholder=hint)

    def answered(typed: dict | None) -> None:
        if typed is None:
            if then is not None:
                app.notify("没有保存：先说是谁在操作（看板上按 u）", severity="warning")
            return
        problem = control_problem(typed["engineer"])
        name = plain_name(typed["engineer"])
        if problem or not name:
            ask_engineer(app, then, f"名字不能用：{problem or '是空的'}")
            return
        app.engineer = app.who = name
        app.get_screen("board").update_now(*app.status())
        if then is not None:
            then()

    title = "谁在值班台前？" + ("值班表上现在是这位，enter 确认" if offered and not app.engineer else "")
    app.push_screen(PromptScreen(title, [field], {"engineer": app.engineer or offered}, error), answered)
