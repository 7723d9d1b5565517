"""A whole call typed into the new-ticket form in one burst, in the real console in tmux at 80x24.

One `send-keys` carries the text, the tabs and the enters, as a laggy SSH line delivers them: each field
must hold its own text (before, everything landed in 问题). Skipped without tmux, failed without it
under ZLDESK_REQUIRE_TMUX=1 (CI). Every wait polls the screen; none just sleeps.
"""

from __future__ import annotations

import json
import shutil

import pytest

from .conftest import missing
from .test_fuzz_imports import run_ok
from .test_terminal_escapes import Console


@pytest.fixture(autouse=True)
def tmux() -> None:
    if shutil.which("tmux") is None:
        missing("tmux", "ZLDESK_REQUIRE_TMUX", "tmux is not on PATH")


def _field(screen: str, label: str) -> str:
    """The text after a field's label on its line of the form."""
    line = next(line for line in screen.splitlines() if line.startswith(label))
    return line[len(label) :].strip()


def test_a_call_in_one_send_keys_lands_field_by_field(tmp_path):
    db = tmp_path / "zldesk.db"
    run_ok(db, "contracts")  # the store, with the built-in contract
    c = Console(db, tmp_path)
    try:
        c.wait_for("单号")
        c.settle()
        c.visit("n", "新工单 ·", "选好级别后")
        # Tab Tab..: 电话 -> 问题 -> 模块 -> three questions (the second ticked) -> 级别 (empty) -> 来电人 ...
        c.keys(
            "13800001234",
            "Tab",
            "收费处全部窗口无法收费",
            "Tab",
            "mzsf",
            "Enter",
            "Enter",
            "Space",
            "Enter",
            "Enter",
            "Tab",
            "王护士",
            "Tab",
            "收费处",
        )
        screen = c.wait_for("收费处全部窗口无法收费", "王护士", "未登记的号码", "建议 2 级", "第 2 行")
        c.settle()
        screen = c.capture()
        assert _field(screen, "问题") == "收费处全部窗口无法收费", screen
        assert _field(screen, "模块") == "mzsf", screen
        assert _field(screen, "来电人") == "王护士", screen
        assert _field(screen, "电话").split() == ["13800001234", "未登记的号码：随工单记下"], screen
        assert _field(screen, "科室") == "收费处", screen
        assert "[x] 所有窗口部门" in screen and "[ ] 全院系统瘫痪" in screen, screen
        c.keys("Tab", "Tab", "Tab", "五个窗口都报错", "Enter")  # by 渠道 and 来电时间 to 描述; enter there saves...
        c.wait_for("谁在值班台前")  # ...once the console knows who is at the keyboard (its first write)
        c.keys("值班工程师", "Enter")
        c.wait_for("单号", "#1 ")  # back on the board, the new row on it
    finally:
        c.close()
    (ticket,) = json.loads(run_ok(db, "ticket", "list", "--json").stdout)
    shown = json.loads(run_ok(db, "ticket", "show", str(ticket["id"]), "--json").stdout)
    got = {k: shown[k] for k in ("title", "severity", "module_no", "caller", "phone", "dept", "description")}
    assert got == {
        "title": "收费处全部窗口无法收费",
        "severity": 2,
        "module_no": 2,
        "caller": "王护士",
        "phone": "13800001234",
        "dept": "收费处",
        "description": "五个窗口都报错",
    }
