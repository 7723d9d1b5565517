"""The contract's obligations (issue 17): the services whose signed text states how often (每半年一次巡检,
每年一次（12 月）问题回顾…) and so carry a `schedule`, when each is next due, and whether it is late.

Pure: a contract, its fulfilments' days and an instant in, plain data out. The one rule, read everywhere
(`zldesk obligations`, the board's header, the `p` screen, the service report):

- Without a pinned month (`every = "6 months"`): the first due date is the period's start plus one
  interval; after that, the last fulfilment's day plus one interval. A month-end start is kept at the
  month's end where the month is shorter (01-31 plus 1 month is 02-28, or 02-29 in a leap year; 02-29 plus
  1 year is 02-28). An obligation not fulfilled by its due date stays overdue until it is; its next due date
  then counts from that fulfilment.
- With a pinned month (`every = "1 year", month = 12`): due on the last day of that month, in the first
  such month on or after the period's start, then every interval after; a fulfilment counts for the first
  such due date on or after its day (one in January counts for the coming December, not the past one).
- A contract without a period (服务期未填写): counted from its first fulfilment as from a start; with none
  yet, no due date (state `no_period`). A contract whose period has not started or has ended owes nothing.

Days are the contract's zone's. `due_soon`: due within SOON_DAYS days (today counts), `overdue`: past it.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime

from ..contract import Contract, Schedule, Service, period_at
from ..contract.period import ENDED, NO_PERIOD, NO_PERIOD_TEXT, NOT_STARTED

OK, DUE_SOON, OVERDUE, UNKNOWN = "ok", "due_soon", "overdue", "no_period"
STATE_NAMES = {OK: "正常", DUE_SOON: "将到期", OVERDUE: "逾期", UNKNOWN: NO_PERIOD_TEXT}
SOON_DAYS = 30


def scheduled(contract: Contract) -> list[Service]:
    """The contract's services that carry a schedule, in the contract's order: `obligation done 2` is the
    second of these."""
    return [s for s in contract.services if s.schedule is not None]


def add(day: date, schedule: Schedule, times: int = 1) -> date | None:
    """`day` plus `times` intervals; a day past a shorter month's end is that month's end. None past 9999."""
    count, unit = schedule.count * times, schedule.unit
    try:
        if unit in ("day", "week"):
            return date.fromordinal(day.toordinal() + count * (7 if unit == "week" else 1))
        months = day.month - 1 + count * (12 if unit == "year" else 1)
        year, month = day.year + months // 12, months % 12 + 1
        return date(year, month, min(day.day, monthrange(year, month)[1]))
    except (ValueError, OverflowError):
        return None


def _month_end(year: int, month: int) -> date | None:
    if not 1 <= year <= 9999:
        return None
    return date(year, month, monthrange(year, month)[1])


@dataclass(frozen=True)
class Due:
    """One due date and the day that fulfilled it (None: not yet)."""

    due: date
    done: date | None


def timeline(schedule: Schedule, anchor: date, done: list[date]) -> list[Due]:
    """Every due date from `anchor` (the period's start) on, each with the fulfilment that met it, ending
    with the first not yet met (left out only past year 9999). `done`: the fulfilments' days."""
    done = sorted(done)
    if schedule.month is None:
        out, base = [], anchor
        for day in done:
            due = add(base, schedule)
            if due is None:
                return out
            out.append(Due(due, day))
            base = day
        due = add(base, schedule)
        return out + ([Due(due, None)] if due is not None else [])
    first = _month_end(anchor.year, schedule.month)
    if first is not None and first < anchor:
        first = _month_end(anchor.year + 1, schedule.month)
    out: list[Due] = []
    i, k = 0, 0
    due = first
    while due is not None:
        met = None
        while i < len(done) and done[i] <= due:  # every fulfilment up to it counts for it (the first is kept)
            met = met or done[i]
            i += 1
        out.append(Due(due, met))
        if met is None and i >= len(done):
            return out
        k += schedule.count
        due = _month_end(first.year + k, schedule.month)
    return out


@dataclass(frozen=True)
class Obligation:
    contract: str  # the contract's code
    customer: str
    no: int  # its place among the contract's scheduled services, from 1
    service: Service
    last_done: datetime | None  # the last fulfilment, in the contract's zone
    last_id: int | None  # its obligation_event id
    next_due: date | None
    state: str  # OK, DUE_SOON, OVERDUE, UNKNOWN
    days: int | None  # days from today to next_due (negative: overdue by that many)
    after_end: bool = False  # next_due falls after the period's last day

    @property
    def clause(self) -> str:
        """Where the contract says so: `服务内容细则·巡检服务·生产环境健康巡检服务（每半年一次）`."""
        s = self.service
        return f"服务内容细则·{s.category}·{s.name}（{s.frequency or s.schedule.text}）"

    @property
    def due_text(self) -> str:
        if self.next_due is None:
            return NO_PERIOD_TEXT
        if self.days < 0:
            return f"{self.next_due} 已逾期 {-self.days} 天"
        return f"{self.next_due}（{'今天' if self.days == 0 else f'{self.days} 天后'}）"

    def to_json(self) -> dict:
        s = self.service
        return {
            "contract": self.contract,
            "no": self.no,
            "category": s.category,
            "service": s.name,
            "frequency": s.frequency,
            "schedule": s.schedule.to_dict(),
            "clause": self.clause,
            "last_done": None if self.last_done is None else self.last_done.isoformat(),
            "last_id": self.last_id,
            "next_due": None if self.next_due is None else self.next_due.isoformat(),
            "days": self.days,
            "state": self.state,
            "after_end": self.after_end,
        }


def obligations(contract: Contract, done: dict[tuple[str, str], list[tuple[datetime, int]]], at: datetime):
    """The contract's obligations at `at`, by due date (the undated last); none if the contract's period has
    not started or has ended. `done`: (category, name) -> [(fulfilled at, event id)], any order."""
    answer = period_at(contract, at)
    if answer.state in (NOT_STARTED, ENDED):
        return []
    zone, today, out = contract.zone, answer.today, []
    for no, s in enumerate(scheduled(contract), 1):
        events = sorted(done.get((s.category, s.name), ()))
        last, last_id = (events[-1][0].astimezone(zone), events[-1][1]) if events else (None, None)
        days_done = [when.astimezone(zone).date() for when, _ in events]
        anchor = answer.start if answer.state != NO_PERIOD else (days_done[0] if days_done else None)
        if anchor is None:
            out.append(Obligation(contract.code, contract.customer, no, s, None, None, None, UNKNOWN, None))
            continue
        if answer.state == NO_PERIOD:
            days_done = days_done[1:]  # the first fulfilment is the start
        days_done = [d for d in days_done if d >= anchor]  # one before the period's start is not of it
        pending = timeline(s.schedule, anchor, days_done)[-1:]
        due = pending[0].due if pending and pending[0].done is None else None
        days = None if due is None else (due - today).days
        state = OK if days is None or days > SOON_DAYS else DUE_SOON if days >= 0 else OVERDUE
        after = due is not None and answer.end is not None and due > answer.end
        out.append(Obligation(contract.code, contract.customer, no, s, last, last_id, due, state, days, after))
    out.sort(key=lambda o: (o.next_due is None, o.next_due or date.max, o.contract, o.no))
    return out


OUTCOME_NAMES = {"on_time": "按时", "late": "迟了", "overdue": "逾期", "pending": "未到期"}


def period_rows(contract: Contract, done: dict, first: date, last: date, at: datetime) -> list[dict]:
    """The service report's obligations (issue 17): every due date in the days `first`..`last`, and every
    one met by a fulfilment in them, by the same rule: due, done (the day), and the outcome - on_time, late,
    overdue (not met, and past), pending (not met, not yet due). Due dates after the contract's period are
    not owed and are left out."""
    zone, today, out = contract.zone, at.astimezone(contract.zone).date(), []
    end = contract.period.end if contract.period else None
    for no, s in enumerate(scheduled(contract), 1):
        days = sorted(when.astimezone(zone).date() for when, _ in done.get((s.category, s.name), ()))
        anchor = contract.period.start if contract.period else (days[0] if days else None)
        if anchor is None:
            continue
        if contract.period is None:
            days = days[1:]
        for d in timeline(s.schedule, anchor, [x for x in days if x >= anchor]):
            in_it = first <= d.due <= last or (d.done is not None and first <= d.done <= last)
            if not in_it or (end is not None and d.due > end):
                continue
            if d.done is not None:
                outcome = "on_time" if d.done <= d.due else "late"
            else:
                outcome = "overdue" if d.due < today else "pending"
            out.append(
                {
                    "no": no,
                    "category": s.category,
                    "service": s.name,
                    "frequency": s.frequency or s.schedule.text,
                    "due": d.due.isoformat(),
                    "done": None if d.done is None else d.done.isoformat(),
                    "outcome": outcome,
                    "outcome_name": OUTCOME_NAMES[outcome],
                }
            )
    out.sort(key=lambda r: (r["due"], r["no"]))
    return out


def resolve(contract: Contract, text: str) -> tuple[int, Service]:
    """The one scheduled service a person means: its number (as `zldesk obligations` lists it), its exact
    name, or a part of its name or its pinyin that names only one; else NotFound or Refused listing the
    candidates. Returns (number, service)."""
    from ..coverage import pinyin_cost
    from ..errors import NotFound, Refused

    services = scheduled(contract)
    numbered = list(enumerate(services, 1))
    text = text.strip()
    listed = "、".join(f"{no} {s.name}" for no, s in numbered)
    if text.isdigit():
        if 1 <= int(text) <= len(services):
            return int(text), services[int(text) - 1]
        raise NotFound("合同里没有这个编号的定期服务", f"{text}（共 {len(services)} 项：{listed}）")
    folded = text.casefold()
    letters = "".join(text.split()).casefold()
    exact = [(no, s) for no, s in numbered if s.name == text]
    found = exact or [(no, s) for no, s in numbered if folded and folded in s.name.casefold()]
    if not found and letters.isascii() and letters.isalpha():
        found = [(no, s) for no, s in numbered if pinyin_cost(letters, s.name) is not None]
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFound("合同里没有这项定期服务", f"{text!r}；定期服务有：{listed}")
    names = "、".join(f"{no} {s.name}" for no, s in found[:8])
    raise Refused("定期服务不唯一", f"{text!r} 可以是：{names}；请写编号")
