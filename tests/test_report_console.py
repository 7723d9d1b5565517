"""The console's report screen (`S` on the board): this month's on-time rate per hospital as a small chart
at 80x24, read through the gateway; a snapshot of it with the hand-built tickets (tests/report_scene.py)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from rich.cells import cell_len

from .report_scene import SH, build

MOMENT = datetime(2026, 11, 30, 22, 0, tzinfo=SH)  # November: #7 and #8 not yet due


@pytest.fixture
def desk(cli, monkeypatch, tmp_path, db_path):
    build(cli, monkeypatch)
    other = json.loads(cli("export", "contract", "leishan", "--format", "json").stdout)
    other |= {"code": "rongjiang", "customer": "榕江县人民医院（名字很长很长很长的一家医院）"}
    path = tmp_path / "rongjiang.json"
    path.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    ran = cli("import", "contract", str(path))
    assert ran.exit_code == 0, ran.stderr
    return db_path


def _app(db_path):
    from zldesk.app import make_app

    return make_app(f"sqlite:///{db_path}", clock=lambda: MOMENT)


async def _report(pilot) -> str:
    from textual.widgets import Static

    from .conftest import until

    await pilot.press("S")
    await until(pilot, lambda: pilot.app.screen.SCREEN_KEY == "report")
    text = lambda: str(pilot.app.screen.query_one("#report-text", Static).render())  # noqa: E731
    await until(pilot, lambda: "读取中" not in text(), what="the report read")
    return text()


async def test_s_shows_this_months_rate_per_hospital(desk):
    app = _app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        text = await _report(pilot)
        lines = text.splitlines()
        assert lines[0].startswith("2026-11 来电的工单")
        leishan = next(line for line in lines if line.startswith("雷山县人民医院"))
        assert leishan.endswith(" 50.0% 3/6 未定2")  # #1 #3 #6 on time; #2 #4 #5 late; #7 #8 not yet
        rongjiang = next(line for line in lines if line.startswith("榕江县"))
        assert rongjiang.endswith("     - 0/0") and "（名~" in rongjiang  # the long name cut by cells
        assert all(cell_len(line) <= 78 for line in lines)
        await pilot.press("escape")
        from .conftest import until

        await until(pilot, lambda: app.screen.SCREEN_KEY == "board")


def test_report_screen_snapshot(desk, snap_compare):
    """At 80x24: the head line, the month, one bar per hospital (雷山 half filled, 50.0% 3/6 未定2; 榕江's
    long name cut with ~, no bar, - 0/0), and the footer with esc 返回看板."""

    async def open_report(pilot):
        await _report(pilot)

    assert snap_compare(_app(desk), terminal_size=(80, 24), run_before=open_report)
