"""Is the contract in force at an instant: the one answer the ticket form, `ticket new`, `covered`, the
coverage screen, `contracts` and the board's header all read (issue 16).

Pure: a contract and an instant in, plain data out. The instant is read in the contract's zone, never the
host's: the period's dates are days in that zone, and its end date is inclusive (the whole last day, to
23:59:59.999 there). A contract without a period (the bundled one: its signed text gives no dates) is
`none`: never taken to be in force, and said so (`服务期未填写`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from .model import Contract, Period

IN_FORCE, NOT_STARTED, ENDED, NO_PERIOD = "in_force", "not_started", "ended", "none"
SOON_DAYS = 30  # the board's header warns from this many days before the last day
NO_PERIOD_TEXT = "服务期未填写"


@dataclass(frozen=True)
class PeriodAnswer:
    state: str  # IN_FORCE, NOT_STARTED, ENDED or NO_PERIOD
    start: date | None
    end: date | None
    today: date  # the instant's day in the contract's zone
    # Days from `today` to the last day: 0 on the last day, -5 five days after it; None without a period.
    days_to_expiry: int | None
    zone: tzinfo  # the contract's: the zone `today` was read in

    @property
    def in_period(self) -> bool | None:
        """True in force, False outside the period, None when the contract gives no period."""
        return None if self.state == NO_PERIOD else self.state == IN_FORCE

    @property
    def dates(self) -> str:
        return f"服务期 {self.start} 至 {self.end}" if self.start else NO_PERIOD_TEXT

    @property
    def line(self) -> str:
        """The answer as people read it: `合同期外（服务期 2025-01-01 至 2025-12-31）`, `合同期内（…）` or
        `服务期未填写`."""
        if self.state == NO_PERIOD:
            return NO_PERIOD_TEXT
        return f"{'合同期内' if self.state == IN_FORCE else '合同期外'}（{self.dates}）"

    @property
    def note(self) -> str:
        """What a surface must say about the period: empty when in force (nothing to warn of), else the line."""
        return "" if self.state == IN_FORCE else self.line

    @property
    def expiry(self) -> str:
        """Days to expiry, as `contracts` says them: `剩余 23 天`, `今天到期`, `已过期 5 天`, `尚未生效（…起）`,
        `服务期未填写`."""
        days = self.days_to_expiry
        if days is None:
            return NO_PERIOD_TEXT
        if self.state == NOT_STARTED:
            return f"尚未生效（{self.start} 起）"
        if days < 0:
            return f"已过期 {-days} 天"
        return "今天到期" if days == 0 else f"剩余 {days} 天"

    @property
    def ends_soon(self) -> bool:
        """Ended, or in force with its last day at most SOON_DAYS days away: the board's header says so."""
        return self.days_to_expiry is not None and self.state != NOT_STARTED and self.days_to_expiry <= SOON_DAYS

    def ticket_line(self, customer: str, received: datetime) -> str:
        """What `ticket new` and the form say of a call outside the period (or of a contract without one)."""
        at = f"{received.astimezone(self.zone):%Y-%m-%d %H:%M}"
        if self.state == NO_PERIOD:
            return f"{customer} 合同{NO_PERIOD_TEXT}：无法核对来电（{at}）是否在合同期内；工单照常登记"
        return f"{self.line}：{customer} 来电 {at}；工单照常登记"

    def warning(self, customer: str) -> str:
        """The header's words: `雷山县人民医院 合同 12 天后到期`, `… 合同今天到期`, `… 合同已过期 5 天`."""
        days = self.days_to_expiry or 0
        if days < 0:
            return f"{customer} 合同已过期 {-days} 天（{self.dates}）"
        return f"{customer} 合同{'今天' if days == 0 else f' {days} 天后'}到期（最后一天 {self.end}）"


def period_at(contract: Contract, at: datetime) -> PeriodAnswer:
    """`contract`'s period at the instant `at` (aware), read in the contract's zone."""
    return period_answer(contract.period, contract.zone, at)


def period_answer(period: Period | None, zone: tzinfo, at: datetime) -> PeriodAnswer:
    """The answer for a period kept apart from its contract (`contracts` reads only the head row)."""
    today = at.astimezone(zone).date()
    if period is None:
        return PeriodAnswer(NO_PERIOD, None, None, today, None, zone)
    if today < period.start:
        state = NOT_STARTED
    elif today > period.end:
        state = ENDED
    else:
        state = IN_FORCE
    return PeriodAnswer(state, period.start, period.end, today, (period.end - today).days, zone)


def period_json(answer: PeriodAnswer) -> dict:
    """The keys every JSON output gives (README): `in_period` (true/false/null), `period_state`, `period_note`
    (empty in force), `days_to_expiry` (null without a period)."""
    return {
        "in_period": answer.in_period,
        "period_state": answer.state,
        "period_note": answer.note,
        "days_to_expiry": answer.days_to_expiry,
    }
