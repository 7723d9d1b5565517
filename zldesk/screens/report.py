"""The report screen (`S` on the board): this month's on-time rate against the contract's targets, per
hospital, as a small terminal chart - a bar and its numbers in text (bars of reverse-video spaces: no
ambiguous-width block glyphs), names fitted by terminal cells. The numbers are `zldesk report`'s
(store/reports.py, report/numbers.py), read off the UI thread through the gateway."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..actions import bindings
from ..text import fit
from .keys import ListKeys

NAME_CELLS = 20
BAR_CELLS = 30


def month_of(now, zone):
    """This month, in `zone`, as a report.Period."""
    from ..report import Period

    today = now.astimezone(zone).date()
    first = date(today.year, today.month, 1)
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return Period("month", first, date.fromordinal(nxt.toordinal() - 1))


def chart(rows: list[tuple[str, dict]], width: int = 80) -> Text:
    """One line per hospital: its name, a bar as long as its on-time rate, the rate and on time / judged."""
    bar_cells = max(10, min(BAR_CELLS, width - NAME_CELLS - 26))
    out = Text()
    for name, t in rows:
        rate = t["on_time_rate"]
        out.append(fit(name, NAME_CELLS))
        out.append(" ")
        filled = 0 if rate is None else round(bar_cells * rate)
        style = "reverse green" if rate is not None and rate >= 0.9 else "reverse yellow" if rate else "reverse red"
        out.append(" " * filled, style=style)
        out.append("." * (bar_cells - filled), style="dim")
        words = "    -" if rate is None else f"{rate * 100:5.1f}%"  # ASCII: an em dash is of ambiguous width
        out.append(f" {words} {t['on_time']}/{t['on_time'] + t['late']}")
        if t["pending"]:
            out.append(f" 未定{t['pending']}")
        out.append("\n")
    return out


class ReportScreen(ListKeys, Screen):
    SCREEN_KEY = "report"
    BINDINGS = bindings(SCREEN_KEY)
    DEFAULT_CSS = """
    ReportScreen #report-head { height: 1; background: $boost; padding: 0 1; }
    ReportScreen #report-page { padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(Text("本月按时率（合同时限）  esc 返回"), id="report-head")
        with VerticalScroll(id="report-page"):
            yield Static(Text("读取中……"), id="report-text")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        self.app.gateway.read(self._read, self._show, group="report", what="读取服务报告失败", node=self)

    def _read(self) -> tuple[str, list[tuple[str, dict]]]:
        from ..store.reports import contract_zone, read_report
        from ..store.rows import contract_heads

        now = self.app.clock()
        rows, label = [], ""
        with self.app.reading() as conn:
            for _, code, customer, _ in contract_heads(conn):
                _, zone = contract_zone(conn, code)
                period = month_of(now, zone)
                label = period.label
                rows.append((customer, read_report(conn, code, period, now)["totals"]))
        return label, rows

    def _show(self, read) -> None:
        label, rows = read
        text = Text(f"{label} 来电的工单  按时/已判定（到场、解决或已过时限）\n全文：zldesk report --month {label}\n\n")
        text.append_text(chart(rows, self.size.width) if rows else Text("库中没有合同"))
        self.query_one("#report-text", Static).update(text)

    def list_widget(self):
        return self.query_one("#report-page", VerticalScroll)
