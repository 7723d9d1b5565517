"""`zldesk roster ...` through the real CLI on a real store, with the demo roster in data/, across the
2026 National Day holiday (10-01..10-07 off, Saturday 10-10 a make-up workday) and a normal week."""

from __future__ import annotations

import json

import pytest

from zldesk.data import data_dir

from .conftest import store_checksum

DEMO = data_dir() / "roster" / "demo.toml"


@pytest.fixture
def roster(cli):
    ran = cli("roster", "import", str(DEMO))
    assert ran.exit_code == 0, ran.stderr
    return cli


def _now(cli, at: str) -> dict[str, dict]:
    ran = cli("roster", "now", "--at", at, "--json")
    assert ran.exit_code == 0, ran.stderr
    return {row["line"]: row for row in json.loads(ran.stdout)["lines"]}


def test_now_on_a_national_day_afternoon(roster):
    """10-03 is a Saturday inside the holiday: the hotline is shut, the backup line is the holiday
    layer's (国庆 is its 6th block since 01-05: 张伟, 黄丽, 赵磊, 张伟, 黄丽, 赵磊), the on-site line
    the fixed shift written for that day."""
    lines = _now(roster, "2026-10-03T12:00")
    assert lines["hotline"]["open"] is False
    assert lines["hotline"]["next_start"] == "2026-10-08T08:30:00+08:00"
    assert (lines["backup"]["engineer"], lines["backup"]["phone"]) == ("赵磊", "138-0000-0106")
    assert lines["backup"]["until"] == "2026-10-08T08:30:00+08:00"  # the whole block, one person
    assert lines["onsite"]["engineer"] == "赵磊" and lines["onsite"]["until"] == "2026-10-03T21:00:00+08:00"
    assert "医院机房搬迁驻场" in lines["onsite"]["source"]


def test_now_on_the_make_up_saturday(roster):
    """10-10 is a Saturday worked in exchange for the holiday: the hotline is open and held by the
    workday rotation; the backup line is closed until the hotline closes at 18:00."""
    lines = _now(roster, "2026-10-10T10:00")
    assert lines["hotline"]["open"] is True and lines["hotline"]["engineer"] in ("王芳", "刘洋", "陈静")
    assert lines["hotline"]["until"] == "2026-10-10T18:00:00+08:00"
    assert lines["backup"]["open"] is False and lines["backup"]["next_start"] == "2026-10-10T18:00:00+08:00"
    friday = _now(roster, "2026-10-09T10:00")["hotline"]
    assert friday["engineer"] == "陈静" and "王芳病假" in friday["source"]  # override #2
    # The workday rotation takes the next name on the next working day: the make-up Saturday counts
    # and the holiday week does not skip anyone.
    # (10-09, the 4th working day here, is 王芳's turn: the override above gives it to 陈静.)
    order = ["王芳", "刘洋", "陈静"]
    days = {"2026-09-29": 0, "2026-09-30": 1, "2026-10-08": 2, "2026-10-10": 4, "2026-10-12": 5}
    held = [_now(roster, f"{d}T12:00")["hotline"]["engineer"] for d in days]
    start = order.index(held[0])
    assert held == [order[(start + i) % 3] for i in days.values()]
    assert order[(start + 3) % 3] == "王芳"


def test_now_in_a_normal_week(roster):
    """A Tuesday in November: the hotline by day, the backup at night from 18:00, on-site 09:00-21:00."""
    day = _now(roster, "2026-11-17T10:00")
    assert day["hotline"]["open"] and day["onsite"]["open"] and not day["backup"]["open"]
    night = _now(roster, "2026-11-17T23:00")
    assert not night["hotline"]["open"] and night["backup"]["open"] and not night["onsite"]["open"]
    assert night["backup"]["until"] == "2026-11-18T08:30:00+08:00"
    assert night["backup"]["engineer"] in ("张伟", "李强", "赵磊", "杨帆")


