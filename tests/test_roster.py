"""The roster engine across the 2026 National Day holiday (make-up Sunday 09-20, make-up Saturday 10-10)
and a normal week: who holds each line, rotations that skip nobody, layers, overrides, gaps, hours."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zldesk.calendar import ChinaCalendar
from zldesk.contract import read_contract_file
from zldesk.errors import InvalidInput
from zldesk.roster import (
    ONE_DAY,
    Engineer,
    Override,
    Roster,
    Rotation,
    Segment,
    Shift,
    check,
    compute,
    demo_roster,
    duty_lines,
    gaps,
    holiday_block,
    holiday_days,
    hours,
    now,
)

from .conftest import LEISHAN

SH = ZoneInfo("Asia/Shanghai")
CAL = ChinaCalendar.shared()
CONTRACT = read_contract_file(LEISHAN)
LINES = duty_lines(CONTRACT)
PEOPLE = tuple(Engineer(n, f"138-0000-00{i:02d}") for i, n in enumerate(["甲", "乙", "丙", "丁", "戊", "己"], 1))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def roster(*rotations: Rotation, shifts=(), overrides=(), engineers=PEOPLE) -> Roster:
    return Roster(LINES, engineers, tuple(rotations), tuple(shifts), tuple(overrides))


def run(r: Roster, start: str, end: str, line: str | None = None) -> list[Segment]:
    """compute() over local times; with `line`, only that line's held segments."""
    segs = compute(r, CONTRACT, CAL, at(start), at(end))
    return segs if line is None else [s for s in segs if s.line == line and s.engineer is not None]


def holder(segments: list[Segment], line: str, when: str) -> str | None:
    found = [s for s in segments if s.line == line and s.start <= at(when) < s.end]
    assert len(found) <= 1
    return found[0].engineer if found else "closed"


HOTLINE = Rotation(line="hotline", engineers=("甲", "乙", "丙"), unit="workday", start=date(2026, 9, 1), name="热线")
NIGHT = Rotation(
    line="backup",
    engineers=("甲", "乙", "丙", "丁"),
    unit="night",
    handoff="18:00",
    start=date(2026, 9, 1),
    name="夜班",
)
HOLIDAY = Rotation(line="backup", engineers=("戊", "己"), unit="holiday", start=date(2026, 1, 1), name="节假日")
ONSITE = Rotation(line="onsite", engineers=("戊", "己"), unit="week", start=date(2026, 8, 31), name="现场")
FULL = roster(HOTLINE, NIGHT, HOLIDAY, ONSITE)


def test_the_2026_calendar_is_what_the_tests_assume():
    assert [d.day for d in holiday_days(CAL, "国庆节", 2026)] == [1, 2, 3, 4, 5, 6, 7]
    assert CAL.day(date(2026, 9, 20)).kind == "makeup" and date(2026, 9, 20).weekday() == 6
    assert CAL.day(date(2026, 10, 10)).kind == "makeup" and date(2026, 10, 10).weekday() == 5


def test_duty_lines_follow_the_contracts_contacts_and_level_1_window():
    by_name = {line.name: line for line in LINES}
    assert list(by_name) == ["hotline", "backup", "onsite"]
    assert by_name["hotline"].window.name == "hotline" and by_name["hotline"].label == "热线值班"
    assert by_name["hotline"].phones == ("0851-84724060", "0851-84123070")
    assert by_name["backup"].window.outside == "hotline" and "13314486056" in by_name["backup"].phones
    assert by_name["onsite"].window.name == "onsite" and by_name["onsite"].phones == ()
    no_backup = replace(CONTRACT, contacts=tuple(c for c in CONTRACT.contacts if c.kind != "backup"))
    assert [line.name for line in duty_lines(no_backup)] == ["hotline", "onsite"]


# ---- who holds each line ------------------------------------------------------------------------------


