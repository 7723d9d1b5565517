"""The roster as text: the holiday notice, the iCalendar export, and the TOML and CSV files read back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from zldesk.calendar import ChinaCalendar
from zldesk.contract import read_contract_file
from zldesk.errors import InvalidInput, NotFound
from zldesk.roster import (
    Rotation,
    compute,
    demo_path,
    demo_roster,
    new_engineers,
    notice,
    read_roster_csv,
    read_roster_toml,
    to_ics,
    write_roster_csv,
)

from .conftest import LEISHAN

SH = ZoneInfo("Asia/Shanghai")
CAL = ChinaCalendar.shared()
CONTRACT = read_contract_file(LEISHAN)
DEMO = demo_roster(CONTRACT, date(2026, 9, 30))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def national_day(roster=DEMO):
    return compute(roster, CONTRACT, CAL, at("2026-09-30 00:00"), at("2026-10-09 00:00"))


# ---- the notice --------------------------------------------------------------------------------------


def test_notice_names_the_days_the_people_and_the_contracts_numbers():
    text = notice(CONTRACT, national_day(), CAL, "国庆节", 2026, DEMO.engineers)
    assert text.startswith("【雷山县人民医院】2026年国庆节值班通报\n")
    assert "放假时间为10月1日（星期四）至10月7日（星期三），共 7 天" in text
    assert "9月20日（星期日）、10月10日（星期六）调休上班" in text
    assert "10月3日（星期六） 国庆节\n" in text
    assert "假期期间服务热线暂停接听，请拨打移动备勤专线 13314486056、18785571625。" in text
    # 10-03: the backup line with the holiday engineer all day, on-site the fixed shift from the file.
    day = text.split("10月3日（星期六）")[1].split("10月4日")[0]
    assert "备勤专线：赵磊 138-0000-0106（00:00–24:00）" in day
    assert "现场值班：赵磊 138-0000-0106（09:00–21:00）" in day
    # 10-01: the night engineer until the holiday handoff at 08:30.
    assert "备勤专线：张伟 138-0000-0104（00:00–08:30）；赵磊 138-0000-0106（08:30–24:00）" in text
    assert "热线值班" not in text.split("联系方式")[0]  # the hotline is closed on every day of it
    for number in ("0851-84724060", "0851-84123070", "13314486056", "18785571625"):
        assert number in text.split("联系方式")[1]
    assert "投诉及建议热线：18785571625" in text
    assert "（法定工作日 08:30–18:00）" in text and "（节假日、下班时间）" in text
    assert "【无人值守】" not in text
    assert text.rstrip().endswith("重庆中联信息产业有限责任公司")


def test_notice_shouts_about_gaps():
    short = replace(
        DEMO, rotations=tuple(replace(r, end=date(2026, 10, 5)) if r.line == "backup" else r for r in DEMO.rotations)
    )  # nobody after 10-05 18:00
    text = notice(CONTRACT, national_day(short), CAL, "国庆节", 2026, DEMO.engineers)
    head = text.split("各位老师")[0]
    assert "【无人值守】以下时段还没有人值班" in head
    assert "10月5日（星期一） 备勤专线 18:00–24:00" in head and "10月7日（星期三） 备勤专线 00:00–24:00" in head
    assert (
        "备勤专线：赵磊 138-0000-0106（00:00–08:30）；张伟 138-0000-0104（08:30–18:00）；【无人值守】（18:00–24:00）"
        in text
    )


def test_notice_of_an_unknown_holiday_lists_the_years_holidays():
    with pytest.raises(NotFound) as e:
        notice(CONTRACT, [], CAL, "圣诞节", 2026)
    assert "国庆节" in e.value.message and "春节" in e.value.message


def test_notice_of_a_year_without_an_official_schedule_says_its_dates_are_estimated():
    year = next(y for y in range(2027, 2100) if CAL.official_source(y) is None)
    segs = compute(DEMO, CONTRACT, CAL, at(f"{year}-09-25 00:00"), at(f"{year}-10-15 00:00"))
    text = notice(CONTRACT, segs, CAL, "国庆节", year, DEMO.engineers)
    head = text.split("假期期间")[0]
    assert text.splitlines()[2] == (
        f"【推定】{year}年的放假安排国务院尚未正式公布，以下放假日期是推定的，可能变动；正式通知发布后请核对日期再发。"
    )
    assert "天（推定，尚未正式公布）。" in head
    assert "推定" not in notice(CONTRACT, national_day(), CAL, "国庆节", 2026, DEMO.engineers)


# ---- iCalendar ---------------------------------------------------------------------------------------


def test_ics_has_one_event_per_held_segment_in_shanghai_time():
    segs = national_day()
    stamp = datetime(2026, 9, 29, 12, tzinfo=UTC)
    data = to_ics(segs, DEMO.engineers, CONTRACT, stamp=stamp)
    parsed = Calendar.from_ical(data)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == len([s for s in segs if s.engineer]) > 10
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert b"DTSTART;TZID=Asia/Shanghai:20261001T083000" in data
    first = next(e for e in events if str(e["SUMMARY"]) == "备勤专线：赵磊")
    assert first.decoded("DTSTART") == at("2026-10-01 08:30")
    assert first.decoded("DTEND") == at("2026-10-08 08:30")
    assert str(first.decoded("DTSTART").tzinfo) == "Asia/Shanghai"
    assert "138-0000-0106" in str(first["DESCRIPTION"]) and "节假日备勤" in str(first["DESCRIPTION"])
    assert first.decoded("DTSTAMP") == stamp
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    assert to_ics(segs, DEMO.engineers, CONTRACT, stamp=stamp) == data  # stable: re-imports update


# ---- the TOML file -------------------------------------------------------------------------------


def test_the_demo_file_reads_with_the_contracts_lines():
    roster = read_roster_toml(demo_path().read_text(encoding="utf-8"), "demo.toml", CONTRACT)
    assert [line.name for line in roster.lines] == ["hotline", "backup", "onsite"]
    assert len(roster.rotations) == 4 and roster.rotations[1].handoff == "18:00"
    assert roster.overrides[0].covers == "李强" and roster.overrides[0].start == at("2026-10-09 00:00")
    assert not next(e for e in roster.engineers if e.name == "孙浩").active


BAD_TOML = """\
[[engineers]]
name = "张三"

