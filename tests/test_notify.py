"""Issue 18's watcher: the rules at frozen instants, the outbox (each event written and sent once), the
backoff and `notify retry`, the config's checks (owner-only, fields named), no secret in any output, and
schema v14. The channels are helper C's: here `zldesk.notify.channels.deliver` is a recording fake."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import zldesk.notify.channels as channels
from zldesk.notify.config import parse
from zldesk.notify.message import Delivery
from zldesk.notify.rules import TicketFacts, evaluate, left_words
from zldesk.store.schema import LATEST
from zldesk.tickets.clock import RUNNING, STOPPED, Clock

ZONE = ZoneInfo("Asia/Shanghai")
SECRET = "SEKRET-token-42"
CONFIG = f"""
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

[[notify.rules]]
when = "unacknowledged"
severity = [1, 2]
after = "10m"
to = ["值班群"]
then = {{after = "15m", to = ["值班组长"]}}
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def iso(text: str) -> str:
    return at(text).astimezone(UTC).isoformat()


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("ZLDESK_CONFIG", str(path))
    return path


@pytest.fixture
def sent(monkeypatch):
    calls: list[tuple[str, str, str]] = []
    answers: list[Delivery] = []

    def deliver(channel, message, timeout=10):
        calls.append((channel["name"], message.title, message.text))
        return answers.pop(0) if answers else Delivery(True, False, "sent")

    monkeypatch.setattr(channels, "deliver", deliver)
    return calls, answers


def new(cli, severity: int, when: str, title: str = "住院结算失败") -> int:
    ran = cli(
        "ticket", "new", "--contract", "leishan", "--severity", str(severity), "--title", title, "--at", when, "--json"
    )
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)["id"]


def watch(cli, when: str):
    ran = cli("watch", "--once", "--at", iso(when))
    assert ran.exit_code == 0, ran.stderr
    return ran


def log(cli) -> list[dict]:
    ran = cli("notify", "log", "--json")
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)


# ---- through the CLI, on a real store ------------------------------------------------------------------


def test_each_event_is_written_and_sent_once_and_escalates(cli, config, sent):
    calls, _ = sent
    one = new(cli, 1, "2026-12-01T10:00")
    new(cli, 3, "2026-12-01T10:00", "报表修改")  # level 3: the rule is for 1 and 2
    watch(cli, "2026-12-01T10:09")
    assert calls == []  # 9 minutes: not yet
    watch(cli, "2026-12-01T10:10")
    watch(cli, "2026-12-01T10:11")  # read again: the same event, not sent again
    assert [(c, t) for c, t, _ in calls] == [("值班群", f"【1级·未受理】雷山县人民医院 #{one}")]
    text = calls[0][2]
    assert "住院结算失败" in text and "时限 12-01 13:00" in text and "还剩 2 小时 50 分" in text and "现在值班" in text
    watch(cli, "2026-12-01T10:25")  # 15 minutes after the first: the lead
    watch(cli, "2026-12-01T10:30")
    assert [c for c, _, _ in calls] == ["值班群", "值班组长"]
    assert "（升级）" in calls[1][1]
    ok = cli("ticket", "ack", str(one), "--at", "2026-12-01T10:31")
    assert ok.exit_code == 0, ok.stderr
    watch(cli, "2026-12-01T11:00")
    assert len(calls) == 2
    rows = log(cli)
    assert [r["state"] for r in rows] == ["sent", "sent"] and all(len(r["attempt_log"]) == 1 for r in rows)


def test_a_failed_delivery_is_retried_after_its_backoff_and_retry_makes_it_due(cli, config, sent):
    calls, answers = sent
    new(cli, 1, "2026-12-01T10:00")
    answers.append(Delivery(False, True, "http_500", "服务器出错"))
    watch(cli, "2026-12-01T10:10")
    (row,) = log(cli)
    assert row["state"] == "pending" and row["attempts"] == 1
    assert row["next_at"] == iso("2026-12-01T10:10:30")
    watch(cli, "2026-12-01T10:10:20")  # within the 30 s backoff: not tried
    assert len(calls) == 1
    answers.append(Delivery(False, False, "errcode_93000", "机器人已停用"))  # not worth retrying: failed
    watch(cli, "2026-12-01T10:10:31")
    assert [r["state"] for r in log(cli)] == ["failed"] and len(calls) == 2
    assert cli("notify", "retry", str(row["id"])).exit_code == 0
    watch(cli, "2026-12-01T10:12")
    (row,) = log(cli)
    assert row["state"] == "sent" and [a["status"] for a in row["attempt_log"]] == ["http_500", "errcode_93000", "sent"]
    assert cli("notify", "retry", "99").exit_code == 3


