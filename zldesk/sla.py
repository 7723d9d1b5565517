"""The deadline engine: business time on a contract's windows, Chinese working days, pauses.

Pure: a Contract and a calendar in, deadlines out (explain.py words them). Each window becomes a `Timeline`,
its open intervals as epoch seconds with a running total of business time, so a deadline is two binary
searches: business time at the clock's start, plus the target, back to an instant. A total that lands
exactly on a closing time is that closing time."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from .calendar import ChinaCalendar
from .contract import Contract, Severity, Window, hhmm_minutes
from .errors import NotFound
from .text import COMPUTED_YEARS, beyond, check_computable


@dataclass(frozen=True)
class Pause:
    start: datetime  # the ticket waited on the hospital from here
    end: datetime | None = None  # to here; None: still waiting


@dataclass(frozen=True)
class SeverityChange:
    at: datetime
    level: int


@dataclass(frozen=True)
class Deadline:
    level: int
    window: str
    clock_start: datetime  # the opening, or the upgrade that restarted the clock
    target_seconds: int
    computed_due: datetime | None  # None while paused before the target was reached
    negotiated_due: datetime | None = None
    provisional: bool = False
    warnings: tuple[str, ...] = ()
    pauses: tuple[Pause, ...] = ()

    @property
    def due(self) -> datetime | None:
        """The deadline that binds: a negotiated one replaces the computed one."""
        return self.negotiated_due or self.computed_due


class Timeline:
    """A window's open intervals, as epoch seconds, built year by year as queries reach them."""

    def __init__(self, window: Window, contract: Contract, calendar: ChinaCalendar, zone: tzinfo) -> None:
        self.window = window
        self.other = contract.window(window.outside) if window.outside else None
        self.calendar, self.zone = calendar, zone
        self.first_year = self.last_year = 0
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cum: list[int] = []  # business seconds before interval i
        self.cum_end: list[int] = []  # business seconds up to the end of interval i

    def cover(self, first_year: int, last_year: int) -> None:
        if self.starts and self.first_year <= first_year and last_year <= self.last_year:
            return
        if self.starts:
            first_year, last_year = min(first_year, self.first_year), max(last_year, self.last_year)
        first_year, last_year = max(first_year, COMPUTED_YEARS[0]), min(last_year, COMPUTED_YEARS[1])
        starts, ends = [], []
        d, stop = date(first_year, 1, 1), date(last_year + 1, 1, 1)
        one = timedelta(days=1)
        while d < stop:
            for a, b in self.day_minutes(d):
                starts.append(self._epoch(d, a))
                ends.append(self._epoch(d, b))
            d += one
        cum, cum_end, total = [], [], 0
        for a, b in zip(starts, ends):
            cum.append(total)
            total += b - a
            cum_end.append(total)
        self.starts, self.ends, self.cum, self.cum_end = starts, ends, cum, cum_end
        self.first_year, self.last_year = first_year, last_year

    def day_minutes(self, d: date) -> list[tuple[int, int]]:
        """The window's open spans on date `d`, in minutes from local midnight."""
        own = (
            [(hhmm_minutes(self.window.start), hhmm_minutes(self.window.end))] if self._open_on(self.window, d) else []
        )
        if self.other is None or not own or not self._open_on(self.other, d):
            return own
        a, b = own[0]
        oa, ob = hhmm_minutes(self.other.start), hhmm_minutes(self.other.end)
        return [(x, y) for x, y in ((a, min(b, oa)), (max(a, ob), b)) if x < y]

    def _open_on(self, window: Window, d: date) -> bool:
        if window.days == "all":
            return True
        if window.days == "weekdays":
            return d.weekday() < 5
        return self.calendar.is_workday(d)

    def _epoch(self, d: date, minutes: int) -> int:
        local = datetime.combine(d, time()) + timedelta(minutes=minutes)
        return int(local.replace(tzinfo=self.zone).timestamp())

    def ensure(self, ts: float) -> None:
        """Cover the year of `ts` and its neighbours; cheap when already covered."""
        if self.starts and self.starts[0] <= ts <= self.ends[-1]:
            return
        check_computable(ts)
        year = datetime.fromtimestamp(ts, UTC).year
        self.cover(year - 1, year + 1)

    def business_at(self, ts: float) -> float:
        """Business seconds from the start of the timeline to `ts`."""
        self.ensure(ts)
        i = bisect_right(self.starts, ts) - 1  # -1: before the first open span (a window never open has none)
        return self.cum[i] + (self.ends[i] if ts > self.ends[i] else ts) - self.starts[i] if i >= 0 else 0

    def instant_at(self, business: float) -> float:
        """The first instant at which `business` seconds have passed (a closing time if exactly at one)."""
        while not self.cum_end or business > self.cum_end[-1]:
            self._grow()
        j = bisect_left(self.cum_end, business)
        return self.starts[j] + business - self.cum[j]

    def open_from(self, ts: float) -> float:
        """The first instant at or after `ts` at which the window is open (`ts` itself while it is)."""
        self.ensure(ts)
        i = bisect_right(self.starts, ts) - 1
        if i >= 0 and ts < self.ends[i]:
            return ts
        while i + 1 >= len(self.starts):
            self._grow()
        return self.starts[i + 1]

    def _grow(self) -> None:
        """Cover more years ahead, doubling the span (a cover rebuilds it whole); none left: OutOfRange."""
        if self.last_year >= COMPUTED_YEARS[1]:
            raise beyond(datetime(self.last_year + 1, 1, 1, tzinfo=UTC).timestamp())
        self.cover(self.first_year, self.last_year + max(1, self.last_year - self.first_year))


