"""The handover sheet (`h` on the board): the sheet `zldesk handover` prints, for the line whose handoff is not
acknowledged yet (else the line that changes hands next), of every hospital where that same handoff is made (one
roster often serves several: the header says them together); `a` acknowledges it for the incoming engineer on
each of them, in one transaction, as `zldesk handover ack` does one by one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..actions import bindings
from .keys import ListKeys


def pick(sheets: list, now):
    """The sheet to show: a handoff already made and not acknowledged first, else the soonest."""
    open_ = [s for s in sheets if s.handoff.at <= now and s.ack is None]
    return (open_ or sorted(sheets, key=lambda s: s.handoff.at) or [None])[0]


class HandoverScreen(ListKeys, Screen):
    SCREEN_KEY = "handover"
    BINDINGS = bindings(SCREEN_KEY)
    DEFAULT_CSS = """
    HandoverScreen #handover-head { height: 1; background: $boost; padding: 0 1; }
    HandoverScreen #handover-page { padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.sheets: list = []  # store.handover.Sheet of each hospital with the handoff shown; [] until read

    def compose(self) -> ComposeResult:
        yield Static(Text("交接单  a 确认接班  esc 返回"), id="handover-head")
        with VerticalScroll(id="handover-page"):
            yield Static(Text("读取中……"), id="handover-text")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.app.gateway.read(self._read, self._show, group="handover", what="读取交接单失败", node=self)

    def _read(self):
        from ..store.handover import sheet
        from ..store.rows import contract_id, read_roster

        now = self.app.clock()
        if not self.app.contracts:
            return [], "库中没有合同"
        found = []
        with self.app.reading() as conn:
            for contract in self.app.contracts:
                cid = contract_id(conn, contract.code)
                roster = read_roster(conn, contract, cid)
                found += [(s, contract) for x in roster.lines if (s := sheet(conn, cid, contract, roster, x.name, now))]
        chosen = pick([s for s, _ in found], now)
        if chosen is None:
            return [], "值班表里没有换班（先导入值班表）"
        same = [(s, c) for s, c in found if _handoff(s) == _handoff(chosen) and (s.ack is None) == (chosen.ack is None)]
        return [s for s, _ in same], "\n".join(s.text(c.zone) for s, c in same)

    def _show(self, read) -> None:
        self.sheets, text = read
        self.query_one("#handover-text", Static).update(Text(text))  # the sheet's user text is visible already

    def list_widget(self):
        return self.query_one("#handover-page", VerticalScroll)

    def action_ack(self) -> None:
        from ..text import visible

        if not self.sheets:
            return
        s, now = self.sheets[0], self.app.clock()
        if s.ack is not None or s.handoff.at > now:
            words = "这次交接已确认" if s.ack else f"还没到交接时间（{s.handoff.at:%H:%M}）"
            self.app.notify(words, severity="warning")
            return
        taken = [(x.contract, x.line) for x in self.sheets]

        def change(session):
            from ..store.roster import take_over

            return [take_over(session, code, line, None, now=now) for code, line in taken]

        self.app.gateway.write(
            change,
            lambda _: (self.load(), self.app.load_board()),
            said=lambda done: (
                f"已确认接班：{s.label} {visible(done[0][1])}" + (f"（{len(done)} 家医院）" if len(done) > 1 else "")
            ),
            what="没有确认接班",
            node=self,
        )


def _handoff(s) -> tuple:
    """What makes two hospitals' handoffs one: the same line changing to the same engineer at the same instant."""
    return s.line, s.handoff.at, s.handoff.incoming
