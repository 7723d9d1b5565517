"""`zldesk import modules FILE --contract CODE` and `zldesk export modules`: the module list as a CSV that
Chinese offices save (UTF-8, UTF-8 with BOM, GB18030), with precise errors and Excel-safe exports."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from zldesk.contract import Module, dumps_toml, read_contract_file

from .conftest import LEISHAN, store_checksum

HEADER_ZH = "编号,使用模块,是否选择,站点数,备注"
HEADER_EN = "no,name,selected,sites,remark"
ROWS = [
    "1,门急诊挂号系统,是,3,",
    '2,门急诊收费系统,否,,"含 ""自助机"", 两台"',
    '3,检验信息系统,yes,0,"第一行\n第二行"',
    "4,一卡通管理系统,,12,备注",
]
# What `export modules` writes for ROWS, byte for byte (RFC 4180: CRLF, quotes doubled).
EXPECTED = (
    "no,name,selected,sites,remark\r\n"
    "1,门急诊挂号系统,是,3,\r\n"
    '2,门急诊收费系统,否,,"含 ""自助机"", 两台"\r\n'
    '3,检验信息系统,是,0,"第一行\n第二行"\r\n'
    "4,一卡通管理系统,否,12,备注\r\n"
).encode()


@pytest.fixture
def before(cli, db_path) -> str:
    """Create (and seed) the store, then return its checksum."""
    ran = cli("contracts")
    assert ran.exit_code == 0, ran
    return store_checksum(db_path)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def import_ok(cli, path: Path, *args: str):
    ran = cli("import", "modules", str(path), "--contract", "leishan", *args)
    assert ran.exit_code == 0, ran
    assert "Traceback" not in ran.stderr
    return ran


def export_csv(cli, tmp_path: Path) -> bytes:
    """The CSV export, read from an -o file (so its CRLFs are seen as written)."""
    out = tmp_path / "export" / "modules.csv"
    out.parent.mkdir(exist_ok=True)
    ran = cli("export", "modules", "-o", str(out))
    assert ran.exit_code == 0, ran
    return out.read_bytes()


def export_json(cli) -> list[dict]:
    ran = cli("export", "modules", "--format", "json")
    assert ran.exit_code == 0, ran
    return json.loads(ran.stdout)


def cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def assert_rejected(ran, db_path, before, source, line, field, fragment):
    """Exit 2, `FILE:LINE: field:` with the fragment on stderr, no traceback, store unchanged."""
    assert ran.exit_code == 2, ran
    assert "Traceback" not in ran.stderr + ran.stdout
    assert f"无法导入 {source}" in ran.stderr, ran.stderr
    where = f"{source}:{line}:" if line else f"{source}:"
    prefix = f"{where} {field}:" if field else where
    assert any(m.strip().startswith(prefix) and fragment in m for m in ran.stderr.splitlines()), ran.stderr
    assert store_checksum(db_path) == before


# ---------------------------------------------------------------------------------------------------
# Good files.


@pytest.mark.parametrize("header", [HEADER_ZH, HEADER_EN], ids=["chinese-header", "english-header"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"], ids=["crlf", "lf"])
def test_valid_csv_gives_the_same_export_in_every_encoding(cli, db_path, before, tmp_path, header, encoding, newline):
    """The same table saved as UTF-8, UTF-8 with BOM, GB18030 or UTF-16 imports to the same module list."""
    text = "\n".join([header, *ROWS, ""]).replace("\n", newline)
    data = text.encode(encoding)
    if encoding == "gb18030":
        assert data != text.encode("utf-8")
    ran = import_ok(cli, write(tmp_path, "modules.csv", data))
    assert "已导入 leishan" in ran.stdout
    assert store_checksum(db_path) != before
    # A line break inside a quoted cell is data: it comes back as it was written.
    assert export_csv(cli, tmp_path) == EXPECTED.replace("第一行\n".encode(), f"第一行{newline}".encode())
    assert export_json(cli)[1] == {
        "no": 2,
        "name": "门急诊收费系统",
        "selected": False,
        "sites": None,
        "remark": '含 "自助机", 两台',
    }


SELECTED = [
    ("是", True),
    ("否", False),
    ("yes", True),
    ("no", False),
    ("true", True),
    ("false", False),
    ("1", True),
    ("0", False),
    ("", False),
    ("YES", True),
    ("True", True),
    ("No", False),
    (" 是 ", True),
    ("y", True),
    ("n", False),
    ("√", True),
]


@pytest.mark.parametrize("cell, selected", SELECTED, ids=[repr(c) for c, _ in SELECTED])
def test_every_selected_spelling(cli, before, tmp_path, cell, selected):
    """是/否, yes/no, true/false, 1/0 (any case) and blank are all read; the export writes 是 or 否."""
    source = write(tmp_path, "m.csv", f"{HEADER_EN}\n7,病案管理系统,{cell},,\n8,设备管理系统,是,,\n")
    import_ok(cli, source)
    assert [m["selected"] for m in export_json(cli)] == [selected, True]
    assert cells(export_csv(cli, tmp_path))[1][2] == ("是" if selected else "否")


@pytest.mark.parametrize("sites, value", [("", None), ("0", 0), ("1", 1), ("42", 42), ("999999", 999999)])
def test_sites_round_trip(cli, before, tmp_path, sites, value):
    """站点数 is blank or a whole number, and exports as written."""
    source = write(tmp_path, "m.csv", f"{HEADER_ZH}\n5,门诊分诊管理系统,是,{sites},\n")
    import_ok(cli, source)
    assert export_json(cli)[0]["sites"] == value
    exported = export_csv(cli, tmp_path)
    assert cells(exported)[1] == ["5", "门诊分诊管理系统", "是", sites, ""]
    import_ok(cli, write(tmp_path, "again.csv", exported))
    assert export_json(cli)[0]["sites"] == value


def test_repeated_name_is_a_warning_and_both_rows_are_kept(cli, before, tmp_path):
    """Two rows with one name: `警告：m.csv:3: name: ...重复（两行都保留）`, and both rows are imported."""
    source = write(tmp_path, "m.csv", f"{HEADER_ZH}\n4,一卡通管理系统,是,,\n28,一卡通管理系统,是,,\n")
    ran = import_ok(cli, source)
    assert any(
        line.startswith(f"警告：{source}:3: name:") and "两行都保留" in line for line in ran.stderr.splitlines()
    ), ran.stderr
    assert [(m["no"], m["name"]) for m in export_json(cli)] == [(4, "一卡通管理系统"), (28, "一卡通管理系统")]


def test_dry_run_lists_changes_and_writes_nothing(cli, db_path, before, tmp_path):
    """`--dry-run` prints what would change (`~ 模块 第 1 行 ...`) and the store stays as it was; 33 changes
    are more than a screen's worth, so every one only with --verbose."""
    source = write(tmp_path, "m.csv", f"{HEADER_ZH}\n1,门急诊挂号系统,是,3,\n")
    ran = import_ok(cli, source, "--dry-run", "--verbose")
    assert "试运行，未写入" in ran.stdout
    assert (
        "站点数：— → 3" in ran.stdout
        and "None" not in ran.stdout
        and "sites" not in ran.stdout
        and "- 模块 第 33 行 检验试剂管理系统" in ran.stdout
    )
    assert store_checksum(db_path) == before
    assert len(export_json(cli)) == 33


