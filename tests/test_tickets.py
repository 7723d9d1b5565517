"""Tickets as the duty engineer meets them: `zldesk ticket ...` and the store functions underneath.

All times are given with `--at` in the past (the sandbox's today is 2026-11-25), written in the contract's
local time (Asia/Shanghai) unless an offset is shown. The bundled contract `leishan`: levels 1 and 2 are
3 / 5 hours on the onsite window (09:00-21:00 every day, not negotiable); levels 3 and 4 are 3 / 7 working
days on statutory workdays 08:30-18:00 (negotiable). Modules 26, 27, 29, 30 are not selected.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zldesk.errors import ZlDeskError
from zldesk.store import open_store, reading, writing
from zldesk.store.terms import ticket_policy
from zldesk.store.tickets import StaleTicket, act, decode, get_ticket, history, open_ticket, policy_for, ticket_deadline
from zldesk.tickets import FROZEN, Action, replay

from .conftest import store_checksum

SH = ZoneInfo("Asia/Shanghai")
UTC = UTC


# ---- helpers -------------------------------------------------------------------------------------------


def local(text: str) -> datetime:
    """'2026-11-23T10:00' as the contract's local time."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def iso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def ok_json(cli, *args: str):
    """Run a command with --json; it must succeed."""
    ran = cli(*args, "--json")
    assert ran.exit_code == 0, (args, ran.stdout, ran.stderr)
    return json.loads(ran.stdout)


def new(
    cli, severity: int = 2, at: str = "2026-11-23T10:00", title: str = "门诊收费处无法打印发票", *extra: str
) -> dict:
    """`ticket new` on the bundled contract; the new ticket's JSON."""
    return ok_json(
        cli, "ticket", "new", "--contract", "leishan", "--severity", str(severity), "--title", title, "--at", at, *extra
    )


def show(cli, tid: int) -> dict:
    return ok_json(cli, "ticket", "show", str(tid))


def refused(cli, db_path: Path, *args: str, says: tuple[str, ...] = (), code: int | None = None):
    """The command fails with a message on stderr naming what is wrong, and the store is unchanged."""
    before = store_checksum(db_path)
    ran = cli(*args)
    assert ran.exit_code != 0, (args, ran.stdout)
    if code is not None:
        assert ran.exit_code == code, (args, ran.exit_code, ran.stderr)
    for text in says:
        assert text in ran.stderr, (args, text, ran.stderr)
    assert store_checksum(db_path) == before, f"refused {args} changed the store"
    return ran


def event_rows(db_path: Path, tid: int) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM ticket_event WHERE ticket_id = ?", (tid,)).fetchone()[0]
    finally:
        conn.close()


def replayed_equals_state(engine, tid: int) -> None:
    """The history, folded through the pure lifecycle, is the stored state; so is the cached deadline."""
    now = datetime.now(UTC)
    with reading(engine) as session:
        stored, row = get_ticket(session, tid)
        events = history(session, tid)
        policy = ticket_policy(session, row)  # the terms it is held to
    rebuilt = replay([(e.kind, e.effective_at, decode(e.data), e.reason) for e in events], now)
    assert rebuilt == stored
    assert [e.seq for e in events] == list(range(1, stored.version + 1))
    d = ticket_deadline(policy, rebuilt)
    assert row.due_ts == (d.due.timestamp() if d.due else None)
    assert row.computed_due == d.computed_due


# ---- 1. the whole lifecycle ----------------------------------------------------------------------------


def test_lifecycle_new_ack_arrive_resolve_close(cli, db_path):
    """new → ack → arrive → resolve → close: each step's state, time, who; entered now, effective --at."""
    steps = [
        ("new", "2026-11-23T10:00", "张工", "new", None),
        ("ack", "2026-11-23T10:05", "李工", "acknowledged", "acknowledged_at"),
        ("arrive", "2026-11-23T13:40", "王工", "on_site", "arrived_at"),
        ("resolve", "2026-11-23T15:30", "王工", "resolved", "resolved_at"),
        ("close", "2026-11-23T16:00", "张工", "closed", "closed_at"),
    ]
    entered: list[tuple[datetime, datetime]] = []
    tid = None
    for version, (kind, at, who, state, field) in enumerate(steps, start=1):
        start = datetime.now(UTC)
        if kind == "new":
            out = new(cli, 2, at, "门诊收费处无法打印发票", "--as", who, "--caller", "刘护士", "--dept", "门诊收费处")
            tid = out["id"]
            assert out["received_at"] == local(at).isoformat()
            assert out["due"] == local("2026-11-23T15:00").isoformat()
        else:
            out = ok_json(cli, "ticket", kind, str(tid), "--at", at, "--as", who)
            assert iso(out[field]) == local(at)
            assert out["changes"]["state"] == [steps[version - 2][3], state]
        entered.append((start, datetime.now(UTC)))
        assert out["state"] == state
        assert out["version"] == version

    data = show(cli, tid)
    assert data["state"] == "closed" and data["version"] == 5
    assert data["caller"] == "刘护士" and data["dept"] == "门诊收费处"
    assert iso(data["acknowledged_at"]) == local("2026-11-23T10:05")
    assert iso(data["arrived_at"]) == local("2026-11-23T13:40")
    assert iso(data["resolved_at"]) == local("2026-11-23T15:30")
    assert iso(data["closed_at"]) == local("2026-11-23T16:00")
    assert data["breaches"] == [] and data["remaining_seconds"] is None  # arrived 13:40, due 15:00

    hist = data["history"]
    assert [e["kind"] for e in hist] == ["create", "ack", "arrive", "resolve", "close"]
    assert [e["seq"] for e in hist] == [1, 2, 3, 4, 5]
    assert [e["who"] for e in hist] == [s[2] for s in steps]
    for e, (kind, at, *_), (start, end) in zip(hist, steps, entered):
        assert iso(e["effective_at"]) == local(at), e
        assert start <= iso(e["entered_at"]) <= end, e  # typed in now, took effect at --at: both kept
    assert hist[2]["changes"]["arrived_at"] == [None, local("2026-11-23T13:40").isoformat()]
    assert event_rows(db_path, tid) == 5  # exactly one row per applied change

    board = ok_json(cli, "ticket", "list", "--open")
    assert tid not in [t["id"] for t in board]
    everything = ok_json(cli, "ticket", "list")
    assert [t["state"] for t in everything if t["id"] == tid] == ["closed"]


