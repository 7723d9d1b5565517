"""One exit-code rule for every command (README, 命令): 0 yes/done, 1 the answer is no, 2 what was typed or
named is refused, 3 nothing found, 4 someone else changed it first, 5 the store, a file or the system failed.
Each case runs the real command on a real store and checks the code and the words that go with it."""

from __future__ import annotations

import json
import sqlite3

import pytest

OPENED = "2026-11-25 10:00"

CASES = [
    # 0: yes / done
    (("covered", "mzsf"), 0, "stdout", "覆盖"),
    (("sla", "deadline", "--severity", "3", "--opened", OPENED), 0, "stdout", "到期"),
    # 1: the answer is no
    (("covered", "血库"), 1, "stdout", "未选"),
    (("covered", "微信支付"), 1, "stdout", "不含"),
    # 2: what was typed or named is refused, nothing done (Typer's usage errors are 2 as well)
    (("ticket", "show", "abc"), 2, "stderr", "Invalid value"),
    (("export", "contract", "--format", "xml"), 2, "stderr", "--format 只能是 toml 或 json"),
    (("export", "modules", "--format", "xlsx"), 2, "stderr", "--format 只能是 csv 或 json"),
    (("ticket", "new", "--severity", "2", "--title", "x", "--module", "一卡通"), 2, "stderr", "模块不唯一"),
    (("roster", "export", "--format", "xlsx"), 2, "stderr", "未知的格式"),
    (("roster", "export", "--from", "2026-10-10", "--to", "2026-10-09"), 2, "stderr", "时间范围为空"),
    (("sla", "deadline", "--severity", "3", "--opened", "2100-01-01 10:00"), 2, "stderr", "超出范围"),
    # 3: nothing found
    (("covered", "手术麻醉"), 3, "stdout", "合同中没有"),
    (("covered", "手术麻醉", "--json"), 3, "stdout", "[]"),
    (("covered", "mzsf", "--contract", "nowhere"), 3, "stderr", "没有这个合同"),
    (("ticket", "show", "99"), 3, "stderr", "没有这张工单"),
    (("ticket", "show", str(10**20)), 3, "stderr", "没有这张工单"),
    (("ticket", "ack", str(10**20)), 3, "stderr", "没有这张工单"),
    (("export", "contract", "nope"), 3, "stderr", "没有这个合同"),
    (("sla", "deadline", "--severity", "9", "--opened", OPENED), 3, "stderr", "没有这个级别"),
]


