"""Every key of the console in one table: bindings, footer, help screen, palette and README read only this.

An action names the screens that offer it by their stable key (each Screen class declares it as
`SCREEN_KEY`); `APP` binds it on the app itself, so it works on every screen. The ids never change: a
user's key map names them.
"""

from __future__ import annotations

from dataclasses import dataclass

APP = "app"

# Screen key -> what the help screen and the README call it, in the README's order.
SCREENS = {
    "board": "看板",
    "ticket": "工单",
    "new": "新工单",
    "coverage": "合同范围",
    "contract": "合同条款",
    "roster": "值班表",
    "recent": "最近解决",
    "handover": "交接单",
    "report": "服务报告",
    "obligations": "定期服务",
    "prompt": "小表单",
    "confirm": "到场、解决的确认",
    "help": "帮助",
    APP: "各处",
}

MODAL = (
    "prompt",
    "confirm",
    "help",
)  # Textual runs no app binding over a modal screen: APP actions are not offered there
LISTS = (
    "board",
    "ticket",
    "coverage",
    "contract",
    "roster",
    "recent",
    "handover",
    "report",
    "obligations",
)  # screens with j k g G: a list or a long page


@dataclass(frozen=True)
class Action:
    id: str
    keys: str  # comma-separated, as Textual's Binding takes them
    action: str  # run on the screen that offers it (or the app, for APP and `app.` actions)
    description: str
    screens: tuple[str, ...]
    footer: bool = False
    palette: bool = True  # offered in the ctrl+p palette (moving a cursor or leaving is not a command)
    # Run when the key arrives, before the keys after it are handed on: a key that moves the focus must
    # have moved it by then, or the text typed after it in the same burst lands in the field it left.
    priority: bool = False

    @property
    def key_names(self) -> list[str]:
        """The keys as a person reads them: `?` for question_mark, `esc` for escape."""
        return [_KEY_NAMES.get(k, k) for k in self.keys.split(",")]


_KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "escape": "esc",
    "f1": "F1",
    "f2": "F2",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "ctrl+p": "ctrl+p",
}
_NAV = ("board", "ticket", "coverage", "contract", "roster")  # where the other screens are one key away


def _nav(*but: str) -> tuple[str, ...]:
    return tuple(s for s in _NAV if s not in but)


