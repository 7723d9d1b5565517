"""Ticket (`enter` on the board): every field, the deadline with its explanation, the history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..actions import bindings
from ..text import visible
from ..tickets import LATE_STYLE, STATE_NAMES, detail_rows, event_line, kind_name, leave_row, permission_text
from .keys import ListKeys
from .prompt import Field, PromptScreen


def _t(value, style: str = "", lines: bool = False) -> Text:
    """User text as a plain Text: on one line (a line break shows as `\\n`) unless it may span `lines`, which
    a table cell then keeps indented in its own column."""
    return Text(visible("" if value is None else str(value), lines=lines), style=style)


def ticket_renderable(data: dict, events: list, zone, watch: str = "", now=None) -> Group:
    """The ticket as rich renderables; every user text goes in as a plain Text. Times in another year than
    `now`'s (the console's clock) carry their year."""
    head = Text()
    head.append(f"#{data['id']} ", style="bold")
    head.append(visible(data["title"]), style="bold")
    head.append(f"  {data['severity']} 级  {STATE_NAMES[data['state']]}  第 {data['version']} 版")
    fields = Table.grid(padding=(0, 1))
    fields.add_column(style="dim", no_wrap=True)
    fields.add_column()
    for label, value, lines in detail_rows(data):
        fields.add_row(label, _t(value, "bold yellow" if label == "范围" else "", lines))
    fields.add_row("远程许可", _t(permission_text(data["remote_permission"])))
    clock = data["clock"]
    due = Text()
    due.append("剩余营业时间  ", style="bold")
    due.append(clock["text"], style="bold red" if clock["breached"] else "bold yellow" if clock["problem"] else "bold")
    if data["breaches"]:
        due.append("  已超时", style="bold red")
    if data["provisional"]:
        due.append("  临时（节假日安排未公布）", style="yellow")
    explain = Text(visible(data["sentence"]))
    if (leave := leave_row(data, now or datetime.now(UTC))) is not None:  # when to set out for the site
        explain.append("\n")
        explain.append(visible(leave[0]), style=LATE_STYLE if leave[1] else "bold")
    if watch:  # whose watch the deadline falls in: the person to call if it is about to be missed
        explain.append("\n到期时值班：", style="bold")
        explain.append(visible(watch))
    history = Table.grid(padding=(0, 1))
    for e in events:
        when, what, text = event_line(e, zone, now)
        history.add_row(
            _t(e.seq, "dim"), _t(when), _t(e.who), _t(kind_name(e.kind), "bold"), _t(what) + _t(text, lines=True)
        )
    return Group(head, Text(""), fields, Text(""), due, explain, Text(""), Text("历史", style="bold"), history)


# What each single-key action asks for before it is applied (the store refuses a missing reason anyway).
FORMS: dict[str, tuple[str, list[Field]]] = {
    # Closing ends the ticket (and its remote permission): one key must not do it by accident.
    "close": ("关闭工单？enter 确认关闭，esc 取消", [Field("reason", "说明", required=False)]),
    "reopen": ("重开工单", [Field("reason", "原因")]),
    "pause": ("挂起：等待医院，时钟暂停", [Field("reason", "原因", required=False)]),
    "assign": ("指派", [Field("engineer", "工程师")]),
    "severity": ("改级别", [Field("level", "新级别（数字）"), Field("reason", "原因")]),
    "negotiate": (
        "与医院协商时限",
        [
            Field("due", "协商后的时限", placeholder="2026-12-01 17:00"),
            Field("agreed_with", "医院一方的协商人"),
            Field("reason", "说明", required=False),
        ],
    ),
    "note": ("备注", [Field("text", "内容")]),
    "remote": (
        "远程访问许可（合同：须经医院允许）",
        [
            Field("granted_by", "医院一方允许的人"),
            Field("channel", "怎么允许的", placeholder="电话、QQ、书面"),
            Field("scope", "允许做什么"),
            Field("engineer", "允许哪位工程师"),
            Field("until", "截止时间", required=False, placeholder="默认到工单关闭"),
        ],
    ),
    "remote_session": (
        "登记远程会话（须在医院的许可之内）",
        [
            Field("engineer", "连上去的工程师"),
            Field("what", "做了什么"),
            Field("end", "结束时间", required=False, placeholder="2026-12-01 17:00"),
        ],
    ),
}


# Actions with no way back that stop the contract clock: asked in one key (y), with an optional effective
# time (screens/confirm.py). The lifecycle has no "not arrived after all", and a reopen is a new row that
# needs a reason: confirming first keeps a slip out of the append-only history.
CONFIRMS = {"arrive": "确认到场 #{id}？（时限停表）", "resolve": "确认解决 #{id}？（时限停表，工单离开看板）"}


class TicketScreen(ListKeys, Screen):
    SCREEN_KEY = "ticket"
    BINDINGS = bindings(SCREEN_KEY)

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        # None until the first read arrives: the single-key actions wait for it (see action_do).
        self.version: int | None = None
        self.state: str | None = None
        self.zone = None
        self.code: str | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="ticket-body"):
            yield Static(Text(f"正在读取工单 #{self.ticket_id}……（esc 返回）", style="dim"), id="ticket")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the ticket in a worker thread; `_show` draws it."""
        self.app.gateway.read(self._read, self._show, group="ticket", what="读取工单失败", node=self)

    def _read(self) -> tuple:

        from ..store import reading
        from ..store.tickets import history, load_ticket
        from ..tickets import ticket_json

        with reading(self.app.engine) as session:
            t, policy, deadline = load_ticket(session, self.ticket_id)
            events = history(session, self.ticket_id)
        now = self.app.clock().astimezone(policy.out_zone)
        data = ticket_json(policy, t, deadline, self.ticket_id, now, events)
        duty = self.app.duty.get(t.contract)
        due = data["clock"]["due"]  # whose watch the binding deadline falls in: the person to call
        watch = duty.watch(datetime.fromisoformat(due)) if duty and due and t.is_open else ""
        return t, policy, data, events, watch, now

    def _show(self, read: tuple) -> None:
        t, policy, data, events, watch, now = read
        self.version, self.state, self.zone, self.code = t.version, t.state, policy.out_zone, t.contract
        self.query_one("#ticket", Static).update(ticket_renderable(data, events, policy.out_zone, watch, now))

    def list_widget(self) -> VerticalScroll:
        return self.query_one("#ticket-body", VerticalScroll)

    # ---- single-key actions --------------------------------------------------------------------------

    def action_do(self, kind: str) -> None:
        if self.version is None:  # pressed before the ticket was read: there is no version to act on yet
            self.notify("工单还没读出来，稍后再按", severity="warning", markup=False)
            return
        if kind == "pause" and self.state == "pending":
            kind = "resume"
        # The version the engineer is looking at now: if the ticket changes while the form is open, the
        # write is refused and they see why, rather than overwriting what they never saw.
        version = self.version
        if kind in CONFIRMS:
            self._confirm(kind, version)
        elif FORMS.get(kind) is None:
            self._apply(kind, {}, version)
        else:
            self._form(kind, version)

    def _form(self, kind: str, version: int | None, values: dict | None = None, error: str = "") -> None:
        """The action's form; shown again as typed, with why, when what was typed is refused."""
        title, fields = FORMS[kind]
        if kind == "assign":  # offer the roster's active engineers: a typo should not become an assignee
            duty = self.app.duty.get(self.code)
            names = [e.name for e in duty.roster.engineers if e.active] if duty else []
            if names:
                hint = "值班表里有：" + "、".join(names[:8]) + ("……" if len(names) > 8 else "")
                fields = [replace(fields[0], placeholder=hint)]
        self.app.push_screen(
            PromptScreen(title, fields, values, error), lambda typed: typed and self._apply(kind, typed, version)
        )

    def _confirm(self, kind: str, version: int | None, at: str = "", error: str = "") -> None:
        from .confirm import ConfirmScreen

        def answered(typed: dict | None) -> None:
            if typed is not None:
                self._apply(kind, typed, version)

        question = CONFIRMS[kind].format(id=self.ticket_id)
        self.app.push_screen(ConfirmScreen(question, self.zone, at, error), answered)

    def _apply(self, kind: str, values: dict, version: int | None) -> None:
        from ..errors import ZlDeskError
        from ..text import parse_instant
        from ..tickets import parse_times

        typed = dict(values)
        reason = values.pop("reason", "")
        at_text = values.pop("at", "")  # the effective time typed (confirm.py), "" for now
        try:
            at = parse_instant(at_text, self.zone, "生效时间") if at_text else None
            if "level" in values:
                if not values["level"].isdigit():
                    raise ZlDeskError("级别应是数字", values["level"])
                values["level"] = int(values["level"])
            values = parse_times(values, self.zone, {f.key: f.label for f in FORMS.get(kind, ("", []))[1]})
        except ZlDeskError as e:
            self._again(kind, version, typed, f"{e.title}：{e.message}")
            return
        self._write(kind, values, reason, version, typed, at)

    def _again(self, kind: str, version: int | None, typed: dict | None, error: str) -> None:
        """What was typed, shown again with why it was refused: the confirmation or the form."""
        if kind in CONFIRMS:
            self._confirm(kind, version, (typed or {}).get("at", ""), error)
        else:
            self._form(kind, version, typed, error)

    def _write(
        self, kind: str, data: dict, reason: str, version: int | None, typed: dict | None = None, at=None
    ) -> None:
        """Apply on the version this screen shows (in a worker thread); a newer one is refused, not overwritten."""
        from ..tickets import Action

        def change(session):
            from ..store.tickets import act

            t, _, _ = act(
                session,
                self.ticket_id,
                Action(kind, at or self.app.clock(), data, reason),  # entered now, effective `at`
                self.app.who,
                expected_version=version,
                now=self.app.clock(),
            )
            return t

        def refused(e) -> None:
            from ..store.tickets import StaleTicket

            if isinstance(e, StaleTicket):
                self.notify(f"{e.message}", title=e.title, severity="warning", timeout=10, markup=False)
            elif kind in FORMS or kind in CONFIRMS:  # refused as typed (a missing name, a time in the future)
                self._again(kind, version, typed, f"{e.title}：{e.message}")
            else:
                self.notify(e.message or e.title, title=e.title, severity="error", markup=False)
            self.reload()

        self.app.gateway.write(
            change,
            lambda t: self.reload(),
            refused=refused,
            node=self,
            said=lambda t: f"#{self.ticket_id} {STATE_NAMES[t.state]}（第 {t.version} 版）",
        )