def test_export_import_export_is_identical(cli, before, tmp_path):
    """An exported CSV imported again gives the same export, byte for byte (each import really writing)."""
    seeded = export_csv(cli, tmp_path)
    assert len(cells(seeded)) == 34
    import_ok(cli, write(tmp_path, "custom.csv", "\n".join([HEADER_ZH, *ROWS]) + "\n"))
    custom = export_csv(cli, tmp_path)
    assert custom == EXPECTED

    ran = import_ok(cli, write(tmp_path, "seeded.csv", seeded))
    assert "处变化" in ran.stdout and "未改动" not in ran.stdout
    assert export_csv(cli, tmp_path) == seeded
    assert export_json(cli) == [
        {"no": m.no, "name": m.name, "selected": m.selected, "sites": m.sites, "remark": m.remark}
        for m in read_contract_file(LEISHAN).modules
    ]

    import_ok(cli, write(tmp_path, "custom-again.csv", custom))
    assert export_csv(cli, tmp_path) == custom
    ran = import_ok(cli, write(tmp_path, "custom-third.csv", custom))
    assert "未改动" in ran.stdout


FORMULAS = ['=HYPERLINK("x")', "+1", "-x", "@x", "=1+1", "'=x", "''@x", "'plain", "-"]


@pytest.mark.parametrize("name", FORMULAS)
def test_formula_cells_are_quoted_and_read_back(cli, before, tmp_path, name):
    """A name or remark Excel would run as a formula exports as `'=...`; importing that gives the name back."""
    contract = replace(
        read_contract_file(LEISHAN),
        modules=(Module(1, name, True, None, name), Module(2, "门急诊收费系统", False, 2, "")),
    )
    ran = cli("import", "contract", str(write(tmp_path, "c.toml", dumps_toml(contract))))
    assert ran.exit_code == 0, ran

    exported = export_csv(cli, tmp_path)
    rows = cells(exported)
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row), rows
    if name.lstrip("'").startswith(("=", "+", "-", "@")):
        assert rows[1][1] == rows[1][4] == "'" + name
    else:
        assert rows[1][1] == name

    import_ok(cli, write(tmp_path, "other.csv", f"{HEADER_EN}\n9,x,是,,\n"))  # so the next import writes
    import_ok(cli, write(tmp_path, "back.csv", exported))
    assert [(m["name"], m["remark"]) for m in export_json(cli)] == [(name, name), ("门急诊收费系统", "")]
    assert export_csv(cli, tmp_path) == exported


