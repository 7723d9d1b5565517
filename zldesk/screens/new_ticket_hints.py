"""What the new-ticket form knows as it is typed: who is calling (the phone field, first), which hospital,
and the past tickets most like the title. Each is a read of the store in a worker (the gateway), a moment
after the last key, so typing is never held up by the store."""

from __future__ import annotations

import re

from rich.text import Text
from textual import events
from textual.widgets import Input, Static

from ..text import fit, visible

# What a number is written with: digits (full-width too), a leading +, separators, an extension's # or `ext`.
# Any other character typed in the phone field is the start of the title, typed first out of habit.
_PHONE_CHARS = re.compile(r"[0-9０-９+＋\-－ 　()（）./#*]")
STATE_WORDS = {"resolved": "已解决", "closed": "已关闭"}
QUIET = 0.25  # seconds after the last key before the store is asked


class PhoneInput(Input):
    """The phone field. A key that is no part of a number goes to 问题 and moves the focus there, decided
    as the app hands the key on (not when this field reads it), so the rest of a burst follows it."""

    def _forward_event(self, event: events.Event) -> None:
        # Input reads its keys later, from its queue: by then the app has handed on the keys after it.
        if (
            isinstance(event, events.Key)
            and event.is_printable
            and event.character
            and not _PHONE_CHARS.fullmatch(event.character)
        ):
            title = self.screen.query_one("#title", Input)
            self.screen.set_focus(title)
            title._forward_event(event)
            return
        super()._forward_event(event)


class FormHints:
    """Mixed into NewTicketScreen: the phone look-up, the hospital field and the similar tickets."""

    def _hints_init(self) -> None:
        self._filled: dict[str, str] = {}  # field -> the value the look-up put there (typed over: left alone)
        self._quiet_timers: dict[str, object] = {}

    def _later(self, name: str, call) -> None:
        """`call` once the keys stop for QUIET seconds: one look-up for a number typed digit by digit."""
        timer = self._quiet_timers.get(name)
        if timer is not None:
            timer.stop()
        self._quiet_timers[name] = self.set_timer(QUIET, call)

    # ---- who is calling ----------------------------------------------------------------------------

    def _phone_changed(self, value: str) -> None:
        from .. import phones

        hint = self.query_one("#who-hint", Static)
        number = phones.parse(value) if value.strip() else None
        if number is None:
            hint.update(Text("号码不完整" if value.strip() else "", style="dim"))
            return
        self._later("who", lambda: self._ask_who(number, value))

    def _ask_who(self, number, typed: str) -> None:
        def fetch():
            from ..store.callers import who

            with self.app.reading() as conn:
                return typed, who(conn, number)

        self.app.gateway.read(fetch, self._caller_known, group="who", what="查询来电号码失败", node=self)

    def _caller_known(self, result) -> None:
        from ..phones import SOURCES

        typed, found = result
        if typed != self.query_one("#phone", Input).value:
            return  # typed on meanwhile: the next answer is for it
        hint = self.query_one("#who-hint", Static)
        if not found:
            hint.update(Text("未登记的号码：随工单记下", style="dim"))
            return
        best = found[0]
        if best.contract != self.contract.code:
            self._fill_hospital(best.contract)
        self._fill("caller", best.name)
        self._fill("dept", best.dept)
        words = f"{best.customer} · {best.name}"
        words += f"（{best.dept}）" if best.dept else ""
        words += f" {SOURCES[best.source]}"
        calls = [k.last_ticket for k in found if (k.contract, k.name) == (best.contract, best.name) and k.last_ticket]
        if calls:  # the person's list entry first, their last call from the tickets
            words += f" 上次 #{max(calls, key=lambda c: c[1])[0]}"
        others = len({(k.contract, k.name) for k in found}) - 1
        words += f"；另 {others} 条" if others > 0 else ""
        style = "yellow" if best.weak else "green"
        hint.update(Text(fit(visible(words), max(10, self.size.width - 32)).rstrip(), style=style))

    def _fill(self, key: str, value: str) -> None:
        """Put the look-up's value in an empty field, or over the look-up's own earlier one: never over
        what the engineer typed."""
        box = self.query_one(f"#{key}", Input)
        if not value or box.value.strip() not in ("", self._filled.get(key, "")):
            return
        box.value = self._filled[key] = value

    # ---- which hospital ------------------------------------------------------------------------------

    def _fill_hospital(self, code: str) -> None:
        box = self.query_one("#hospital", Input)
        if box.value.strip() not in (self._filled.get("hospital", self._first_hospital), ""):
            return  # the engineer chose one: the number does not overrule them
        box.value = self._filled["hospital"] = code
        self._hospital_changed(code)  # now, not when the field's Changed arrives: the hint says this hospital

    def _hospital_changed(self, value: str) -> None:
        hint = self.query_one("#hospital-hint", Static)
        found = self._hospitals(value)
        if len(found) != 1:
            names = "、".join(f"{c.code} {c.customer}" for c in found[:3])
            words = f"几家都对得上：{names}" if found else "没有这家医院：填合同代码或医院名"
            hint.update(Text(fit(visible(words), max(10, self.size.width - 32)).rstrip(), style="yellow"))
            return
        hint.update(Text(visible(found[0].customer), style="bold"))
        if found[0].code != self.contract.code:
            self._switch_contract(found[0])

    def _hospitals(self, value: str) -> list:
        typed = value.strip().lower()
        contracts = self.app.contracts
        exact = [c for c in contracts if c.code.lower() == typed]
        return exact or [c for c in contracts if typed and (typed in c.code.lower() or typed in c.customer.lower())]

    # ---- what was done last time ---------------------------------------------------------------------

    def _title_changed(self, _value: str = "") -> None:
        self._later("similar", self._ask_similar)

    def _ask_similar(self) -> None:
        title = self.query_one("#title", Input).value
        module = self._module_name()
        code = self.contract.code

        def fetch():
            from ..store.similar import like_text

            with self.app.reading() as conn:
                return (title, code), like_text(conn, code, title, module)

        self.app.gateway.read(fetch, self._similar_found, group="similar", what="查相似工单失败", node=self)

    def _similar_found(self, result) -> None:
        (title, code), found = result
        if title != self.query_one("#title", Input).value or code != self.contract.code:
            return  # typed on, or another hospital: its own answer follows
        box = self.query_one("#similar", Static)
        box.display = bool(found)
        width = max(20, self.size.width - 4)
        lines = []
        for s in found:
            state = STATE_WORDS.get(s.state, "未解决")
            head = f"相似 #{s.id} {s.received_at.astimezone(self.policy.out_zone):%m-%d} {state} "
            how = f"{s.title}：{s.resolution[0]}" if s.resolution else s.title
            lines.append(fit(visible(head + how), width).rstrip())
        box.update(Text("\n".join(lines), style="dim"))
