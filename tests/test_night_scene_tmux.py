"""The whole night, in the real console in tmux at 80x24, keyboard only: a nurse at 收费处 phones, all charge
windows down. The engineer logs the call in one burst (typing ahead of the screen), says who they are at the
first write, looks up coverage, acknowledges, arrives (y confirms; an enter too many does not), pauses while
the hospital restarts a server, resumes, resolves, finds the ticket again with R after it left the board,
and closes it. Then the CLI says the same: the states, the engineer in the history, `audit verify` 完好.

The console runs on the wall clock (a subprocess), so nothing here depends on the hour: only on what each
key does. Every wait polls the screen; none just sleeps. Skipped without tmux, failed without it under
ZLDESK_REQUIRE_TMUX=1 (CI)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from .conftest import missing
from .test_fuzz_imports import run_ok
from .test_terminal_escapes import Console


@pytest.fixture(autouse=True)
def tmux() -> None:
    if shutil.which("tmux") is None:
        missing("tmux", "ZLDESK_REQUIRE_TMUX", "tmux is not on PATH")


def _head(c: Console) -> str:
    return c.capture().splitlines()[0]


def test_the_night_at_80x24(tmp_path):
    db = tmp_path / "zldesk.db"
    run_ok(db, "contracts")  # the store, with the built-in contract
    c = Console(db, tmp_path)
    try:
        c.wait_for("单号", "没有未结的工单")
        c.settle()
        # The call, typed ahead in one burst: phone, problem, module, the second triage question, caller, dept.
        c.visit("n", "新工单 ·")
        c.keys("13800001234", "Tab")  # the number first, as the phone shows it
        c.keys("收费处全部窗口无法收费", "Tab", "mzsf", "Enter", "Enter", "Space", "Enter", "Enter", "Tab")
        c.keys("王护士", "Tab", "收费处", "Tab", "Tab", "Tab", "五个窗口都报错", "Enter")
        c.wait_for("谁在值班台前")  # the first write asks who is at the keyboard
        c.keys("李强", "Enter")
        board = c.wait_for("#1", "门急诊收费", "操作人 李强")
        assert re.search(r"#1\s+2\s+门急诊收费", board), board  # logged at the triage's level 2
        # Coverage: is the charge system in the contract?
        c.visit("m", "查询")
        c.keys("sf")
        c.wait_for("门急诊收费系统", "覆盖")
        c.visit("Escape", "单号")
        # The ticket: acknowledge, arrive (enter twice confirms nothing; y does), pause, resume, resolve.
        c.visit("Enter", "#1 收费处全部窗口无法收费")
        c.keys("a")
        c.wait_for("已受理")
        c.keys("v")
        c.wait_for("确认到场 #1")
        c.keys("Enter", "Enter")
        c.wait_for("enter 不会确认")
        assert "已受理" in _head(c)
        c.keys("y")
        c.wait_for("已到场  第")
        c.keys("p")
        c.wait_for("挂起：等待医院")
        c.keys("医院重启服务器", "Enter")
        c.wait_for("挂起  第")
        c.keys("p")
        c.wait_for("已到场  第")
        c.keys("r")
        c.wait_for("确认解决 #1")
        c.keys("y")
        c.wait_for("已解决  第")
        # Off the board now; R finds it, enter opens it, x closes it.
        c.visit("Escape", "单号", "没有未结的工单")
        c.visit("R", "最近 7 天解决、关闭的工单", "#1")
        c.visit("Enter", "#1 收费处全部窗口无法收费")
        c.keys("x")
        c.wait_for("关闭工单？")
        c.keys("Enter")
        c.wait_for("已关闭  第")
        c.visit("Escape", "最近 7 天解决、关闭的工单")
        c.visit("Escape", "单号")
        c.keys("q")
        c.wait_for_exit()
    finally:
        c.close()
    shown = json.loads(run_ok(db, "ticket", "show", "1", "--json").stdout)
    assert shown["state"] == "closed" and shown["severity"] == 2 and shown["caller"] == "王护士"
    kinds = [e["kind"] for e in shown["history"]]
    assert kinds == ["create", "ack", "arrive", "pause", "resume", "resolve", "close"], kinds
    assert {e["who"] for e in shown["history"]} == {"李强"}
    audit = subprocess.run(
        [sys.executable, "-m", "zldesk", "--db", str(db), "audit", "verify"], capture_output=True, text=True
    )
    assert audit.returncode == 0 and "完好" in audit.stdout, audit.stdout + audit.stderr