def test_refused_step_adds_no_history_row(cli, db_path):
    """A refused step (close before resolve) leaves the history and version as they were."""
    tid = new(cli)["id"]
    refused(cli, db_path, "ticket", "close", str(tid), "--at", "2026-11-23T11:00", says=("不能关闭",), code=2)
    assert event_rows(db_path, tid) == 1 and show(cli, tid)["version"] == 1


# ---- 2. the clock stops at arrival or resolution ---------------------------------------------------


def test_open_ticket_past_due_is_breached_and_counting(cli):
    """Still open after its due: breached, remaining time negative."""
    data = new(cli, 2, "2026-11-23T10:00")
    assert data["breaches"] == ["computed"] and data["remaining_seconds"] < 0


def test_arrival_after_due_stops_clock_and_breaches(cli):
    """Arrive at 15:30 on a level-2 call due 15:00: the clock stops, the breach stays 'computed'."""
    tid = new(cli, 2, "2026-11-23T10:00")["id"]
    out = ok_json(cli, "ticket", "arrive", str(tid), "--at", "2026-11-23T15:30")
    assert out["remaining_seconds"] is None and out["breaches"] == ["computed"]
    ok_json(cli, "ticket", "resolve", str(tid), "--at", "2026-11-23T17:00")
    data = show(cli, tid)
    assert data["remaining_seconds"] is None and data["breaches"] == ["computed"]


def test_first_of_arrival_or_resolution_stops_clock(cli):
    """Arrival at 14:00 (in time) stops the clock; resolving later at 16:00 is no breach."""
    tid = new(cli, 2, "2026-11-23T10:00")["id"]
    ok_json(cli, "ticket", "arrive", str(tid), "--at", "2026-11-23T14:00")
    ok_json(cli, "ticket", "resolve", str(tid), "--at", "2026-11-23T16:00")
    data = show(cli, tid)
    assert data["remaining_seconds"] is None and data["breaches"] == []


def test_remote_resolution_before_due_stops_clock(cli):
    """Resolved remotely at 14:00, never on site: no breach, though now is days past the due."""
    tid = new(cli, 2, "2026-11-23T10:00")["id"]
    ok_json(cli, "ticket", "resolve", str(tid), "--at", "2026-11-23T14:00")
    data = show(cli, tid)
    assert data["remaining_seconds"] is None and data["breaches"] == []


# ---- 3. pause and resume -------------------------------------------------------------------------------


def test_pause_moves_due_by_business_time(cli):
    """Level 2 at 18:00 is due 11:00 next day; paused 20:00-10:00 (2 business hours, 14 wall hours):
    due becomes 13:00; the ticket goes back to the state it had."""
    tid = new(cli, 2, "2026-11-23T18:00")["id"]
    assert show(cli, tid)["due"] == local("2026-11-24T11:00").isoformat()
    ok_json(cli, "ticket", "ack", str(tid), "--at", "2026-11-23T18:10")
    paused = ok_json(cli, "ticket", "pause", str(tid), "--at", "2026-11-23T20:00", "--reason", "等医院确认")
    assert paused["state"] == "pending" and paused["due"] is None
    resumed = ok_json(cli, "ticket", "resume", str(tid), "--at", "2026-11-24T10:00")
    assert resumed["state"] == "acknowledged"
    assert resumed["due"] == local("2026-11-24T13:00").isoformat()
    assert resumed["pauses"] == [
        {
            "start": local("2026-11-23T20:00").isoformat(),
            "end": local("2026-11-24T10:00").isoformat(),
            "reason": "等医院确认",
        }
    ]


def test_pending_clock_is_frozen(cli):
    """While pending: no due, and the remaining time does not move between two looks."""
    tid = new(cli, 2, "2026-11-23T18:00")["id"]
    ok_json(cli, "ticket", "pause", str(tid), "--at", "2026-11-23T20:00", "--reason", "等医院")
    first, second = show(cli, tid), show(cli, tid)
    assert first["state"] == "pending" and first["due"] is None and first["computed_due"] is None
    assert first["remaining_seconds"] == second["remaining_seconds"] == 3 * 3600  # 5 h less 18:00-20:00
    board = ok_json(cli, "ticket", "list", "--open")
    assert [t["remaining_seconds"] for t in board if t["id"] == tid] == [3 * 3600]


