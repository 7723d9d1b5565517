"""The deadline engine through its CLI and its calendar: examples, explanations, bad input, sources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from zldesk.calendar import ChinaCalendar
from zldesk.contract import read_contract_file
from zldesk.sla import Pause, Policy, SeverityChange
from zldesk.tickets import breaches

from .conftest import LEISHAN, unofficial_year

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def deadline_json(cli, *args: str) -> dict:
    ran = cli("sla", "deadline", *args, "--json")
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)


def test_level_1_in_the_evening_runs_into_the_next_morning(cli):
    out = deadline_json(cli, "--severity", "1", "--opened", "2026-11-25T20:00")
    assert out["due"] == "2026-11-26T11:00:00+08:00"
    assert out["window"] == "onsite" and out["provisional"] is False and out["warnings"] == []
    counted = [(s["from"], s["to"]) for s in out["explain"] if s["kind"] == "counted"]
    assert counted == [
        ("2026-11-25T20:00:00+08:00", "2026-11-25T21:00:00+08:00"),
        ("2026-11-26T09:00:00+08:00", "2026-11-26T11:00:00+08:00"),
    ]


def test_level_3_across_national_day_ends_on_the_make_up_saturday(cli):
    """国庆 10-01..10-07 is off; Saturday 10-10 is a make-up workday and counts."""
    out = deadline_json(cli, "--severity", "3", "--opened", "2026-09-30 17:00")
    assert out["due"] == "2026-10-10T17:00:00+08:00"
    skipped = [s for s in out["explain"] if s["kind"] == "skipped"]
    # the span skipped runs from the last counted hour before the holiday to the first one after it
    assert [(s["from"], s["to"]) for s in skipped] == [("2026-09-30T18:00:00+08:00", "2026-10-08T08:30:00+08:00")]
    assert "国庆节" in skipped[0]["reason"] and skipped[0]["text"] == "10月1日至10月7日 国庆节放假，不计"
    assert "10月10日（星期六）08:30至17:00 计 8.5 小时（国庆节调休上班）" in out["sentence"]
    assert sum(s["seconds"] for s in out["explain"] if s["kind"] == "counted") == 28.5 * 3600


def test_explanation_reads_as_a_sentence(cli):
    ran = cli("sla", "deadline", "--severity", "3", "--opened", "2026-09-30T17:00")
    assert ran.exit_code == 0
    assert "到期 2026-10-10 17:00" in ran.stdout
    assert "3 个工作日，每个工作日 9.5 小时，共 28.5 小时营业时间" in ran.stdout
    assert "10月1日至10月7日 国庆节放假，不计" in ran.stdout


def test_offset_in_the_input_is_honoured(cli):
    """12:00Z is 20:00 in Shanghai: the same deadline as the local example."""
    out = deadline_json(cli, "--severity", "1", "--opened", "2026-11-25T12:00:00+00:00")
    assert out["due"] == "2026-11-26T11:00:00+08:00"


def test_pauses_from_the_command_line(cli):
    """A four-hour pause inside business time moves a level-3 deadline by four business hours."""
    out = deadline_json(
        cli, "--severity", "3", "--opened", "2026-09-30T17:00", "--pause", "2026-10-08T10:00/2026-10-08T14:00"
    )
    assert out["due"] == "2026-10-12T11:30:00+08:00"
    assert [s["seconds"] for s in out["explain"] if s["kind"] == "pause"] == [4 * 3600]
    open_pause = deadline_json(cli, "--severity", "3", "--opened", "2026-09-30T17:00", "--pause", "2026-10-08T10:00/")
    assert open_pause["due"] is None
    assert "时钟停止" in open_pause["sentence"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--severity", "3", "--opened", "yesterday"], ["--opened", "yesterday"]),
        (["--severity", "9", "--opened", "2026-11-25T20:00"], ["没有这个级别", "9"]),
        (["--severity", "3", "--opened", "2026-11-25T20:00", "--pause", "2026-11-26T10:00"], ["START/END"]),
        (
            ["--severity", "3", "--opened", "2026-11-25T20:00", "--pause", "2026-11-26T10:00/2026-11-26T09:00"],
            ["结束不晚于开始"],
        ),
        (["--severity", "3", "--opened", "2026-11-25T20:00", "--contract", "nowhere"], ["nowhere", "leishan"]),
    ],
)
def test_bad_input_is_named(cli, args, words):
    ran = cli("sla", "deadline", *args)
    assert ran.exit_code != 0
    assert all(w in ran.stderr for w in words), ran.stderr
    assert "Traceback" not in ran.stderr


def test_provisional_year_is_marked_and_named(cli):
    """A level-4 ticket late in the last official year runs into the next, whose official schedule
    zldesk does not have (2026 into 2027 with holidays 0.109)."""
    year = unofficial_year()
    assert ChinaCalendar.shared().official_source(year - 1) is not None
    out = deadline_json(cli, "--severity", "4", "--opened", f"{year - 1}-12-28T17:00")
    assert out["provisional"] is True
    assert out["due"] is not None and out["due"].startswith(f"{year}-")
    assert len(out["warnings"]) == 1 and f"{year} 年" in out["warnings"][0]
    assert f"{year} 年" in out["sentence"]


def test_hours_targets_are_never_provisional(cli):
    """Even in a year without an official schedule: the onsite window counts every day alike."""
    year = unofficial_year()
    out = deadline_json(cli, "--severity", "1", "--opened", f"{year}-03-01T10:00")
    assert out["provisional"] is False and out["due"] == f"{year}-03-01T13:00:00+08:00"


def test_calendar_command_lists_days_off_and_make_up_days_with_sources(cli):
    ran = cli("sla", "calendar", "2026", "--json")
    out = json.loads(ran.stdout)
    assert out["official"] is True and out["source"].startswith("holidays ")
    days = {d["date"]: d for d in out["days"]}
    assert days["2026-10-10"]["kind"] == "makeup" and days["2026-10-10"]["workday"] is True
    assert days["2026-09-20"]["kind"] == "makeup"
    assert all(days[f"2026-10-0{i}"]["workday"] is False for i in range(1, 8))
    assert days["2026-10-04"]["name"] == "国庆节（周末）"
    year = unofficial_year()
    assert json.loads(cli("sla", "calendar", str(year), "--json").stdout)["official"] is False
    human = cli("sla", "calendar", str(year))
    assert str(year) in human.stderr and f"data/calendars/{year}.toml" in human.stderr


def test_override_file_wins_and_makes_the_year_official(tmp_path):
    """An official notice the package does not know yet, as a file: it decides, nothing is provisional."""
    (tmp_path / "2027.toml").write_text(
        "year = 2027\n"
        '[[days_off]]\ndate = 2027-01-01\nname = "元旦"\n'
        '[[workdays]]\ndate = 2027-01-09\nname = "测试调休上班"\n',
        encoding="utf-8",
    )
    cal = ChinaCalendar(overrides=tmp_path)
    assert cal.official_source(2027) == "data/calendars/2027.toml"
    assert cal.day(date(2027, 1, 9)).is_workday and cal.day(date(2027, 1, 9)).name == "测试调休上班"
    assert not cal.day(date(2027, 1, 1)).is_workday
    assert cal.day(date(2027, 2, 8)).is_workday  # the package's estimated Spring Festival no longer applies
    policy = Policy(read_contract_file(LEISHAN), cal)
    d = policy.deadline(4, at("2026-12-28T17:00"))
    assert d.provisional is False and d.warnings == ()


def test_upgrade_restarts_the_clock_and_downgrade_does_not():
    policy = Policy(read_contract_file(LEISHAN))
    opened, upgrade = at("2026-11-23T09:00"), at("2026-11-24T10:00")
    up = policy.deadline(1, opened, changes=(SeverityChange(opened, 3), SeverityChange(upgrade, 1)))
    assert up.clock_start == upgrade and up.computed_due == at("2026-11-24T13:00")
    down = policy.deadline(3, opened, changes=(SeverityChange(opened, 1), SeverityChange(upgrade, 3)))
    assert down.clock_start == opened


def test_negotiated_deadline_replaces_but_keeps_the_computed_one():
    policy = Policy(read_contract_file(LEISHAN))
    d = policy.deadline(3, at("2026-09-30T17:00"), negotiated=at("2026-10-20T12:00"))
    assert d.due == at("2026-10-20T12:00") and d.computed_due == at("2026-10-10T17:00")
    assert breaches(d, at("2026-10-12T09:00")) == ["computed"]
    assert breaches(d, at("2026-10-21T09:00")) == ["computed", "negotiated"]


def test_naive_times_are_refused():
    policy = Policy(read_contract_file(LEISHAN))
    with pytest.raises(ValueError, match="naive"):
        policy.deadline(1, datetime(2026, 11, 25, 20, 0))


def test_paused_clock_keeps_its_remaining_time():
    policy = Policy(read_contract_file(LEISHAN))
    d = policy.deadline(3, at("2026-11-25T09:00"), pauses=(Pause(at("2026-11-25T10:00")),))
    assert d.computed_due is None
    assert policy.remaining(d, at("2026-11-30T12:00")) == 27.5 * 3600


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_host_time_zone_changes_nothing(tz, tmp_path):
    env = {**os.environ, "TZ": tz, "ZLDESK_DB": str(tmp_path / "z.db")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "zldesk",
            "sla",
            "deadline",
            "--severity",
            "3",
            "--opened",
            "2026-09-30T17:00",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["due"] == "2026-10-10T17:00:00+08:00"
    assert out["explain"][2]["from"] == "2026-09-30T17:00:00+08:00"


def test_engine_imports_nothing_heavy():
    code = (
        "import sys, zldesk.sla, zldesk.explain\n"
        "print([m for m in ('textual', 'sqlalchemy', 'sqlmodel', 'pandas', 'numpy', 'holidays')"
        " if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_benchmark_runs_and_agrees():
    """The benchmark itself, tiny: it must keep running, and zldesk and the peer must agree."""
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "sla_bench.py"
    run = subprocess.run(
        [sys.executable, str(script), "--tickets", "3000", "--peer", "60"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    rows = [line for line in run.stdout.splitlines() if "with the peer" in line]
    assert len(rows) == 4
    assert all("60/60 with the peer, 3000/3000 with the plain path" in row for row in rows)


def test_every_year_the_package_knows_loads():
    """Odd schedule entries (a make-up day in the previous December, extra named days off) all load."""
    cal = ChinaCalendar()
    for year in range(2001, 2028):
        days = cal.special_days(year)
        assert days and all(d.date.year == year for d in days), year
    assert cal.day(date(2020, 1, 31)).name == "春节延长假期"
    assert cal.day(date(2001, 12, 29)).kind == "makeup"


def test_policies_share_one_calendar():
    """The statutory calendar is read once per process, whichever contract or screen builds a policy."""
    contract = read_contract_file(LEISHAN)
    assert Policy(contract).calendar is Policy(contract).calendar is ChinaCalendar.shared()


def test_a_weekend_after_a_holiday_keeps_that_holidays_name():
    """2026: 中秋节 is Friday 09-25; its weekend is 中秋's, not the 国庆节 that starts four days later."""
    from zldesk.calendar import ChinaCalendar

    calendar = ChinaCalendar()
    assert [calendar.day(date(2026, 9, d)).name for d in (25, 26, 27)] == ["中秋节", "中秋节（周末）", "中秋节（周末）"]
    assert calendar.day(date(2026, 10, 4)).name == "国庆节（周末）"
    assert calendar.day(date(2026, 10, 6)).name == "国庆节调休休息"