def test_who_holds_each_line_around_national_day():
    segs = run(FULL, "2026-09-14", "2026-10-19")
    # Wednesday before the holiday, office hours: the hotline is open, the backup line is not.
    assert holder(segs, "hotline", "2026-09-30 10:00") in "甲乙丙"
    assert holder(segs, "backup", "2026-09-30 10:00") == "closed"
    # The night before: the night rotation until the holiday layer takes over at 08:30 on 10-01.
    assert holder(segs, "backup", "2026-10-01 03:00") == holder(segs, "backup", "2026-09-30 19:00")
    assert holder(segs, "backup", "2026-10-01 03:00") in "甲乙丙丁"
    # The whole holiday: one holiday engineer on the backup line, day and night; hotline closed.
    assert {holder(segs, "backup", f"2026-10-0{d} {h}") for d in range(1, 8) for h in ("09:00", "23:00")} == {"戊"}
    assert holder(segs, "hotline", "2026-10-03 10:00") == "closed"
    assert holder(segs, "onsite", "2026-10-03 10:00") in "戊己"
    assert holder(segs, "onsite", "2026-10-03 22:00") == "closed"
    # The make-up Saturday and Sunday are workdays: the hotline opens, the backup line waits for 18:00.
    for day in ("2026-10-10", "2026-09-20"):
        assert holder(segs, "hotline", f"{day} 12:00") in "甲乙丙"
        assert holder(segs, "backup", f"{day} 12:00") == "closed"
        assert holder(segs, "backup", f"{day} 20:00") in "甲乙丙丁"
    # A plain Sunday: the backup line all day, no hotline.
    assert holder(segs, "backup", "2026-10-18 12:00") in "甲乙丙丁"
    assert holder(segs, "hotline", "2026-10-18 12:00") == "closed"


def test_segments_are_in_the_contract_zone_and_merge_across_midnight():
    segs = run(FULL, "2026-11-16", "2026-11-19")  # Mon..Wed, a normal week
    night = [s for s in segs if s.line == "backup"]
    assert [(s.start, s.end) for s in night] == [
        (at("2026-11-16 00:00"), at("2026-11-16 08:30")),
        (at("2026-11-16 18:00"), at("2026-11-17 08:30")),
        (at("2026-11-17 18:00"), at("2026-11-18 08:30")),
        (at("2026-11-18 18:00"), at("2026-11-19 00:00")),
    ]
    assert all(s.start.tzinfo is SH for s in segs)
    assert [s.line for s in segs] == sorted((s.line for s in segs), key=["hotline", "backup", "onsite"].index)


def test_workday_rotation_skips_nobody_over_the_holiday():
    segs = run(roster(HOTLINE), "2026-09-28", "2026-10-13", "hotline")
    days = [(s.start.date(), s.engineer) for s in segs]
    assert [d for d, _ in days] == [
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
        date(2026, 10, 12),
    ]
    order = ["甲", "乙", "丙"]
    first = order.index(days[0][1])
    assert [e for _, e in days] == [order[(first + k) % 3] for k in range(len(days))]


def test_make_up_sunday_is_a_workday_shift():
    segs = run(roster(HOTLINE), "2026-09-18", "2026-09-22", "hotline")
    assert [(s.start.date().day, s.engineer) for s in segs][:3] == [
        (18, segs[0].engineer),
        (20, segs[1].engineer),
        (21, segs[2].engineer),
    ]
    assert len({segs[0].engineer, segs[1].engineer, segs[2].engineer}) == 3


def test_week_rotation_does_not_count_a_week_the_line_is_closed():
    """Spring Festival 2026: Monday 02-16 to Sunday 02-22 are all days off, so the hotline has no
    time that week; the engineer after the week of 02-09 takes the week of 02-23."""
    weekly = Rotation(line="hotline", engineers=("甲", "乙", "丙"), unit="week", start=date(2026, 2, 9))
    segs = run(roster(weekly), "2026-02-09", "2026-03-02", "hotline")
    by_day = {s.start.date(): s.engineer for s in segs}
    assert by_day[date(2026, 2, 9)] == "甲" and by_day[date(2026, 2, 14)] == "甲"  # the make-up Saturday
    assert not any(date(2026, 2, 15) <= d <= date(2026, 2, 23) for d in by_day if by_day[d] != "乙")
    assert by_day[date(2026, 2, 24)] == "乙"
    assert segs[-1].source.endswith("第 2 班")


def test_day_unit_on_the_hotline_counts_only_open_days():
    daily = Rotation(line="hotline", engineers=("甲", "乙"), unit="day", start=date(2026, 11, 13))  # a Friday
    segs = run(roster(daily), "2026-11-13", "2026-11-18", "hotline")
    assert [(s.start.day, s.engineer) for s in segs] == [(13, "甲"), (16, "乙"), (17, "甲")]