def test_retry_after_of_the_api_is_honoured(cli, config, sent):
    calls, answers = sent
    new(cli, 1, "2026-12-01T10:00")
    answers.append(Delivery(False, True, "rate_limited", "", retry_after=120))
    watch(cli, "2026-12-01T10:10")
    assert log(cli)[0]["next_at"] == iso("2026-12-01T10:12")


def test_no_secret_in_the_log_nor_in_errors(cli, config, sent, monkeypatch):
    new(cli, 1, "2026-12-01T10:00")

    def boom(channel, message, timeout=10):
        raise OSError(f"cannot reach {channel['url']}")  # a channel's exception may carry the URL

    monkeypatch.setattr(channels, "deliver", boom)
    ran = watch(cli, "2026-12-01T10:10")
    shown = cli("notify", "log", "--json").stdout + cli("notify", "log").stdout + ran.stdout + ran.stderr
    assert "OSError" in shown and SECRET not in shown and "example.invalid" not in shown
    tested = cli("notify", "test", "值班群")
    assert tested.exit_code == 1 and SECRET not in tested.stdout + tested.stderr


def test_notify_test_sends_through_deliver(cli, config, sent):
    calls, _ = sent
    assert cli("notify", "test", "值班群").exit_code == 0
    assert calls[0][0] == "值班群" and "测试" in calls[0][1]
    assert cli("notify", "test", "没有的群").exit_code == 3


def test_a_config_others_can_read_is_refused(cli, config, sent):
    config.chmod(0o644)
    ran = cli("watch", "--once")
    assert ran.exit_code == 2 and "chmod 600" in ran.stderr and SECRET not in ran.stdout + ran.stderr


@pytest.mark.parametrize(
    "rule, field",
    [
        ('when = "soon"\nto = ["值班群"]', "notify.rules[0].when"),
        ('when = "breach"\nbefore = "ten"\nto = ["值班群"]', "notify.rules[0].before"),
        ('when = "breach"\nafter = "1m"\nto = ["值班群"]', "notify.rules[0].after"),
        ('when = "breached"\nafter = "999999999999d"\nto = ["值班群"]', "notify.rules[0].after"),
        ('when = "breached"\nto = ["值班群"]\nthen = {after = "367d", to = ["值班群"]}', "notify.rules[0].then.after"),
        ('when = "breached"\nto = ["别的群"]', "notify.rules[0].to"),
        ('when = "breached"\nseverity = [0]\nto = ["值班群"]', "notify.rules[0].severity"),
        ('when = "breached"\nto = ["值班群"]\nthen = {after = "x", to = ["值班群"]}', "notify.rules[0].then.after"),
        ('when = "breached"\nname = "a|b"\nto = ["值班群"]', "notify.rules[0].name"),
        (
            'when = "breached"\nto = ["值班群"]\n\n[[notify.channels]]\nname = "群\\u202e"\nkind = "webhook"',
            "notify.channels[1].name",
        ),
        ('when = "breached"\nname = "夜\\u001b[2J"\nto = ["值班群"]', "notify.rules[0].name"),
        ('when = "roster_gap"\nseverity = [1]\nto = ["值班群"]', "notify.rules[0].severity"),
        ('when = "roster_gap"\nbefore = "8d"\nto = ["值班群"]', "notify.rules[0].before"),
        ('when = "handover_unacked"\nafter = "12h"\nto = ["值班群"]', "notify.rules[0].after"),
        ('when = "obligation_due"\nafter = "1d"\nto = ["值班群"]', "notify.rules[0].after"),
    ],
)
def test_a_wrong_rule_names_its_field(cli, tmp_path, monkeypatch, rule, field):
    path = tmp_path / "bad.toml"
    path.write_text(
        f'[[notify.channels]]\nname = "值班群"\nkind = "webhook"\nurl = "https://example.invalid/h?token={SECRET}"\n'
        f'secret = "{SECRET}"\n\n[[notify.rules]]\n{rule}\n'
    )
    path.chmod(0o600)
    monkeypatch.setenv("ZLDESK_CONFIG", str(path))
    ran = cli("watch", "--once")
    assert ran.exit_code == 2 and field in ran.stderr and SECRET not in ran.stderr, ran.stderr


