"""Roster (`o`): who holds each duty line now, the coming week and the coming holiday day by day, gaps
marked; `e` enters an override (调班)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ..actions import bindings
from ..calendar import weekday_name
from ..text import day_time, visible
from .keys import ListKeys
from .prompt import Field, PromptScreen

DAYS = 7
HOLIDAY_LOOKAHEAD = 60  # days in which the next statutory holiday is shown too
OVERRIDE_FORM = [
    Field("line", "值班线（热线值班 / 备勤专线 / 现场值班，或 hotline / backup / onsite）"),
    Field("engineer", "顶班的工程师"),
    Field("start", "开始（如 2026-10-01 18:00）"),
    Field("end", "结束（如 2026-10-02 08:30）"),
    Field("covers", "替谁", required=False),
    Field("reason", "原因"),
]


def _hm(t: datetime, midnight_after: datetime) -> str:
    """08:30 -> 8:30, 18:00 -> 18, midnight at the end of the day -> 24: a day's gaps fit one cell."""
    if t == midnight_after:
        return "24"
    return f"{t.hour}" if t.minute == 0 else f"{t.hour}:{t.minute:02d}"


def day_cells(segments, lines, day: date, zone) -> list[Text]:
    """One cell per line for `day`: who holds it, in order, then every gap as 缺 with its hours, in red."""
    a = datetime.combine(day, time(), zone)
    b = a + timedelta(days=1)
    cells = []
    for line in lines:
        names: list[str] = []
        gaps: list[str] = []
        for s in segments:
            if s.line != line.name or s.end <= a or s.start >= b:
                continue
            if s.engineer is None:
                x, y = max(s.start, a).astimezone(zone), min(s.end, b).astimezone(zone)
                gaps.append(f"{_hm(x, b)}-{_hm(y, b)}")
            elif not names or names[-1] != s.engineer:
                names.append(s.engineer)
        cell = Text(visible("、".join(names)))
        if gaps:
            cell.append((" " if names else "") + "缺" + ",".join(gaps), style="bold red")
        cells.append(cell if cell else Text("—", style="dim"))
    return cells