def test_holiday_blocks_are_runs_of_days_off_with_a_statutory_holiday():
    only_holidays = Rotation(line="backup", engineers=("戊", "己"), unit="holiday", start=date(2026, 9, 1))
    segs = run(roster(only_holidays), "2026-09-01", "2026-10-31", "backup")
    held = [(s.start, s.end, s.engineer) for s in segs if s.engineer]
    # 中秋节 (Fri 09-25 .. Sun 09-27) and 国庆节 (10-01 .. 10-07); the plain weekends are not blocks.
    assert held == [
        (at("2026-09-25 08:30"), at("2026-09-28 08:30"), "戊"),
        (at("2026-10-01 08:30"), at("2026-10-08 08:30"), "己"),
    ]


def test_a_later_rotation_is_a_higher_layer():
    segs = run(FULL, "2026-10-01", "2026-10-02")
    assert holder(segs, "backup", "2026-10-01 12:00") == "戊"
    flipped = run(roster(HOTLINE, HOLIDAY, NIGHT, ONSITE), "2026-10-01", "2026-10-02")
    assert holder(flipped, "backup", "2026-10-01 12:00") in "甲乙丙丁"


def test_rotation_runs_from_its_start_handoff_to_its_end_handoff():
    bounded = replace(NIGHT, start=date(2026, 11, 17), end=date(2026, 11, 19))
    segs = run(roster(bounded), "2026-11-16", "2026-11-21", "backup")
    held = [(s.start, s.end, s.engineer) for s in segs if s.engineer]
    assert held == [
        (at("2026-11-17 18:00"), at("2026-11-18 08:30"), "甲"),
        (at("2026-11-18 18:00"), at("2026-11-19 08:30"), "乙"),
    ]


# ---- precedence ------------------------------------------------------------------------------------


def test_override_beats_shift_beats_rotation_and_the_newest_override_wins():
    shift = Shift("onsite", "丙", at("2026-10-03 09:00"), at("2026-10-03 21:00"))
    old = Override(3, "onsite", "丁", at("2026-10-03 12:00"), at("2026-10-03 16:00"), "病假")
    new = Override(7, "onsite", "甲", at("2026-10-03 14:00"), at("2026-10-03 15:00"), "换班")
    segs = run(roster(ONSITE, shifts=[shift], overrides=[new, old]), "2026-10-03", "2026-10-04", "onsite")
    assert [(s.start.hour, s.end.hour, s.engineer, s.source) for s in segs] == [
        (9, 12, "丙", "导入排班"),
        (12, 14, "丁", "调班 #3：病假"),
        (14, 15, "甲", "调班 #7：换班"),
        (15, 16, "丁", "调班 #3：病假"),
        (16, 21, "丙", "导入排班"),
    ]


def test_an_override_with_covers_replaces_only_that_engineer():
    segs = run(roster(NIGHT), "2026-11-16", "2026-11-20", "backup")
    nights = [s for s in segs if s.start.hour == 18]
    victim = nights[1].engineer
    swap = Override(1, "backup", "戊", at("2026-11-16 00:00"), at("2026-11-20 00:00"), "家中有事", covers=victim)
    covered = run(roster(NIGHT, overrides=[swap]), "2026-11-16", "2026-11-20", "backup")
    for before, after in zip(segs, covered, strict=True):
        assert after.engineer == ("戊" if before.engineer == victim else before.engineer)
    assert any(s.source == "调班 #1：家中有事" for s in covered)


# ---- now, gaps, hours --------------------------------------------------------------------------------


def test_now_says_who_until_when_and_who_is_next():
    segs = run(FULL, "2026-09-28", "2026-10-12")
    by_line = {n.line: n for n in now(segs, at("2026-10-03 10:00"), LINES)}
    assert by_line["backup"].open and by_line["backup"].engineer == "戊"
    assert by_line["backup"].until == at("2026-10-08 08:30") and by_line["backup"].label == "备勤专线"
    assert by_line["backup"].next_start == at("2026-10-08 18:00")
    assert by_line["backup"].source == "轮值「节假日」第 7 班"
    hotline = by_line["hotline"]  # closed: who holds it when it opens on 10-08
    assert not hotline.open and hotline.engineer is None and hotline.until is None
    assert hotline.next_start == at("2026-10-08 08:30") and hotline.next_engineer in "甲乙丙"