[[rotations]]
line = "hotline"
unit = "workday"
start = 2026-01-05
engineers = ["张三", "李四"]

[[rotations]]
line = "onsite"
unit = "month"
handoff = "25:00"
start = 2026-01-05
engineers = ["张三"]

[[overrides]]
line = "backup"
engineer = "张三"
start = 2026-10-02T08:00:00
end = 2026-10-01T08:00:00
reason = "病假"
"""


def test_toml_errors_name_the_field_and_the_line():
    with pytest.raises(InvalidInput) as e:
        read_roster_toml(BAD_TOML, "roster.toml", CONTRACT)
    rendered = [p.render("roster.toml") for p in e.value.problems]
    assert any(r.startswith("roster.toml:8: rotations[0].engineers: 未知的工程师「李四」") for r in rendered)
    assert any(r.startswith("roster.toml:12: rotations[1].unit: 未知的轮换单位「month」") for r in rendered)
    assert any(r.startswith("roster.toml:13: rotations[1].handoff:") for r in rendered)
    assert any(r.startswith("roster.toml:21: overrides[0].end: 结束") for r in rendered)


def test_toml_rows_that_fail_to_read_keep_their_numbers():
    text = BAD_TOML.replace('name = "张三"', 'name = "张三"\n\n[[engineers]]\nphone = "1"', 1)
    with pytest.raises(InvalidInput) as e:
        read_roster_toml(
            text.replace('start = 2026-01-05\nengineers = ["张三", "李四"]', 'engineers = ["李四"]'), "r.toml"
        )
    paths = {p.path for p in e.value.problems}
    assert {"engineers[1].name", "rotations[0].start", "rotations[1].unit"} <= paths


def test_toml_syntax_error_has_its_line():
    with pytest.raises(InvalidInput) as e:
        read_roster_toml('[[engineers]]\nname = "张三\n', "r.toml")
    assert e.value.problems[0].line == 2 and "TOML 语法错误" in e.value.problems[0].message


# ---- the CSV file --------------------------------------------------------------------------------

GOOD_CSV = """值班线,工程师,电话,开始,结束
现场值班,赵磊,138-0000-0106,2026-10-03 09:00,2026-10-03 21:00
backup,钱七,138-0000-0199,2026/10/2 8:30,2026-10-02 24:00
"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_csv_in_the_encodings_offices_save(encoding, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")  # the host's zone must not matter
    shifts = read_roster_csv(GOOD_CSV.encode(encoding), "排班.csv", CONTRACT)
    assert [(s.line, s.engineer, s.start, s.end) for s in shifts] == [
        ("onsite", "赵磊", at("2026-10-03 09:00"), at("2026-10-03 21:00")),
        ("backup", "钱七", at("2026-10-02 08:30"), at("2026-10-03 00:00")),
    ]
    assert shifts[0].source == "导入排班：排班.csv" and shifts[1].phone == "138-0000-0199"
    assert [e.name for e in new_engineers(shifts, DEMO)] == ["钱七"]