# ---------------------------------------------------------------------------------------------------
# Bad files: exit 2, `FILE:LINE: field: ...`, store unchanged.

H = HEADER_EN
BAD = [
    pytest.param("no,name\n1,a\n", "utf-8", 1, "selected", "缺少这一列", id="missing-column"),
    pytest.param("no,name,selected,colour\n1,a,是,red\n", "utf-8", 1, "colour", "未知的列", id="unknown-column"),
    pytest.param("no,name,selected,name\n1,a,是,b\n", "utf-8", 1, "", "重复的列", id="repeated-column"),
    pytest.param("no;name;selected\n1;a;是\n", "utf-8", 1, "", "分号", id="semicolon-delimiter"),
    pytest.param(f"{H}\n1,a,是,,\nx2,b,否,,\n", "utf-8", 3, "no", "'x2'", id="no-not-integer"),
    pytest.param(f"{H}\n1,a,是,,\n2.0,b,否,,\n", "utf-8", 3, "no", "'2.0'", id="no-decimal"),
    pytest.param(f"{H}\n0,a,是,,\n", "utf-8", 2, "no", "正整数", id="no-zero"),
    pytest.param(f"{H}\n,a,是,,\n", "utf-8", 2, "no", "正整数", id="no-blank"),
    pytest.param(
        f"{H}\n1,a,是,,\n2,b,否,,\n1,c,是,,\n", "utf-8", 4, "no", "编号 1 重复（第 2 行已用）", id="duplicate-no"
    ),
    pytest.param(
        f'{H}\n1,a,是,,\n2,"b\nc",否,,\n3,d,maybe,,\n',
        "utf-8",
        5,
        "selected",
        "'maybe'",
        id="bad-selected-after-multiline-cell",
    ),
    pytest.param(f"{H}\n1,a,是,-1,\n", "utf-8", 2, "sites", "非负整数", id="negative-sites"),
    pytest.param(f"{H}\n1,a,是,三,\n", "utf-8", 2, "sites", "'三'", id="sites-not-number"),
    pytest.param(f"{H}\n1,  ,是,,\n", "utf-8", 2, "name", "模块名为空", id="blank-name"),
    pytest.param(
        f"{H}\n1,a,是,,\n2,b,否,,,extra\n", "utf-8", 3, "", "这一行有 6 格，表头只有 5 列", id="too-many-cells"
    ),
    pytest.param(f'{H}\n1,"a"b,是,,\n', "utf-8", 2, "", "CSV 格式错误", id="text-after-quote"),
    pytest.param(
        f"{H}\n1,a,是,,\n2,b,\udcff\udcfe,,\n", "utf-8", 3, "", "既不是 UTF-8 也不是 GB18030", id="undecodable-bytes"
    ),
    pytest.param(f"{H}\n1,a\x00,是,,\n", "utf-8", 2, "", "NUL", id="nul-byte"),
    pytest.param(f"{H}\n1,a,是,,\n", "utf-16-le", 1, "", "NUL", id="utf-16-without-bom"),
    pytest.param("", "utf-8", None, "", "文件是空的", id="empty-file"),
    pytest.param("", "utf-8-sig", None, "", "文件是空的", id="only-a-bom"),
    pytest.param(f"{H}\n\n,,,,\n", "utf-8", None, "", "没有任何模块行", id="header-only"),
]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("text, encoding, line, field, fragment", BAD)
def test_bad_csv_is_rejected_with_line_and_field(
    cli, db_path, before, tmp_path, text, encoding, line, field, fragment, newline
):
    """A bad CSV: `m.csv:LINE: field: message` on stderr, exit 2, nothing written."""
    data = text.replace("\n", newline).encode(encoding, errors="surrogateescape")
    source = write(tmp_path, "m.csv", data)
    ran = cli("import", "modules", str(source), "--contract", "leishan")
    assert_rejected(ran, db_path, before, source, line, field, fragment)


