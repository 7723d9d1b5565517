"""Property tests: the deadline engine (`zldesk.sla`) against a slow reference that is the spec.

The reference below uses nothing from zldesk's calendar or sla modules. It walks minute by minute from
the clock's start: the minute [t, t+1min) counts when the target's window is open at t (local time in
Asia/Shanghai) and t is inside no pause; the deadline is the end of the minute that completes the
target. Statutory days come straight from the `holidays` package.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import pytest
from holidays.countries.china import ChinaStaticHolidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zldesk.contract import Severity, Target, read_contract_file
from zldesk.sla import Pause, Policy, SeverityChange, clock_start

from .conftest import LEISHAN

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
UTC = UTC

CONTRACT = read_contract_file(LEISHAN)
POLICY = Policy(CONTRACT)
LEVELS = tuple(s.level for s in CONTRACT.severities)
WINDOW_NAMES = tuple(w.name for w in CONTRACT.windows)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# =====================================================================================================
# The reference (the spec)
# =====================================================================================================

REF_YEARS = range(2024, 2029)

# Statutory days: days off are the package's holidays; make-up workdays are the schedule's 3rd/4th
# fields (an entry may carry a 5th field, the make-up day's year, when that is the previous year).
DAYS_OFF = set(holidays.China(years=REF_YEARS))
MAKEUPS = {
    date(entry[4] if len(entry) > 4 else year, entry[2], entry[3])
    for year in REF_YEARS
    for entry in ChinaStaticHolidays.special_public_holidays.get(year, ())
}


def ref_workday(d: date) -> bool:
    return d in MAKEUPS or (d.weekday() < 5 and d not in DAYS_OFF)


def hhmm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def ref_window_open(name: str, day: date, minute: int) -> bool:
    """Is window `name` open at local minute `minute` (0..1439) of local day `day`?"""
    window = CONTRACT.window(name)
    on_its_day = {"all": True, "weekdays": day.weekday() < 5, "workdays": ref_workday(day)}[window.days]
    open_now = on_its_day and hhmm(window.start) <= minute < hhmm(window.end)
    if open_now and window.outside is not None:
        return not ref_window_open(window.outside, day, minute)
    return open_now


# Asia/Shanghai has kept UTC+8 since 1991; checked hour by hour over the reference's years, so the local
# day and minute of an instant is plain arithmetic on epoch minutes.
def _shanghai_offsets() -> set[timedelta]:
    t, stop, seen = datetime(REF_YEARS[0], 1, 1, tzinfo=UTC), datetime(REF_YEARS[-1] + 1, 1, 1, tzinfo=UTC), set()
    while t < stop:
        seen.add(t.astimezone(SH).utcoffset())
        t += timedelta(hours=1)
    return seen


assert _shanghai_offsets() == {timedelta(hours=8)}
LOCAL_OFFSET_MIN = 8 * 60
EPOCH_DAY = date(1970, 1, 1).toordinal()


@cache
def ref_open_minutes(name: str, day_number: int) -> frozenset[int]:
    """The open minutes of local day `day_number` (days since 1970-01-01): a cache of ref_window_open."""
    day = date.fromordinal(EPOCH_DAY + day_number)
    return frozenset(m for m in range(24 * 60) if ref_window_open(name, day, m))


def ref_is_open(name: str, t: int) -> bool:
    """Is the window open at epoch minute t?"""
    day_number, minute = divmod(t + LOCAL_OFFSET_MIN, 24 * 60)
    return minute in ref_open_minutes(name, day_number)


def minute_of(when: datetime) -> int:
    """Epoch minutes of a whole-minute aware datetime."""
    seconds = when.timestamp()
    assert seconds % 60 == 0, f"the reference works in whole minutes: {when}"
    return int(seconds) // 60


def from_minute(t: int) -> datetime:
    return datetime.fromtimestamp(t * 60, SH)


def ref_paused(t: int, pauses: tuple[Pause, ...]) -> bool:
    for p in pauses:
        if minute_of(p.start) <= t and (p.end is None or t < minute_of(p.end)):
            return True
    return False


def ref_due(window: str, target_minutes: int, start: datetime, pauses: tuple[Pause, ...] = ()) -> datetime | None:
    """The deadline: the end of the minute that completes `target_minutes` counted minutes."""
    t = minute_of(start)
    frozen_from = min((minute_of(p.start) for p in pauses if p.end is None), default=None)
    counted = 0
    while True:
        if frozen_from is not None and t >= frozen_from:
            return None  # still paused from here on: the target is never reached
        if ref_is_open(window, t) and not ref_paused(t, pauses):
            counted += 1
            if counted == target_minutes:
                return from_minute(t + 1)
        t += 1


def ref_elapsed(window: str, start: datetime, until: datetime, pauses: tuple[Pause, ...] = ()) -> int:
    """Business seconds counted in [start, until)."""
    return 60 * sum(
        1 for t in range(minute_of(start), minute_of(until)) if ref_is_open(window, t) and not ref_paused(t, pauses)
    )


def ref_due_subsecond(window: str, target_minutes: int, opened: datetime) -> datetime:
    """The deadline for an opening `frac` seconds into minute m (no pauses), from the minute reference:
    a closed minute counts nothing, so it is as if opened at m+1; an open one counts 60 - frac seconds,
    so the target completes `frac` seconds into the first open minute at or after ref_due(m)."""
    m = int(opened.timestamp() // 60)
    frac = opened - from_minute(m)
    if not ref_is_open(window, m):
        return ref_due(window, target_minutes, from_minute(m + 1))
    due = ref_due(window, target_minutes, from_minute(m))
    if not frac:
        return due
    t = minute_of(due)
    while not ref_is_open(window, t):
        t += 1
    return from_minute(t) + frac


def ref_target_minutes(severity: Severity) -> int:
    window = CONTRACT.window(severity.target.window)
    if severity.target.unit == "hours":
        minutes = severity.target.amount * 60
    else:  # working_days: N times the window's daily opening
        minutes = severity.target.amount * (hhmm(window.end) - hhmm(window.start))
    assert minutes == int(minutes)
    return int(minutes)


def ref_clock_start(opened: datetime, changes: tuple[SeverityChange, ...]) -> datetime:
    """The last change of level decides: an upgrade restarts the clock there, a downgrade (or no
    change at all) counts from the opening."""
    history = sorted(changes, key=lambda c: c.at)
    last_change = None
    for before, after in zip(history, history[1:]):
        if after.level != before.level:
            last_change = (before.level, after)
    if last_change is not None and last_change[1].level < last_change[0]:
        return last_change[1].at
    return opened


# =====================================================================================================
# Engines under test
# =====================================================================================================


@cache
def synthetic(window: str, amount: float, unit: str = "hours") -> tuple[Policy, Severity]:
    """A Policy whose only severity (level 1) targets `amount` `unit` on `window`."""
    severity = Severity(1, "t", "t", Target(int(amount) if amount == int(amount) else amount, unit, window))
    return Policy(dataclasses.replace(CONTRACT, severities=(severity,))), severity


def rule_of(rule) -> tuple[Policy, int, Severity]:
    """A rule is a contract level (int) or a synthetic (window, amount, unit)."""
    if isinstance(rule, int):
        return POLICY, rule, CONTRACT.severity(rule)
    policy, severity = synthetic(*rule)
    return policy, 1, severity


# =====================================================================================================
# Strategies
# =====================================================================================================

FIRST, LAST = datetime(2025, 1, 1, tzinfo=SH), datetime(2026, 12, 20, tzinfo=SH)
SPAN_MINUTES = int((LAST - FIRST).total_seconds()) // 60

BOUNDARY_MINUTES = sorted(
    {m + d for w in CONTRACT.windows for m in (hhmm(w.start), hhmm(w.end)) for d in (-1, 0, 1) if 0 <= m + d < 24 * 60}
    | {0, 1, 24 * 60 - 1}
)
SPECIAL_DATES = sorted(
    d + timedelta(days=k)
    for d in DAYS_OFF | MAKEUPS
    for k in (-1, 0, 1)
    if FIRST.date() <= d + timedelta(days=k) < LAST.date()
)


def _local(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(), SH) + timedelta(minutes=minute)


uniform_minutes = st.integers(0, SPAN_MINUTES).map(lambda m: FIRST + timedelta(minutes=m))
edge_minutes = st.builds(
    _local,
    st.one_of(st.dates(FIRST.date(), LAST.date() - timedelta(days=1)), st.sampled_from(SPECIAL_DATES)),
    st.one_of(st.integers(0, 24 * 60 - 1), st.sampled_from(BOUNDARY_MINUTES)),
)
# Whole minutes in Asia/Shanghai, 2025-01-01 .. 2026-12-20, biased to openings, closings and holidays.
openings = st.one_of(uniform_minutes, edge_minutes)

contract_levels = st.sampled_from(LEVELS)
hours_amounts = st.integers(2, 60).map(lambda half_hours: half_hours / 2)  # 1..30, halves included
hours_rules = st.tuples(st.sampled_from(WINDOW_NAMES), hours_amounts, st.just("hours"))
working_day_rules = st.tuples(
    st.sampled_from([w.name for w in CONTRACT.windows if w.outside is None]),
    st.integers(1, 7).map(float),
    st.just("working_days"),
)
rules = st.one_of(contract_levels, hours_rules, working_day_rules)


@st.composite
def pause_lists(draw, opened: datetime, max_size: int = 3) -> tuple[Pause, ...]:
    """0..max_size pauses near the opening: whole minutes, maybe overlapping, before it, or open-ended."""
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        start = opened + timedelta(minutes=draw(st.integers(-2 * 24 * 60, 8 * 24 * 60)))
        if draw(st.integers(0, 5)) == 0:
            out.append(Pause(start, None))
        else:
            out.append(Pause(start, start + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))))
    return tuple(out)


PROPS = settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# =====================================================================================================
# Hand-written cases that pin the spec
# =====================================================================================================


@pytest.mark.parametrize(
    "level, opened, due",
    [
        (1, "2026-11-25 20:00", "2026-11-26 11:00"),  # the contract's example: evening into the next morning
        (3, "2026-09-30 17:00", "2026-10-10 17:00"),  # 国庆 off, make-up Saturday 10-10 counts
        (1, "2026-11-25 18:00", "2026-11-25 21:00"),  # lands exactly on the closing time: that closing time
        (3, "2026-11-28 10:00", "2026-12-02 18:00"),  # an ordinary Saturday: starts Monday 08:30
        (3, "2026-10-09 18:00", "2026-10-13 18:00"),  # starts on make-up Saturday 10-10, Sunday off
        (4, "2026-09-18 18:00", "2026-09-29 18:00"),  # make-up Sunday 09-20 counts (Mid-Autumn 09-25 off)
        (2, "2026-02-16 21:00", "2026-02-17 14:00"),  # onsite is every day, Spring Festival included
    ],
)
def test_contract_examples(level, opened, due):
    assert POLICY.deadline(level, at(opened)).computed_due == at(due)
    assert POLICY.due_many(level, [at(opened)]) == [at(due)]


@pytest.mark.parametrize(
    "window, hours, opened, due",
    [
        ("hotline", 1, "2026-10-09 17:30", "2026-10-10 09:00"),  # make-up Saturday is a hotline day
        ("remote", 1, "2026-10-09 17:30", "2026-10-12 09:00"),  # remote is Mon-Fri: no make-up days
        ("remote", 1, "2026-10-01 10:00", "2026-10-01 11:00"),  # ... and holidays that are weekdays count
        ("backup", 1, "2026-10-10 10:00", "2026-10-10 19:00"),  # backup closed while the hotline is open
        ("backup", 2, "2026-10-01 10:00", "2026-10-01 12:00"),  # ... and open all day on a holiday
        ("backup", 1, "2026-11-25 17:30", "2026-11-25 19:00"),  # starts at the hotline's closing
        ("workday", 0.5, "2026-11-25 17:30", "2026-11-25 18:00"),  # exactly at the closing
    ],
)
def test_window_examples(window, hours, opened, due):
    policy, _ = synthetic(window, float(hours))
    assert policy.deadline(1, at(opened)).computed_due == at(due)
    assert ref_due(window, int(hours * 60), at(opened)) == at(due)


def test_reference_agrees_with_the_hand_written_examples():
    for level, opened, due in [
        (1, "2026-11-25 20:00", "2026-11-26 11:00"),
        (3, "2026-09-30 17:00", "2026-10-10 17:00"),
        (1, "2026-11-25 18:00", "2026-11-25 21:00"),
        (3, "2026-11-28 10:00", "2026-12-02 18:00"),
    ]:
        s = CONTRACT.severity(level)
        assert ref_due(s.target.window, ref_target_minutes(s), at(opened)) == at(due)
    assert ref_workday(date(2026, 10, 10)) and not ref_workday(date(2026, 10, 7))


def test_open_pause_before_the_due_freezes_and_a_later_one_does_not():
    opened = at("2026-11-25 20:00")
    assert POLICY.deadline(1, opened, pauses=(Pause(at("2026-11-26 09:30")),)).computed_due is None
    assert POLICY.deadline(1, opened, pauses=(Pause(at("2026-11-26 11:00")),)).computed_due == at("2026-11-26 11:00")
    closed = POLICY.deadline(1, opened, pauses=(Pause(at("2026-11-25 20:30"), at("2026-11-26 09:30")),))
    assert closed.computed_due == at("2026-11-26 12:00")


# =====================================================================================================
# Properties
# =====================================================================================================


@PROPS
@given(level=contract_levels, opened=openings)
def test_contract_severities_match_the_reference(level, opened):
    s = CONTRACT.severity(level)
    got = POLICY.deadline(level, opened)
    assert got.target_seconds == ref_target_minutes(s) * 60
    assert got.window == s.target.window and got.clock_start == opened
    assert got.computed_due == ref_due(s.target.window, ref_target_minutes(s), opened)
    # a fresh Policy (empty caches, first query anywhere) answers the same
    assert Policy(CONTRACT).deadline(level, opened).computed_due == got.computed_due


@PROPS
@given(rule=st.one_of(hours_rules, working_day_rules), opened=openings)
def test_every_window_matches_the_reference(rule, opened):
    policy, severity = synthetic(*rule)
    got = policy.deadline(1, opened)
    assert got.target_seconds == ref_target_minutes(severity) * 60
    assert got.computed_due == ref_due(severity.target.window, ref_target_minutes(severity), opened)


@PROPS
@given(rule=rules, data=st.data())
def test_pauses_match_the_reference(rule, data):
    opened = data.draw(openings, "opened")
    pauses = data.draw(pause_lists(opened), "pauses")
    policy, level, severity = rule_of(rule)
    got = policy.deadline(level, opened, pauses=pauses)
    assert got.computed_due == ref_due(severity.target.window, ref_target_minutes(severity), opened, pauses)


@st.composite
def many_openings(draw, micro: bool = False) -> datetime:
    """Openings as due_many gets them: whole minutes, a window edge ±1 s, other zones (and, with
    `micro`, sub-second openings)."""
    when = draw(openings)
    kind = draw(st.sampled_from(["minute", "edge"] + (["micro"] if micro else [])))
    if kind == "micro":
        when += timedelta(seconds=draw(st.integers(0, 59)), microseconds=draw(st.integers(1, 999_999)))
    elif kind == "edge":
        day = draw(st.one_of(st.dates(FIRST.date(), LAST.date() - timedelta(days=1)), st.sampled_from(SPECIAL_DATES)))
        edge = draw(
            st.sampled_from(sorted({hhmm(w.start) for w in CONTRACT.windows} | {hhmm(w.end) for w in CONTRACT.windows}))
        )
        when = _local(day, edge) + timedelta(seconds=draw(st.sampled_from([-1, 0, 1])))
    return when.astimezone(draw(st.sampled_from([SH, UTC, NY])))


def _check_due_many(rule, items):
    policy, level, _ = rule_of(rule)
    many = policy.due_many(level, items)
    single = [policy.deadline(level, when).computed_due for when in items]
    mismatches = [(when.isoformat(), a.isoformat(), b.isoformat()) for when, a, b in zip(items, many, single) if a != b]
    assert not mismatches, mismatches


@PROPS
@given(rule=rules, items=st.lists(many_openings(), min_size=1, max_size=12))
def test_due_many_equals_deadline(rule, items):
    _check_due_many(rule, items)


def test_due_many_equals_deadline_with_microseconds_by_hand():
    opened = at("2025-01-03 09:00:00.000001")  # a Friday, onsite open 09:00-21:00
    assert POLICY.due_many(1, [opened]) == [at("2025-01-03 12:00:00.000001")]
    assert POLICY.deadline(1, opened).computed_due == at("2025-01-03 12:00:00.000001")


@PROPS
@given(rule=rules, items=st.lists(many_openings(micro=True), min_size=1, max_size=12))
def test_due_many_equals_deadline_with_microseconds(rule, items):
    _check_due_many(rule, items)


subsecond_openings = st.builds(
    lambda when, us: when + timedelta(microseconds=us), openings, st.integers(0, 60_000_000 - 1)
)


@PROPS
@given(rule=rules, opened=subsecond_openings, zone=st.sampled_from([SH, UTC, NY]))
def test_due_many_with_sub_second_openings_matches_the_reference(rule, opened, zone):
    policy, level, severity = rule_of(rule)
    expected = ref_due_subsecond(severity.target.window, ref_target_minutes(severity), opened)
    assert policy.due_many(level, [opened.astimezone(zone)]) == [expected]


@PROPS
@given(rule=rules, opened=subsecond_openings)
def test_deadline_with_sub_second_openings_matches_the_reference(rule, opened):
    policy, level, severity = rule_of(rule)
    expected = ref_due_subsecond(severity.target.window, ref_target_minutes(severity), opened)
    assert policy.deadline(level, opened).computed_due == expected


@PROPS
@given(rule=rules, data=st.data())
def test_elapsed_and_remaining(rule, data):
    opened = data.draw(openings, "opened")
    pauses = data.draw(pause_lists(opened), "pauses")
    policy, level, severity = rule_of(rule)
    window = severity.target.window
    d = policy.deadline(level, opened, pauses=pauses)
    probe = opened + timedelta(minutes=data.draw(st.integers(-60, 6 * 24 * 60), "probe"))
    assert policy.elapsed(d, probe) == (ref_elapsed(window, opened, probe, pauses) if probe > opened else 0)
    if d.computed_due is None:
        return
    due = d.computed_due
    assert policy.elapsed(d, due) == d.target_seconds
    assert policy.remaining(d, due) == 0
    before = due - timedelta(minutes=data.draw(st.integers(1, 3 * 24 * 60), "before"))
    assert policy.remaining(d, before) > 0
    after = due + timedelta(minutes=data.draw(st.integers(1, 3 * 24 * 60), "after"))
    counted_after = ref_elapsed(window, due, after, pauses)
    assert policy.remaining(d, after) == -counted_after
    if ref_is_open(window, minute_of(due)) and not ref_paused(minute_of(due), pauses):
        assert policy.remaining(d, due + timedelta(minutes=1)) < 0  # inside business time: breached


@st.composite
def histories(draw) -> tuple[datetime, tuple[SeverityChange, ...], tuple[SeverityChange, ...]]:
    """An opening, its severity history in time order, and the same history shuffled."""
    opened = draw(openings)
    offsets = sorted(draw(st.lists(st.integers(1, 6 * 24 * 60), max_size=4, unique=True)))
    levels = draw(st.lists(contract_levels, min_size=len(offsets) + 1, max_size=len(offsets) + 1))
    history = tuple(SeverityChange(opened + timedelta(minutes=m), lvl) for m, lvl in zip([0, *offsets], levels))
    return opened, history, tuple(draw(st.permutations(history)))


@PROPS
@given(h=histories(), data=st.data())
def test_upgrades_restart_the_clock_and_downgrades_do_not(h, data):
    opened, history, shuffled = h
    pauses = data.draw(pause_lists(opened, max_size=2), "pauses")
    expected_start = ref_clock_start(opened, history)
    assert clock_start(opened, shuffled) == expected_start
    level = history[-1].level
    s = CONTRACT.severity(level)
    got = POLICY.deadline(level, opened, changes=shuffled, pauses=pauses)
    assert got.clock_start == expected_start
    due = ref_due(s.target.window, ref_target_minutes(s), expected_start, pauses)
    assert got.computed_due == due
    if due is not None:
        assert POLICY.elapsed(got, due) == got.target_seconds


def test_reference_clock_start_by_hand():
    opened = at("2026-11-25 10:00")
    up, down = at("2026-11-25 12:00"), at("2026-11-25 14:00")
    assert ref_clock_start(opened, (SeverityChange(opened, 3),)) == opened
    assert ref_clock_start(opened, (SeverityChange(opened, 3), SeverityChange(up, 1))) == up
    assert ref_clock_start(opened, (SeverityChange(opened, 1), SeverityChange(up, 3))) == opened
    assert (
        ref_clock_start(opened, (SeverityChange(opened, 3), SeverityChange(up, 1), SeverityChange(down, 2))) == opened
    )
    assert ref_clock_start(opened, (SeverityChange(opened, 3), SeverityChange(up, 1), SeverityChange(down, 1))) == up


# ---- host time zone --------------------------------------------------------------------------------

_TZ_SCRIPT = r"""
import json, sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from pathlib import Path
from zldesk.contract import read_contract_file
from zldesk.sla import Pause, Policy, SeverityChange