# ---- the rules at frozen instants (pure) ---------------------------------------------------------------


def facts(**kw) -> TicketFacts:
    due = at("2026-12-01T13:00")
    now = kw.pop("now", at("2026-12-01T12:00"))
    seconds = kw.pop("seconds", (due - now).total_seconds())
    clock = Clock(kw.pop("state", RUNNING), seconds, 0.3, due, now)
    base = dict(
        id=7, hospital="雷山县人民医院", severity=1, title="HIS\x1b[2J宕机", received_at=at("2026-12-01T10:00"),
        acknowledged_at=at("2026-12-01T10:05"), arrived_at=None, clock=clock, leave_at=at("2026-12-01T11:40"),
        zone=ZONE, on_duty=(("现场", "王芳", "138-0000-0101"),),
    )  # fmt: skip
    return TicketFacts(**(base | kw))


def rules(text: str):
    import tomllib

    hook = 'kind = "webhook"\nurl = "https://example.invalid/h"\nsecret = "s"\n'
    head = f'[[notify.channels]]\nname = "群"\n{hook}[[notify.channels]]\nname = "组长"\n{hook}'
    return parse(tomllib.loads(head + text)["notify"], "test").rules


def test_breach_before_the_deadline_and_its_key_stays_the_same():
    r = rules('[[notify.rules]]\nwhen = "breach"\nbefore = "30m"\nto = ["群"]\n')
    assert evaluate(r, [facts(now=at("2026-12-01T12:29"))], at("2026-12-01T12:29")) == []
    first = evaluate(r, [facts(now=at("2026-12-01T12:30"))], at("2026-12-01T12:30"))
    again = evaluate(r, [facts(now=at("2026-12-01T12:50"))], at("2026-12-01T12:50"))
    assert len(first) == 1 and [e.key for e in first] == [e.key for e in again]
    m = first[0].message
    assert m.title == "【1级·即将超时】雷山县人民医院 #7" and "还剩 30 分" in m.text
    assert "\x1b" not in m.text and "HIS\\x1b[2J宕机" in m.text and "现场 王芳 138-0000-0101" in m.text
    assert evaluate(r, [facts(now=at("2026-12-01T12:40"), state=STOPPED)], at("2026-12-01T12:40")) == []


def test_breached_after_and_a_new_deadline_is_a_new_event():
    r = rules('[[notify.rules]]\nwhen = "breached"\nafter = "5m"\nto = ["群"]\nthen = {after = "1h", to = ["组长"]}\n')
    late = at("2026-12-01T13:05")
    (e,) = evaluate(r, [facts(now=late, seconds=-300)], late)
    assert "已超时 5 分" in e.message.text and e.channel == "群"
    later = at("2026-12-01T14:05")
    both = evaluate(r, [facts(now=later, seconds=-3900)], later)
    assert [x.channel for x in both] == ["群", "组长"] and both[0].key == e.key and both[1].stage == 2
    other = facts(now=late, seconds=-300)
    moved = TicketFacts(**(other.__dict__ | {"clock": Clock(RUNNING, -300, 0, at("2026-12-01T13:00:01"), late)}))
    assert evaluate(r, [moved], later)[0].key != e.key


def test_leave_by_until_an_arrival_and_the_severity_filter():
    r = rules('[[notify.rules]]\nwhen = "leave_by"\nbefore = "10m"\nseverity = [1]\nto = ["群"]\n')
    now = at("2026-12-01T11:30")
    (e,) = evaluate(r, [facts(now=now)], now)
    assert "出发时间 11:40" in e.message.text and e.rule == "leave_by"
    assert evaluate(r, [facts(now=at("2026-12-01T11:29"))], at("2026-12-01T11:29")) == []
    assert evaluate(r, [facts(now=now, arrived_at=at("2026-12-01T11:20"))], now) == []
    assert evaluate(r, [facts(now=now, severity=2)], now) == []


