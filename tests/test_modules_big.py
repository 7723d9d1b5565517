"""`zldesk import modules` of a big list (issue 15, goal 4): past a screen's worth (20) the change list is
summarised, in full with --verbose or in --json; the rows go in by one executemany in the import's one
transaction, every check kept (a bad row named by file:line, nothing written). And the benchmark runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zldesk.commands.contracts import SCREEN

from .conftest import store_checksum

ROWS = 500


def big_csv(path: Path, rows: int = ROWS, bad: dict[int, str] | None = None) -> Path:
    lines = ["no,name,selected,sites,remark"]
    for no in range(1, rows + 1):
        lines.append((bad or {}).get(no) or f"{no},模块{no},{'否' if no % 5 == 0 else '是'},{no % 7 or ''},")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def before(cli, db_path) -> str:
    assert cli("contracts").exit_code == 0  # the store, seeded with the bundled contract (33 modules)
    return store_checksum(db_path)


def exported(cli) -> list[dict]:
    return json.loads(cli("export", "modules", "leishan", "--format", "json").stdout)


def test_a_long_change_list_is_summarised_and_everything_is_written(cli, db_path, before, tmp_path):
    ran = cli("import", "modules", str(big_csv(tmp_path / "m.csv")), "--contract", "leishan")
    assert ran.exit_code == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0] == "已导入 leishan：500 处变化"
    assert len(lines) == 1 + SCREEN + 1 and all(x.startswith("  + 模块 第 ") for x in lines[1:-1]), lines
    # 467 new rows (34..500), the 33 of the contract renamed
    assert lines[-1] == "  … 另有 480 处变更（全部：新增 467，修改 33；--verbose 列出全部）"
    assert [m["no"] for m in exported(cli)] == list(range(1, ROWS + 1))
    assert exported(cli)[4] == {"no": 5, "name": "模块5", "selected": False, "sites": 5, "remark": ""}
    assert cli("audit", "verify").exit_code == 0  # the new terms version holds the 500 rows written


def test_verbose_lists_every_change_and_json_holds_them_all(cli, db_path, before, tmp_path):
    source = big_csv(tmp_path / "m.csv")
    verbose = cli("import", "modules", str(source), "--contract", "leishan", "--dry-run", "--verbose")
    assert verbose.exit_code == 0 and store_checksum(db_path) == before
    listed = [x.removeprefix("  ") for x in verbose.stdout.splitlines()[1:]]
    shown = json.loads(cli("import", "modules", str(source), "--contract", "leishan", "--dry-run", "--json").stdout)
    assert store_checksum(db_path) == before
    assert shown == {
        "contract": "leishan",
        "dry_run": True,
        "written": False,
        "count": 500,
        "changes": listed,
        "held_to_old_terms": [],
        "warnings": [],
    }
    written = json.loads(cli("import", "modules", str(source), "--contract", "leishan", "--json").stdout)
    assert written | {"dry_run": True, "written": False} == shown and written["written"] is True
    again = json.loads(cli("import", "modules", str(source), "--contract", "leishan", "--json").stdout)
    assert again["count"] == 0 and again["written"] is False and again["changes"] == []


def test_an_open_ticket_held_to_old_terms_is_named_in_json(cli, db_path, before, tmp_path):
    assert cli("ticket", "new", "--severity", "3", "--title", "收费报错", "--module", "2").exit_code == 0
    source = big_csv(tmp_path / "m.csv", bad={2: "2,门急诊收费系统,否,,"})
    shown = json.loads(cli("import", "modules", str(source), "--contract", "leishan", "--json").stdout)
    (held,) = shown["held_to_old_terms"]
    assert held["id"] == 1 and held["text"].startswith("#1 3 级 收费报错")


@pytest.mark.parametrize(
    "row, field, words",
    [
        ("777,模块777,也许,,", "selected", "应为 是/否"),
        ("778,模块\x1b[2J,是,,", "name", "含有控制字符 \\x1b"),
        ("12,重复编号,是,,", "no", "编号 12 重复（第 13 行已用）"),
        ('779,"两\n行",是,,', "name", "含有换行符 \\n"),
    ],
)
def test_a_bad_row_in_a_big_file_is_named_and_nothing_is_written(cli, db_path, before, tmp_path, row, field, words):
    source = big_csv(tmp_path / "m.csv", rows=2000, bad={1500: row})
    ran = cli("import", "modules", str(source), "--contract", "leishan")
    assert ran.exit_code == 2 and f"{source}:1501: {field}: " in ran.stderr and words in ran.stderr, ran.stderr
    assert store_checksum(db_path) == before


def test_the_benchmark_runs_small():
    """2,000 rows, one run: it prints the ratio, and csv.reader, the store and --json agree."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "modules_bench.py"
    run = subprocess.run(
        [sys.executable, str(script), "--rows", "2000", "--runs", "1"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ratio " in run.stdout and "x  (target 20x" in run.stdout, run.stdout
    (agree,) = [x for x in run.stdout.splitlines() if x.startswith("agree")]
    assert agree.endswith("yes") and "store 2,000 modules" in agree, run.stdout