def test_imported_shifts_hold_their_line():
    shifts = read_roster_csv(GOOD_CSV.encode(), "排班.csv", CONTRACT)
    roster = replace(DEMO, engineers=DEMO.engineers + tuple(new_engineers(shifts, DEMO)), shifts=tuple(shifts))
    segs = compute(roster, CONTRACT, CAL, at("2026-10-02 00:00"), at("2026-10-03 00:00"))
    held = [(s.start, s.end, s.engineer, s.source) for s in segs if s.line == "backup"]
    assert held == [
        (at("2026-10-02 00:00"), at("2026-10-02 08:30"), "赵磊", "轮值「节假日备勤」第 6 班"),
        (at("2026-10-02 08:30"), at("2026-10-03 00:00"), "钱七", "导入排班：排班.csv"),
    ]


def csv_problems(text: str, encoding: str = "utf-8") -> list[str]:
    with pytest.raises(InvalidInput) as e:
        read_roster_csv(text.encode(encoding), "排班.csv", CONTRACT)
    return [p.render("排班.csv") for p in e.value.problems]


def test_csv_bad_rows_name_the_line_and_the_field():
    found = csv_problems(
        "line,engineer,phone,start,end\n"
        "hotline,张三,,2026-10-08 08:30,2026-10-08 18:00\n"
        "值班室,李四,,2026-10-08 08:30,2026-10-08 18:00\n"
        "backup,王五,,2026-10-08 18:00,2026-10-08 08:30\n"
        "onsite,,,2026-10-08 09:00,明天\n"
        "热线值班,赵六,,2026-10-08 17:00,2026-10-08 19:00\n"
    )
    assert (
        "排班.csv:3: line: 未知的值班线「值班室」（可用：hotline、backup、onsite、热线值班、备勤专线、现场值班）"
        in found
    )
    assert "排班.csv:4: end: 结束 2026-10-08 08:30 不晚于开始 2026-10-08 18:00" in found
    assert "排班.csv:5: engineer: 工程师不能为空" in found
    assert "排班.csv:5: end: 不是日期时刻（如 2026-10-01 08:30）：'明天'" in found
    assert "排班.csv:6: start: 与第 2 行（张三）在「热线值班」上时间重叠" in found
    assert len(found) == 5


