"""Every time shown is in the contract's zone (Asia/Shanghai), with the host in UTC: a CLI refusal, a
refusal in the console, the JSON of a ticket. The store keeps UTC; none of it may leak into what is said."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from zldesk.app import make_app
from zldesk.store import open_store, writing
from zldesk.store.tickets import open_ticket


def _zldesk(db, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TZ": "UTC", "ZLDESK_DB": str(db), "ZLDESK_CACHE": "off"}
    return subprocess.run([sys.executable, "-m", "zldesk", *args], capture_output=True, text=True, env=env, timeout=120)


def _new(db) -> None:
    done = _zldesk(db, "ticket", "new", "--severity", "3", "--title", "收费处打印机卡纸", "--at", "2026-11-25 09:00")
    assert done.returncode == 0, done.stderr


def test_a_cli_refusal_compares_times_in_the_contracts_zone(tmp_path):
    db = tmp_path / "z.db"
    _new(db)
    done = _zldesk(db, "ticket", "ack", "1", "--at", "2026-11-25 08:30")
    assert done.returncode == 2
    said = " ".join(done.stderr.split())
    assert "2026-11-25 08:30 早于来电时间 2026-11-25 09:00" in said, done.stderr
    assert "+00:00" not in done.stderr and "01:00" not in done.stderr


def test_json_times_are_in_the_contracts_zone(tmp_path):
    db = tmp_path / "z.db"
    _new(db)
    assert _zldesk(db, "ticket", "ack", "1", "--at", "2026-11-25 09:05").returncode == 0
    shown = json.loads(_zldesk(db, "ticket", "show", "1", "--json").stdout)
    assert shown["received_at"] == "2026-11-25T09:00:00+08:00"
    assert shown["acknowledged_at"] == "2026-11-25T09:05:00+08:00"
    assert [e["effective_at"] for e in shown["history"]] == ["2026-11-25T09:00:00+08:00", "2026-11-25T09:05:00+08:00"]
    assert all(e["entered_at"].endswith("+08:00") for e in shown["history"])
    listed = json.loads(_zldesk(db, "ticket", "list", "--json").stdout)
    assert listed[0]["received_at"] == "2026-11-25T09:00:00+08:00"
    contracts = json.loads(_zldesk(db, "contracts", "--json").stdout)
    assert contracts[0]["updated_at"].endswith("+08:00")


async def test_a_refusal_in_the_console_says_the_contracts_time(tmp_path, monkeypatch):
    """The remote session at 09:02 Beijing (01:02 UTC, the console's clock) without a permission: the form
    comes back saying 09:02, not 01:02."""
    import time

    from zldesk.screens.prompt import PromptScreen
    from zldesk.screens.ticket import TicketScreen

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    url = f"sqlite:///{tmp_path / 'z.db'}"
    engine = open_store(url)
    at = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    with writing(engine) as session:
        tid, _, _ = open_ticket(session, "leishan", {"severity": 3, "title": "收费处打印机卡纸"}, at, "测试", now=at)
    now = datetime(2026, 11, 25, 1, 2, tzinfo=UTC)
    app = make_app(url, clock=lambda: now)
    app.engineer = "王芳"  # who is at the keyboard: asked and tested in test_console_night.py
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        app.open_ticket(tid)
        for _ in range(200):
            if isinstance(app.screen, TicketScreen) and app.screen.version is not None:
                break
            await pilot.pause(0.05)
        app.screen._apply("remote_session", {"engineer": "王芳", "what": "看日志"}, app.screen.version)
        for _ in range(200):
            if isinstance(app.screen, PromptScreen):
                break
            await pilot.pause(0.05)
        said = str(app.screen.query_one("#error").render())
        assert "2026-11-25 09:02 没有给 王芳 的有效许可" in said, said
        assert "01:02" not in said
    monkeypatch.delenv("TZ")
    time.tzset()