@dataclass
class Policy:
    """A contract's deadline rules, ready to compute. Build once per contract and reuse: it caches."""

    contract: Contract
    calendar: ChinaCalendar = field(default_factory=ChinaCalendar.shared)

    def __post_init__(self) -> None:
        self.zone = self.contract.zone  # an IANA name, never the host's localtime
        self.out_zone = _fixed_if_constant(self.zone)
        self._tables: dict[int, _DueTable] = {}
        self.timelines = {w.name: Timeline(w, self.contract, self.calendar, self.zone) for w in self.contract.windows}
        # level -> (timeline, target seconds): the fast path looks up nothing else.
        self._rules = {
            s.level: (self.timelines[s.target.window], self.target_seconds(s.level)) for s in self.contract.severities
        }

    # ---- the rule of a level -----------------------------------------------------------------

    def severity(self, level: int) -> Severity:
        try:
            return self.contract.severity(level)
        except KeyError:
            levels = "、".join(str(s.level) for s in self.contract.severities)
            raise NotFound("没有这个级别", f"{level}；合同 {self.contract.code} 的级别：{levels}") from None

    def target_seconds(self, level: int) -> int:
        if level in self.__dict__.get("_rules", ()):  # once built: a window's minutes are parsed from its text
            return self._rules[level][1]
        s = self.severity(level)
        if s.target.unit == "hours":
            return round(s.target.amount * 3600)
        return round(s.target.amount * self.contract.window(s.target.window).minutes * 60)

    # ---- the fast path -------------------------------------------------------------------------

    def due_ts(self, level: int, opened_ts: float) -> float:
        """Epoch seconds of the deadline of a ticket opened at `opened_ts`, with no pauses."""
        timeline, target = self._rules[level]
        return timeline.instant_at(timeline.business_at(opened_ts) + target)

    def due_many(self, level: int, opened: list[datetime]) -> list[datetime]:
        """Deadlines for many tickets of one level, no pauses (the board's refresh, the benchmark).

        The deadline is a piecewise function of the opening: inside an open span it moves with it
        (opened + a constant), while the window is closed it is one fixed instant. `_DueTable` holds
        the pieces, so each ticket costs one binary search and one addition. Equal to `due_ts` (a test).
        """
        out: list[datetime] = []
        append, zone, search = out.append, self.out_zone, bisect_left
        table = self._tables.get(level)
        points, deltas, fixed, first, last = table.parts() if table else ([], [], [], None, None)
        for when in opened:
            if when.tzinfo is not zone:
                _aware(when, "opened")
                when = when.astimezone(zone)
            if first is None or not first < when <= last:
                table = self._tables[level] = _DueTable.build(self, level, when)
                points, deltas, fixed, first, last = table.parts()
            k = search(points, when)
            delta = deltas[k]
            append(when + delta if delta is not None else fixed[k])
        return out

    # ---- the whole rule --------------------------------------------------------------------------

    def deadline(
        self,
        level: int,
        opened: datetime,
        *,
        pauses: tuple[Pause, ...] = (),
        changes: tuple[SeverityChange, ...] = (),
        negotiated: datetime | None = None,
    ) -> Deadline:
        """The deadline of `level` for a ticket opened at `opened`, given its pauses and severity history.

        An upgrade (to a more urgent level) restarts the clock at the upgrade; a downgrade counts from
        the opening. A negotiated deadline replaces the computed one; both are kept.
        """
        _aware(opened, "opened")
        check_computable(opened, negotiated, *(c.at for c in changes), *(t for p in pauses for t in (p.start, p.end)))
        s = self.severity(level)
        start = clock_start(opened, changes)
        timeline = self.timelines[s.target.window]
        target = self.target_seconds(level)
        due_ts = _due_with_pauses(timeline, start.timestamp(), target, merged_pauses(pauses, start))
        due = None if due_ts is None else datetime.fromtimestamp(due_ts, self.out_zone)
        provisional, warnings = self.provisional(s, start, due or start)
        agreed = negotiated.astimezone(self.zone) if negotiated else None
        start = start.astimezone(self.zone)
        return Deadline(level, s.target.window, start, target, due, agreed, provisional, warnings, tuple(pauses))

    def elapsed(self, deadline: Deadline, at: datetime) -> float:
        """Business seconds counted from the clock's start to `at`, pauses excluded."""
        _aware(at, "at")
        timeline = self.timelines[deadline.window]
        start, now = deadline.clock_start.timestamp(), at.timestamp()
        if now <= start:
            return 0
        counted = timeline.business_at(now) - timeline.business_at(start)
        for a, b in merged_pauses(deadline.pauses, deadline.clock_start):
            a, b = max(a, start), min(b if b is not None else now, now)
            if a < b:
                counted -= timeline.business_at(b) - timeline.business_at(a)
        return counted

    def business_between(self, window: str, start: float, end: float) -> float:
        """Business seconds on `window` from `start` to `end` (epoch seconds); negative if end < start."""
        timeline = self.timelines[window]
        return timeline.business_at(end) - timeline.business_at(start)

    def open_from(self, window: str, ts: float) -> float:
        """The first instant at or after `ts` (epoch seconds) at which `window` is open."""
        return self.timelines[window].open_from(ts)

    def remaining(self, deadline: Deadline, at: datetime) -> float:
        """Business seconds left at `at` (negative once breached), against the computed deadline."""
        return deadline.target_seconds - self.elapsed(deadline, at)

    def provisional(self, s: Severity, start: datetime, due: datetime) -> tuple[bool, tuple[str, ...]]:
        window = self.contract.window(s.target.window)
        uses_calendar = window.days == "workdays" or (
            window.outside is not None and self.contract.window(window.outside).days == "workdays"
        )
        if not uses_calendar:
            return False, ()
        first, last = start.astimezone(self.zone).year, due.astimezone(self.zone).year
        missing = [y for y in range(first, last + 1) if self.calendar.official_source(y) is None]
        why = "年的法定节假日安排还没有官方来源（holidays 包和 data/calendars/ 都没有），"
        why += "按推定的节假日计算，结果是临时的"
        return bool(missing), tuple(f"{y} {why}" for y in missing)