def test_override_wins_and_is_in_the_history(roster):
    before = _now(roster, "2026-11-17T23:00")["backup"]["engineer"]
    other = "黄丽" if before != "黄丽" else "王芳"
    ran = roster(
        "roster",
        "override",
        "--line",
        "备勤专线",
        "--engineer",
        other,
        "--from",
        "2026-11-17T20:00",
        "--to",
        "2026-11-18T08:30",
        "--reason",
        "家里有事",
        "--covers",
        before,
        "--as",
        "值班长",
    )
    assert ran.exit_code == 0, ran.stderr
    assert _now(roster, "2026-11-17T23:00")["backup"]["engineer"] == other
    assert _now(roster, "2026-11-17T19:00")["backup"]["engineer"] == before
    # a newer override over the same time wins over the older one
    assert (
        roster(
            "roster",
            "override",
            "--line",
            "backup",
            "--engineer",
            "刘洋",
            "--from",
            "2026-11-17T22:00",
            "--to",
            "2026-11-17T23:30",
            "--reason",
            "再换",
        ).exit_code
        == 0
    )
    assert _now(roster, "2026-11-17T23:00")["backup"]["engineer"] == "刘洋"
    assert _now(roster, "2026-11-17T23:45")["backup"]["engineer"] == other
    log = json.loads(roster("roster", "log", "--json").stdout)
    assert [e["kind"] for e in log] == ["import", "override", "override"]
    assert log[1]["who"] == "值班长" and "家里有事" in log[1]["summary"][0]


def test_override_for_an_unknown_engineer_or_line_writes_nothing(roster, db_path):
    before = store_checksum(db_path)
    ran = roster(
        "roster",
        "override",
        "--line",
        "backup",
        "--engineer",
        "无名氏",
        "--from",
        "2026-11-17T20:00",
        "--to",
        "2026-11-18T08:30",
        "--reason",
        "x",
    )
    assert ran.exit_code == 2 and "无名氏" in ran.stderr
    ran = roster(
        "roster",
        "override",
        "--line",
        "夜班",
        "--engineer",
        "黄丽",
        "--from",
        "2026-11-17T20:00",
        "--to",
        "2026-11-18T08:30",
        "--reason",
        "x",
    )
    assert ran.exit_code == 2 and "夜班" in ran.stderr
    ran = roster(
        "roster",
        "override",
        "--line",
        "backup",
        "--engineer",
        "黄丽",
        "--from",
        "2026-11-18T20:00",
        "--to",
        "2026-11-18T08:30",
        "--reason",
        "x",
    )
    assert ran.exit_code == 2
    ran = roster(
        "roster",
        "override",
        "--line",
        "backup",
        "--engineer",
        "孙浩",
        "--from",
        "2026-11-17T20:00",
        "--to",
        "2026-11-18T08:30",
        "--reason",
        "x",
    )
    assert ran.exit_code == 2 and "孙浩" in ran.stderr  # inactive
    assert store_checksum(db_path) == before


def test_gaps_none_with_the_demo_roster(roster):
    ran = roster("roster", "gaps", "--from", "2026-09-28", "--days", "20")
    assert ran.exit_code == 0 and "没有缺口" in ran.stdout


def test_gaps_are_reported_holidays_first_with_a_failing_exit(cli, tmp_path):
    """Only the hotline is rostered: every backup and on-site hour is a gap; National Day's come first."""
    text = DEMO.read_text(encoding="utf-8")
    head = text[: text.index("[[rotations]]")]
    hotline_only = head + text[text.index("[[rotations]]") : text.index('[[rotations]]\nname = "备勤夜班"')]
    path = tmp_path / "hotline.toml"
    path.write_text(hotline_only, encoding="utf-8")
    assert cli("roster", "import", str(path)).exit_code == 0
    ran = cli("roster", "gaps", "--from", "2026-09-28", "--days", "14", "--json")
    assert ran.exit_code == 1
    gaps = json.loads(ran.stdout)
    assert {g["line"] for g in gaps} == {"backup", "onsite"}
    touching = [g for g in gaps if g["start"] < "2026-10-08" and g["end"] > "2026-10-01"]
    assert gaps[: len(touching)] == touching and len(touching) >= 8  # 7 on-site days and the backup run
    assert {
        "line": "backup",
        "start": "2026-09-30T18:00:00+08:00",
        "end": "2026-10-08T08:30:00+08:00",
        "hours": 182.5,
    } in [{k: g[k] for k in ("line", "start", "end", "hours")} for g in gaps]
    backup = next(g for g in gaps if g["start"] == "2026-09-30T18:00:00+08:00")
    assert backup["day"] == "国庆节" and backup["days"][:2] == ["工作日", "国庆节"]
    later = gaps[len(touching) :]
    assert later == sorted(later, key=lambda g: g["start"]) and later
    text_run = cli("roster", "gaps", "--from", "2026-09-28", "--days", "14")
    assert text_run.exit_code == 1 and "缺口" in text_run.stdout


