"""Issue 18's rules about a duty line or a contract rather than a ticket: `roster_gap`, `handover_unacked`,
`obligation_due`. Pure at frozen instants (the keys stable across rounds, one message for a gap or handoff
several hospitals share, the escalation), then `zldesk watch --once` on a real store with a roster whose
hotline nobody holds, a backup line handed over at 18:00, and the bundled contract's overdue inspection."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import zldesk.commands.handover as handover_cmd
from zldesk.notify.config import parse
from zldesk.notify.duty_rules import Change, ContractFacts, Gap, Owed, evaluate

from .test_handover import ROSTER
from .test_notify import sent  # noqa: F401 - the recording fake channel, a fixture
from .test_obligations import with_period

ZONE = ZoneInfo("Asia/Shanghai")
SECRET = "SEKRET-duty-7"
CHANNELS = f"""
[[notify.channels]]
name = "值班群"
kind = "webhook"
url = "https://example.invalid/hook?token={SECRET}"
secret = "{SECRET}-sign"

[[notify.channels]]
name = "值班组长"
kind = "webhook"
url = "https://example.invalid/lead?token={SECRET}"
secret = "{SECRET}-sign"
"""
RULES = """
[[notify.rules]]
when = "roster_gap"
before = "2h"
to = ["值班群"]

[[notify.rules]]
when = "handover_unacked"
after = "15m"
to = ["值班群"]
then = {after = "30m", to = ["值班组长"]}

[[notify.rules]]
when = "obligation_due"
before = "7d"
to = ["值班组长"]
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def rules():
    return parse(__import__("tomllib").loads(CHANNELS + RULES)["notify"], "config.toml").rules


def contract(**kw) -> ContractFacts:
    base = dict(
        id=1, code="leishan", customer="雷山县人民医院", zone=ZONE, on_duty=(("备勤", "李强", "138-0000-0105"),)
    )
    return ContractFacts(**(base | kw))


def of(events, kind: str):
    return [e for e in events if e.rule == kind]


# ---- pure ------------------------------------------------------------------------------------------------


def test_a_gap_is_told_before_it_starts_once_and_not_after_it_ends():
    gap = Gap("热线", at("2026-12-02T02:00"), at("2026-12-02T06:00"))
    c = contract(gaps=(gap,))
    assert of(evaluate(rules(), [c], at("2026-12-01T23:59")), "roster_gap") == []
    (first,) = of(evaluate(rules(), [c], at("2026-12-02T00:00")), "roster_gap")
    (again,) = of(evaluate(rules(), [c], at("2026-12-02T03:00")), "roster_gap")
    assert first.key == again.key and first.ticket_id is None and first.channel == "值班群"
    assert "热线 02:00 起（还有 2 小时）至 06:00 没有人值守" in first.message.text
    assert "现在值班：备勤 李强 138-0000-0105" in first.message.text
    assert of(evaluate(rules(), [c], at("2026-12-02T06:00")), "roster_gap") == []


def test_a_gap_cut_by_the_computed_days_keeps_its_key_as_they_move():
    """A gap running since before the segments begin: each round computes from a day back, so its first
    instant moves; its key is its end, and a line unheld throughout is keyed by the line alone."""
    end = at("2026-12-03T09:00")
    keys = set()
    for hour in (10, 11, 12):
        now = at(f"2026-12-02T{hour}:00")
        c = contract(gaps=(Gap("热线", now - timedelta(days=1), end, from_start=False),))
        keys |= {e.key for e in evaluate(rules(), [c], now)}
    assert len(keys) == 1
    whole = {
        e.key
        for h in (10, 11)
        for e in evaluate(
            rules(),
            [contract(gaps=(Gap("热线", at(f"2026-12-01T{h}:00"), at(f"2026-12-10T{h}:00"), False, False),))],
            at(f"2026-12-02T{h}:00"),
        )
    }
    assert len(whole) == 1 and "whole" in whole.pop()


def test_one_gap_or_handoff_of_several_hospitals_is_one_message_naming_them_all():
    gap = Gap("备勤", at("2026-12-02T02:00"), at("2026-12-02T06:00"))
    h = Change("备勤", at("2026-12-01T18:00"), "张伟", "李强", "138-0000-0105", False, at("2026-12-02T18:00"))
    two = [
        contract(gaps=(gap,), changes=(h,)),
        contract(id=2, code="rongjiang", customer="榕江县人民医院", gaps=(gap,), changes=(h,)),
    ]
    found = evaluate(rules(), two, at("2026-12-02T01:00"))
    (g,) = of(found, "roster_gap")
    assert "医院：雷山县人民医院、榕江县人民医院" in g.message.text
    stage1 = [e for e in of(found, "handover_unacked") if e.stage == 1]
    assert len(stage1) == 1 and "雷山县人民医院、榕江县人民医院" in stage1[0].message.text