def test_resume_before_pause_start_is_refused(cli, db_path):
    """A resume dated before (or at) the pause start is refused, naming both times."""
    tid = new(cli, 2, "2026-11-23T10:00")["id"]
    ok_json(cli, "ticket", "pause", str(tid), "--at", "2026-11-23T11:00", "--reason", "等医院")
    refused(
        cli,
        db_path,
        "ticket",
        "resume",
        str(tid),
        "--at",
        "2026-11-23T10:30",
        says=("恢复时间不晚于挂起时间", "挂起于 2026-11-23 11:00"),  # in the contract's zone, as a person writes it
        code=2,
    )
    refused(cli, db_path, "ticket", "resume", str(tid), "--at", "2026-11-23T11:00", says=("恢复时间不晚于挂起时间",))
    assert show(cli, tid)["state"] == "pending"


# ---- 4. severity changes ---------------------------------------------------------------------------


def _clock_start(data: dict) -> datetime:
    [step] = [s for s in data["explain"] if s["kind"] == "start"]
    return iso(step["from"])


def test_severity_needs_reason(cli, db_path):
    tid = new(cli, 3)["id"]
    refused(
        cli,
        db_path,
        "ticket",
        "severity",
        str(tid),
        "1",
        "--at",
        "2026-11-24T10:00",
        says=("改级别需要说明原因", "--reason"),
        code=2,
    )


def test_unknown_severity_change_is_refused_by_name(cli, db_path):
    tid = new(cli, 3)["id"]
    ran = refused(
        cli,
        db_path,
        "ticket",
        "severity",
        str(tid),
        "7",
        "--reason",
        "x",
        "--at",
        "2026-11-24T10:00",
        says=("没有这个级别", "7"),
    )
    assert "1、2、3、4" in ran.stderr


def test_upgrade_restarts_clock_at_the_upgrade(cli):
    """Level 3 upgraded to 1 at 10:00 next day: 3 onsite hours from the upgrade, due 13:00."""
    tid = new(cli, 3, "2026-11-23T10:00")["id"]
    out = ok_json(cli, "ticket", "severity", str(tid), "1", "--reason", "全院瘫痪", "--at", "2026-11-24T10:00")
    assert out["severity"] == 1 and out["due"] == local("2026-11-24T13:00").isoformat()
    data = show(cli, tid)
    assert _clock_start(data) == local("2026-11-24T10:00")
    assert data["history"][-1]["reason"] == "全院瘫痪"


def test_downgrade_counts_from_the_opening(cli):
    """Level 2 downgraded to 4 at 12:00: the clock still starts at the 10:00 call (same due as a level 4
    opened at 10:00: 7 working days, 2026-12-02 10:00)."""
    tid = new(cli, 2, "2026-11-23T10:00")["id"]
    out = ok_json(cli, "ticket", "severity", str(tid), "4", "--reason", "只是咨询", "--at", "2026-11-23T12:00")
    fresh = new(cli, 4, "2026-11-23T10:00")
    assert out["due"] == fresh["due"] == local("2026-12-02T10:00").isoformat()
    assert _clock_start(show(cli, tid)) == local("2026-11-23T10:00")


# ---- 5. negotiated deadlines --------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2])
def test_negotiate_refused_on_urgent_levels(cli, db_path, level):
    tid = new(cli, level)["id"]
    refused(
        cli,
        db_path,
        "ticket",
        "negotiate",
        str(tid),
        "--due",
        "2026-11-27T10:00",
        "--agreed-with",
        "李主任",
        "--at",
        "2026-11-23T11:00",
        says=(f"{level} 级问题的时限不可协商",),
        code=2,
    )


@pytest.mark.parametrize("level", [3, 4])
def test_negotiate_accepted_on_levels_3_and_4(cli, level):
    """The negotiated due binds; the computed one is kept beside it."""
    opened = new(cli, level, "2026-11-23T10:00")
    out = ok_json(
        cli,
        "ticket",
        "negotiate",
        str(opened["id"]),
        "--due",
        "2026-12-10T10:00",
        "--agreed-with",
        "李主任",
        "--at",
        "2026-11-23T11:00",
    )
    assert out["due"] == out["negotiated_due"] == local("2026-12-10T10:00").isoformat()
    assert out["computed_due"] == opened["computed_due"] and out["negotiated_with"] == "李主任"
    data = show(cli, opened["id"])
    assert data["due"] == local("2026-12-10T10:00").isoformat() and data["computed_due"] == opened["computed_due"]


def test_negotiate_needs_agreed_with(cli, db_path):
    tid = new(cli, 3)["id"]
    refused(
        cli,
        db_path,
        "ticket",
        "negotiate",
        str(tid),
        "--due",
        "2026-12-10T10:00",
        "--at",
        "2026-11-23T11:00",
        says=("--agreed-with",),
    )
    refused(
        cli,
        db_path,
        "ticket",
        "negotiate",
        str(tid),
        "--due",
        "2026-12-10T10:00",
        "--agreed-with",
        " ",
        "--at",
        "2026-11-23T11:00",
        says=("与谁协商",),
        code=2,
    )