def test_holiday_notice(roster):
    ran = roster("roster", "notice", "--holiday", "国庆节", "--year", "2026")
    assert ran.exit_code == 0, ran.stderr
    text = ran.stdout
    assert "雷山县人民医院" in text and "国庆" in text
    for day in ("10月1日", "10月7日"):
        assert day in text
    assert "10月10日" in text  # the make-up Saturday is announced
    assert "赵磊" in text and "138-0000-0106" in text
    for number in ("0851-84724060", "13314486056", "18785571625"):  # hotline, backup, complaints
        assert number in text
    assert "无人值守" not in text
    missing = roster("roster", "notice", "--holiday", "植树节", "--year", "2026")
    assert missing.exit_code != 0 and "植树节" in missing.stderr


def test_ical_export_one_event_per_shift(roster, tmp_path):
    from icalendar import Calendar

    out = tmp_path / "roster.ics"
    ran = roster("roster", "export", "--format", "ics", "--from", "2026-09-28", "--to", "2026-10-11", "-o", str(out))
    assert ran.exit_code == 0, ran.stderr
    events = [c for c in Calendar.from_ical(out.read_bytes()).walk("VEVENT")]
    held = [
        s
        for s in json.loads(
            roster("roster", "export", "--format", "json", "--from", "2026-09-28", "--to", "2026-10-11").stdout
        )
        if s["engineer"]
    ]
    assert len(events) == len(held) > 20
    starts = {e.decoded("dtstart").isoformat() for e in events}
    assert "2026-10-01T08:30:00+08:00" in starts  # the holiday layer's handoff
    assert all(str(e["dtstart"].params.get("TZID")) == "Asia/Shanghai" for e in events)
    assert any(str(e["summary"]) == "备勤专线：赵磊" for e in events)


def test_csv_export_imports_back_to_the_same_roster(roster, cli, tmp_path, monkeypatch):
    out = tmp_path / "roster.csv"
    assert roster("roster", "export", "--from", "2026-09-28", "--to", "2026-10-11", "-o", str(out)).exit_code == 0
    first = json.loads(
        roster("roster", "export", "--format", "json", "--from", "2026-09-28", "--to", "2026-10-11").stdout
    )
    monkeypatch.setenv("ZLDESK_DB", str(tmp_path / "other.db"))
    ran = cli("roster", "import", str(out), "--add-engineers")
    assert ran.exit_code == 0, ran.stderr
    again = json.loads(cli("roster", "export", "--format", "json", "--from", "2026-09-28", "--to", "2026-10-11").stdout)
    key = lambda s: (s["line"], s["start"], s["end"], s["engineer"], s["phone"])  # noqa: E731
    assert sorted(map(key, again)) == sorted(map(key, first))


def test_hours_by_day_type(roster):
    ran = roster("roster", "hours", "--from", "2026-10-01", "--to", "2026-10-10", "--json")
    assert ran.exit_code == 0, ran.stderr
    hours = json.loads(ran.stdout)["hours"]
    # the backup line is held for every minute of the holiday by one person
    assert hours["赵磊"]["节假日"] >= 7 * 24
    assert any(row.get("调休上班", 0) > 0 for row in hours.values())  # 10-10
    total = sum(sum(row.values()) for row in hours.values())
    # 10 days: backup all day on the 7 holidays, nights otherwise; hotline 9.5 h on 3 workdays; onsite 12 h a day
    assert total == pytest.approx(7 * 24 + 3 * 14.5 + 3 * 9.5 + 10 * 12)