def test_an_unacknowledged_handoff_is_told_after_n_then_escalated_and_stops_when_acknowledged_or_old():
    h = Change("备勤", at("2026-12-01T18:00"), "张伟", "李强", "138-0000-0105", False, at("2026-12-02T18:00"))
    c = contract(changes=(h,))
    assert of(evaluate(rules(), [c], at("2026-12-01T18:14")), "handover_unacked") == []
    (e,) = of(evaluate(rules(), [c], at("2026-12-01T18:15")), "handover_unacked")
    assert e.message.title == "【交接未确认】备勤 18:00 李强"
    assert "备勤 18:00 交接：张伟 → 李强（138-0000-0105）" in e.message.text
    assert "交接后 15 分钟仍未确认接班" in e.message.text
    both = of(evaluate(rules(), [c], at("2026-12-01T18:45")), "handover_unacked")
    assert [(x.stage, x.channel) for x in both] == [(1, "值班群"), (2, "值班组长")] and both[0].key == e.key
    done = contract(changes=(Change(*list(h.__dict__.values())[:5], True, h.until),))
    assert of(evaluate(rules(), [done], at("2026-12-01T18:45")), "handover_unacked") == []
    assert of(evaluate(rules(), [c], at("2026-12-02T06:00")), "handover_unacked") == []  # 12 h: not "this one"


def test_an_obligation_is_told_n_before_its_day_ends_in_the_morning_and_keyed_by_its_due_date():
    owed = Owed(1, "巡检服务·生产环境健康巡检服务", date(2026, 12, 10))
    c = contract(owed=(owed,))
    # 7 days before the 10th ends is 12-04 00:00: the night waits for 09:00
    assert of(evaluate(rules(), [c], at("2026-12-04T08:59")), "obligation_due") == []
    (e,) = of(evaluate(rules(), [c], at("2026-12-04T09:00")), "obligation_due")
    assert e.channel == "值班组长" and e.subject == "contract leishan"
    assert "应于 2026-12-10 前完成，6 天后到期" in e.message.text
    (later,) = of(evaluate(rules(), [c], at("2026-12-12T09:00")), "obligation_due")
    assert later.key == e.key and "已逾期 2 天" in later.message.text
    moved = contract(owed=(Owed(1, owed.service, date(2027, 6, 10)),))
    assert of(evaluate(rules(), [moved], at("2026-12-12T09:00")), "obligation_due") == []


def test_user_text_in_a_duty_message_is_shown_not_obeyed():
    h = Change("备勤", at("2026-12-01T18:00"), "张\x1b[2J伟", "李\u202e强", "", False, None)
    (e,) = of(
        evaluate(rules(), [contract(changes=(h,), customer="雷山\x07医院")], at("2026-12-01T18:20")), "handover_unacked"
    )
    text = e.message.title + e.message.text
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text


# ---- on a real store, through the CLI ----------------------------------------------------------------------


