"""The CLI as a user meets it: help, the contract list, the coverage lookup, a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import older_zldesk


def test_help_imports_nothing_heavy():
    """`zldesk --help` must stay fast: no store, ORM, Textual or pinyin tables on its path."""
    code = (
        "import sys\n"
        "from zldesk.cli import app\n"
        "try:\n    app(['--help'], prog_name='zldesk')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('sqlmodel', 'sqlalchemy', 'textual', 'pypinyin', 'holidays', 'zldesk.store')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_the_root_group_has_every_command_of_the_table_in_its_order():
    """The root's subcommands are built on lookup (cli.COMMANDS): all are there, in the table's order, each
    the group or command the app's settings make, with its own subcommands."""
    import typer

    from zldesk.cli import COMMANDS, app

    root = typer.main.get_command(app)
    assert list(root.commands) == list(COMMANDS)
    assert list(root.commands["roster"].commands)[-4:] == ["now", "gaps", "notice", "hours"]  # from duty.py
    assert "search" in root.commands["ticket"].commands  # from search.py
    assert root.commands["covered"].name == "covered" and root.commands["import"].name == "import"


def test_sla_and_store_do_not_import_textual():
    code = (
        "import sys, zldesk.store, zldesk.store.contracts, zldesk.contract, zldesk.coverage\n"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_contracts_lists_the_bundled_one(cli):
    ran = cli("contracts", "--json")
    assert ran.exit_code == 0
    rows = json.loads(ran.stdout)
    assert [(r["code"], r["customer"], r["modules"], r["selected"]) for r in rows] == [
        ("leishan", "雷山县人民医院", 33, 29)
    ]
    human = cli("contracts")
    assert "leishan" in human.stdout and "29/33" in human.stdout


@pytest.mark.parametrize(
    "query, kind, name, covered",
    [
        ("mzsf", "module", "门急诊收费系统", True),
        ("2", "module", "门急诊收费系统", True),
        ("收费", "module", "门急诊收费系统", True),
        ("menjizhenshoufei", "module", "门急诊收费系统", True),
        ("血库", "module", "血库管理系统", False),
        ("xkgl", "module", "血库管理系统", False),
        ("26", "module", "门诊输液管理系统", False),
        ("微信支付", "exclusion", "政策导向接口", False),
        ("数据库环境的迁移", "exclusion", "生产环境部署与数据迁移服务", False),
        ("医保对码", "service", "医保对码操作指导", True),
    ],
)
def test_covered_answers(cli, query, kind, name, covered):
    """The exit code is the answer, for scripts: 0 covered, 1 found but unselected or excluded."""
    ran = cli("covered", query, "--json")
    assert ran.exit_code == (0 if covered else 1), ran.stderr
    first = json.loads(ran.stdout)[0]
    assert (first["kind"], first["name"], first["covered"]) == (kind, name, covered)
    assert first["clause"]


def test_covered_names_the_exclusion_clause(cli):
    """微信支付: the payment-interface exclusion, in the contract's words, with where it stands."""
    ran = cli("covered", "微信支付")
    assert ran.exit_code == 1  # found, and the contract says it is not included
    assert "不含" in ran.stdout
    assert "不包含具备支付性质及商业用途类接口" in ran.stdout
    assert "政策导向接口" in ran.stdout


def test_covered_both_rows_of_a_repeated_module(cli):
    rows = json.loads(cli("covered", "一卡通", "--json").stdout)
    assert [r["no"] for r in rows if r["kind"] == "module"] == [4, 28]


def test_covered_not_in_contract(cli):
    """Nothing found is exit 3, in text and in JSON, so a script tells it from "found, not covered" (1)."""
    ran = cli("covered", "手术麻醉系统")
    assert ran.exit_code == 3
    assert "合同中没有" in ran.stdout
    ran = cli("covered", "手术麻醉系统", "--json")
    assert ran.exit_code == 3 and json.loads(ran.stdout) == []


def test_covered_unknown_contract(cli):
    ran = cli("covered", "mzsf", "--contract", "nowhere")
    assert ran.exit_code == 3  # no such contract: nothing found
    assert "nowhere" in ran.stderr and "leishan" in ran.stderr


def test_user_text_is_not_markup(cli, tmp_path):
    """A module named like Rich markup, or carrying an escape sequence (imported by an older zldesk: this
    one refuses it, tests/test_forgery.py), prints literally."""
    csv = "no,name,selected\n1,[bold]红[/bold] \x1b]0;pwned\x07系统,是\n2,[/,否\n"
    path = tmp_path / "m.csv"
    path.write_text(csv, encoding="utf-8")
    with older_zldesk():
        assert cli("import", "modules", str(path), "--contract", "leishan").exit_code == 0
    out = cli("covered", "1").stdout
    assert "[bold]红[/bold]" in out
    assert "\x1b" not in out and "\\x1b" in out
    assert "[/" in cli("covered", "2").stdout


def test_paths(cli, db_path):
    info = json.loads(cli("paths", "--json").stdout)
    assert info["db"] == f"sqlite:///{db_path}"
    assert any(p.endswith("leishan.toml") for p in info["contracts"])


def test_db_option_overrides_environment(cli, tmp_path):
    other = tmp_path / "other.db"
    assert cli("--db", str(other), "contracts").exit_code == 0
    assert other.exists()


def test_version(cli):
    ran = cli("--version")
    assert ran.exit_code == 0 and ran.stdout.startswith("zldesk ")


def test_subprocess_from_another_directory(tmp_path):
    """End to end as installed: `python -m zldesk` run outside the source tree, on a fresh store."""
    env = {**os.environ, "ZLDESK_DB": str(tmp_path / "s.db"), "TZ": "America/New_York"}
    run = subprocess.run(
        [sys.executable, "-m", "zldesk", "export", "contract", "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["code"] == "leishan" and len(data["modules"]) == 33
    bad = subprocess.run(
        [sys.executable, "-m", "zldesk", "export", "contract", "nope"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 3  # no such contract: nothing found
    assert "Traceback" not in bad.stderr and "nope" in bad.stderr


def test_a_new_store_is_announced(cli, db_path):
    """A mistyped ZLDESK_DB must not silently open an empty store: the first use says it is creating one."""
    first = cli("contracts")
    assert first.exit_code == 0 and "新建数据库" in first.stderr and str(db_path) in first.stderr
    assert "新建数据库" not in cli("contracts").stderr