BAD_CSV = [
    ("line,engineer,phone,start,end\nbackup,无名氏,,2026-10-01 08:00,2026-10-01 18:00\n", "无名氏"),
    ("line,engineer,phone,start,end\n夜班,黄丽,,2026-10-01 08:00,2026-10-01 18:00\n", "shifts.csv:2: "),
    ("line,engineer,phone,start,end\nbackup,黄丽,,2026-10-01 18:00,2026-10-01 08:00\n", "不晚于开始"),
    (
        "line,engineer,phone,start,end\nbackup,黄丽,,2026-10-01 08:00,2026-10-01 18:00\n"
        "backup,刘洋,,2026-10-01 17:00,2026-10-01 20:00\n",
        "重叠",
    ),
    ("line,engineer,phone,start,end\nbackup,黄丽,,2026-10-01,2026-10-01 18:00\n", "shifts.csv:2: "),
    ("line,engineer,start\nbackup,黄丽,2026-10-01 08:00\n", "end"),
]


@pytest.mark.parametrize(("content", "expected"), BAD_CSV)
def test_bad_csv_names_the_problem_and_writes_nothing(roster, db_path, tmp_path, content, expected):
    path = tmp_path / "shifts.csv"
    path.write_text(content, encoding="utf-8")
    before = store_checksum(db_path)
    ran = roster("roster", "import", str(path))
    assert ran.exit_code == 2
    assert "shifts.csv" in ran.stderr and expected in ran.stderr
    assert store_checksum(db_path) == before


def test_csv_in_a_wrong_encoding(roster, db_path, tmp_path):
    path = tmp_path / "shifts.csv"
    path.write_bytes(b"line,engineer,phone,start,end\nbackup,\xff\xfe\xfa,,2026-10-01 08:00,2026-10-01 18:00\n")
    before = store_checksum(db_path)
    ran = roster("roster", "import", str(path))
    assert ran.exit_code == 2 and "shifts.csv" in ran.stderr
    assert store_checksum(db_path) == before


def test_csv_in_gb18030_with_chinese_headers(roster, tmp_path):
    path = tmp_path / "shifts.csv"
    path.write_bytes(
        "值班线,工程师,电话,开始,结束\n备勤专线,黄丽,138-0000-0108,2026-11-20 18:00,2026-11-21 08:30\n".encode(
            "gb18030"
        )
    )
    ran = roster("roster", "import", str(path))
    assert ran.exit_code == 0, ran.stderr
    assert _now(roster, "2026-11-20T23:00")["backup"]["engineer"] == "黄丽"