def test_unacknowledged_and_nobody_on_duty():
    r = rules('[[notify.rules]]\nwhen = "unacknowledged"\nafter = "10m"\nto = ["群"]\n')
    now = at("2026-12-01T10:10")
    (e,) = evaluate(r, [facts(now=now, acknowledged_at=None, on_duty=())], now)
    assert "来电 10 分钟仍未受理" in e.message.text and "无人值守！" in e.message.text
    assert evaluate(r, [facts(now=now)], now) == []  # acknowledged at 10:05


def test_time_left_in_words():
    assert left_words(3 * 3600 + 65) == "还剩 3 小时 1 分"
    assert left_words(-90) == "已超时 1 分" and left_words(20) == "还剩 不到 1 分"
    assert left_words(timedelta(days=1, minutes=2).total_seconds()) == "还剩 1 天 2 分"


# ---- schema v14 ----------------------------------------------------------------------------------------

V14_BACK = (
    "DROP TABLE notify_attempt",
    "DROP TABLE notify_outbox",
    "DROP TABLE notify_lease",
    "UPDATE meta SET value = '13' WHERE key = 'schema_version'",
)


def test_a_v13_store_upgrades_to_v14(cli, db_path, config, sent):
    new(cli, 1, "2026-12-01T10:00")
    conn = sqlite3.connect(db_path)
    with conn:
        for sql in V14_BACK:
            conn.execute(sql)
    conn.close()
    ran = cli("watch", "--once", "--at", iso("2026-12-01T10:10"))
    assert ran.exit_code == 0 and f"从第 13 版升级到第 {LATEST} 版" in ran.stderr, ran.stderr
    assert [r["state"] for r in log(cli)] == ["sent"]
    assert cli("audit", "verify").exit_code == 0


def test_the_watcher_and_the_upgrade_on_postgres(pg_url, config, sent):
    import psycopg

    from .test_postgres import ok, run

    calls, answers = sent
    json.loads(
        ok(
            "ticket",
            "new",
            "--contract",
            "leishan",
            "--severity",
            "1",
            "--title",
            "HIS宕机",
            "--at",
            "2026-12-01T10:00",
            "--json",
        )
    )
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        for sql in V14_BACK:
            conn.execute(sql)
    answers.append(Delivery(False, True, "timeout", "超时"))
    assert run("watch", "--once", "--at", iso("2026-12-01T10:10")).exit_code == 0  # upgrades, writes, fails once
    ok("watch", "--once", "--at", iso("2026-12-01T10:11"))
    ok("watch", "--once", "--at", iso("2026-12-01T10:12"))
    (row,) = json.loads(ok("notify", "log", "--json"))
    assert row["state"] == "sent" and [a["status"] for a in row["attempt_log"]] == ["timeout", "sent"]
    assert len(calls) == 2 and SECRET not in ok("notify", "log", "--json")
    ok("audit", "verify")


# ---- the console ---------------------------------------------------------------------------------------


async def test_the_board_rings_and_shows_a_banner_when_a_rule_fires_for_its_ticket(cli, db_path, config, sent):
    from zldesk.app import make_app

    from .test_handover import _ready

    new(cli, 1, "2026-12-01T10:00", "门诊挂号")
    new(cli, 1, "2026-12-01T10:30", "药房")
    watch(cli, "2026-12-01T10:10")  # #1's first message: written before the console opened, no alarm for it
    moment = at("2026-12-01T10:41")
    app = make_app(f"sqlite:///{db_path}", clock=lambda: moment)
    rang, banners = [], []
    app.bell = lambda: rang.append(1)
    app.notify = lambda message, **kw: banners.append((message, kw))
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot)
        assert rang == [] and banners == []
        watch(cli, "2026-12-01T10:41")  # #2 unacknowledged 11 minutes, #1 escalated to the lead
        app.tick()
        await _ready(pilot)
        assert len(rang) == 2 and {m for m, _ in banners} == {
            "【1级·未受理】雷山县人民医院 #2",
            "【1级·未受理（升级）】雷山县人民医院 #1",
        }
        assert all(kw["markup"] is False and kw["title"] == "值守通知" for _, kw in banners)