class RosterScreen(ListKeys, Screen):
    SCREEN_KEY = "roster"
    BINDINGS = bindings(SCREEN_KEY)
    DEFAULT_CSS = """
    RosterScreen #on-duty { height: auto; padding: 0 1; }
    RosterScreen #days { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="on-duty")
        yield DataTable(id="days", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_contract()

    def on_screen_resume(self) -> None:
        self.refresh_contract()

    def refresh_contract(self) -> None:
        self.load()

    def list_widget(self) -> DataTable:
        return self.query_one(DataTable)

    def load(self) -> None:
        """Compute the week and the next holiday in a worker thread; `_show` draws them."""
        if self.app.contract is not None:
            self.app.gateway.read(
                self._read, lambda read: self._show(*read), group="roster", what="读取值班表失败", node=self
            )

    def _read(self) -> tuple:
        from ..calendar import ChinaCalendar
        from ..errors import NotFound
        from ..roster import compute, holiday_blocks
        from ..store.rows import contract_heads, read_roster

        app = self.app
        contract = app.contract
        zone, now = contract.zone, app.clock()
        today = now.astimezone(zone).date()
        calendar = ChinaCalendar.shared()
        with app.reading() as conn:
            cid = next((h[0] for h in contract_heads(conn) if h[1] == contract.code), None)
            if cid is None:
                raise NotFound("读不到值班表", f"库中没有合同 {contract.code}")
            roster = read_roster(conn, contract, cid)
        days = [today + timedelta(days=i) for i in range(DAYS)]
        upcoming = next(holiday_blocks(calendar, today, today + timedelta(days=HOLIDAY_LOOKAHEAD)), [])
        holiday = [d for d in upcoming if d not in days]
        spans = [(days[0], days[-1])] + ([(holiday[0], holiday[-1])] if holiday else [])
        segments = []
        for first, last in spans:
            segments += compute(
                roster,
                contract,
                calendar,
                datetime.combine(first, time(), zone) - timedelta(hours=1),
                datetime.combine(last + timedelta(days=1), time(), zone),
            )
        return roster, segments, days, holiday, now

    def _show(self, roster, segments, days, holiday, now) -> None:
        contract = self.app.contract
        zone = contract.zone
        on_duty = Text()
        from ..roster import now as at

        for line in at(segments, now, roster.lines):
            on_duty.append(f"{line.label}  ", style="bold")
            if not line.open:
                on_duty.append("未开放", style="dim")
            elif line.engineer is None:
                on_duty.append("无人值守", style="bold red")
            else:
                engineer = roster.engineer(line.engineer)
                on_duty.append(
                    visible(line.engineer) + (f" {visible(engineer.phone)}" if engineer and engineer.phone else "")
                )
                on_duty.append(f" 至 {day_time(line.until, zone, now)}" if line.until else "")
            if line.next_start:
                on_duty.append(
                    f"  接班 {visible(line.next_engineer or '（无人）')} {day_time(line.next_start, zone, now)}",
                    style="dim",
                )
            on_duty.append("\n")
        if roster.empty:
            on_duty.append("值班表未建：zldesk roster import FILE（TOML 轮值或 CSV 班次）", style="yellow")
        self.query_one("#on-duty", Static).update(on_duty)
        table = self.query_one(DataTable)
        row = table.cursor_row  # a change read while someone is looking keeps their place
        table.clear(columns=True)
        table.add_column("日期", width=13)  # 2027-01-01 五: the next holiday is often next year's
        table.add_column("日子", width=14)
        for line in roster.lines:
            table.add_column(line.label, width=14)
        from ..calendar import ChinaCalendar

        calendar = ChinaCalendar.shared()
        for label, run in (("", days), ("下个假期", holiday)):
            if not run:
                continue
            if label:
                guessed = calendar.official_source(run[0].year) is None
                table.add_row(
                    Text(label, style="bold"),
                    Text("（推定）" if guessed else "", style="yellow"),
                    *[Text("") for _ in range(len(roster.lines))],
                )
            for d in run:
                kind = calendar.day(d)
                style = "yellow" if not kind.is_workday else ""
                table.add_row(
                    Text(f"{day_time(d, zone, now)} {weekday_name(d)[-1]}"),
                    Text(kind.name, style=style),
                    *day_cells(segments, roster.lines, d, zone),
                    key=d.isoformat(),
                )
        table.move_cursor(row=min(row, table.row_count - 1))

    # ---- override -----------------------------------------------------------------------------------

    def action_override(self, values: dict | None = None, error: str = "") -> None:
        self.app.push_screen(
            PromptScreen("登记调班（后登记的为准，记入历史）", OVERRIDE_FORM, values, error),
            lambda typed: typed and self._save(typed),
        )

    def _save(self, values: dict) -> None:
        from ..errors import ZlDeskError
        from ..text import parse_instant

        zone = self.app.contract.zone
        try:
            start = parse_instant(values["start"], zone, "开始")
            end = parse_instant(values["end"], zone, "结束")
        except ZlDeskError as e:
            self.action_override(values, f"{e.title}：{e.message}")  # the form again, as typed, with why
            return
        self._write(values, start, end)

    def _write(self, values: dict, start: datetime, end: datetime) -> None:
        from ..roster import Override, line_name

        app = self.app
        contract = app.contract

        def change(session):
            from ..store.roster import add_override

            return add_override(
                session,
                contract.code,
                Override(
                    0,
                    line_name(contract, values["line"]),
                    values["engineer"],
                    start,
                    end,
                    values["reason"],
                    values.get("covers") or None,
                ),
                who=app.who,
            )

        # Refused (an unknown line, an end before the start): the form again, as typed, with why.
        app.gateway.write(
            change,
            lambda _: self.load(),
            node=self,
            said=lambda new_id: f"已登记调班 #{new_id}",
            refused=lambda e: self.action_override(values, f"{e.title}：{e.message}"),
        )