# ---- 6. modules ------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["2", "门急诊收费系统", "mzsf"])
def test_module_by_number_name_or_pinyin(cli, module):
    ran = cli(
        "ticket",
        "new",
        "--contract",
        "leishan",
        "--severity",
        "2",
        "--title",
        "收费系统报错",
        "--module",
        module,
        "--at",
        "2026-11-23T10:00",
        "--json",
    )
    assert ran.exit_code == 0, ran.stderr
    out = json.loads(ran.stdout)
    assert out["module_no"] == 2 and out["module"] == "门急诊收费系统" and out["in_scope"] is True
    assert "不在合同范围" not in ran.stderr


def test_unselected_module_is_allowed_but_out_of_scope(cli):
    """Module 26 (门诊输液管理系统) is not in the contract: registered, marked, and warned about."""
    ran = cli(
        "ticket",
        "new",
        "--contract",
        "leishan",
        "--severity",
        "3",
        "--title",
        "输液单打不出",
        "--module",
        "26",
        "--at",
        "2026-11-23T10:00",
        "--json",
    )
    assert ran.exit_code == 0, ran.stderr
    out = json.loads(ran.stdout)
    assert out["module_no"] == 26 and out["in_scope"] is False
    assert "不在合同范围" in ran.stderr and "门诊输液管理系统" in ran.stderr
    assert show(cli, out["id"])["in_scope"] is False
    human = cli("ticket", "show", str(out["id"]))
    assert "不在合同范围" in human.stdout


@pytest.mark.parametrize("module, says", [("99", "没有这个编号"), ("不存在的模块", "没有这个模块")])
def test_unknown_module_is_refused(cli, db_path, module, says):
    new(cli)  # the store exists
    refused(
        cli,
        db_path,
        "ticket",
        "new",
        "--contract",
        "leishan",
        "--severity",
        "2",
        "--title",
        "x",
        "--module",
        module,
        "--at",
        "2026-11-23T10:00",
        says=(says, module),
    )


# ---- 7. remote access consent ------------------------------------------------------------------------

GRANT = ("--channel", "电话", "--scope", "查看医保接口日志", "--engineer", "张伟")


def test_remote_permission_valid_until_future(cli):
    tid = new(cli, 3)["id"]
    ok_json(
        cli,
        "ticket",
        "remote",
        str(tid),
        "--granted-by",
        "李主任",
        "--until",
        "2026-12-31T18:00",
        "--at",
        "2026-11-24T09:00",
        *GRANT,
    )
    grant = show(cli, tid)["remote_permission"]
    assert grant == {
        "granted_by": "李主任",
        "at": local("2026-11-24T09:00").isoformat(),
        "until": local("2026-12-31T18:00").isoformat(),
        "channel": "电话",
        "scope": "查看医保接口日志",
        "engineer": "张伟",
    }
    assert "李主任（电话）允许 张伟：查看医保接口日志" in cli("ticket", "show", str(tid)).stdout


def test_remote_permission_expired(cli):
    """Granted 09:00 until 12:00 two days ago: recorded, but no valid permission now."""
    tid = new(cli, 3)["id"]
    ok_json(
        cli,
        "ticket",
        "remote",
        str(tid),
        "--granted-by",
        "王科长",
        "--until",
        "2026-11-24T12:00",
        "--at",
        "2026-11-24T09:00",
        *GRANT,
    )
    data = show(cli, tid)
    assert data["remote_permission"] is None
    assert data["history"][-1]["kind"] == "remote" and data["history"][-1]["data"]["granted_by"] == "王科长"
    assert "无有效许可" in cli("ticket", "show", str(tid)).stdout


def test_close_ends_remote_permission(cli):
    """A permission without --until lasts while the ticket is open (and resolved), not after close."""
    tid = new(cli, 3)["id"]
    ok_json(cli, "ticket", "remote", str(tid), "--granted-by", "李主任", "--at", "2026-11-24T09:00", *GRANT)
    assert show(cli, tid)["remote_permission"]["until"] is None
    ok_json(cli, "ticket", "resolve", str(tid), "--at", "2026-11-24T10:00")
    assert show(cli, tid)["remote_permission"]["granted_by"] == "李主任"
    ok_json(cli, "ticket", "close", str(tid), "--at", "2026-11-24T11:00")
    assert show(cli, tid)["remote_permission"] is None


def test_a_permission_must_say_who_how_what_and_for_whom(cli, db_path):
    tid = new(cli, 3)["id"]
    before = store_checksum(db_path)
    ran = cli("ticket", "remote", str(tid), "--granted-by", "李主任", "--at", "2026-11-24T09:00")
    assert ran.exit_code != 0 and "--channel" in ran.stderr and "--scope" in ran.stderr
    assert store_checksum(db_path) == before


