"""Every key of the console in one table: bindings, footer, help screen and palette read only this."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    id: str
    keys: str  # comma-separated, as Textual's Binding takes them
    action: str
    description: str
    footer: bool = True


ACTIONS: tuple[Action, ...] = (
    Action("app.board", "b", "app.show('board')", "看板", footer=False),
    Action("app.coverage", "m", "app.show('coverage')", "合同范围"),
    Action("app.contract", "c", "app.show('contract')", "合同条款", footer=False),
    Action("app.help", "question_mark,f1", "app.help", "帮助"),
    Action("app.quit", "q", "app.quit", "退出"),
    Action("app.roster", "o", "app.show('roster')", "值班表"),
    Action("app.next_contract", "t", "app.next_contract", "切换合同", footer=False),
    Action("board.new", "n", "app.new_ticket", "新工单"),
    Action("board.filter", "slash", "filter", "筛选看板"),
    Action("board.leave", "escape", "leave", "取消筛选", footer=False),
    Action("board.open", "enter", "open", "打开工单", footer=False),
    Action("ticket.ack", "a", "do('ack')", "受理"),
    Action("ticket.arrive", "v", "do('arrive')", "到场"),
    Action("ticket.resolve", "r", "do('resolve')", "解决"),
    Action("ticket.pause", "p", "do('pause')", "挂起/恢复"),
    Action("ticket.close", "x", "do('close')", "关闭", footer=False),
    Action("ticket.reopen", "o", "do('reopen')", "重开", footer=False),
    Action("ticket.assign", "i", "do('assign')", "指派", footer=False),
    Action("ticket.severity", "s", "do('severity')", "改级别", footer=False),
    Action("ticket.negotiate", "d", "do('negotiate')", "协商时限", footer=False),
    Action("ticket.note", "n", "do('note')", "备注", footer=False),
    Action("ticket.remote", "l", "do('remote')", "远程许可", footer=False),
    Action("ticket.remote_session", "w", "do('remote_session')", "远程会话", footer=False),
    Action("ticket.back", "escape", "app.pop_screen", "返回看板", footer=False),
    Action("new.cancel", "escape", "cancel", "取消"),
    Action("new.save", "f2", "save", "保存"),
    Action("roster.override", "e", "override", "登记调班"),
    Action("coverage.filter", "slash", "focus_filter", "查询", footer=False),
    Action("coverage.back", "escape", "leave_filter", "返回表格", footer=False),
    Action("list.down", "j", "cursor_down", "下一行", footer=False),
    Action("list.up", "k", "cursor_up", "上一行", footer=False),
    Action("list.top", "g", "cursor_top", "到顶", footer=False),
    Action("list.bottom", "G", "cursor_bottom", "到底", footer=False),
)


def bindings(prefix: str):
    """Textual bindings for the actions whose id starts with `prefix`."""
    from textual.binding import Binding

    return [Binding(a.keys, a.action, a.description, show=a.footer, id=a.id)
            for a in ACTIONS if a.id.startswith(prefix)]