@pytest.mark.parametrize("args, code, stream, says", CASES, ids=[" ".join(c[0])[:40] for c in CASES])
def test_each_command_exits_by_the_one_rule(cli, args, code, stream, says):
    ran = cli(*args)
    assert ran.exit_code == code, (args, ran.exit_code, ran.stdout, ran.stderr)
    assert says in getattr(ran, stream), (args, ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr


def test_a_ticket_changed_since_it_was_read_is_4(cli):
    assert cli("ticket", "new", "--severity", "3", "--title", "收费慢", "--at", OPENED).exit_code == 0
    assert cli("ticket", "ack", "1").exit_code == 0  # now version 2
    ran = cli("ticket", "assign", "1", "王工", "--if-version", "1")
    assert ran.exit_code == 4 and "在你读取之后被改过" in ran.stderr, ran.stderr


def test_a_store_that_fails_is_5_not_a_no(cli, db_path):
    """A store from a newer zldesk: 5, so `zldesk covered X` exiting 1 always means "not covered"."""
    assert cli("contracts").exit_code == 0
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.close()
    ran = cli("covered", "mzsf")
    assert ran.exit_code == 5 and "数据库版本比本程序新" in ran.stderr, ran.stderr


def test_the_exit_codes_are_in_the_help(cli):
    ran = cli("covered", "--help")
    assert ran.exit_code == 0 and "3 合同中没有" in ran.stdout


def test_contract_changes_are_said_in_words(cli, tmp_path):
    """An import's change list names fields as people read them and says nothing as —, never `sites`,
    `negotiable` or `None` (as a ticket's changes read, tickets/view.py)."""
    exported = cli("export", "contract", "leishan", "--format", "json")
    assert exported.exit_code == 0
    data = json.loads(exported.stdout)
    data["customer"] = "雷山县医院"
    data["modules"][0]["sites"] = 3
    level = next(s for s in data["severities"] if s["level"] == 2)
    level["negotiable"] = not level.get("negotiable", False)
    level["target"]["amount"] = 6
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    ran = cli("import", "contract", str(path), "--dry-run")
    assert ran.exit_code == 0, ran.stderr
    assert "医院：雷山县人民医院 → 雷山县医院" in ran.stdout
    assert "站点数：— → 3" in ran.stdout
    assert "可协商：" in ran.stdout and "时限：" in ran.stdout and " 小时（按 " in ran.stdout
    for raw in ("None", "sites", "negotiable", "target", "customer", "Target("):
        assert raw not in ran.stdout, (raw, ran.stdout)


SPANS = [
    ("2026-09-30 17:00",),  # 国庆节
    ("2026-11-27 17:00",),  # a weekend
    ("2026-12-31 17:30",),  # 元旦
    ("2026-09-30 17:00", "--pause", "2026-10-03T10:00/2026-10-09T10:00"),  # a pause from inside the holiday
    ("2026-10-02 10:00", "--pause", "2026-10-08T10:00/2026-10-12T10:00"),  # a Sunday inside a pause
]


@pytest.mark.parametrize("args", SPANS, ids=[" ".join(a) for a in SPANS])
def test_skipped_spans_adjoin_the_counted_ones(cli, args):
    """In `sla deadline --json` each skipped run (a holiday, a weekend) begins where the counted or paused
    span before it ends and ends where the next one starts; days off inside a pause are the pause's."""
    opened, *pause = args
    ran = cli("sla", "deadline", "--severity", "3", "--opened", opened, *pause, "--json")
    assert ran.exit_code == 0, ran.stderr
    explain = json.loads(ran.stdout)["explain"]
    clock_start = next(s["from"] for s in explain if s["kind"] == "start")
    steps = [s for s in explain if s["kind"] in ("counted", "skipped", "pause")]
    skipped = [i for i, s in enumerate(steps) if s["kind"] == "skipped"]
    assert skipped, steps
    for i in skipped:
        assert i < len(steps) - 1, steps
        assert steps[i]["from"] == (steps[i - 1]["to"] if i else clock_start), steps
        assert steps[i]["to"] == steps[i + 1]["from"], steps
    spans = sorted((s["from"], s["to"]) for s in steps)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans  # none overlaps another


@pytest.mark.parametrize("args", SPANS, ids=[" ".join(a) for a in SPANS])
def test_the_spans_tile_the_whole_interval(cli, args):
    """From the clock's start to the due time every moment is in exactly one span of `sla deadline --json`:
    counted, paused, skipped (days off) or closed (the window's closed hours, each night); the text and the
    sentence leave the nightly closed hours out (a line a night)."""
    opened, *pause = args
    ran = cli("sla", "deadline", "--severity", "3", "--opened", opened, *pause, "--json")
    assert ran.exit_code == 0, ran.stderr
    out = json.loads(ran.stdout)
    explain = out["explain"]
    clock_start = next(s["from"] for s in explain if s["kind"] == "start")
    spans = [(s["from"], s["to"]) for s in explain if s["kind"] in ("counted", "skipped", "pause", "closed")]
    assert any(s["kind"] == "closed" for s in explain), explain
    due = next(s["from"] for s in explain if s["kind"] == "due")
    assert spans[0][0] == clock_start and spans[-1][1] == due, (clock_start, spans, due)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:])), spans  # each begins where the last ended
    assert "窗口未开" not in out["sentence"]
    text = cli("sla", "deadline", "--severity", "3", "--opened", opened, *pause)
    assert text.exit_code == 0 and "窗口未开" not in text.stdout and "计" in text.stdout


def test_a_stale_ticket_names_its_changes_in_words(cli):
    """The changes made since the version a script read are said in words; the lists kept for replay
    (levels, pauses, remote, state_before_pause) never show by their field names."""
    assert cli("ticket", "new", "--severity", "3", "--title", "收费慢", "--at", OPENED).exit_code == 0
    assert cli("ticket", "pause", "1", "--reason", "等医院").exit_code == 0
    assert cli("ticket", "severity", "1", "2", "--reason", "升级").exit_code == 0
    grant = ("ticket", "remote", "1", "--granted-by", "王主任", "--channel", "电话", "--scope", "查看日志")
    assert cli(*grant).exit_code == 0
    ran = cli("ticket", "ack", "1", "--if-version", "1")
    assert ran.exit_code == 4, ran.stderr
    assert "挂起（状态）" in ran.stderr and "改级别（级别）" in ran.stderr and "远程许可\n" in ran.stderr
    for raw in ("levels", "pauses", "remote", "state_before_pause", "None"):
        assert raw not in ran.stderr, (raw, ran.stderr)