def test_now_runs_until_the_end_of_the_engineers_run_across_sources():
    solo = Rotation(line="backup", engineers=("甲",), unit="day", handoff="18:00", start=date(2026, 9, 1))
    segs = run(roster(solo), "2026-09-30", "2026-10-12", "backup")
    [backup] = now(segs, at("2026-10-02 12:00"))
    assert backup.engineer == "甲" and backup.until == at("2026-10-08 08:30")
    assert (backup.next_engineer, backup.next_start) == ("甲", at("2026-10-08 18:00"))
    assert len({s.source for s in segs if s.start.month == 10 and s.start.day < 8}) > 1


def test_gaps_report_unheld_time_holidays_first():
    nights_end = replace(NIGHT, end=date(2026, 10, 5))  # nobody after the handoff on 10-05
    late_hotline = replace(HOTLINE, start=date(2026, 9, 29))  # nobody on 09-28
    segs = run(roster(late_hotline, nights_end, ONSITE), "2026-09-28", "2026-10-10")
    found = gaps(segs, CAL)
    assert found[0] == Segment("backup", at("2026-10-05 18:00"), at("2026-10-08 08:30"), None, "无人排班")
    assert found[1] == Segment("hotline", at("2026-09-28 08:30"), at("2026-09-28 18:00"), None, "无人排班")
    assert found[2] == Segment("backup", at("2026-10-08 18:00"), at("2026-10-09 08:30"), None, "无人排班")
    assert all(s.engineer is None for s in found) and len(found) == 4
    assert not gaps(run(FULL, "2026-09-28", "2026-10-10"), CAL)


def test_hours_split_at_midnight_by_day_type():
    solo = Rotation(line="backup", engineers=("甲",), unit="day", start=date(2026, 9, 1))
    segs = run(roster(solo), "2026-10-07", "2026-10-12", "backup")
    # 10-07 holiday 24 h; 10-08, 10-09 workdays 8.5 + 6 h each; 10-10 make-up Saturday 14.5 h; 10-11 Sunday 24 h.
    assert hours(segs, CAL) == {"甲": {"节假日": 24.0, "工作日": 29.0, "调休上班": 14.5, "周末": 24.0}}


# ---- named holidays ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "year", "first", "last", "makeups"),
    [
        ("国庆节", 2026, date(2026, 10, 1), date(2026, 10, 7), [date(2026, 9, 20), date(2026, 10, 10)]),
        ("国庆", 2026, date(2026, 10, 1), date(2026, 10, 7), [date(2026, 9, 20), date(2026, 10, 10)]),
        # The calendar calls 09-26/27 国庆节（周末）; they belong to 中秋节's block, not to National Day.
        ("中秋节", 2026, date(2026, 9, 25), date(2026, 9, 27), []),
        ("春节", 2026, date(2026, 2, 15), date(2026, 2, 23), [date(2026, 2, 14), date(2026, 2, 28)]),
        ("中秋节", 2025, date(2025, 10, 1), date(2025, 10, 8), [date(2025, 9, 28), date(2025, 10, 11)]),
        ("元旦", 2023, date(2022, 12, 31), date(2023, 1, 2), []),
    ],
)
def test_holiday_days_by_name(name, year, first, last, makeups):
    days, found = holiday_block(CAL, name, year)
    assert days == [first + timedelta(days=k) for k in range((last - first).days + 1)]
    assert found == makeups


def test_unknown_holiday_has_no_days():
    assert holiday_days(CAL, "圣诞节", 2026) == []


# ---- validation --------------------------------------------------------------------------------------