def test_a_remote_session_needs_the_hospitals_permission_for_that_engineer(cli, db_path):
    """The contract's condition: no session without a permission naming the engineer, inside its time."""
    tid = new(cli, 3)["id"]
    before = store_checksum(db_path)
    ran = cli(
        "ticket", "remote-session", str(tid), "--engineer", "张伟", "--what", "查日志", "--at", "2026-11-24T09:30"
    )
    assert ran.exit_code != 0 and "没有医院的远程许可" in ran.stderr
    assert store_checksum(db_path) == before
    ok_json(
        cli,
        "ticket",
        "remote",
        str(tid),
        "--granted-by",
        "李主任",
        "--at",
        "2026-11-24T09:00",
        "--until",
        "2026-11-24T12:00",
        *GRANT,
    )
    other = cli(
        "ticket", "remote-session", str(tid), "--engineer", "李强", "--what", "查日志", "--at", "2026-11-24T09:30"
    )
    assert other.exit_code != 0 and "李强" in other.stderr  # the permission names 张伟
    late = cli(
        "ticket", "remote-session", str(tid), "--engineer", "张伟", "--what", "查日志", "--at", "2026-11-24T12:30"
    )
    assert late.exit_code != 0 and "没有医院的远程许可" in late.stderr
    beyond = cli(
        "ticket",
        "remote-session",
        str(tid),
        "--engineer",
        "张伟",
        "--what",
        "查日志",
        "--at",
        "2026-11-24T11:30",
        "--end",
        "2026-11-24T12:30",
    )
    assert beyond.exit_code != 0 and "结束时间" in beyond.stderr
    ok_json(
        cli,
        "ticket",
        "remote-session",
        str(tid),
        "--engineer",
        "张伟",
        "--what",
        "查看医保接口日志，已重启服务",
        "--at",
        "2026-11-24T09:30",
        "--end",
        "2026-11-24T10:00",
    )
    history = show(cli, tid)["history"]
    assert [h["kind"] for h in history] == ["create", "remote", "remote_session"]
    assert "张伟 远程会话：查看医保接口日志" in cli("ticket", "show", str(tid)).stdout


def test_a_permission_recorded_before_engineers_were_named_still_reads(cli, db_path):
    """Stores written before channel, scope and engineer were recorded keep three fields a permission."""
    import sqlite3

    tid = new(cli, 3)["id"]
    ok_json(cli, "ticket", "remote", str(tid), "--granted-by", "李主任", "--at", "2026-11-24T09:00", *GRANT)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE ticket SET remote = ? WHERE id = ?", ('[["李主任", "2026-11-24T01:00:00+00:00", null]]', tid))
    conn.commit()
    conn.close()
    grant = show(cli, tid)["remote_permission"]
    assert grant["granted_by"] == "李主任" and grant["engineer"] == "" and grant["channel"] == ""


# ---- 8. bad input --------------------------------------------------------------------------------------


def _future() -> str:
    return (datetime.now(SH) + timedelta(days=2)).replace(microsecond=0).isoformat()


BAD = {
    "unknown ticket": (lambda t: ["ticket", "ack", "999"], ("没有这张工单", "#999")),
    "unknown ticket show": (lambda t: ["ticket", "show", "999"], ("没有这张工单", "#999")),
    "unknown contract": (
        lambda t: [
            "ticket",
            "new",
            "--contract",
            "nowhere",
            "--severity",
            "2",
            "--title",
            "x",
            "--at",
            "2026-11-23T10:00",
        ],
        ("没有这个合同", "nowhere"),
    ),
    "unknown severity": (
        lambda t: [
            "ticket",
            "new",
            "--contract",
            "leishan",
            "--severity",
            "9",
            "--title",
            "x",
            "--at",
            "2026-11-23T10:00",
        ],
        ("没有这个级别", "9"),
    ),
    "resolve closed": (
        lambda t: ["ticket", "resolve", str(t["closed"]), "--at", "2026-11-23T17:00"],
        ("工单已关闭，不能解决",),
    ),
    "arrive before received": (
        lambda t: ["ticket", "arrive", str(t["open"]), "--at", "2026-11-23T09:00"],
        ("早于来电时间",),
    ),
    "new at in future": (
        lambda t: ["ticket", "new", "--contract", "leishan", "--severity", "2", "--title", "x", "--at", _future()],
        ("来电时间在未来",),
    ),
    "ack at in future": (lambda t: ["ticket", "ack", str(t["open"]), "--at", _future()], ("在未来",)),
    "reopen without reason": (
        lambda t: ["ticket", "reopen", str(t["closed"]), "--at", "2026-11-23T17:00"],
        ("重开需要说明原因", "--reason"),
    ),
    "empty title": (
        lambda t: [
            "ticket",
            "new",
            "--contract",
            "leishan",
            "--severity",
            "2",
            "--title",
            "  ",
            "--at",
            "2026-11-23T10:00",
        ],
        ("标题不能为空",),
    ),
    "at not iso": (lambda t: ["ticket", "ack", str(t["open"]), "--at", "昨天下午"], ("不是 ISO 时间",)),
}


@pytest.fixture
def two_tickets(cli) -> dict:
    """An open ticket (called in 10:00) and a closed one."""
    opened = new(cli, 2, "2026-11-23T10:00")["id"]
    closed = new(cli, 2, "2026-11-23T10:00", "已处理的问题")["id"]
    for kind, at in (("resolve", "2026-11-23T12:00"), ("close", "2026-11-23T13:00")):
        ok_json(cli, "ticket", kind, str(closed), "--at", at)
    return {"open": opened, "closed": closed}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_clearly(cli, db_path, two_tickets, case):
    """Each mistake: a message naming it on stderr, a non-zero exit, and nothing written."""
    build, says = BAD[case]
    ran = refused(cli, db_path, *build(two_tickets), says=says)
    assert "Traceback" not in ran.stderr


# ---- 9. history replays to the state ------------------------------------------------------------------

KINDS = [
    "ack",
    "assign",
    "arrive",
    "resolve",
    "close",
    "reopen",
    "pause",
    "resume",
    "severity",
    "negotiate",
    "note",
    "remote",
    "remote_session",
]
START = local("2026-11-20T08:00")


