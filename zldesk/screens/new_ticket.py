"""New ticket (`n` on the board): who called, which module (coverage shown as you type), which level
(the contract's own definitions and a short triage), and the deadline previewed before saving."""

from __future__ import annotations

import re
from datetime import timedelta

from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from ..actions import bindings
from ..coverage import lookup, resolve_module
from ..errors import ZlDeskError
from ..text import day_time, fit, visible
from ..tickets import CHANNELS, channel_code, create, default_channel, ticket_clock, ticket_deadline
from ..widgets.triage_box import TRIAGE, TriageBox, propose_level
from .keys import TypeAhead
from .new_ticket_hints import FormHints, PhoneInput

_CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}")  # a time of day alone, as said on the phone


class NewTicketScreen(FormHints, TypeAhead, Screen):
    SCREEN_KEY = "new"
    BINDINGS = bindings(SCREEN_KEY)
    DEFAULT_CSS = """
    NewTicketScreen Input, NewTicketScreen Input:focus { height: 1; border: none; padding: 0 1; }
    NewTicketScreen Input:focus { background: $boost; }
    NewTicketScreen .label { width: 8; color: $text-muted; }
    NewTicketScreen Horizontal { height: 1; }
    NewTicketScreen #module-hint, NewTicketScreen #preview, NewTicketScreen #levels, NewTicketScreen #level {
        padding: 0 1;
    }
    NewTicketScreen #preview { text-style: bold; }
    NewTicketScreen TriageBox, NewTicketScreen TriageBox:focus { height: 1; border: none; padding: 0; }
    NewTicketScreen TriageBox:focus { background: $boost; }
    NewTicketScreen #phone, NewTicketScreen #hospital { width: 22; }
    NewTicketScreen #who-hint, NewTicketScreen #hospital-hint { width: 1fr; }
    NewTicketScreen #similar { padding: 0 1; height: auto; }
    """

    def __init__(self, contract, policy) -> None:
        super().__init__()
        self.contract, self.policy = contract, policy
        self.opened, self._opened_text = None, ""  # when the form opened, as its call-time box first says it
        self._first_hospital = contract.code
        self._early: list = []  # keys typed before the form had a field in focus (take_typed)
        self._hints_init()

    def _row(self, key: str, label: str, placeholder: str = "", select: bool = False) -> ComposeResult:
        with Horizontal():
            yield Static(Text(label), classes="label")
            # Not selected on focus: a field gone back to (shift+tab) keeps its text, and typing adds to it.
            # The call time is: it holds the form's own guess, and what is typed replaces it.
            yield Input(placeholder=placeholder, id=key, select_on_focus=select)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="head")
            # The phone first: the caller ID is on the phone's screen before anyone has said a word.
            with Horizontal():
                yield Static(Text("电话"), classes="label")
                yield PhoneInput(placeholder="来电号码", id="phone", select_on_focus=False)
                yield Static(id="who-hint")
            with Horizontal(id="hospital-row"):
                yield Static(Text("医院"), classes="label")
                yield Input(self.contract.code, placeholder="合同代码或医院名", id="hospital", select_on_focus=True)
                yield Static(Text(visible(self.contract.customer), style="bold"), id="hospital-hint")
            yield from self._row("title", "问题", "一句话说明（必填）")
            yield Static(id="similar")
            yield from self._row("module", "模块", "编号、汉字或拼音，如 mzsf")
            yield Static(id="module-hint")
            for key, question, _, _ in TRIAGE:
                yield TriageBox(question, id=key)
            yield from self._row("severity", "级别", "1–4；留空按上面的分诊建议")
            yield Static(id="level")
            yield Static(id="levels")
            yield from self._row("caller", "来电人")
            yield from self._row("dept", "科室")
            yield from self._row(
                "channel",
                "渠道",
                f"留空为{CHANNELS[default_channel(self.policy, self.app.clock())]}；可填 QQ、远程、电话、现场……",
            )
            yield from self._row("at", "来电时间", "电话打进来的时刻，如 02:10 或 2026-11-25 02:10", select=True)
            yield from self._row("description", "描述", "回车或 F2 保存")
            yield Static(id="preview")
        yield Footer()

    def _show_levels(self) -> None:
        # One line a level, in the contract's own words, cut to the screen: the whole text is on `c`.
        levels = Text()
        for s in sorted(self.contract.severities, key=lambda s: s.level):
            head = f"{s.level} 级 {s.name}："
            levels.append(head, style="bold")
            levels.append(fit(s.description, max(10, self.size.width - 4 - len(head) * 2)).rstrip() + "\n")
        self.query_one("#levels", Static).update(levels)

    def on_mount(self) -> None:
        self._show_levels()
        # One hospital: nothing to choose, and no field to tab through.
        self.query_one("#hospital-row").display = len(self.app.contracts) > 1
        self.query_one("#similar").display = False
        self.opened = self.app.clock()  # the call time unless another is typed (entered is still now)
        self.query_one("#at", Input).value = self._opened_text = (
            f"{self.opened.astimezone(self.policy.out_zone):%Y-%m-%d %H:%M}"
        )
        # At once: Widget.focus would set it only after the keys already queued, and a tab among them
        # would move on from nothing, then be undone by that late focus.
        self.set_focus(self.query_one("#phone", Input))
        for key in self._early:
            self.focused._forward_event(key)
        self._preview()

    def _switch_contract(self, contract) -> None:
        """Another hospital (chosen, or known by the number): its modules, levels, deadlines and tickets."""
        from ..sla import Policy

        self.contract, self.policy = contract, Policy(contract)
        self._show_levels()
        self._module_hint(self.query_one("#module", Input).value)
        self._title_changed()
        self._preview()

    def _module_name(self) -> str:
        try:
            return resolve_module(self.contract, self.query_one("#module", Input).value).name
        except ZlDeskError:
            return ""

    # ---- live feedback -----------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "module":
            self._module_hint(event.value)
            self._title_changed()
        elif event.input.id == "title":
            self._title_changed()
        elif event.input.id == "phone":
            self._phone_changed(event.value)
        elif event.input.id == "hospital":
            self._hospital_changed(event.value)
        self._preview()

    def on_checkbox_changed(self, event: TriageBox.Changed) -> None:
        self._preview()  # the proposal changes; the level typed, if any, does not

    def _module_hint(self, query: str) -> None:
        """What the module field names, as you type: the row it resolves to, or why it does not (yet)."""
        hint = self.query_one("#module-hint", Static)
        if not query.strip():
            hint.update("")
            return
        try:
            module = resolve_module(self.contract, query)
        except ZlDeskError as e:  # none, or several: the same answer `ticket new --module` gives
            matches = [m.module for m in lookup(self.contract, query) if m.kind == "module"]
            if not matches:
                hint.update(Text("合同的模块表里没有：工单不能挂到这个模块", style="yellow"))
                return
            rows = "、".join(f"第 {m.no} 行 {fit(m.name, 16).rstrip()}" for m in matches[:3])
            hint.update(Text(f"{e.title}：{rows}{'……' if len(matches) > 3 else ''}（输入编号可选）", style="yellow"))
            return
        line = Text()
        line.append(
            "覆盖" if module.selected else "未选，不在合同范围", style="bold green" if module.selected else "bold red"
        )
        line.append(f"  第 {module.no} 行 {fit(module.name, 24).rstrip()}")
        hint.update(line)

    def _level(self) -> int | None:
        return self._choice()[0]

    def _choice(self) -> tuple[int | None, Text]:
        """The level saving now would log, and the words the form says it in. A level typed wins over the
        triage; without one the triage's proposal is it; nothing typed and nothing ticked is no level."""
        levels = sorted(s.level for s in self.contract.severities)
        typed = self.query_one("#severity", Input).value.strip()
        answers = {key: self.query_one(f"#{key}", TriageBox).value for key, *_ in TRIAGE}
        proposal = propose_level(**answers)
        if typed:
            if not (typed.isdigit() and int(typed) in levels):
                known = "、".join(map(str, levels))
                return None, Text(f"没有「{visible(typed)}」级：合同的级别是 {known}", style="bold red")
            level = int(typed)
            words = Text(f"按填的 {level} 级登记", style="bold")
            if proposal is not None and proposal[0] != level:
                words.append(f"；分诊建议 {proposal[0]} 级（{proposal[1]}）", style="yellow")
            return level, words
        if proposal is None:
            return None, Text("级别未定：填 1–4，或回答上面的分诊问题", style="dim")
        level, why = proposal
        if level not in levels:
            return None, Text(f"分诊建议 {level} 级（{why}），但合同没有 {level} 级：请填级别", style="bold red")
        return level, Text(f"建议 {level} 级（{why}）：不填级别就按它登记", style="bold")

    def _head(self, called) -> None:
        """The form's first line: whose ticket, and (issue 16) whether the call falls in the contract's
        period, read at the call time as typed: `合同期外（服务期 …）` in red, `服务期未填写`; nothing in force."""
        from rich.cells import cell_len

        from ..contract import period_at

        answer = period_at(self.contract, called)
        head = f"新工单 · {visible(self.contract.customer)}"
        line = Text(f"{head}（{self.contract.code}）", style="bold")
        if answer.note:  # the warning is kept whole; the code, then a long hospital name give way
            room = max(10, self.size.width - 4 - cell_len(answer.note))
            line = Text(line.plain if cell_len(line.plain) <= room else fit(head, room).rstrip(), style="bold")
            line.append(f"  {answer.note}", style="bold red" if answer.in_period is False else "yellow")
        self.query_one("#head", Static).update(line)

    def _preview(self) -> None:
        try:
            self._head(self._call_time())
        except ZlDeskError:  # a call time typed halfway: the period as the form opened
            self._head(self.opened or self.app.clock())
        level, words = self._choice()
        self.query_one("#level", Static).update(words)
        preview = self.query_one("#preview", Static)
        if level is None:
            preview.update(Text("选好级别后这里显示到期时间", style="dim"))
            return
        now = self.app.clock()
        try:  # the ticket as saving it now would make it, read by the one clock the board and the CLI read
            called = self._call_time()
            t = create({"contract": self.contract.code, "severity": level, "title": "预览"}, called, now)
        except ZlDeskError as e:  # a call time not yet typed whole, out of range or in the future
            preview.update(Text(f"{e.title}：{e.message}", style="yellow"))
            return
        d = ticket_deadline(self.policy, t)
        clock = ticket_clock(self.policy, t, d, now)
        zone = self.policy.out_zone
        said = "现在登记" if called == self.opened else f"按来电 {day_time(called, zone, now)} 登记"
        preview.update(
            Text(f"{said}：{level} 级，到期 {clock.due_text(zone)}，剩余 {clock.text(zone)}（按 {d.window} 窗口）")
        )

    def _call_time(self):
        """When the call came in: the time the form opened, or the one typed, read as the CLI's --at."""
        from ..text import parse_instant

        typed = self.query_one("#at", Input).value.strip()
        if self.opened is None or typed == self._opened_text:
            return self.opened or self.app.clock()
        if _CLOCK_TIME.fullmatch(typed):  # 02:10 alone: the last such moment, today's or (after midnight) yesterday's
            opened = self.opened.astimezone(self.policy.zone)
            hours, minutes = map(int, typed.split(":"))
            if hours < 24 and minutes < 60:
                day = opened.date() - timedelta(days=1 if (hours, minutes) > (opened.hour, opened.minute) else 0)
                typed = f"{day:%Y-%m-%d} {hours:02d}:{minutes:02d}"
        return parse_instant(typed, self.policy.zone, "来电时间")

    # ---- save / cancel -------------------------------------------------------------------------------

    # ---- keys: each runs when it arrives (priority in the action table), so the focus it moves has moved
    # before the next key of the same burst is handed to the field that has it ------------------------

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    def action_enter(self) -> None:
        """To the next field, from a box too (never ticking it). In 描述 the field takes it: it submits
        after the letters typed before it (queued to that field), and submitting saves."""
        if self.focused is not None and self.focused.id == "description":
            raise SkipAction()
        self.focus_next()

    def action_toggle_box(self) -> None:
        """Space ticks or unticks the question in focus; in a text field it is a space."""
        if not isinstance(self.focused, TriageBox):
            raise SkipAction()
        self.focused.toggle()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "description":
            self.action_save()

    def action_cancel(self) -> None:
        """Back to the board; a form with anything typed or ticked asks first (esc again keeps it): an esc
        too many at 2 a.m. must not lose the call just written down."""
        if not self._typed():
            self.app.pop_screen()
            return
        from .confirm import ConfirmScreen

        def answered(result: dict | None) -> None:
            if result is not None:
                self.app.pop_screen()

        keys = "y 放弃这张工单  n/esc 回去接着填"
        self.app.push_screen(ConfirmScreen("放弃这张新工单？已填的内容不会保存", self.policy.zone, keys=keys), answered)

    def _typed(self) -> bool:
        boxes = any(box.value for box in self.query(TriageBox))
        fields = any(i.value.strip() for i in self.query(Input) if i.id not in ("at", "hospital"))
        moved = self.query_one("#hospital", Input).value != self._first_hospital
        return boxes or fields or moved or self.query_one("#at", Input).value != self._opened_text

    def action_save(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        level = self._level()
        if not title or level is None:
            self.notify("问题和级别必须填", severity="error")
            return
        if (
            self.query_one("#hospital-row").display
            and len(self._hospitals(self.query_one("#hospital", Input).value)) != 1
        ):
            self.notify("医院没有认准：填合同代码或医院名", severity="error")
            return
        module = None
        if self.query_one("#module", Input).value.strip():
            try:
                module = resolve_module(self.contract, self.query_one("#module", Input).value)
            except ZlDeskError as e:
                self.notify(e.message, title=e.title, severity="error", markup=False)
                return
        data = {
            "severity": level,
            "title": title,
            "description": self.query_one("#description", Input).value,
            **{k: self.query_one(f"#{k}", Input).value.strip() for k in ("caller", "phone", "dept")},
        }
        channel = self.query_one("#channel", Input).value.strip()
        if channel:
            try:
                data["channel"] = channel_code(channel)
            except ZlDeskError as e:
                self.notify(e.message, title=e.title, severity="error", markup=False)
                return
        if module is not None:
            data |= {"module_no": module.no, "module_name": module.name, "in_scope": module.selected}
        now = self.app.clock()
        try:
            at = self._call_time()
        except ZlDeskError as e:
            self.notify(e.message, title=e.title, severity="error", markup=False)
            return
        data.setdefault("channel", default_channel(self.policy, at))
        from ..contract import period_at

        outside = "（合同期外）" if period_at(self.contract, at).in_period is False else ""

        def change(session):
            from ..store.tickets import open_ticket

            tid, t, _ = open_ticket(session, self.contract.code, data, at, self.app.who, now=now)
            return tid, t.in_scope

        self.app.gateway.write(
            change,
            self._saved,
            node=self,
            what="工单没有登记",
            said=lambda r: f"已登记 #{r[0]}" + ("" if r[1] else "（不在合同范围）") + outside,
        )

    def _saved(self, result) -> None:
        from ..widgets.ticket_board import TicketBoard

        # The form goes, from under the help screen too: saving it twice would log the call twice.
        while self in self.app.screen_stack:
            self.app.pop_screen()
        # The cursor on the call just logged: an enter too many opens it, not the top row.
        self.app.get_screen("board").query_one(TicketBoard).wanted = result[0]
        self.app.load_board()

    def take_typed(self, event) -> bool:
        """A key typed after `n` in the same burst (the number as the phone rings) reaches the app after
        the board, which had the focus, let it go: it goes to the form's field in focus, or once the form
        has one. The app hands every such key here (screens/keys.py TypeAhead)."""
        if not event.is_printable or not event.character:
            return False
        key = events.Key(event.key, event.character)
        if self.focused is None:
            self._early.append(key)
        elif isinstance(self.focused, Input):
            self.focused._forward_event(key)
        else:
            return False
        return True
