"""The team server: every command and the console against a real PostgreSQL server (tests/pgserver.py),
the same guarantees as on SQLite, and `zldesk migrate --to URL` from a SQLite store, verified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from zldesk.cli import app
from zldesk.data import data_dir

from .conftest import LEISHAN, Ran

DEMO_ROSTER = data_dir() / "roster" / "demo.toml"


def run(*args: str) -> Ran:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def ok(*args: str) -> str:
    ran = run(*args)
    assert ran.exit_code == 0, (args, ran.stderr)
    return ran.stdout


def test_tickets_roster_audit_on_postgres(pg_url):
    assert "雷山县人民医院" in ok("contracts")  # migrated and seeded on first use
    first = json.loads(
        ok(
            "ticket",
            "new",
            "--severity",
            "2",
            "--title",
            "门急诊收费处全部窗口无法结算",
            "--module",
            "mzsf",
            "--caller",
            "王护士",
            "--at",
            "2026-11-25 02:10",
            "--json",
        )
    )
    assert first["due"] == "2026-11-25T14:00:00+08:00"
    ok("ticket", "new", "--severity", "3", "--title", "医保日结对账金额不平", "--at", "2026-11-25 09:00")
    ok("ticket", "ack", "1", "--at", "2026-11-25 02:15")
    ok("ticket", "note", "2", "锁表后已重启中间件")
    ids = lambda q: [t["id"] for t in json.loads(ok("ticket", "search", q, "--json"))]  # noqa: E731
    assert ids("收费") == [1] and ids("急诊收费") == [1] and ids("收") == [1]
    assert ids("锁表") == [2] and ids("日结对账") == [2] and ids("收费医保") == []
    stale = run("ticket", "assign", "1", "张伟", "--if-version", "1")
    assert stale.exit_code == 4 and "改过" in stale.stderr
    shown = json.loads(ok("ticket", "show", "1", "--json"))
    assert shown["state"] == "acknowledged" and [h["kind"] for h in shown["history"]] == ["create", "ack"]
    ok("roster", "import", str(DEMO_ROSTER))
    now = json.loads(ok("roster", "now", "--at", "2026-10-03T12:00", "--json"))
    assert {r["line"]: r["engineer"] for r in now["lines"]}["backup"] == "赵磊"
    ok(
        "roster",
        "override",
        "--line",
        "backup",
        "--engineer",
        "黄丽",
        "--from",
        "2026-10-03T10:00",
        "--to",
        "2026-10-03T14:00",
        "--reason",
        "换班",
    )
    now = json.loads(ok("roster", "now", "--at", "2026-10-03T12:00", "--json"))
    assert {r["line"]: r["engineer"] for r in now["lines"]}["backup"] == "黄丽"
    assert run("audit", "verify").exit_code == 0


def test_history_is_append_only_on_postgres(pg_url):
    import psycopg

    ok("ticket", "new", "--severity", "3", "--title", "测试")
    ok("roster", "import", str(DEMO_ROSTER))
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for sql in (
            "UPDATE ticket_event SET who = 'x'",
            "DELETE FROM ticket_event",
            "UPDATE roster_event SET who = 'x'",
            "DELETE FROM roster_event",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql)
            conn.rollback()


def test_contract_import_and_export_round_trip_on_postgres(pg_url, tmp_path):
    text = (
        LEISHAN.read_text(encoding="utf-8")
        .replace('code = "leishan"', 'code = "rongjiang"')
        .replace("雷山县人民医院", "榕江县人民医院")
    )
    path = tmp_path / "rongjiang.toml"
    path.write_text(text, encoding="utf-8")
    ok("import", "contract", str(path))
    out = tmp_path / "out.toml"
    ok("export", "contract", "rongjiang", "-o", str(out))
    ok("import", "contract", str(out))
    assert "内容与库中一致" in ok("import", "contract", str(out))


WRITER = r"""
import sys
from datetime import datetime, timezone
from zldesk.store import open_store, writing
from zldesk.store.tickets import StaleTicket, act
from zldesk.tickets import Action
engine = open_store(sys.argv[1])
tid, n = int(sys.argv[2]), int(sys.argv[3])
done = 0
while done < n:
    try:
        with writing(engine) as session:
            from zldesk.store.tickets import get_ticket
            t, _ = get_ticket(session, tid)
            act(session, tid, Action("note", datetime.now(timezone.utc), {"text": f"{sys.argv[4]}-{done}"}),
                "load", expected_version=t.version)
        done += 1
        print("ok", flush=True)
    except StaleTicket:
        print("stale", flush=True)