def _action(kind: str, at: datetime, pick: int) -> Action:
    """A plausible action of `kind`; `pick` chooses its details (some are refused: that is fine)."""
    if kind == "assign":
        return Action(kind, at, {"engineer": ["王工", "李工", "赵工"][pick % 3]})
    if kind == "reopen":
        return Action(kind, at, {}, "" if pick % 5 == 0 else "又出现了")
    if kind == "pause":
        return Action(kind, at, {}, "等医院")
    if kind == "severity":
        return Action(kind, at, {"level": pick % 4 + 1}, "" if pick % 7 == 0 else "重新评估")
    if kind == "negotiate":
        return Action(kind, at, {"due": at + timedelta(hours=pick % 200 + 1), "agreed_with": "李主任"})
    if kind == "note":
        return Action(kind, at, {"text": f"第{pick % 10}次回访"})
    if kind == "remote":
        until = None if pick % 2 else at + timedelta(minutes=pick % 3000 + 1)
        return Action(
            kind,
            at,
            {
                "granted_by": "王科长",
                "channel": "电话",
                "scope": "查日志",
                "engineer": ["王工", "李工"][pick % 2],
                "until": until,
            },
        )
    if kind == "remote_session":
        end = None if pick % 3 else at + timedelta(minutes=pick % 90 + 1)
        return Action(kind, at, {"engineer": ["王工", "李工"][pick % 2], "what": "查日志", "end": end})
    return Action(kind, at, {})


@pytest.fixture(scope="module")
def walk_engine(tmp_path_factory):
    return open_store(f"sqlite:///{tmp_path_factory.mktemp('walk') / 'zldesk.db'}")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    level=st.integers(1, 4),
    steps=st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(-60, 240), st.integers(0, 10**6)), min_size=1, max_size=25
    ),
)
def test_store_history_replays_to_state(walk_engine, level, steps):
    """Any sequence of actions, applied or refused, through the store functions: replaying the history
    rebuilds the stored ticket, and refused actions leave no trace."""
    with writing(walk_engine) as session:
        tid, _, _ = open_ticket(session, "leishan", {"severity": level, "title": "随机工单"}, START, "张工")
    at, applied = START, 0
    for kind, minutes, pick in steps:
        at += timedelta(minutes=minutes)
        try:
            with writing(walk_engine) as session:
                act(session, tid, _action(kind, at, pick), "值班")
            applied += 1
        except ZlDeskError:
            pass
    with reading(walk_engine) as session:
        assert get_ticket(session, tid)[0].version == 1 + applied
        assert len(history(session, tid)) == 1 + applied
    replayed_equals_state(walk_engine, tid)


def _cli_step(rng: random.Random, tid: int, at: datetime) -> list[str]:
    kind = rng.choice(KINDS)
    when = at.strftime("%Y-%m-%dT%H:%M")
    head = ["ticket", kind, str(tid)]
    tail = ["--at", when, "--as", rng.choice(["张工", "李工"])]
    if kind == "assign":
        return [*head, rng.choice(["王工", "李工"]), *tail]
    if kind == "severity":
        return ["ticket", kind, str(tid), str(rng.randint(1, 4)), "--reason", "重新评估", *tail]
    if kind == "negotiate":
        due = (at + timedelta(hours=rng.randint(1, 150))).strftime("%Y-%m-%dT%H:%M")
        return [*head, "--due", due, "--agreed-with", "李主任", *tail]
    if kind == "note":
        return ["ticket", kind, str(tid), f"回访{rng.randint(1, 9)}", *tail]
    if kind == "remote":
        extra = [] if rng.random() < 0.5 else ["--until", (at + timedelta(hours=rng.randint(1, 99))).isoformat()]
        return [*head, "--granted-by", "王科长", *extra, *tail]
    if kind in ("reopen", "pause"):
        return [*head, "--reason", "复发", *tail]
    return [*head, *tail]


def test_cli_history_replays_to_state(cli, db_path):
    """A seeded random walk through `zldesk ticket ...`: refused steps change nothing, applied steps add one
    event each, and the history replays to the stored state."""
    rng = random.Random(20261125)
    tids = [new(cli, level, "2026-11-20T08:00", f"随机{level}")["id"] for level in (1, 3)]
    applied = {tid: 0 for tid in tids}
    for tid in tids:
        at = local("2026-11-20T08:00")
        for _ in range(25):
            at += timedelta(minutes=rng.randint(1, 200))
            args = _cli_step(rng, tid, at)
            before = store_checksum(db_path)
            ran = cli(*args)
            if ran.exit_code == 0:
                applied[tid] += 1
            else:
                assert ran.stderr.strip(), args
                assert store_checksum(db_path) == before, args
    engine = open_store(f"sqlite:///{db_path}")
    for tid in tids:
        assert applied[tid] > 3, "the walk should apply a fair number of steps"
        data = show(cli, tid)
        assert data["version"] == 1 + applied[tid] == len(data["history"]) == event_rows(db_path, tid)
        replayed_equals_state(engine, tid)


# ---- 10. stale versions --------------------------------------------------------------------------------