def test_check_names_every_problem_with_its_path():
    people = (*PEOPLE, Engineer("庚", active=False))
    bad = Roster(
        LINES,
        people,
        (
            Rotation(
                line="hotline",
                engineers=("甲", "无名氏"),
                unit="fortnight",
                handoff="8:30",
                start=date(2026, 1, 1),
                end=date(2026, 1, 1),
            ),
            Rotation(line="desk", engineers=(), unit="day", start=date(2026, 1, 1)),
            Rotation(line="backup", engineers=("庚",), unit="night", handoff="24:00", start=date(2026, 1, 1)),
        ),
        (
            Shift("onsite", "甲", at("2026-10-01 09:00"), at("2026-10-01 15:00")),
            Shift("onsite", "乙", at("2026-10-01 14:00"), at("2026-10-01 21:00")),
            Shift("onsite", "丙", at("2026-10-02 21:00"), at("2026-10-02 09:00")),
        ),
        (
            Override(1, "backup", "庚", at("2026-10-01 00:00"), at("2026-10-02 00:00"), "x"),
            Override(1, "backup", "甲", datetime(2026, 10, 1), datetime(2026, 10, 2), "x", covers="谁"),
        ),
    )
    found = {(p.path, p.message.split("（")[0].split("，")[0]) for p in check(bad)}
    assert found == {
        ("rotations[0].engineers", "未知的工程师「无名氏」"),
        ("rotations[0].unit", "未知的轮换单位「fortnight」"),
        ("rotations[0].handoff", "交接时刻应写作 HH:MM"),
        ("rotations[0].end", "结束"),
        ("rotations[1].line", "未知的值班线「desk」"),
        ("rotations[1].engineers", "轮值名单是空的"),
        ("rotations[2].engineers", "工程师「庚」已停用"),
        ("rotations[2].handoff", "交接时刻应写作 HH:MM"),
        ("shifts[1].start", "与 shifts[0]"),
        ("shifts[2].end", "结束"),
        ("overrides[0].engineer", "工程师「庚」已停用"),
        ("overrides[1].id", "调班编号 #1 重复"),
        ("overrides[1].covers", "未知的工程师「谁」"),
        ("overrides[1].start", "时刻没有时区"),
    }
    with pytest.raises(InvalidInput) as e:
        compute(bad, CONTRACT, CAL, at("2026-10-01 00:00"), at("2026-10-02 00:00"))
    assert "rotations[0].unit" in e.value.message


def test_compute_wants_aware_times():
    with pytest.raises(ValueError):
        compute(FULL, CONTRACT, CAL, datetime(2026, 10, 1), datetime(2026, 10, 2))


# ---- determinism, tiling, speed ------------------------------------------------------------------


def test_october_alone_equals_october_cut_from_the_year():
    year = run(FULL, "2026-01-01", "2027-01-01")
    october = run(FULL, "2026-10-01", "2026-11-01")
    cut = [s for s in year if s.start < at("2026-11-01") and s.end > at("2026-10-01")]
    cut = [replace(s, start=max(s.start, at("2026-10-01")), end=min(s.end, at("2026-11-01"))) for s in cut]
    assert october == cut


def open_time(line_name: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The line's open intervals inside [start, end), straight from the Timeline, merged when touching."""
    from zldesk.sla import Timeline

    line = next(x for x in LINES if x.name == line_name)
    timeline = Timeline(line.window, CONTRACT, CAL, SH)
    out: list[list[datetime]] = []
    d = start.date()
    while d <= end.date():
        for a, b in timeline.day_minutes(d):
            x = max(datetime.combine(d, datetime.min.time(), SH) + timedelta(minutes=a), start)
            y = min(datetime.combine(d, datetime.min.time(), SH) + timedelta(minutes=b), end)
            if x < y:
                if out and out[-1][1] == x:
                    out[-1][1] = y
                else:
                    out.append([x, y])
        d += ONE_DAY
    return [(a, b) for a, b in out]


def merged(segments: list[Segment]) -> list[tuple[datetime, datetime]]:
    out: list[list[datetime]] = []
    for s in segments:
        if out and out[-1][1] == s.start:
            out[-1][1] = s.end
        else:
            out.append([s.start, s.end])
    return [(a, b) for a, b in out]


DEMO = demo_roster(CONTRACT, date(2026, 9, 30))
BASE = at("2026-09-01 00:00")
instants = st.integers(min_value=0, max_value=75 * 24 * 4).map(lambda q: BASE + timedelta(minutes=15 * q))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=instants,
    length=st.integers(min_value=1, max_value=14 * 24 * 4),
    cut=st.integers(min_value=0, max_value=14 * 24 * 4),
)
def test_segments_tile_the_open_time_and_sub_ranges_agree(start, length, cut):
    end = start + timedelta(minutes=15 * length)
    segs = compute(DEMO, CONTRACT, CAL, start, end)
    for line in ("hotline", "backup", "onsite"):
        mine = [s for s in segs if s.line == line]
        assert all(a.end <= b.start for a, b in pairwise(mine))
        assert all(a.end != b.start or (a.engineer, a.source) != (b.engineer, b.source) for a, b in pairwise(mine))
        assert merged(mine) == open_time(line, start, end)
    middle = min(start + timedelta(minutes=15 * cut), end)
    left, right = compute(DEMO, CONTRACT, CAL, start, middle), compute(DEMO, CONTRACT, CAL, middle, end)
    for line in ("hotline", "backup", "onsite"):
        whole = [s for s in segs if s.line == line]
        parts = [s for s in left + right if s.line == line]
        joined: list[Segment] = []
        for s in parts:  # the parts, glued back where the cut split one segment
            if (
                joined
                and joined[-1].end == s.start
                and (joined[-1].engineer, joined[-1].source) == (s.engineer, s.source)
            ):
                joined[-1] = replace(joined[-1], end=s.end)
            else:
                joined.append(s)
        assert joined == whole