"""


def test_read_modify_write_of_one_ticket_from_four_processes(pg_url):
    """The version check works unchanged on PostgreSQL: every successful change is there, each once."""
    ok("ticket", "new", "--severity", "3", "--title", "并发")
    env = {**os.environ, "ZLDESK_CACHE": "off"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, pg_url, "1", "25", f"p{i}"], stdout=subprocess.PIPE, text=True, env=env
        )
        for i in range(4)
    ]
    outs = [p.communicate(timeout=300)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    committed = sum(o.count("ok") for o in outs)
    shown = json.loads(ok("ticket", "show", "1", "--json"))
    notes = [h["data"]["text"] for h in shown["history"] if h["kind"] == "note"]
    assert committed == 100 and len(notes) == 100 == len(set(notes))
    assert shown["version"] == 101
    assert run("audit", "verify").exit_code == 0


def test_live_refresh_sees_another_process_on_postgres(pg_url):
    from zldesk.store import open_store
    from zldesk.store.watch import ChangeWatch

    watch = ChangeWatch(open_store(pg_url))
    watch.changed()
    assert not watch.changed()
    subprocess.run(
        [sys.executable, "-m", "zldesk", "ticket", "new", "--severity", "3", "--title", "别处登记"],
        check=True,
        capture_output=True,
        env={**os.environ, "ZLDESK_CACHE": "off"},
    )
    assert watch.changed()
    subprocess.run(
        [sys.executable, "-m", "zldesk", "roster", "import", str(DEMO_ROSTER)],
        check=True,
        capture_output=True,
        env={**os.environ, "ZLDESK_CACHE": "off"},
    )
    assert watch.changed() and not watch.changed()


async def test_console_on_postgres(pg_url):
    from zldesk.app import make_app

    ok("ticket", "new", "--severity", "1", "--title", "全院HIS无法登录")
    ok("roster", "import", str(DEMO_ROSTER))
    app = make_app(pg_url)
    app.engineer = "值班工程师"  # who is at the keyboard: asked and tested in test_console_night.py
    assert app.quick_path is None
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        board = app.screen.query_one("TicketBoard")
        assert [r.title for r in board.rows] == ["全院HIS无法登录"]
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert json.loads(ok("ticket", "show", "1", "--json"))["state"] == "acknowledged"


def test_migrate_sqlite_to_postgres_verified(pg_url, tmp_path, monkeypatch):
    sqlite_url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setenv("ZLDESK_DB", sqlite_url)
    for title in ("门诊收费处无法结算", "住院处发票打印报错", "药库盘点报表"):
        ok("ticket", "new", "--severity", "3", "--title", title)
    ok("ticket", "note", "2", "已远程重启打印服务")
    ok("ticket", "resolve", "3")
    ok("roster", "import", str(DEMO_ROSTER))

    import zldesk.commands.tickets as ticket_commands

    at = datetime.now(UTC)  # both lists read at one instant: a clock in its window ticks between two reads
    monkeypatch.setattr(ticket_commands, "_now", lambda: at)

    def listed() -> dict:
        return {
            t["id"]: {k: v for k, v in t.items() if k not in ("remaining_seconds", "breaches")}
            for t in json.loads(ok("ticket", "list", "--json"))
        }

    before = listed()
    ran = run("migrate", "--to", pg_url, "--json")
    assert ran.exit_code == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert report["verified"] and report["rows"]["ticket"] == 3 and report["rows"]["ticket_event"] == 5
    monkeypatch.setenv("ZLDESK_DB", pg_url)
    after = listed()
    assert after == before
    assert [t["id"] for t in json.loads(ok("ticket", "search", "打印服务", "--json"))] == [2]
    assert run("audit", "verify").exit_code == 0
    new = json.loads(ok("ticket", "new", "--severity", "4", "--title", "迁移后的新工单", "--json"))
    assert new["id"] == 4  # the sequences continue after the copied ids
    assert run("audit", "verify").exit_code == 0
    monkeypatch.setenv("ZLDESK_DB", sqlite_url)
    again = run("migrate", "--to", pg_url)  # into a database that is no longer empty: refused
    assert again.exit_code != 0 and "不是空的" in again.stderr
    monkeypatch.setenv("ZLDESK_DB", pg_url)
    assert len(json.loads(ok("ticket", "list", "--json"))) == 4
