"""Each format of `zldesk report` through CliRunner: md and csv text, xlsx read back with openpyxl, HTML
self-contained and escaped; -o writes atomically and never over the store or into a directory."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from zldesk.report import render

from .report_scene import NASTY, build, report, report_json


@pytest.fixture
def scene(cli, monkeypatch):
    build(cli, monkeypatch)
    return cli


def test_md_to_stdout_by_default(scene):
    ran = report(scene, "--month", "2026-11")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.startswith("# 雷山县人民医院 服务报告 2026-11")
    assert "| 1 级 | 系统灾难故障 | 3 小时 | 2 | 1 | 1 | 0 | 50.0% |" in ran.stdout
    assert "&lt;script&gt;" in ran.stdout and "<script>" not in ran.stdout  # user text cannot make markup
    for title in (
        "## 各级别",
        "## 各月",
        "## 超时的工单",
        "## 挂起原因",
        "## 协商时限",
        "## 不在合同范围",
        "## 工单最多的模块",
    ):
        assert title in ran.stdout


def test_csv_sections_and_no_formula(scene):
    ran = report(scene, "--month", "2026-11", "--format", "csv")
    assert ran.exit_code == 0, ran.stderr
    rows = list(csv.reader(io.StringIO(ran.stdout)))
    heads = [r[0] for r in rows if r and r[0].startswith("# ")]
    assert heads == [
        "# levels",
        "# times",
        "# months",
        "# breaches",
        "# pause_reasons",
        "# pauses",
        "# negotiated",
        "# out_of_scope",
        "# modules",
        "# obligations",  # issue 17's obligations: the section added in its one place
    ]
    titles = [r[2] for r in rows if len(r) > 2 and "住院结算失败" in r[2]]
    assert titles == ["'" + NASTY]  # = starts a formula: kept as text


def test_xlsx_one_sheet_per_table(scene, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "报告.xlsx"
    ran = report(scene, "--year", "2026", "--format", "xlsx", "-o", str(out))
    assert ran.exit_code == 0, ran.stderr
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "报告",
        "各级别",
        "到场和解决用时",
        "各月",
        "超时的工单",
        "挂起原因",
        "挂起",
        "协商时限",
        "不在合同范围",
        "工单最多的模块",
        "合同约定的定期服务",
    ]
    levels = list(wb["各级别"].iter_rows(values_only=True))
    assert levels[0][:8] == ("级别", "名称", "时限", "工单", "按时", "超时", "未定", "按时率")
    assert levels[1][:8] == ("1 级", "系统灾难故障", "3 小时", 2, 1, 1, 0, 0.5)
    months = list(wb["各月"].iter_rows(values_only=True))
    assert len(months) == 13 and months[11][:3] == ("2026-11", 8, 3)
    breaches = list(wb["超时的工单"].iter_rows(values_only=True))
    assert breaches[4][2] == "'" + NASTY and wb["超时的工单"]["C5"].data_type == "s"
    assert (out.stat().st_mode & 0o777) == 0o600


def test_xlsx_not_to_a_terminal(scene, monkeypatch):
    import zldesk.commands.output

    monkeypatch.setattr(zldesk.commands.output, "to_terminal", lambda: True)
    ran = report(scene, "--month", "2026-11", "--format", "xlsx")
    assert ran.exit_code == 2 and "-o" in ran.stderr


def test_html_self_contained_and_escaped(scene):
    ran = report(scene, "--month", "2026-11", "--format", "html")
    assert ran.exit_code == 0, ran.stderr
    html = ran.stdout
    assert "default-src 'none'; style-src 'unsafe-inline'; img-src data:" in html
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "&lt;script&gt;" in html
    assert html.count("<svg") == 3 and "@page { size: A4" in html
    assert "<text" in html and "每月按时率" in html


def test_html_every_number_is_in_the_json(scene):
    """The HTML renders the JSON's dict and nothing else: the same call on the JSON read back gives it."""
    data = report_json(scene, "--month", "2026-11")
    ran = report(scene, "--month", "2026-11", "--format", "html")
    assert render(data, "html") == ran.stdout


@pytest.mark.parametrize("bad", ["<script>alert(1)</script>", "\u202e\x1b[31m标题\u2028x", "]]></text><svg onload=x>"])
def test_hostile_text_cannot_break_html_or_svg(bad):
    from html.parser import HTMLParser

    data = {
        "contract": "x",
        "customer": bad,
        "zone": "Asia/Shanghai",
        "period": {"kind": "month", "from": "2026-11-01", "to": "2026-11-30", "label": "2026-11"},
        "at": "2026-12-02T10:00:00+08:00",
        "totals": _zero(None),
        "levels": [_zero(1)],
        "months": [
            {
                "month": "2026-11",
                "opened": 1,
                "on_time": 1,
                "late": 0,
                "pending": 0,
                "on_time_rate": 1.0,
                "by_level": {"1": 1},
            }
        ],
        "breaches": [],
        "pauses": [],
        "pause_reasons": [{"reason": bad, "count": 1, "seconds": 1.0, "business_seconds": 1.0}],
        "negotiated": [],
        "out_of_scope": [],
        "modules": [{"module": bad, "count": 1}],
    }
    html = render(data, "html")
    tags = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)
            assert not any(k.startswith("on") for k, _ in attrs)

    P().feed(html)
    assert "script" not in tags and tags.count("svg") == 3
    assert "\u202e" not in html and "\x1b" not in html and "\u2028" not in html
    for fmt in ("md", "csv"):
        text = render(data, fmt)
        assert "\u202e" not in text and "\x1b" not in text


def _zero(level):
    times = {
        "count": 0,
        "median_business_seconds": None,
        "p90_business_seconds": None,
        "median_seconds": None,
        "p90_seconds": None,
    }
    return {
        "level": level, "name": "n", "target": "", "window": "", "opened": 1, "on_time": 1, "late": 0, "pending": 0,
        "on_time_rate": 1.0, "negotiated": {"count": 0, "on_time": 0, "late": 0, "pending": 0},
        "arrival": times, "resolution": times, "paused_tickets": 0, "pause_seconds": 0.0, "pause_business_seconds": 0.0,
    }  # fmt: skip


def test_output_file_is_written_whole_and_not_over_the_store(scene, tmp_path, db_path):
    out = tmp_path / "r.json"
    assert report(scene, "--month", "2026-11", "--format", "json", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["totals"]["opened"] == 8
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    before = db_path.read_bytes()
    ran = report(scene, "--month", "2026-11", "-o", str(db_path))
    assert ran.exit_code == 2 and db_path.read_bytes() == before
    ran = report(scene, "--month", "2026-11", "-o", str(tmp_path))
    assert ran.exit_code == 2 and "目录" in ran.stderr


def test_a_chart_is_wide_enough_for_its_legend():
    """Two months, four levels: every bar, label and legend entry starts inside the picture (the legend of
    3 级 and 4 级 fell outside a two-month chart)."""
    import re

    from zldesk.report.svg import columns

    series = [(f"{level} 级", [1.0, 2.0]) for level in (1, 2, 3, 4)]
    svg = columns("每月各级别工单数", ["26-11", "26-12"], series, 2.0, lambda v: f"{v:g}")
    width = float(re.search(r'<svg[^>]* width="(\d+)"', svg).group(1))
    starts = [float(x) for x in re.findall(r'<(?:text|rect) x="([\d.]+)"', svg)]
    assert "4 级" in svg and starts and max(starts) + 30 <= width, (max(starts), width)