def test_a_rotation_started_years_ago_is_still_quick():
    old = replace(NIGHT, start=date(2020, 1, 6))
    CAL.day(date(2020, 1, 1))  # calendar years are read once per process; time the roster, not them
    for year in range(2020, 2027):
        CAL.is_workday(date(year, 6, 1))
    began = time.perf_counter()
    segs = run(roster(old), "2026-10-01", "2026-10-08", "backup")
    assert time.perf_counter() - began < 1.0
    assert segs[0].source.startswith("轮值「夜班」第 ")


def test_demo_roster_is_valid_and_covers_every_line():
    assert check(DEMO) == []
    segs = run(DEMO, "2026-09-01", "2026-11-01")
    assert not gaps(segs, CAL)
    assert any(s.source.startswith("调班 #") for s in segs) and any(s.source == "医院机房搬迁驻场" for s in segs)


def test_demo_roster_moves_to_the_week_of_today():
    moved = demo_roster(CONTRACT, date(2027, 3, 17))
    assert {o.start.date() - timedelta(days=o.start.weekday()) for o in moved.overrides} <= {
        date(2027, 3, 15),
        date(2027, 3, 22),
    }
    assert check(moved) == []
    assert not gaps(compute(moved, CONTRACT, CAL, at("2027-03-01 00:00"), at("2027-04-01 00:00")), CAL)


def test_a_holiday_rotation_in_a_year_without_holidays_ends(tmp_path):
    """An override file can declare a year with no days off at all: the holiday layer then has no
    shifts, and the walk for its next block stops at the end of the query instead of looping."""
    (tmp_path / "2026.toml").write_text("", encoding="utf-8")
    bare = ChinaCalendar(overrides=tmp_path)
    segs = compute(roster(HOLIDAY), CONTRACT, bare, at("2026-10-01 00:00"), at("2026-10-08 00:00"))
    assert {s.engineer for s in segs} == {None}


def test_now_with_lines_reports_a_line_with_no_segments():
    report = now([], at("2026-10-01 12:00"), LINES)
    assert [(n.line, n.label, n.open, n.next_engineer) for n in report] == [
        ("hotline", "热线值班", False, None),
        ("backup", "备勤专线", False, None),
        ("onsite", "现场值班", False, None),
    ]


def test_rotation_takes_its_fields_in_the_documented_order():
    assert Rotation("backup", ["甲"], "night", "18:00", date(2026, 1, 5)) == Rotation(
        line="backup", engineers=("甲",), unit="night", handoff="18:00", start=date(2026, 1, 5)
    )
    with pytest.raises(TypeError):
        Rotation("backup", ("甲",), "night")


def test_demo_roster_on_a_contract_without_a_backup_line():
    no_backup = replace(CONTRACT, contacts=tuple(c for c in CONTRACT.contacts if c.kind != "backup"))
    demo = demo_roster(no_backup, date(2026, 9, 30))
    assert [line.name for line in demo.lines] == ["hotline", "onsite"]
    assert {r.line for r in demo.rotations} == {"hotline", "onsite"} and check(demo) == []


# ---- held runs, gap labels, the next holiday ----------------------------------------------------------


def test_runs_merge_one_engineers_consecutive_segments_across_sources():
    from zldesk.roster import runs

    solo = Rotation(line="backup", engineers=("甲",), unit="day", handoff="18:00", start=date(2026, 9, 1))
    segs = run(roster(solo, HOLIDAY), "2026-09-30", "2026-10-10")
    backup = [r for r in runs(segs) if r.line == "backup"]
    # 甲's night from 09-30 18:00, the holiday layer (戊 or 己) 10-01 08:30 .. 10-08 08:30, then nights again
    assert [(r.start, r.end) for r in backup][1:3] == [
        (at("2026-09-30 18:00"), at("2026-10-01 08:30")),
        (at("2026-10-01 08:30"), at("2026-10-08 08:30")),
    ]
    assert backup[1].engineer == "甲" and backup[2].engineer in ("戊", "己")
    merged = runs(run(roster(solo), "2026-09-30", "2026-10-12"))
    holiday = next(r for r in merged if r.start <= at("2026-10-03 12:00") < r.end)
    # one person across the holiday: one run 09-30 18:00 .. 10-08 08:30 over several night shifts
    assert (holiday.engineer, holiday.start, holiday.end) == ("甲", at("2026-09-30 18:00"), at("2026-10-08 08:30"))
    assert "；" in holiday.source and holiday.source.count("轮值") == len(set(holiday.source.split("；")))
    assert not any(r.engineer is None for r in runs(run(roster(NIGHT), "2026-09-28", "2026-10-10")))


