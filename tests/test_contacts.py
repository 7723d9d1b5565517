"""`zldesk import contacts FILE --contract CODE` and `zldesk export contacts` (issue 16, who is calling): the
hospital's people from CSV (several numbers in a cell, or the person's row repeated), TOML or JSON, UTF-8
with or without BOM or GB18030; one transaction, bad rows refused by file:line and column with nothing
written; a re-import says what changed and is logged; an export reads back as no change."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from zldesk.contract import MAX_FILE_BYTES, MAX_ROWS

from .conftest import store_checksum

CSV = (
    "姓名,电话,科室,角色\n"
    "王芳,138 1234 5678；0855-8231234转12,信息科,科长\n"
    "李强,0855-8231235,药房,\n"
    "李强,13900001111,药房,药剂师\n"
    '"张,伟",(0855)823.1236,急诊科,护士长\n'
)
TOML = """
[[contacts]]
name = "王芳"
phone = ["138 1234 5678", "0855-8231234转12"]
dept = "信息科"
role = "科长"

[[contacts]]
name = "李强"
phone = ["0855-8231235", "13900001111"]
dept = "药房"
role = "药剂师"

[[contacts]]
name = "张,伟"
phone = "(0855)823.1236"
dept = "急诊科"
role = "护士长"
"""
PEOPLE = [
    {"name": "王芳", "phone": ["138 1234 5678", "0855-8231234转12"], "dept": "信息科", "role": "科长"},
    {"name": "李强", "phone": ["0855-8231235", "13900001111"], "dept": "药房", "role": "药剂师"},
    {"name": "张,伟", "phone": ["(0855)823.1236"], "dept": "急诊科", "role": "护士长"},
]


@pytest.fixture
def before(cli, db_path) -> str:
    assert cli("contracts").exit_code == 0
    return store_checksum(db_path)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def exported(cli, *args: str) -> list[dict]:
    ran = cli("export", "contacts", "leishan", "--format", "json", *args)
    assert ran.exit_code == 0, ran
    return json.loads(ran.stdout)


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "name, content",
    [
        ("people.csv", CSV),
        ("people.csv", "\ufeff" + CSV),  # Excel's UTF-8 with BOM
        ("people.csv", CSV.encode("gb18030")),  # WPS / Excel on a Chinese Windows
        ("people.toml", TOML),
        ("people.json", json.dumps(PEOPLE, ensure_ascii=False)),
    ],
)
def test_every_format_and_encoding_imports_the_same_people(cli, tmp_path, before, db_path, name, content):
    path = write(tmp_path, name, content)
    ran = cli("import", "contacts", str(path), "--contract", "leishan")
    assert ran.exit_code == 0, ran
    assert "已导入 leishan：3 处变化" in ran.stdout and "+ 联系人 王芳（信息科）" in ran.stdout
    assert "名单共 3 人、5 个号码" in ran.stdout
    assert exported(cli) == PEOPLE
    assert len(rows(db_path, "SELECT * FROM person")) == 5
    # the import is logged as contract and module imports are: who, which file, its hash, what changed
    ((what, source, summary, sha),) = rows(
        db_path, "SELECT what, source, summary, sha256 FROM import_log WHERE what = 'contacts'"
    )
    assert (what, source) == ("contacts", str(path)) and len(sha) == 64
    assert summary.splitlines()[0] == "+ 联系人 王芳（信息科）  138 1234 5678；0855-8231234转12"


def test_export_then_import_is_no_change_in_csv_and_json(cli, tmp_path, before, db_path):
    assert cli("import", "contacts", str(write(tmp_path, "a.csv", CSV)), "--contract", "leishan").exit_code == 0
    out_csv, out_json = tmp_path / "out.csv", tmp_path / "out.json"
    assert cli("export", "contacts", "-o", str(out_csv)).exit_code == 0  # the only contract: no code needed
    assert cli("export", "contacts", "leishan", "--format", "json", "-o", str(out_json)).exit_code == 0
    assert out_csv.read_bytes().startswith(b"name,phone,dept,role\r\n")
    checksum = store_checksum(db_path)
    for path in (out_csv, out_json):
        ran = cli("import", "contacts", str(path), "--contract", "leishan", "--json")
        assert ran.exit_code == 0, ran
        said = json.loads(ran.stdout)
        assert said["changes"] == [] and said["written"] is False and said["people"] == 3
        assert store_checksum(db_path) == checksum  # not even an import_log row


def test_a_reimport_replaces_the_list_and_says_what_was_added_removed_and_changed(cli, tmp_path, before, db_path):
    assert cli("import", "contacts", str(write(tmp_path, "a.csv", CSV)), "--contract", "leishan").exit_code == 0
    changed = (
        "name,phone,dept,role\n"
        "王芳,13812345678,信息科,主任\n"  # numbers and role changed
        "李强,0855-8231235;13900001111,药房,药剂师\n"  # the same, written with ; in one cell
        "赵敏,0855-8231299,检验科,\n"  # new; 张,伟 is gone
    )
    path = write(tmp_path, "b.csv", changed)
    dry = cli("import", "contacts", str(path), "--contract", "leishan", "--dry-run")
    assert dry.exit_code == 0 and "试运行，未写入。导入 leishan 将带来 3 处变化" in dry.stdout
    assert exported(cli)[2]["name"] == "张,伟"  # the dry run wrote nothing
    ran = cli("import", "contacts", str(path), "--contract", "leishan")
    assert ran.exit_code == 0, ran
    lines = [line.strip() for line in ran.stdout.splitlines()[1:]]
    assert lines[:3] == [
        "+ 联系人 赵敏（检验科）  0855-8231299",
        "- 联系人 张,伟（急诊科）  (0855)823.1236",
        "~ 联系人 王芳（信息科）  电话 138 1234 5678；0855-8231234转12 → 13812345678；角色 科长 → 主任",
    ]
    assert [p["name"] for p in exported(cli)] == ["王芳", "李强", "赵敏"]
    assert [w for (w,) in rows(db_path, "SELECT what FROM import_log WHERE what = 'contacts'")] == ["contacts"] * 2


def test_a_dry_run_writes_nothing(cli, tmp_path, before, db_path):
    ran = cli("import", "contacts", str(write(tmp_path, "a.csv", CSV)), "--contract", "leishan", "--dry-run")
    assert ran.exit_code == 0 and "将带来 3 处变化" in ran.stdout
    assert store_checksum(db_path) == before


@pytest.mark.parametrize(
    "content, said",
    [
        ("name,phone\n王芳,138-1234-567x\n", ["a.csv:2: phone: '138-1234-567x' 不是电话号码"]),
        ("name,phone\n王芳,\n", ["a.csv:2: phone: 没有电话号码"]),
        ("name,phone\n,13812345678\n", ["a.csv:2: name: 姓名为空"]),
        ("name,phone,dept\n王\x1b[31m芳,13812345678,信息科\n", ["a.csv:2: name: 含有控制字符 \\x1b"]),
        ("name,phone,dept\n王芳,13812345678,信息\u202e科\n", ["a.csv:2: dept: 含有控制字符 \\u202e"]),
        (
            "name,phone\n王芳,13812345678\n王芳,+86 138 1234 5678\n",
            ["a.csv:3: phone: 号码 +86 138 1234 5678 与第 2 行的重复"],
        ),
        ("name,phone\n王芳,1\n", ["a.csv:2: phone: '1' 不是电话号码"]),
        (
            "name,phone,dept,role\n李强,13800000000,药房,药剂师\n李强,13900001111,药房,科长\n",
            ["a.csv:3: role: 与第 2 行"],
        ),
        ("姓名,电话,备注\n王芳,13812345678,x\n", ["a.csv:1: 备注: 未知的列"]),
        ("name,dept\n王芳,信息科\n", ["a.csv:1: phone: 缺少这一列"]),
        ('name,phone\n"王\n芳",13812345678\n', ["a.csv:2: 一格里有换行"]),
        ("name,phone\n王芳,13812345678,多余\n", ["a.csv:2: 这一行有 3 格，表头只有 2 列"]),
        ("", ["a.csv: 文件是空的"]),
        ("name,phone\n", ["a.csv: 没有任何联系人"]),
    ],
)
def test_a_bad_row_is_refused_by_file_line_and_column_and_nothing_is_written(
    cli, tmp_path, before, db_path, content, said
):
    path = write(tmp_path, "a.csv", content)
    ran = cli("import", "contacts", str(path), "--contract", "leishan")
    assert ran.exit_code == 2, ran
    for words in said:
        assert f"{tmp_path / words}" in ran.stderr, ran.stderr
    assert store_checksum(db_path) == before


def test_every_bad_row_is_named_not_only_the_first(cli, tmp_path, before, db_path):
    good = "".join(f"人{i},1380000{i:04d},科{i}\n" for i in range(50))
    path = write(tmp_path, "a.csv", "name,phone,dept\n" + good + "坏,abc,x\n" + good.replace("人", "员") + "错,,y\n")
    ran = cli("import", "contacts", str(path), "--contract", "leishan")
    assert ran.exit_code == 2
    assert f"{path}:52: phone: 'abc' 不是电话号码" in ran.stderr and f"{path}:103: phone: 没有电话号码" in ran.stderr
    assert store_checksum(db_path) == before


def test_toml_problems_name_the_line_of_the_person(cli, tmp_path, before, db_path):
    bad = TOML.replace('phone = "(0855)823.1236"', 'phone = "急诊"').replace('role = "科长"', "role = 3")
    bad += '\n[[contacts]]\nname = "赵敏"\nphone = ["13812345678"]\nnote = "x"\n'
    path = write(tmp_path, "a.toml", bad)
    ran = cli("import", "contacts", str(path), "--contract", "leishan")
    assert ran.exit_code == 2
    assert f"{path}:6: contacts[0].role: 应为字符串" in ran.stderr
    assert f"{path}:16: contacts[2].phone: '急诊' 不是电话号码" in ran.stderr
    assert f"{path}:23: contacts[3].note: 未知的键" in ran.stderr
    syntax = cli("import", "contacts", str(write(tmp_path, "b.toml", "[[contacts]\n")), "--contract", "leishan")
    assert syntax.exit_code == 2 and f"{tmp_path / 'b.toml'}:1: TOML 语法错误" in syntax.stderr
    assert store_checksum(db_path) == before


def test_huge_files_are_refused_by_size_and_by_row_count(cli, tmp_path, before, db_path):
    huge = write(tmp_path, "huge.csv", b"name,phone\n" + b"x" * (MAX_FILE_BYTES + 1))
    ran = cli("import", "contacts", str(huge), "--contract", "leishan")
    assert ran.exit_code == 2 and "超过上限 2 MiB" in ran.stderr
    limit = MAX_ROWS["people"]
    many = "name,phone\n" + "".join(f"人{i},1{i + 3000000000:010d}\n" for i in range(limit + 1))
    ran = cli("import", "contacts", str(write(tmp_path, "many.csv", many)), "--contract", "leishan")
    assert ran.exit_code == 2 and f"{tmp_path / 'many.csv'}:{limit + 2}: 联系人最多 {limit:,} 人" in ran.stderr
    zero = cli("import", "contacts", "/dev/zero", "--contract", "leishan")
    assert zero.exit_code == 2 and "不是普通文件" in zero.stderr
    assert store_checksum(db_path) == before


def test_an_unknown_contract_is_refused_and_nothing_is_written(cli, tmp_path, before, db_path):
    ran = cli("import", "contacts", str(write(tmp_path, "a.csv", CSV)), "--contract", "nosuch")
    assert ran.exit_code != 0 and "nosuch" in ran.stderr
    assert store_checksum(db_path) == before
