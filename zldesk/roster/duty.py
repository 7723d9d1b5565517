"""Who is on duty, as the console shows it: the roster computed for the days around now, asked each
second without computing it again. No Textual here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..calendar import ChinaCalendar
from ..contract import Contract
from ..errors import OutOfRange, ZlDeskError
from ..text import in_range, visible
from .engine import compute
from .model import Roster, Segment
from .views import LineNow
from .views import now as on_duty

BEFORE, AHEAD = timedelta(days=1), timedelta(days=8)
SHORT = {"hotline": "热线", "backup": "备勤", "onsite": "现场"}


@dataclass(frozen=True)
class OnDuty:
    contract: Contract
    roster: Roster
    segments: list[Segment]
    start: datetime
    end: datetime
    problem: str = ""  # the roster in the store does not compute (say, an engineer deactivated since)
    acks: tuple = ()  # the contract's acknowledged handoffs (handover.Ack), for `flag`

    @classmethod
    def build(cls, roster: Roster, contract: Contract, now: datetime, acks=()) -> OnDuty:
        start, end, acks = now - BEFORE, now + AHEAD, tuple(acks)
        if roster.empty:
            return cls(contract, roster, [], start, end, acks=acks)
        try:
            segments = compute(roster, contract, ChinaCalendar.shared(), start, end)
        except ZlDeskError as e:  # the board must still come up; the header says what is wrong
            first = e.problems[0].message if getattr(e, "problems", None) else e.message
            return cls(contract, roster, [], start, end, f"值班表有误：{first}", acks)
        return cls(contract, roster, segments, start, end, acks=acks)

    def stale(self, now: datetime) -> bool:
        """Computed long enough ago that the days ahead are running short."""
        return now - self.start > BEFORE + timedelta(days=1)

    def at(self, moment: datetime) -> list[LineNow]:
        return on_duty(self.segments, moment, self.roster.lines)

    def flag(self, now: datetime) -> str:
        """The header's first words while a line changed hands 15 minutes ago or more (and under 12 hours,
        within the day the segments reach back) and nobody acknowledged it: 备勤交接未确认：李强 02:00, short
        enough to fit at 80 columns after the date and the day's words; "" otherwise."""
        from .handover import handoffs, unacknowledged

        lines = self.roster.lines
        found = [h for x in lines if (h := unacknowledged(handoffs(self.segments, x.name), now, self.acks))]
        if not found:
            return ""
        h = found[0]
        label = SHORT.get(h.line) or next((x.label for x in lines if x.name == h.line), h.line)
        more = f"（另 {len(found) - 1} 条线）" if len(found) > 1 else ""
        return f"{label}交接未确认：{visible(h.incoming)} {h.at.astimezone(self.contract.zone):%H:%M}{more}  "

    def phone(self, name: str | None) -> str:
        engineer = self.roster.engineer(name) if name else None
        return engineer.phone if engineer else ""

    def status(self, now: datetime) -> str:
        """The header's duty part: who holds each line open now; a line nobody holds says so."""
        if self.problem:
            return self.problem
        if self.roster.empty:
            return "值班表未建"
        parts = []
        for line in self.at(now):
            if line.open:  # names are user data: control characters shown, never sent to the terminal
                parts.append(
                    f"{SHORT.get(line.line, line.label)} {visible(line.engineer) if line.engineer else '无人值守！'}"
                )
        return "值班：" + (" · ".join(parts) if parts else "无开放的值班线")

    def watch(self, moment: datetime) -> str:
        """Whose watch `moment` falls in: every line open then, with its holder."""
        if self.roster.empty or self.problem:
            return ""
        segments = self.segments
        if not self.start <= moment < self.end:  # a deadline days ahead: compute just around it
            try:
                in_range(moment, "到期时间")
            except OutOfRange:  # past the roster's years (a ticket stored with a far date): nobody to name
                return ""
            segments = compute(
                self.roster,
                self.contract,
                ChinaCalendar.shared(),
                moment - timedelta(hours=1),
                moment + timedelta(hours=1),
            )
        parts = [
            f"{line.label} {visible(line.engineer) if line.engineer else '无人值守'}"
            for line in on_duty(segments, moment, self.roster.lines)
            if line.open
        ]
        return "、".join(parts) or "无开放的值班线"