def test_bad_toml_writes_nothing(roster, db_path, tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace('engineers = ["李强", "黄丽"]', 'engineers = ["李强", "无名氏"]')
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    before = store_checksum(db_path)
    ran = roster("roster", "import", str(path))
    assert ran.exit_code == 2 and "无名氏" in ran.stderr and "bad.toml" in ran.stderr
    assert store_checksum(db_path) == before


def test_dry_run_reports_and_writes_nothing(cli, db_path):
    assert cli("contracts").exit_code == 0
    before = store_checksum(db_path)
    ran = cli("roster", "import", str(DEMO), "--dry-run")
    assert ran.exit_code == 0 and "试运行" in ran.stdout and "增 工程师 王芳" in ran.stdout
    assert store_checksum(db_path) == before


def test_a_newer_csv_trims_the_older_shifts_it_overlaps(roster, tmp_path):
    first = tmp_path / "a.csv"
    first.write_text("line,engineer,start,end\nbackup,黄丽,2026-11-20 18:00,2026-11-21 08:30\n", encoding="utf-8")
    second = tmp_path / "b.csv"
    second.write_text("line,engineer,start,end\nbackup,刘洋,2026-11-20 22:00,2026-11-21 02:00\n", encoding="utf-8")
    assert roster("roster", "import", str(first)).exit_code == 0
    assert roster("roster", "import", str(second)).exit_code == 0
    assert _now(roster, "2026-11-20T20:00")["backup"]["engineer"] == "黄丽"
    assert _now(roster, "2026-11-20T23:00")["backup"]["engineer"] == "刘洋"
    assert _now(roster, "2026-11-21T03:00")["backup"]["engineer"] == "黄丽"


def test_export_formats_and_ranges_are_checked(roster):
    ran = roster("roster", "export", "--format", "xlsx")
    assert ran.exit_code != 0 and "xlsx" in ran.stderr
    ran = roster("roster", "export", "--from", "2026-10-10", "--to", "2026-10-01")
    assert ran.exit_code != 0 and "时间范围为空" in ran.stderr


def test_roster_file_path_is_named(cli, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"PK")
    ran = cli("roster", "import", str(path))
    assert ran.exit_code == 2 and "roster.xlsx" in ran.stderr


# ---- times, the holiday notice, alignment, whole shifts, gaps, the history (review findings) --------


def _clock(monkeypatch, text: str) -> None:
    """Pin `zldesk roster`'s idea of now to a Shanghai wall time (the host runs UTC)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from zldesk.commands import roster as roster_commands

    moment = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(roster_commands, "_now", lambda: moment)


def test_times_are_printed_in_the_contract_zone_whatever_zone_they_are_given_in(roster):
    """13:00Z is 21:00 in Shanghai: the heading says 21:00, as the rows (the backup night shift) do."""
    ran = roster("roster", "now", "--at", "2026-11-26T13:00:00Z")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.splitlines()[0] == "2026-11-26 21:00（Asia/Shanghai）"
    assert "备勤专线  " in ran.stdout and "至 11-27 08:30" in ran.stdout
    assert (
        json.loads(roster("roster", "now", "--at", "2026-11-26T13:00:00Z", "--json").stdout)["at"]
        == "2026-11-26T21:00:00+08:00"
    )
    # --from given as a UTC instant: the range is Shanghai's 10-01 and says so
    ran = roster("roster", "hours", "--from", "2026-09-30T16:00:00Z", "--to", "2026-10-10")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.splitlines()[0].startswith("2026-10-01 至 2026-10-10")
    hours = json.loads(
        roster("roster", "hours", "--from", "2026-09-30T16:00:00Z", "--to", "2026-10-10", "--json").stdout
    )
    assert (hours["from"], hours["to"]) == ("2026-10-01T00:00:00+08:00", "2026-10-11T00:00:00+08:00")
    ran = roster("roster", "gaps", "--from", "2026-09-30T16:00:00Z", "--days", "3")
    assert "2026-10-01 起 3 天" in ran.stdout
    ran = roster("roster", "export", "--from", "2026-10-09T16:00:00Z", "--to", "2026-10-09T10:00:00Z")
    assert ran.exit_code != 0 and "--to 2026-10-09 18:00 不晚于 --from 2026-10-10 00:00" in ran.stderr


def _unofficial_year() -> int:
    from zldesk.calendar import ChinaCalendar

    return next(y for y in range(2027, 2100) if ChinaCalendar.shared().official_source(y) is None)


def test_notice_of_a_year_without_an_official_schedule_says_the_dates_are_estimated(roster):
    year = _unofficial_year()
    ran = roster("roster", "notice", "--holiday", "国庆节", "--year", str(year))
    assert ran.exit_code == 0, ran.stderr
    head = ran.stdout.split("假期期间")[0]
    assert f"【推定】{year}年的放假安排国务院尚未正式公布" in head
    assert "（推定，尚未正式公布）" in head  # in the very sentence that gives the dates
    assert "警告" in ran.stderr and str(year) in ran.stderr and "推定" in ran.stderr
    official = roster("roster", "notice", "--holiday", "国庆节", "--year", "2026")
    assert "推定" not in official.stdout and "警告" not in official.stderr


@pytest.mark.parametrize(
    ("today", "holiday", "year"),
    [
        ("2026-11-26T10:00", "元旦", 2027),  # 2026's is long over
        ("2026-11-26T10:00", "国庆节", 2027),
        ("2026-10-05T10:00", "国庆节", 2026),  # under way: this year's
        ("2026-10-07T23:00", "国庆节", 2026),  # its last day
        ("2026-10-08T00:30", "国庆节", 2027),
        ("2026-01-10T10:00", "春节", 2026),
    ],
)
def test_notice_defaults_to_the_next_occurrence_of_the_holiday(roster, monkeypatch, today, holiday, year):
    _clock(monkeypatch, today)
    ran = roster("roster", "notice", "--holiday", holiday)
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.startswith(f"【雷山县人民医院】{year}年{holiday}值班通报\n")


def _right_edges(line: str) -> list[int]:
    """The terminal cell just after each run of non-blank text in `line` (CJK characters are two wide)."""
    from rich.cells import cell_len

    edges, pos = [], 0
    for i, ch in enumerate(line):
        pos += cell_len(ch)
        if ch != " " and (i + 1 == len(line) or line[i + 1] == " "):
            edges.append(pos)
    return edges


def test_hours_columns_line_up_in_terminal_cells(roster, tmp_path):
    """Names of 2, 3 and 4 CJK characters (and Latin ones): every number ends in the cell its heading
    ends in, 合计 included."""
    path = tmp_path / "more.csv"
    path.write_text(
        "line,engineer,phone,start,end\n"
        "onsite,欧阳明,138-0000-0201,2026-10-02 09:00,2026-10-02 21:00\n"
        "onsite,司马相如,138-0000-0202,2026-10-04 09:00,2026-10-04 21:00\n"
        "onsite,Li,138-0000-0203,2026-10-05 09:00,2026-10-05 21:00\n",
        encoding="utf-8",
    )
    assert roster("roster", "import", str(path), "--add-engineers").exit_code == 0
    ran = roster("roster", "hours", "--from", "2026-10-01", "--to", "2026-10-10")
    assert ran.exit_code == 0, ran.stderr
    header, *rows = ran.stdout.splitlines()[1:]
    assert header.split() == ["工程师", "工作日", "周末", "节假日", "调休上班", "合计"]
    assert {row.split()[0] for row in rows} >= {"赵磊", "欧阳明", "司马相如", "Li"}
    columns = _right_edges(header)[1:]
    for row in rows:
        assert _right_edges(row)[1:] == columns, row
        assert _right_edges(row)[0] < columns[0] - 4  # the name ends well before the first number


def _ics_events(cli, start: str, end: str) -> dict[str, tuple]:
    from icalendar import Calendar

    ran = cli("roster", "export", "--format", "ics", "--from", start, "--to", end)
    assert ran.exit_code == 0, ran.stderr
    return {
        str(e["UID"]): (str(e["SUMMARY"]), e.decoded("DTSTART").isoformat(), e.decoded("DTEND").isoformat())
        for e in Calendar.from_ical(ran.stdout.encode()).walk("VEVENT")
    }


def test_export_gives_whole_shifts_not_cut_at_the_range(roster):
    """10-09..10-10: 张伟's night began 10-08 18:00, 赵磊's runs to 10-11 18:00; both are exported whole."""
    ran = roster("roster", "export", "--from", "2026-10-09", "--to", "2026-10-10")
    assert ran.exit_code == 0, ran.stderr
    rows = ran.stdout.splitlines()
    assert "备勤专线,张伟,138-0000-0104,2026-10-08 18:00,2026-10-09 08:30" in rows
    assert "备勤专线,赵磊,138-0000-0106,2026-10-10 18:00,2026-10-11 18:00" in rows
    assert not any(",2026-10-09 00:00," in row or row.endswith("2026-10-11 00:00") for row in rows)
    # the National Day holiday run, one person 10-01 08:30 .. 10-08 08:30, asked about for one day inside it
    rows = roster("roster", "export", "--from", "2026-10-04", "--to", "2026-10-04").stdout.splitlines()
    assert "备勤专线,赵磊,138-0000-0106,2026-10-01 08:30,2026-10-08 08:30" in rows


def test_overlapping_ics_exports_give_the_same_events(roster):
    """Two exports sharing 10-10: the shift held across their boundary has one UID and the same times in
    both, so a calendar that imports both holds it once; nothing overlaps on a line."""
    first = _ics_events(roster, "2026-10-09", "2026-10-10")
    second = _ics_events(roster, "2026-10-10", "2026-10-12")
    shared = first.keys() & second.keys()
    assert any(
        v == ("备勤专线：赵磊", "2026-10-10T18:00:00+08:00", "2026-10-11T18:00:00+08:00")
        for v in (first[u] for u in shared)
    )
    assert all(first[u] == second[u] for u in shared)
    merged = sorted({**first, **second}.values(), key=lambda e: (e[0].split("：")[0], e[1]))
    for a, b in zip(merged, merged[1:]):
        if a[0].split("：")[0] == b[0].split("：")[0]:
            assert a[2] <= b[1], (a, b)  # a duplicate (cut) event would overlap its whole self


def _gap_roster(cli, tmp_path):
    """The demo roster with the backup night rotation ending 11-20 and a new one from 11-21: nobody holds
    the backup line from Friday 11-20 18:00 to Saturday 11-21 18:00."""
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace(
        'handoff = "18:00"\nstart = 2026-01-05\n', 'handoff = "18:00"\nstart = 2026-01-05\nend = 2026-11-20\n'
    )
    text += (
        '\n[[rotations]]\nname = "备勤夜班（新）"\nline = "backup"\nunit = "night"\nhandoff = "18:00"\n'
        'start = 2026-11-21\nengineers = ["张伟", "李强", "赵磊", "杨帆"]\n'
    )
    path = tmp_path / "gap.toml"
    path.write_text(text, encoding="utf-8")
    ran = cli("roster", "import", str(path))
    assert ran.exit_code == 0, ran.stderr


def test_a_gap_over_several_days_is_labelled_with_every_day_type(cli, tmp_path):
    _gap_roster(cli, tmp_path)
    ran = cli("roster", "gaps", "--from", "2026-11-16", "--days", "10", "--json")
    assert ran.exit_code == 1
    assert json.loads(ran.stdout) == [
        {
            "line": "backup",
            "start": "2026-11-20T18:00:00+08:00",
            "end": "2026-11-21T18:00:00+08:00",
            "hours": 24.0,
            "day": "工作日、周末",
            "days": ["工作日", "周末"],
        }
    ]
    ran = cli("roster", "gaps", "--from", "2026-11-16", "--days", "10")
    assert "备勤专线  2026-11-20 18:00 至 11-21 18:00  工作日、周末" in ran.stdout


def test_gaps_start_now_so_one_already_over_does_not_fail(cli, tmp_path, monkeypatch):
    _gap_roster(cli, tmp_path)
    _clock(monkeypatch, "2026-11-21T20:00")  # the gap ended at 18:00 today
    ran = cli("roster", "gaps", "--days", "7")
    assert ran.exit_code == 0 and "没有缺口" in ran.stdout and "2026-11-21 20:00 起" in ran.stdout
    assert cli("roster", "gaps", "--from", "2026-11-21", "--days", "7").exit_code == 1  # asked for the day
    _clock(monkeypatch, "2026-11-21T10:00")  # still open: reported from now
    ran = cli("roster", "gaps", "--days", "7", "--json")
    assert ran.exit_code == 1
    assert [(g["start"], g["end"]) for g in json.loads(ran.stdout)] == [
        ("2026-11-21T10:00:00+08:00", "2026-11-21T18:00:00+08:00")
    ]


def test_log_says_what_happened_in_words(roster, tmp_path):
    path = tmp_path / "extra.csv"
    path.write_text("line,engineer,start,end\nbackup,黄丽,2026-11-20 18:00,2026-11-21 08:30\n", encoding="utf-8")
    assert roster("roster", "import", str(path)).exit_code == 0
    assert (
        roster(
            "roster",
            "override",
            "--line",
            "backup",
            "--engineer",
            "刘洋",
            "--from",
            "2026-11-17T22:00",
            "--to",
            "2026-11-17T23:30",
            "--reason",
            "换班",
            "--as",
            "值班长",
        ).exit_code
        == 0
    )
    ran = roster("roster", "log")
    assert ran.exit_code == 0, ran.stderr
    heads = [line.split(" ", 2)[2] for line in ran.stdout.splitlines() if not line.startswith(" ")]
    assert heads[0].endswith(f" 导入 {DEMO}")
    assert heads[1].endswith(f" 导入班次 {path}")
    assert heads[2] == "值班长 调班"
    assert "override" not in ran.stdout
    assert [e["kind"] for e in json.loads(roster("roster", "log", "--json").stdout)] == ["import", "shifts", "override"]


def test_override_given_in_utc_is_logged_in_the_contracts_zone(roster):
    ran = roster(
        "roster",
        "override",
        "--line",
        "backup",
        "--engineer",
        "黄丽",
        "--from",
        "2026-11-17T12:00:00Z",
        "--to",
        "2026-11-17T14:00:00Z",
        "--reason",
        "换班",
    )
    assert ran.exit_code == 0, ran.stderr
    summary = json.loads(roster("roster", "log", "--json").stdout)[-1]["summary"][0]
    assert "2026-11-17 20:00 至 2026-11-17 22:00" in summary