class _DueTable:
    """One level's deadline as pieces of the opening time, over the years its timeline covers.

    Piece k covers openings in (points[k-1], points[k]]: the deadline is `opened + deltas[k]`, or
    `fixed[k]` where deltas[k] is None (opened while the window is closed). The pieces are closed on
    the right because a deadline is left-continuous in the opening: a total that lands exactly on a
    closing time is that closing time.
    """

    def __init__(self, points: list[datetime], deltas: list[timedelta | None], fixed: list[datetime | None]):
        self.points, self.deltas, self.fixed = points, deltas, fixed
        self.first, self.last = points[0], points[-1]

    def parts(self):
        return self.points, self.deltas, self.fixed, self.first, self.last

    @classmethod
    def build(cls, policy: Policy, level: int, around: datetime) -> _DueTable:
        timeline, target = policy._rules[level]
        check_computable(around)
        timeline.cover(around.year - 1, around.year + 1)
        starts, ends, cum, cum_end = timeline.starts, timeline.ends, timeline.cum, timeline.cum_end
        top = cum_end[-1] - target  # openings past this would need the next year: not in this table
        cuts: set[int] = set()
        for i, (a, b) in enumerate(zip(starts, ends)):
            if cum[i] > top:
                break
            cuts.add(a)
            cuts.add(b)
            # where, inside span i, the deadline reaches a closing time: b_total == cum_end[m]
            m = bisect_left(cum_end, cum[i] + target)
            while m < len(cum_end) and cum_end[m] - target - cum[i] + a < b:
                point = cum_end[m] - target - cum[i] + a
                if point > a:
                    cuts.add(point)
                m += 1
        limit = timeline.instant_at(top)  # the last opening whose deadline this table can reach
        cuts.add(limit)
        ordered = sorted(c for c in cuts if c <= limit)
        zone = policy.out_zone
        points, deltas, fixed = [], [], []
        for left, right in zip(ordered, ordered[1:]):
            i = bisect_right(starts, left) - 1
            if i >= 0 and starts[i] <= left and right <= ends[i]:  # inside an open span
                b_left = cum[i] + left - starts[i] + target
                j = bisect_left(cum_end, b_left + 0.5)  # any total strictly inside the piece
                deltas.append(timedelta(seconds=cum[i] - starts[i] + target + starts[j] - cum[j]))
                fixed.append(None)
            else:
                deltas.append(None)
                fixed.append(datetime.fromtimestamp(timeline.instant_at(timeline.business_at(right) + target), zone))
            points.append(datetime.fromtimestamp(right, zone))
        # Piece 0 would be the openings up to ordered[0]; mark the table's first point instead.
        points.insert(0, datetime.fromtimestamp(ordered[0], zone))
        deltas.insert(0, None)
        fixed.insert(0, None)
        return cls(points, deltas, fixed)