def test_every_bad_row_is_reported(cli, db_path, before, tmp_path):
    """Three bad rows: all three are listed (`3 处错误`), each with its line."""
    source = write(tmp_path, "m.csv", f"{H}\n1,a,是,,\nx,b,否,,\n3,c,maybe,,\n4,d,是,-2,\n")
    ran = cli("import", "modules", str(source), "--contract", "leishan")
    assert_rejected(ran, db_path, before, source, 3, "no", "'x'")
    assert_rejected(ran, db_path, before, source, 4, "selected", "'maybe'")
    assert_rejected(ran, db_path, before, source, 5, "sites", "'-2'")
    assert "3 处错误" in ran.stderr


def test_missing_file(cli, db_path, before, tmp_path):
    """A file that is not there: `gone.csv: 无法读取：...`, exit 2."""
    source = tmp_path / "gone.csv"
    ran = cli("import", "modules", str(source), "--contract", "leishan")
    assert_rejected(ran, db_path, before, source, None, "", "无法读取")


def test_unterminated_quote_names_the_line_it_opens_on(cli, db_path, before, tmp_path):
    """`2,"b,否` never closes its quote: the message points at line 3, where the quote opens."""
    source = write(tmp_path, "m.csv", f'{H}\n1,a,是,,\n2,"b,否,,\n3,c,是,,\n4,d,是,,\n')
    ran = cli("import", "modules", str(source), "--contract", "leishan")
    assert_rejected(ran, db_path, before, source, 3, "", "CSV 格式错误")


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_unknown_contract_lists_the_known_codes(cli, db_path, before, tmp_path, dry_run):
    """`--contract nope`: `没有这个合同 'nope'；库中的合同：leishan`, non-zero exit, nothing written."""
    source = write(tmp_path, "m.csv", f"{H}\n1,a,是,,\n")
    ran = cli("import", "modules", str(source), "--contract", "nope", *(["--dry-run"] if dry_run else []))
    assert ran.exit_code != 0, ran
    assert "Traceback" not in ran.stderr
    assert "没有这个合同" in ran.stderr and "'nope'" in ran.stderr and "leishan" in ran.stderr, ran.stderr
    assert store_checksum(db_path) == before


def test_a_nul_in_a_utf16_file_is_refused_by_line(cli, db_path, tmp_path):
    """UTF-16 files skip the NUL-byte sniff (every other byte is NUL there): a NUL character in a remark was
    imported, and the contract version it made could not be read back (found by the import fuzzer)."""
    from .conftest import store_checksum

    assert cli("contracts").exit_code == 0
    before = store_checksum(db_path)
    path = tmp_path / "modules.csv"
    path.write_bytes("no,name,selected,sites,remark\r\n1,门急诊挂号系统,是,,\x00\r\n".encode("utf-16"))
    ran = cli("import", "modules", str(path), "--contract", "leishan")
    assert ran.exit_code == 2 and f"{path}:2: remark: 含有控制字符 \\x00" in ran.stderr, ran.stderr
    assert store_checksum(db_path) == before