# Order matters: the footer and the help screen list a screen's keys in this order.
ACTIONS: tuple[Action, ...] = (
    Action("board.new", "n", "app.new_ticket", "新工单", ("board",), footer=True),
    Action("board.filter", "slash", "filter", "筛选看板", ("board",), footer=True),
    Action("board.leave", "escape", "leave", "取消筛选", ("board",), palette=False),
    Action("board.open", "enter", "open", "打开工单", ("board",)),
    Action("board.recent", "R", "recent", "最近解决、关闭的工单", ("board",)),
    Action("board.engineer", "u", "app.choose_engineer", "换操作人", ("board",)),
    Action("board.handover", "h", "handover", "交接单", ("board",)),
    Action("board.report", "S", "report", "本月按时率（服务报告）", ("board",)),
    Action("board.obligations", "p", "obligations", "定期服务：到期、逾期、记履约", ("board",)),
    Action("ticket.ack", "a", "do('ack')", "受理", ("ticket",), footer=True),
    Action("ticket.arrive", "v", "do('arrive')", "到场", ("ticket",), footer=True),
    Action("ticket.resolve", "r", "do('resolve')", "解决", ("ticket",), footer=True),
    Action("ticket.pause", "p", "do('pause')", "挂起/恢复", ("ticket",), footer=True),
    Action("ticket.close", "x", "do('close')", "关闭", ("ticket",)),
    Action("ticket.reopen", "o", "do('reopen')", "重开", ("ticket",)),
    Action("ticket.assign", "i", "do('assign')", "指派", ("ticket",)),
    Action("ticket.severity", "s", "do('severity')", "改级别", ("ticket",)),
    Action("ticket.negotiate", "d", "do('negotiate')", "协商时限", ("ticket",)),
    Action("ticket.note", "n", "do('note')", "备注", ("ticket",)),
    Action("ticket.remote", "l", "do('remote')", "远程许可", ("ticket",)),
    Action("ticket.remote_session", "w", "do('remote_session')", "远程会话", ("ticket",)),
    # The footer has no room for it on the ticket screen; the help lists it.
    Action("ticket.back", "escape,q", "app.back", "返回", ("ticket",), palette=False),
    Action("new.cancel", "escape", "cancel", "取消", ("new",), footer=True, palette=False),
    Action("new.save", "f2", "save", "保存", ("new",), footer=True),
    # Enter never ticks a box: it moves on, as tab does; on the last field (描述) it saves.
    Action("new.next", "tab", "next_field", "下一栏", ("new",), palette=False, priority=True),
    Action("new.enter", "enter", "enter", "下一栏；在描述栏保存", ("new",), palette=False, priority=True),
    Action("new.previous", "shift+tab", "previous_field", "上一栏", ("new",), palette=False, priority=True),
    Action("new.toggle", "space", "toggle_box", "勾选/取消分诊问题", ("new",), palette=False, priority=True),
    Action("coverage.filter", "slash", "focus_filter", "查询", ("coverage",)),
    # esc from the query box too (the screen opens in it); q there is a letter.
    Action("coverage.back", "escape,q", "back", "返回", ("coverage",), footer=True, palette=False),
    Action("roster.override", "e", "override", "登记调班", ("roster",), footer=True),
    Action("recent.open", "enter", "open", "打开工单", ("recent",)),
    Action("recent.back", "escape,q", "app.back", "返回看板", ("recent",), footer=True, palette=False),
    Action("handover.ack", "a", "ack", "确认接班（接班人）", ("handover",), footer=True),
    Action("handover.back", "escape,q", "app.back", "返回看板", ("handover",), footer=True, palette=False),
    Action("report.back", "escape,q", "app.back", "返回看板", ("report",), footer=True, palette=False),
    Action("obligations.done", "d", "done", "记一次履约（问说明）", ("obligations",), footer=True),
    Action("obligations.back", "escape,q", "app.back", "返回看板", ("obligations",), footer=True, palette=False),
    Action("prompt.cancel", "escape", "cancel", "取消", ("prompt",), palette=False),
    # Only y confirms: enter (which opens a ticket and ends every form) pressed once too often must not.
    Action("confirm.yes", "y", "yes", "确认", ("confirm",), palette=False),
    Action("confirm.time", "t", "time", "填生效时间", ("confirm",), palette=False),
    Action("confirm.cancel", "n,escape", "cancel", "取消", ("confirm",), palette=False),
    Action("help.close", "escape,q,question_mark,f1", "dismiss", "关闭", ("help",), palette=False),
    Action("list.down", "j,down", "cursor_down", "下一行", LISTS, palette=False),
    Action("list.up", "k,up", "cursor_up", "上一行", LISTS, palette=False),
    Action("list.top", "g,home", "cursor_top", "到顶", LISTS, palette=False),
    Action("list.bottom", "G,end", "cursor_bottom", "到底", LISTS, palette=False),
    Action("list.page_down", "pagedown", "page_down", "下一页", LISTS, palette=False),
    Action("list.page_up", "pageup", "page_up", "上一页", LISTS, palette=False),
    Action("app.board", "b", "app.show('board')", "看板", _nav("board")),
    Action("app.coverage", "m", "app.show('coverage')", "合同范围", _nav("coverage"), footer=True),
    Action("app.contract", "c", "app.show('contract')", "合同条款", _nav("contract")),
    Action("app.roster", "o", "app.show('roster')", "值班表", _nav("roster", "ticket"), footer=True),
    Action("app.next_contract", "t", "app.next_contract", "切换合同", _NAV),
    Action("app.back", "escape,q", "app.back", "返回看板", ("contract", "roster"), footer=True, palette=False),
    Action("app.quit", "q", "app.quit", "退出", ("board",), footer=True, palette=False),
    Action("app.help", "question_mark,f1", "help", "帮助", (APP,), footer=True),
    Action("app.palette", "ctrl+p", "command_palette", "命令面板", (APP,), palette=False),
)


def offered(screen: str | None) -> list[Action]:
    """What the screen `screen` answers to: its own actions, then the app's (None: the app's alone)."""
    own = [a for a in ACTIONS if screen in a.screens]
    return own + ([] if screen in (APP, *MODAL) else [a for a in ACTIONS if APP in a.screens])


def bindings(screen: str):
    """Textual bindings for the actions the screen (or APP: the app) binds itself."""
    from textual.binding import Binding

    return [
        Binding(a.keys, a.action, a.description, show=a.footer, id=a.id, priority=a.priority)
        for a in ACTIONS
        if screen in a.screens
    ]


def markdown_table() -> str:
    """The README's key table (section 控制台), one row an action: key, what it does, where."""
    rows = ["| 按键 | 作用 |", "| --- | --- |"]
    for a in ACTIONS:
        keys = " ".join(f"`{k}`" for k in a.key_names)
        where = "、".join(SCREENS[s] for s in a.screens)
        rows.append(f"| {keys} | {a.description}（{where}） |")
    return "\n".join(rows) + "\n"