def clock_start(opened: datetime, changes: tuple[SeverityChange, ...]) -> datetime:
    """Where the clock of the current level starts, given the level's history (first entry: the opening)."""
    start, previous = opened, None
    for change in sorted(changes, key=lambda c: c.at):
        _aware(change.at, "change")
        if previous is not None:
            if change.level < previous:  # upgrade: more urgent, new target from now
                start = change.at
            elif change.level > previous:
                start = opened
        previous = change.level
    return start


def merged_pauses(pauses: tuple[Pause, ...], start: datetime) -> list[tuple[float, float | None]]:
    """Pauses as sorted, non-overlapping epoch spans; an open pause runs to None (forever)."""
    spans = []
    for p in pauses:
        _aware(p.start, "pause")
        if p.end is not None:
            _aware(p.end, "pause end")
            if p.end <= p.start:
                continue
        spans.append((p.start.timestamp(), None if p.end is None else p.end.timestamp()))
    spans.sort(key=lambda s: s[0])
    out: list[tuple[float, float | None]] = []
    for a, b in spans:
        if out and (out[-1][1] is None or a <= out[-1][1]):
            pa, pb = out[-1]
            out[-1] = (pa, None if pb is None or b is None else max(pb, b))
        else:
            out.append((a, b))
    return out


def _due_with_pauses(timeline: Timeline, start: float, target: int, pauses) -> float | None:
    base = timeline.business_at(start)
    need = target
    for a, b in pauses:
        if b is not None and b <= start:
            continue
        a = max(a, start)
        due = timeline.instant_at(base + need)
        if a >= due:
            break
        need -= timeline.business_at(a) - base
        if b is None:
            return None  # still paused, the target not reached: the clock is frozen
        base = timeline.business_at(b)
    return timeline.instant_at(base + need)


def _fixed_if_constant(zone: ZoneInfo) -> tzinfo:
    """A fixed-offset zone when `zone` kept one offset 1992-2099 (Asia/Shanghai has since 1991): the same
    instants and isoformat, at a fraction of ZoneInfo's cost per datetime."""
    probe = [datetime(y, m, 15, tzinfo=zone).utcoffset() for y in range(1992, 2100) for m in (1, 7)]
    return timezone(probe[0]) if len(set(probe)) == 1 else zone


def _aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what}: naive datetime {value!r}; zldesk computes only with aware times")