@pytest.fixture
def duty(cli, tmp_path, monkeypatch, sent):  # noqa: F811 - the fixture imported above
    config = tmp_path / "config.toml"
    config.write_text(CHANNELS + RULES, encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("ZLDESK_CONFIG", str(config))
    signed = tmp_path / "leishan.toml"
    signed.write_text(with_period(), encoding="utf-8")
    assert cli("import", "contract", str(signed)).exit_code == 0
    roster = tmp_path / "roster.toml"
    roster.write_text(ROSTER, encoding="utf-8")
    assert cli("roster", "import", str(roster)).exit_code == 0
    return cli, sent[0]


def watch(cli, when: str) -> None:
    ran = cli("watch", "--once", "--at", at(when).isoformat())
    assert ran.exit_code == 0, ran.stderr
    assert SECRET not in ran.stdout + ran.stderr


def test_watch_tells_the_handoffs_the_overdue_inspection_and_the_gap_each_once(duty, monkeypatch):
    cli, calls = duty
    watch(cli, "2026-12-01T18:20")
    titles = [t for _, t, _ in calls]
    assert "【交接未确认】备勤 18:00 张伟" in titles  # the night's backup, 20 minutes ago
    assert "【交接未确认（升级）】现场 09:00 刘洋" in titles  # the morning's, never acknowledged
    assert not any(t.startswith("【值班缺口】") for t in titles)  # the hotline opens at 08:30: not within 2 h
    inspection = [
        (ch, text) for ch, t, text in calls if t == "【履约到期】雷山县人民医院 巡检服务·生产环境健康巡检服务"
    ]
    assert inspection and inspection[0][0] == "值班组长" and "已逾期" in inspection[0][1]
    count = len(calls)
    watch(cli, "2026-12-01T18:30")  # the same handoffs and obligations: nothing again
    assert len(calls) == count
    monkeypatch.setattr(handover_cmd, "_now", lambda: at("2026-12-01T18:40"))
    ran = cli("handover", "ack", "--line", "backup")
    assert ran.exit_code == 0, ran.stderr
    watch(cli, "2026-12-01T18:50")  # acknowledged before its escalation was due: no stage 2
    assert len(calls) == count
    watch(cli, "2026-12-02T07:00")  # nobody holds the hotline: told 2 hours before it opens, once
    gaps = [text for _, t, text in calls[count:] if t.startswith("【值班缺口】")]
    assert len(gaps) == 1 and "热线 08:30 起（还有 1 小时 30 分）至 18:00 没有人值守" in gaps[0], gaps
    watch(cli, "2026-12-02T09:00")
    assert len([t for _, t, _ in calls if t.startswith("【值班缺口】")]) == 1
    log = json.loads(cli("notify", "log", "--json").stdout)
    rows = log["outbox"] if isinstance(log, dict) else log
    assert {r["rule"] for r in rows} == {"roster_gap", "handover_unacked", "obligation_due"}
    assert all(r["state"] == "sent" for r in rows)
    assert SECRET not in json.dumps(log, ensure_ascii=False)


def test_a_named_rule_keeps_its_keys_when_the_rules_are_reordered():
    import tomllib

    gap = """
[[notify.rules]]
name = "缺口"
when = "roster_gap"
before = "2h"
to = ["值班群"]
"""
    other = '\n[[notify.rules]]\nwhen = "breached"\nto = ["值班群"]\n'
    c = contract(gaps=(Gap("热线", at("2026-12-02T02:00"), at("2026-12-02T06:00")),))
    keys = []
    for text in (CHANNELS + gap + other, CHANNELS + other + gap):
        found = parse(tomllib.loads(text)["notify"], "config.toml").rules
        keys += [e.key for e in evaluate(found, [c], at("2026-12-02T01:00"))]
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0].startswith("缺口:roster_gap|")


def test_duty_rules_on_postgres(pg_url, tmp_path, monkeypatch, sent):  # noqa: F811 - the fixture imported above
    from .test_postgres import ok, run

    calls = sent[0]
    config = tmp_path / "config.toml"
    config.write_text(CHANNELS + RULES, encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("ZLDESK_CONFIG", str(config))
    (tmp_path / "leishan.toml").write_text(with_period(), encoding="utf-8")
    (tmp_path / "roster.toml").write_text(ROSTER, encoding="utf-8")
    ok("import", "contract", str(tmp_path / "leishan.toml"))
    ok("roster", "import", str(tmp_path / "roster.toml"))
    for when in ("2026-12-01T18:20", "2026-12-01T18:30"):
        assert run("watch", "--once", "--at", at(when).isoformat()).exit_code == 0
    titles = [t for _, t, _ in calls]
    assert titles.count("【交接未确认】备勤 18:00 张伟") == 1
    assert titles.count("【履约到期】雷山县人民医院 巡检服务·生产环境健康巡检服务") == 1
    assert {r["rule"] for r in json.loads(ok("notify", "log", "--json"))} == {"handover_unacked", "obligation_due"}


def test_no_roster_or_a_broken_one_is_a_gap_told_once_for_the_hospitals_it_concerns():
    two = [
        contract(problem="值班表未建"),
        contract(id=2, code="rongjiang", customer="榕江县人民医院", problem="值班表未建"),
    ]
    first = of(evaluate(rules(), two, at("2026-12-02T01:00")), "roster_gap")
    later = of(evaluate(rules(), two, at("2026-12-02T05:00")), "roster_gap")
    assert len(first) == 1 and [e.key for e in later] == [first[0].key]
    assert (
        first[0].message.title == "【值班缺口】值班表未建" and "雷山县人民医院、榕江县人民医院" in first[0].message.text
    )


def test_watch_says_a_contract_has_no_roster(cli, tmp_path, monkeypatch, sent):  # noqa: F811
    config = tmp_path / "config.toml"
    config.write_text(CHANNELS + RULES, encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("ZLDESK_CONFIG", str(config))
    signed = tmp_path / "leishan.toml"
    signed.write_text(with_period(), encoding="utf-8")
    assert cli("import", "contract", str(signed)).exit_code == 0
    watch(cli, "2026-12-01T18:20")
    watch(cli, "2026-12-01T19:20")
    assert [t for _, t, _ in sent[0]].count("【值班缺口】值班表未建") == 1