SH = ZoneInfo("Asia/Shanghai")
policy = Policy(read_contract_file(Path(sys.argv[1])))
out = []
for level in (1, 2, 3, 4):
    for text in ("2026-11-25T20:00", "2026-09-30T17:00", "2026-11-28T10:00", "2025-12-31T23:59",
                 "2026-02-13T17:59:59.500000", "2026-10-09T18:00"):
        opened = datetime.fromisoformat(text).replace(tzinfo=SH)
        d = policy.deadline(level, opened, pauses=(Pause(opened + timedelta(hours=1), opened + timedelta(hours=20)),),
                            changes=(SeverityChange(opened, 4), SeverityChange(opened + timedelta(hours=2), level)))
        out.append([level, text, d.clock_start.isoformat(), d.computed_due.isoformat(),
                    policy.deadline(level, opened).computed_due.isoformat(),
                    [x.isoformat() for x in policy.due_many(level, [opened, opened.astimezone(timezone.utc)])],
                    policy.remaining(d, opened + timedelta(days=1))])
print(json.dumps(out))
"""


def _run_with_tz(tz: str) -> list:
    env = {**os.environ, "TZ": tz}
    ran = subprocess.run(
        [sys.executable, "-c", _TZ_SCRIPT, str(LEISHAN)], env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def test_host_time_zone_changes_nothing():
    utc, new_york = _run_with_tz("UTC"), _run_with_tz("America/New_York")
    assert utc == new_york
    assert len(utc) == 24
    # and the in-process answers (whatever this host's TZ is) agree
    for level, text, _start, _due, plain, many, _left in utc:
        opened = datetime.fromisoformat(text).replace(tzinfo=SH)
        assert POLICY.deadline(level, opened).computed_due.isoformat() == plain
        assert many[0] == many[1] and plain.endswith("+08:00")


# ---- the calendar's reading of the holidays package, outside the properties' years -----------------


def test_make_up_day_in_the_previous_december(tmp_path):
    from zldesk.calendar import ChinaCalendar

    entry = (1, 3, 12, 31, 2011)
    assert entry in ChinaStaticHolidays.special_public_holidays[2012]
    calendar = ChinaCalendar(overrides=tmp_path)  # no override files: the package alone
    assert calendar.is_workday(date(2012, 1, 4))  # an ordinary Wednesday
    assert not calendar.is_workday(date(2012, 1, 3))  # the substituted day off
    assert calendar.is_workday(date(2011, 12, 31))  # the make-up Saturday