def test_if_version_refuses_stale_and_names_the_change(cli, db_path):
    """张工 read version 1; 李工 acknowledged meanwhile: 张工's change is refused, saying who did what."""
    tid = new(cli, 2)["id"]
    ok_json(cli, "ticket", "ack", str(tid), "--at", "2026-11-23T10:05", "--as", "李工")
    ran = refused(
        cli,
        db_path,
        "ticket",
        "assign",
        str(tid),
        "王工",
        "--as",
        "张工",
        "--if-version",
        "1",
        says=("在你读取之后被改过", "第 2 版", "李工", "受理"),
        code=4,
    )
    assert "张工" not in ran.stderr
    out = ok_json(cli, "ticket", "assign", str(tid), "王工", "--as", "张工", "--if-version", "2")
    assert out["version"] == 3 and out["assignee"] == "王工"
    assert event_rows(db_path, tid) == 3


# ---- 11. two processes race ------------------------------------------------------------------------


def _race_worker(url: str, tid: int, who: str, barrier, results) -> None:
    """Read the version, wait for the other process, then write expecting that version."""
    engine = open_store(url)
    with reading(engine) as session:
        version = get_ticket(session, tid)[0].version
    barrier.wait(timeout=60)
    try:
        with writing(engine) as session:
            act(session, tid, Action("note", datetime.now(UTC), {"text": f"{who} 到了"}), who, expected_version=version)
        results.put((who, version, "applied"))
    except StaleTicket as e:
        results.put((who, version, f"stale: {e.title}"))
    except Exception as e:  # reported, so the test fails with the reason
        results.put((who, version, f"error: {type(e).__name__}: {e}"))


def test_two_processes_race_exactly_one_applies(db_path):
    import multiprocessing

    url = f"sqlite:///{db_path}"
    engine = open_store(url)
    with writing(engine) as session:
        tid, _, _ = open_ticket(session, "leishan", {"severity": 2, "title": "抢修"}, local("2026-11-23T10:00"), "张工")
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_race_worker, args=(url, tid, who, barrier, results)) for who in ("王工", "李工")]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert {v for _, v, _ in outcomes} == {1}, outcomes  # both read the same version
    assert sorted(o.split(":")[0] for _, _, o in outcomes) == ["applied", "stale"], outcomes
    with reading(engine) as session:
        events = history(session, tid)
    assert [e.kind for e in events] == ["create", "note"]
    [winner] = [w for w, _, o in outcomes if o == "applied"]
    assert events[-1].who == winner
    replayed_equals_state(engine, tid)


# ---- 12. search -------------------------------------------------------------------------------------


@pytest.fixture
def searchable(cli) -> dict:
    a = new(cli, 2, "2026-11-23T10:00", "门诊收费处无法打印发票")["id"]
    b = new(cli, 3, "2026-11-23T11:00", "[bold]红色[/bold] HIS Server 挂了", "--description", "住院结算，报错")["id"]
    ok_json(cli, "ticket", "note", str(b), "医保接口超时", "--at", "2026-11-23T12:00")
    return {"a": a, "b": b}


def _found(cli, query: str) -> list[int]:
    return [r["id"] for r in ok_json(cli, "ticket", "search", query)]


@pytest.mark.parametrize(
    "query, who",
    [
        ("收费", "a"),
        ("打印发票", "a"),
        ("票", "a"),
        ("门诊收费处无法打印发票", "a"),
        ("住院结算", "b"),
        ("报错", "b"),
        ("接口超时", "b"),
        ("医保", "b"),
        ("serv", "b"),
        ("SERVER", "b"),
        ("his", "b"),
    ],
)
def test_search_finds_substrings_and_prefixes(cli, searchable, query, who):
    """Chinese substrings in title, description and notes; latin words by prefix."""
    assert _found(cli, query) == [searchable[who]]


@pytest.mark.parametrize("query", ["结算报错", "算报", "发票打", "erver", "收费处打印"])
def test_search_misses_across_boundaries_and_inside_words(cli, searchable, query):
    """A term spanning punctuation (结算，报错) or not in order is not found; latin matches by prefix only."""
    assert _found(cli, query) == []
    assert f"没有找到「{query}」" in cli("ticket", "search", query).stdout


def test_search_returns_markup_literally(cli, searchable):
    """A title that looks like rich markup is data: --json and the plain listing show it as typed."""
    [row] = ok_json(cli, "ticket", "search", "bold")
    assert row["title"] == "[bold]红色[/bold] HIS Server 挂了"
    assert "[bold]红色[/bold]" in cli("ticket", "search", "红色").stdout


# ---- 13. atomicity and the append-only history ------------------------------------------------------


def test_failure_inside_transaction_writes_nothing(db_path, monkeypatch):
    """The note's event and state are written, then the search index fails: all of it is rolled back."""
    import zldesk.store.tickets as store_tickets

    engine = open_store(f"sqlite:///{db_path}")
    with writing(engine) as session:
        tid, _, _ = open_ticket(
            session, "leishan", {"severity": 2, "title": "打印机"}, local("2026-11-23T10:00"), "张工"
        )
    before = store_checksum(db_path)

    def broken(*args, **kwargs):
        raise RuntimeError("index is broken")

    monkeypatch.setattr(store_tickets, "_index", broken)
    with pytest.raises(RuntimeError):
        with writing(engine) as session:
            act(session, tid, Action("note", local("2026-11-23T11:00"), {"text": "检查打印机"}), "李工")
    assert store_checksum(db_path) == before
    with reading(engine) as session:
        assert get_ticket(session, tid)[0].version == 1 and len(history(session, tid)) == 1


