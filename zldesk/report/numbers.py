"""The service report's numbers, from tickets and the terms they are held to: plain data in, one JSON-ready
dict out (every format renders this dict and nothing else, so the JSON carries every number the HTML
shows). No database, no clock: the caller gives the tickets of the period and the instant it reads at.

Which tickets: those called (received_at) in the period, its first and last day whole, in the contract's
zone. Under which level: the ticket's level now (after any change), the level its deadline is held to.
On time: the clock stops at the first of arrival and resolution (Ticket.sla_stop), for every level; a
level counted in working days (3, 4) is on time when arrival or resolution came by its working-day
deadline, exactly as for hours. Late: stopped after the deadline, or still running past it at `at`.
Pending: neither yet (running and not due, or paused). Against a negotiated deadline separately, for the
tickets that have one; the contract's own target is judged for them too (tickets.breaches).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..contract import UNIT_NAMES
from ..tickets import ticket_json

ON_TIME, LATE, PENDING = "on_time", "late", "pending"
TOP_MODULES = 10
NO_MODULE = "（未填模块）"


@dataclass(frozen=True)
class Period:
    """Days `start` to `end`, both whole, in the contract's zone. kind: month | year | range."""

    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "year":
            return f"{self.start.year}"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    def bounds(self, zone) -> tuple[datetime, datetime]:
        """[first instant, the instant after the last day) in `zone`."""
        return (
            datetime.combine(self.start, time(), zone),
            datetime.combine(self.end + timedelta(days=1), time(), zone),
        )

    def months(self) -> list[str]:
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


@dataclass(frozen=True)
class Item:
    """One ticket as the report reads it: its id, itself, its terms' Policy and its Deadline (None when the
    engine refuses its times)."""

    id: int
    ticket: object
    policy: object
    deadline: object


def outcome(stop: datetime | None, due: datetime | None, at: datetime) -> str:
    """on_time, late or pending against one deadline."""
    if due is None:
        return PENDING
    if stop is not None:
        return ON_TIME if stop <= due else LATE
    return LATE if at > due else PENDING


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `share` of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def business_seconds(policy, window: str, t, start: datetime, end: datetime) -> float:
    """Business seconds on `window` from `start` to `end`, the ticket's pauses not counted."""
    a, b = start.timestamp(), end.timestamp()
    total = policy.business_between(window, a, b)
    for ps, pe, _ in t.pauses:
        x, y = max(a, ps.timestamp()), min(b, (pe or end).timestamp())
        if x < y:
            total -= policy.business_between(window, x, y)
    return total


def _times(rows: list[tuple[float, float]]) -> dict:
    business, wall = [r[0] for r in rows], [r[1] for r in rows]
    return {
        "count": len(rows),
        "median_business_seconds": _median(business),
        "p90_business_seconds": percentile(business, 0.9),
        "median_seconds": _median(wall),
        "p90_seconds": percentile(wall, 0.9),
    }


def _rate(on_time: int, late: int) -> float | None:
    return on_time / (on_time + late) if on_time + late else None


def _level_numbers(level, name, target, window, facts: list[dict]) -> dict:
    def count(key, value):
        return sum(1 for f in facts if f[key] == value)

    agreed = [f for f in facts if f["negotiated_outcome"] is not None]
    on_time, late = count("outcome", ON_TIME), count("outcome", LATE)
    return {
        "level": level,
        "name": name,
        "target": target,
        "window": window,
        "opened": len(facts),
        "on_time": on_time,
        "late": late,
        "pending": count("outcome", PENDING),
        "on_time_rate": _rate(on_time, late),
        "negotiated": {
            "count": len(agreed),
            "on_time": sum(1 for f in agreed if f["negotiated_outcome"] == ON_TIME),
            "late": sum(1 for f in agreed if f["negotiated_outcome"] == LATE),
            "pending": sum(1 for f in agreed if f["negotiated_outcome"] == PENDING),
        },
        "arrival": _times([f["arrival"] for f in facts if f["arrival"] is not None]),
        "resolution": _times([f["resolution"] for f in facts if f["resolution"] is not None]),
        "paused_tickets": sum(1 for f in facts if f["pause_seconds"]),
        "pause_seconds": sum(f["pause_seconds"] for f in facts),
        "pause_business_seconds": sum(f["pause_business_seconds"] for f in facts),
    }