def test_whole_runs_widen_the_window_until_each_run_is_whole():
    from zldesk.roster import whole_runs

    r = roster(NIGHT, HOLIDAY)
    asked: list[tuple[datetime, datetime]] = []

    def segments_of(a, b):
        asked.append((a, b))
        return compute(r, CONTRACT, CAL, a, b)

    found = whole_runs(segments_of, at("2026-10-04 00:00"), at("2026-10-05 00:00"), margin=timedelta(hours=1))
    assert [(x.line, x.start, x.end) for x in found] == [("backup", at("2026-10-01 08:30"), at("2026-10-08 08:30"))]
    assert len(asked) > 1  # an hour either side was not enough
    # however the range is placed over it, the run is the same
    for start in ("2026-10-01 09:00", "2026-10-02 00:00", "2026-10-07 23:00"):
        again = whole_runs(segments_of, at(start), at(start) + timedelta(days=1))
        assert (found[0].start, found[0].end, found[0].engineer) in [(x.start, x.end, x.engineer) for x in again]
    # a limit stops the widening (a run longer than it is cut there)
    cut = whole_runs(
        segments_of, at("2026-10-04 00:00"), at("2026-10-05 00:00"), margin=timedelta(hours=1), limit=timedelta(hours=4)
    )
    assert [(x.start, x.end) for x in cut] == [(at("2026-10-03 20:00"), at("2026-10-05 04:00"))]


def test_a_gap_is_labelled_with_its_holidays_else_every_day_type():
    from zldesk.roster import gap_days, gap_label

    def gap(a: str, b: str) -> Segment:
        return Segment("backup", at(a), at(b), None, "无人排班")

    assert gap_label(gap("2026-11-27 18:00", "2026-11-30 08:30"), CAL, SH) == "工作日、周末"
    assert gap_days(gap("2026-11-27 18:00", "2026-11-30 08:30"), CAL, SH) == ["工作日", "周末"]
    assert gap_label(gap("2026-11-28 08:30", "2026-11-29 00:00"), CAL, SH) == "周末"  # ends at midnight
    assert gap_label(gap("2026-09-30 18:00", "2026-10-08 08:30"), CAL, SH) == "国庆节"
    # 09-26/27 are called 国庆节（周末） by the calendar; they name nothing when a real holiday is there
    assert gap_label(gap("2026-09-24 18:00", "2026-10-02 08:30"), CAL, SH) == "中秋节、国庆节"
    assert gap_label(gap("2026-10-10 18:00", "2026-10-11 08:30"), CAL, SH) == "国庆节调休上班、周末"


@pytest.mark.parametrize(
    ("today", "name", "year"),
    [
        (date(2026, 11, 26), "元旦", 2027),
        (date(2026, 1, 2), "元旦", 2026),  # its last day
        (date(2026, 1, 4), "元旦", 2027),
        (date(2026, 10, 7), "国庆", 2026),
        (date(2026, 10, 8), "国庆节", 2027),
        (date(2026, 11, 26), "植树节", 2026),  # no such holiday: this year, for the caller to say so
    ],
)
def test_the_next_occurrence_of_a_holiday(today, name, year):
    from zldesk.roster import next_year_of

    assert next_year_of(CAL, name, today) == year


def test_provisional_years_are_those_without_an_official_schedule(tmp_path):
    from zldesk.roster import provisional_years

    assert provisional_years(CAL, holiday_days(CAL, "国庆节", 2026)) == []
    unofficial = next(y for y in range(2027, 2100) if CAL.official_source(y) is None)
    days = holiday_days(CAL, "国庆节", unofficial)
    assert days and provisional_years(CAL, days) == [unofficial]