def test_csv_header_problems():
    assert csv_problems("2026-10-08,张三\n")[0].startswith("排班.csv:1: 2026-10-08: 未知的列")
    found = csv_problems("值班线,工程师,开始,备注\n")
    assert "排班.csv:1: 备注: 未知的列" in found[0] and "排班.csv:1: end: 缺少必填列" in found
    assert (
        csv_problems("")[0] == "排班.csv:1: 缺少表头（line,engineer,phone,start,end 或 值班线,工程师,电话,开始,结束）"
    )


def test_csv_in_a_wrong_encoding_is_refused_with_where():
    big5 = GOOD_CSV.encode("utf-16-le")  # no BOM: NUL bytes everywhere
    with pytest.raises(InvalidInput) as e:
        read_roster_csv(big5, "排班.csv", CONTRACT)
    assert "NUL" in e.value.problems[0].message
    with pytest.raises(InvalidInput) as e:
        read_roster_csv(b"line,engineer,start,end\nhotline,\xff\xfe\xff,x,y\n", "排班.csv", CONTRACT)
    assert e.value.problems[0].line == 2 and "GB18030" in e.value.problems[0].message


def test_csv_rows_with_missing_cells():
    found = csv_problems("line,engineer,start,end\nhotline,张三,2026-10-08 08:30\n")
    assert found == ["排班.csv:2: 有 3 列，表头有 4 列"]


def test_a_rotation_for_an_unknown_line_is_refused_by_the_engine_too():
    roster = replace(
        DEMO, rotations=(Rotation(line="remote", engineers=("王芳",), unit="day", start=date(2026, 1, 1)),)
    )
    with pytest.raises(InvalidInput) as e:
        compute(roster, CONTRACT, CAL, at("2026-10-01 00:00"), at("2026-10-02 00:00"))
    assert "rotations[0].line: 未知的值班线「remote」" in e.value.message


def test_exported_csv_imports_back_to_the_same_roster():
    segs = national_day()
    phones = {e.name: e.phone for e in DEMO.engineers}
    text = write_roster_csv(segs, phones, SH)
    assert text.splitlines()[:2] == [
        "值班线,工程师,电话,开始,结束",
        "热线值班,刘洋,138-0000-0102,2026-09-30 08:30,2026-09-30 18:00",
    ]
    shifts = read_roster_csv(text.encode("utf-8-sig"), "导出.csv", CONTRACT)
    again = compute(
        replace(DEMO, rotations=(), overrides=(), shifts=tuple(shifts)),
        CONTRACT,
        CAL,
        at("2026-09-30 00:00"),
        at("2026-10-09 00:00"),
    )
    assert [(s.line, s.start, s.end, s.engineer) for s in again if s.engineer] == [
        (s.line, s.start, s.end, s.engineer) for s in segs if s.engineer
    ]


def test_ics_gives_one_event_per_run_and_uids_that_do_not_depend_on_the_zone_given():
    segs = [s for s in national_day() if s.engineer]
    holiday = next(s for s in segs if s.line == "backup" and s.start == at("2026-10-01 08:30"))
    noon = at("2026-10-04 12:00")
    split = [
        x
        for s in segs
        for x in ((replace(s, end=noon), replace(s, start=noon, source="调班 #9：顶班")) if s is holiday else (s,))
    ]
    stamp = datetime(2026, 9, 29, 12, tzinfo=UTC)
    events = list(Calendar.from_ical(to_ics(split, DEMO.engineers, CONTRACT, stamp=stamp)).walk("VEVENT"))
    whole = next(e for e in events if e.decoded("DTSTART") == at("2026-10-01 08:30"))
    assert whole.decoded("DTEND") == at("2026-10-08 08:30")  # the two pieces of 赵磊's holiday are one event
    assert "节假日备勤" in str(whole["DESCRIPTION"]) and "调班 #9" in str(whole["DESCRIPTION"])
    utc = [replace(s, start=s.start.astimezone(UTC), end=s.end.astimezone(UTC)) for s in segs]
    assert to_ics(utc, DEMO.engineers, CONTRACT, stamp=stamp) == to_ics(segs, DEMO.engineers, CONTRACT, stamp=stamp)
