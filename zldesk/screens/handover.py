"""The handover sheet (`h` on the board): the sheet `zldesk handover` prints, for the current contract's line
whose handoff is not acknowledged yet (else the line that changes hands next); `a` acknowledges it for the
incoming engineer, as `zldesk handover ack` does."""

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
        self.sheet = None  # store.handover.Sheet shown, None until read (or when there is none)

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

        contract, now = self.app.contract, self.app.clock()
        if contract is None:
            return None, "库中没有合同"
        with self.app.reading() as conn:
            cid = contract_id(conn, contract.code)
            roster = read_roster(conn, contract, cid)
            found = [s for line in roster.lines if (s := sheet(conn, cid, contract, roster, line.name, now))]
        chosen = pick(found, now)
        return chosen, chosen.text(contract.zone) if chosen else "值班表里没有换班（先导入值班表）"

    def _show(self, read) -> None:
        self.sheet, text = read
        self.query_one("#handover-text", Static).update(Text(text))  # the sheet's user text is visible already

    def list_widget(self):
        return self.query_one("#handover-page", VerticalScroll)

    def action_ack(self) -> None:
        from ..text import visible

        s = self.sheet
        if s is None:
            return
        now = self.app.clock()
        if s.ack is not None or s.handoff.at > now:
            words = "这次交接已确认" if s.ack else f"还没到交接时间（{s.handoff.at:%H:%M}）"
            self.app.notify(words, severity="warning")
            return
        code, line = s.contract, s.line

        def change(session):
            from ..store.roster import take_over

            return take_over(session, code, line, None, now=now)

        self.app.gateway.write(
            change,
            lambda _: self.load(),
            said=lambda done: f"已确认接班：{s.label} {visible(done[1])}",
            what="没有确认接班",
            node=self,
        )