def compute(contract, period: Period, items: list[Item], at: datetime) -> dict:
    """The report of `contract` (the current terms: its levels, zone, customer) for `period`, read at `at`."""
    zone = contract.zone

    def iso(value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(zone).isoformat()

    facts, breaches, pauses, negotiated, out_of_scope = [], [], [], [], []
    modules: dict[str, int] = {}
    for item in items:
        t, policy, d = item.ticket, item.policy, item.deadline
        window = d.window if d else policy.severity(t.severity).target.window
        stop = t.sla_stop
        fact = {
            "id": item.id,
            "level": t.severity,
            "month": f"{t.received_at.astimezone(zone):%Y-%m}",
            "outcome": outcome(stop, d.computed_due if d else None, at),
            "negotiated_outcome": outcome(stop, d.negotiated_due, at) if d and d.negotiated_due else None,
            "arrival": None,
            "resolution": None,
            "pause_seconds": 0.0,
            "pause_business_seconds": 0.0,
        }
        for key, when in (("arrival", t.arrived_at), ("resolution", t.resolved_at)):
            if when is not None:
                wall = (when - t.received_at).total_seconds()
                fact[key] = (business_seconds(policy, window, t, t.received_at, when), wall)
        for start, end, reason in t.pauses:
            until = end or at
            seconds = max(0.0, (until - start).total_seconds())
            lost = max(0.0, policy.business_between(window, start.timestamp(), until.timestamp()))
            fact["pause_seconds"] += seconds
            fact["pause_business_seconds"] += lost
            pauses.append(
                {
                    "id": item.id,
                    "level": t.severity,
                    "title": t.title,
                    "start": iso(start),
                    "end": iso(end),
                    "seconds": seconds,
                    "business_seconds": lost,
                    "reason": reason,
                }
            )
        facts.append(fact)
        late = fact["outcome"] == LATE or fact["negotiated_outcome"] == LATE
        if late:
            shown = ticket_json(policy, t, d, item.id, at, events=[])  # the words `ticket show` gives
            breaches.append(
                {
                    "id": item.id,
                    "level": t.severity,
                    "title": t.title,
                    "state": t.state,
                    "kinds": [
                        k
                        for k, o in (("computed", fact["outcome"]), ("negotiated", fact["negotiated_outcome"]))
                        if o == LATE
                    ],
                    "computed_due": iso(d.computed_due),
                    "negotiated_due": iso(d.negotiated_due),
                    "stopped_at": iso(stop),
                    "explanation": f"{shown['clock']['text']}  {shown['sentence']}",
                }
            )
        if t.negotiated_due is not None:
            negotiated.append(
                {
                    "id": item.id,
                    "level": t.severity,
                    "title": t.title,
                    "negotiated_due": iso(t.negotiated_due),
                    "computed_due": iso(d.computed_due) if d else None,
                    "agreed_with": t.negotiated_with,
                    "outcome": fact["negotiated_outcome"] or PENDING,
                }
            )
        if not t.in_scope:
            out_of_scope.append(
                {
                    "id": item.id,
                    "level": t.severity,
                    "title": t.title,
                    "module_no": t.module_no,
                    "module": t.module_name,
                }
            )
        name = t.module_name or NO_MODULE
        modules[name] = modules.get(name, 0) + 1

    known = {s.level: s for s in contract.severities}
    levels = []
    for level in sorted(set(known) | {f["level"] for f in facts}):
        s = known.get(level)
        target = f"{s.target.amount} {UNIT_NAMES[s.target.unit]}" if s else ""
        mine = [f for f in facts if f["level"] == level]
        levels.append(_level_numbers(level, s.name if s else "", target, s.target.window if s else "", mine))
    months = []
    for month in period.months():
        mine = [f for f in facts if f["month"] == month]
        on_time = sum(1 for f in mine if f["outcome"] == ON_TIME)
        late = sum(1 for f in mine if f["outcome"] == LATE)
        months.append(
            {
                "month": month,
                "opened": len(mine),
                "on_time": on_time,
                "late": late,
                "pending": len(mine) - on_time - late,
                "on_time_rate": _rate(on_time, late),
                "by_level": {str(lv["level"]): sum(1 for f in mine if f["level"] == lv["level"]) for lv in levels},
            }
        )
    reasons: dict[str, list] = {}
    for p in pauses:
        r = reasons.setdefault(p["reason"], [0, 0.0, 0.0])
        r[0], r[1], r[2] = r[0] + 1, r[1] + p["seconds"], r[2] + p["business_seconds"]
    start, end = period.bounds(zone)
    return {
        "contract": contract.code,
        "customer": contract.customer,
        "zone": str(zone),
        "period": {
            "kind": period.kind,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "label": period.label,
        },
        "at": iso(at),
        "totals": _level_numbers(None, "合计", "", "", facts),
        "levels": levels,
        "months": months,
        "breaches": breaches,
        "pauses": pauses,
        "pause_reasons": [
            {"reason": r, "count": c, "seconds": s, "business_seconds": b}
            for r, (c, s, b) in sorted(reasons.items(), key=lambda kv: (-kv[1][0], kv[0]))
        ],
        "negotiated": negotiated,
        "out_of_scope": out_of_scope,
        "modules": [
            {"module": m, "count": n} for m, n in sorted(modules.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_MODULES]
        ],
        "window": {"from": iso(start), "to": iso(end)},
    }
