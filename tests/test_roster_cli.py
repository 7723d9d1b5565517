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
    ran = roster("roster", "override", "--line", "备勤专线", "--engineer", other, "--from", "2026-11-17T20:00",
                 "--to", "2026-11-18T08:30", "--reason", "家里有事", "--covers", before, "--as", "值班长")
    assert ran.exit_code == 0, ran.stderr
    assert _now(roster, "2026-11-17T23:00")["backup"]["engineer"] == other
    assert _now(roster, "2026-11-17T19:00")["backup"]["engineer"] == before
    # a newer override over the same time wins over the older one
    assert roster("roster", "override", "--line", "backup", "--engineer", "刘洋", "--from", "2026-11-17T22:00",
                  "--to", "2026-11-17T23:30", "--reason", "再换").exit_code == 0
    assert _now(roster, "2026-11-17T23:00")["backup"]["engineer"] == "刘洋"
    assert _now(roster, "2026-11-17T23:45")["backup"]["engineer"] == other
    log = json.loads(roster("roster", "log", "--json").stdout)
    assert [e["kind"] for e in log] == ["import", "override", "override"]
    assert log[1]["who"] == "值班长" and "家里有事" in log[1]["summary"][0]


def test_override_for_an_unknown_engineer_or_line_writes_nothing(roster, db_path):
    before = store_checksum(db_path)
    ran = roster("roster", "override", "--line", "backup", "--engineer", "无名氏", "--from", "2026-11-17T20:00",
                 "--to", "2026-11-18T08:30", "--reason", "x")
    assert ran.exit_code == 2 and "无名氏" in ran.stderr
    ran = roster("roster", "override", "--line", "夜班", "--engineer", "黄丽", "--from", "2026-11-17T20:00",
                 "--to", "2026-11-18T08:30", "--reason", "x")
    assert ran.exit_code == 2 and "夜班" in ran.stderr
    ran = roster("roster", "override", "--line", "backup", "--engineer", "黄丽", "--from", "2026-11-18T20:00",
                 "--to", "2026-11-18T08:30", "--reason", "x")
    assert ran.exit_code == 2
    ran = roster("roster", "override", "--line", "backup", "--engineer", "孙浩", "--from", "2026-11-17T20:00",
                 "--to", "2026-11-18T08:30", "--reason", "x")
    assert ran.exit_code == 2 and "孙浩" in ran.stderr  # inactive
    assert store_checksum(db_path) == before


def test_gaps_none_with_the_demo_roster(roster):
    ran = roster("roster", "gaps", "--from", "2026-09-28", "--days", "20")
    assert ran.exit_code == 0 and "没有缺口" in ran.stdout


def test_gaps_are_reported_holidays_first_with_a_failing_exit(cli, tmp_path):
    """Only the hotline is rostered: every backup and on-site hour is a gap; National Day's come first."""
    text = DEMO.read_text(encoding="utf-8")
    head = text[: text.index("[[rotations]]")]
    hotline_only = head + text[text.index("[[rotations]]"): text.index('[[rotations]]\nname = "备勤夜班"')]
    path = tmp_path / "hotline.toml"
    path.write_text(hotline_only, encoding="utf-8")
    assert cli("roster", "import", str(path)).exit_code == 0
    ran = cli("roster", "gaps", "--from", "2026-09-28", "--days", "14", "--json")
    assert ran.exit_code == 1
    gaps = json.loads(ran.stdout)
    assert {g["line"] for g in gaps} == {"backup", "onsite"}
    touching = [g for g in gaps if g["start"] < "2026-10-08" and g["end"] > "2026-10-01"]
    assert gaps[: len(touching)] == touching and len(touching) >= 8  # 7 on-site days and the backup run
    assert {"line": "backup", "start": "2026-09-30T18:00:00+08:00", "end": "2026-10-08T08:30:00+08:00",
            "hours": 182.5} in [{k: g[k] for k in ("line", "start", "end", "hours")} for g in gaps]
    backup = next(g for g in gaps if g["start"] == "2026-09-30T18:00:00+08:00")
    assert backup["day"] == "国庆节" and backup["days"][:2] == ["工作日", "国庆节"]
    later = gaps[len(touching):]
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
    held = [s for s in json.loads(roster("roster", "export", "--format", "json", "--from", "2026-09-28",
                                         "--to", "2026-10-11").stdout) if s["engineer"]]
    assert len(events) == len(held) > 20
    starts = {e.decoded("dtstart").isoformat() for e in events}
    assert "2026-10-01T08:30:00+08:00" in starts  # the holiday layer's handoff
    assert all(str(e["dtstart"].params.get("TZID")) == "Asia/Shanghai" for e in events)
    assert any(str(e["summary"]) == "备勤专线：赵磊" for e in events)


def test_csv_export_imports_back_to_the_same_roster(roster, cli, tmp_path, monkeypatch):
    out = tmp_path / "roster.csv"
    assert roster("roster", "export", "--from", "2026-09-28", "--to", "2026-10-11", "-o", str(out)).exit_code == 0
    first = json.loads(roster("roster", "export", "--format", "json", "--from", "2026-09-28", "--to",
                              "2026-10-11").stdout)
    monkeypatch.setenv("ZLDESK_DB", str(tmp_path / "other.db"))
    ran = cli("roster", "import", str(out), "--add-engineers")
    assert ran.exit_code == 0, ran.stderr
    again = json.loads(cli("roster", "export", "--format", "json", "--from", "2026-09-28", "--to",
                           "2026-10-11").stdout)
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
    ("line,engineer,phone,start,end\nbackup,黄丽,,2026-10-01 08:00,2026-10-01 18:00\n"
     "backup,刘洋,,2026-10-01 17:00,2026-10-01 20:00\n", "重叠"),
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
    path.write_bytes("值班线,工程师,电话,开始,结束\n备勤专线,黄丽,138-0000-0108,2026-11-20 18:00,2026-11-21 08:30\n"
                     .encode("gb18030"))
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