def test_failed_event_insert_rolls_back_state(cli, db_path):
    """If the event cannot be written (its seq is taken), the state update is undone too."""
    tid = new(cli, 2)["id"]
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "INSERT INTO ticket_event (ticket_id, seq, kind, who, entered_at, effective_at, data, reason, "
            "changes) VALUES (?, 2, 'note', 'x', '2026-11-23 03:00:00', '2026-11-23 03:00:00', '{}', '', "
            "'{}')",
            (tid,),
        )
    conn.close()
    ran = refused(cli, db_path, "ticket", "ack", str(tid), "--at", "2026-11-23T10:05", says=("数据库错误",))
    assert "Traceback" not in ran.stderr
    data = show(cli, tid)
    assert data["state"] == "new" and data["version"] == 1


@pytest.mark.parametrize("sql", ["UPDATE ticket_event SET who = 'someone else'", "DELETE FROM ticket_event"])
def test_history_is_append_only(cli, db_path, sql):
    """Even raw SQL cannot rewrite or remove an event."""
    tid = new(cli, 2)["id"]
    ok_json(cli, "ticket", "ack", str(tid), "--at", "2026-11-23T10:05")
    before = store_checksum(db_path)
    conn = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            with conn:
                conn.execute(sql)
    finally:
        conn.close()
    assert store_checksum(db_path) == before
    assert event_rows(db_path, tid) == 2


def test_a_version_from_the_future_is_named_as_such(cli):
    """--if-version higher than the ticket has ever been: refused, and the message says which version exists."""
    ran = cli("ticket", "new", "--severity", "3", "--title", "版本号测试", "--at", "2026-11-24T10:00")
    assert ran.exit_code == 0
    ran = cli("ticket", "ack", "1", "--at", "2026-11-24T10:05", "--if-version", "5")
    assert ran.exit_code == 4  # changed since it was read: someone else first
    assert "没有第 5 版" in ran.stderr and "当前是第 1 版" in ran.stderr


def test_board_rows_carry_the_frozen_countdown_of_paused_tickets(cli, db_path):
    """The board reads a paused ticket's remaining time from the list row itself, and lists it last."""
    from zldesk.store import open_store, reading
    from zldesk.store.tickets import list_tickets

    assert cli("ticket", "new", "--severity", "3", "--title", "挂起的", "--at", "2026-11-23T09:00").exit_code == 0
    assert cli("ticket", "new", "--severity", "4", "--title", "在跑的", "--at", "2026-11-23T09:00").exit_code == 0
    assert cli("ticket", "pause", "1", "--at", "2026-11-23T10:00", "--reason", "等医院").exit_code == 0
    with reading(open_store(f"sqlite:///{db_path}")) as session:
        rows = list_tickets(session)
    assert [r.id for r in rows] == [2, 1]
    assert rows[0].due_ts == rows[0].board_due < FROZEN  # running: the key is the deadline itself
    assert rows[1].due_ts is None and rows[1].board_due - FROZEN == 27.5 * 3600  # paused: what was left


@pytest.mark.parametrize(
    "at, channel",
    [
        ("2026-11-24T10:00", "hotline"),  # a Tuesday morning: the hotline is open
        ("2026-11-24T02:10", "backup"),  # the small hours: the backup line
        ("2026-10-02T10:00", "backup"),  # National Day, a weekday: the hotline is closed on holidays
        ("2026-10-10T10:00", "hotline"),  # the make-up Saturday: the hotline works
    ],
)
def test_channel_defaults_to_the_line_that_was_open(cli, at, channel):
    ran = cli("ticket", "new", "--severity", "3", "--title", "渠道", "--at", at, "--json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["channel"] == channel


def test_negotiated_due_counts_the_same_on_the_ticket_and_the_board(tmp_path):
    """Level 3 opened Monday 10:00, due negotiated for Friday 18:00: on Tuesday 10:00 both the ticket's
    remaining time and the board's countdown are the business hours up to Friday 18:00 — 8 + 9.5 + 9.5
    + 9.5 = 36.5 h — not the computed deadline's."""
    from zldesk.store.tickets import list_tickets, ticket_deadline
    from zldesk.tickets import ticket_json
    from zldesk.widgets.ticket_board import row_clock

    engine = open_store(f"sqlite:///{tmp_path / 'z.db'}")
    opened, tuesday = local("2026-11-23T10:00"), local("2026-11-24T10:00")
    with writing(engine) as session:
        tid, _, _ = open_ticket(session, "leishan", {"severity": 3, "title": "报表修改"}, opened, "t", now=opened)
        act(
            session,
            tid,
            Action(
                "negotiate", opened + timedelta(minutes=5), {"due": local("2026-11-27T18:00"), "agreed_with": "李主任"}
            ),
            "t",
            now=tuesday,
        )
    with reading(engine) as session:
        t, _ = get_ticket(session, tid)
        policy = policy_for(session, "leishan")
        row = list_tickets(session)[0]
    shown = ticket_json(policy, t, ticket_deadline(policy, t), tid, tuesday)["remaining_seconds"]
    board = row_clock(policy, row, tuesday.timestamp()).seconds
    assert shown == board == 36.5 * 3600
