"""`zldesk import contract` with bad files: a precise message (file, field path, line), exit 2, store untouched.

Every bad file is the bundled leishan.toml (or its JSON export) with one known line altered, so the line
a message must name is known. Lines are replaced, never removed, so the numbering stays that of LEISHAN.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import LEISHAN, store_checksum

TEXT = LEISHAN.read_text(encoding="utf-8")
LINES = TEXT.split("\n")


# ---------------------------------------------------------------------------------------------------
# Where things are in LEISHAN.


def top(key: str) -> int:
    """Line of a top-level `key = ...`."""
    for n, line in enumerate(LINES, 1):
        if line.startswith("["):
            break
        if line.startswith(f"{key} ="):
            return n
    raise LookupError(key)


def row(table: str, ident: str, key: str | None = None) -> int:
    """Line of `key` in the [[table]] row that has the line `ident`; its [[header]] line if key is None."""
    current, header = None, 0
    for n, line in enumerate(LINES, 1):
        if line.startswith("["):
            current, header = line.strip("[] "), n
        elif current == table and line == ident:
            if key is None:
                return header
            for m in range(header + 1, len(LINES) + 1):
                if LINES[m - 1].startswith("["):
                    break
                if LINES[m - 1].startswith(f"{key} ="):
                    return m
    raise LookupError((table, ident, key))


def first_header(table: str) -> int:
    return LINES.index(f"[[{table}]]") + 1


def alter(line: int, old: str, new: str, text: str = TEXT) -> str:
    """The text with `old` replaced by `new` on `line` (which must contain it)."""
    lines = text.split("\n")
    assert old in lines[line - 1], (line, lines[line - 1], old)
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines)


def alters(text: str, *edits: tuple[int, str, str]) -> str:
    for line, old, new in edits:
        text = alter(line, old, new, text)
    return text


CUSTOMER = top("customer")
TIMEZONE = top("timezone")
REMOTE = row("windows", 'name = "remote"')
REMOTE_START = row("windows", 'name = "remote"', "start")
REMOTE_END = row("windows", 'name = "remote"', "end")
REMOTE_DAYS = row("windows", 'name = "remote"', "days")
HOTLINE_START = row("windows", 'name = "hotline"', "start")
LEVEL1_TARGET = row("severities", "level = 1", "target")
LEVEL4 = row("severities", "level = 4", "level")
M4_NO = row("modules", "no = 4", "no")
M4_NAME = row("modules", "no = 4", "name")
M5 = row("modules", "no = 5")
M5_SELECTED = row("modules", "no = 5", "selected")
M6_NO = row("modules", "no = 6", "no")
M28_NAME = row("modules", "no = 28", "name")
M2_NO = row("modules", "no = 2", "no")


# ---------------------------------------------------------------------------------------------------
# Running and checking.


@pytest.fixture
def before(cli, db_path) -> str:
    """Create (and seed) the store, then return its checksum."""
    ran = cli("contracts")
    assert ran.exit_code == 0, ran
    assert "leishan" in ran.stdout
    return store_checksum(db_path)


@pytest.fixture
def exported_json(cli, before) -> str:
    ran = cli("export", "contract", "--format", "json")
    assert ran.exit_code == 0, ran
    return ran.stdout


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


Expect = tuple[int | None, str, str]  # (line or None, field path or "", a piece of the message)


def message_lines(stderr: str) -> list[str]:
    """The stderr lines, indentation and a leading `警告：` removed."""
    return [line.strip().removeprefix("警告：") for line in stderr.splitlines()]


def has_problem(stderr: str, source: Path, line: int | None, path: str, fragment: str) -> bool:
    where = f"{source}:{line}:" if line else f"{source}:"
    prefix = f"{where} {path}:" if path else where
    return any(m.startswith(prefix) and fragment in m for m in message_lines(stderr))


def assert_rejected(ran, db_path: Path, before: str, source: Path, *expected: Expect) -> None:
    """Exit 2, a message naming the file and each (line, path), no traceback, store unchanged."""
    assert ran.exit_code == 2, ran
    assert "Traceback" not in ran.stderr + ran.stdout
    assert f"无法导入 {source}" in ran.stderr, ran.stderr
    for line, path, fragment in expected:
        assert has_problem(ran.stderr, source, line, path, fragment), (line, path, fragment, ran.stderr)
    assert store_checksum(db_path) == before


# ---------------------------------------------------------------------------------------------------
# TOML.

TOML_SYNTAX = [
    pytest.param(CUSTOMER, '人民医院"', "人民医院", id="unterminated-string"),
    pytest.param(top("vendor"), "vendor =", "customer =", id="key-defined-twice"),
    pytest.param(REMOTE_DAYS, '"weekdays"', '"weekdays" extra', id="garbage-after-value"),
    pytest.param(M5, "[[modules]]", "[[modules]", id="broken-table-header"),
]


@pytest.mark.parametrize("line, old, new", TOML_SYNTAX)
def test_toml_syntax_error_names_the_line(cli, db_path, before, tmp_path, line, old, new):
    """A TOML syntax error: `bad.toml:LINE: TOML 语法错误：第 N 列：...`, exit 2."""
    source = write(tmp_path, "bad.toml", alter(line, old, new))
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (line, "", "TOML 语法错误"))


TOML_FIELDS = [
    pytest.param(
        CUSTOMER,
        'customer = "雷山县人民医院"',
        "# customer removed",
        [(None, "customer", "缺少必填字段")],
        id="missing-customer",
    ),
    pytest.param(
        M5_SELECTED,
        "selected = true",
        "# selected removed",
        [(M5, "modules[4].selected", "缺少必填字段")],
        id="missing-selected",
    ),
    pytest.param(
        M5_SELECTED,
        "selected =",
        "selectd =",
        [(M5_SELECTED, "modules[4].selectd", "未知字段"), (M5, "modules[4].selected", "缺少必填字段")],
        id="typo-selectd",
    ),
    pytest.param(
        top("product"),
        "product =",
        "prodcut =",
        [(top("product"), "prodcut", "未知字段"), (None, "product", "缺少必填字段")],
        id="typo-top-level",
    ),
    pytest.param(M4_NO, "no = 4", 'no = "4"', [(M4_NO, "modules[3].no", "应为整数")], id="no-is-text"),
    pytest.param(M4_NO, "no = 4", "no = 4.0", [(M4_NO, "modules[3].no", "应为整数")], id="no-is-float"),
    pytest.param(
        M4_NO, "no = 4", "no = 0", [(M4_NO, "modules[3].no", "编号应为 1 到 1000000 的整数")], id="no-is-zero"
    ),
    pytest.param(
        M5_SELECTED, "true", '"yes"', [(M5_SELECTED, "modules[4].selected", "应为布尔值")], id="selected-is-text"
    ),
    pytest.param(
        LEVEL1_TARGET,
        "amount = 3,",
        'amount = "3",',
        [(LEVEL1_TARGET, "severities[0].target.amount", "应为数字")],
        id="amount-is-text",
    ),
    pytest.param(
        LEVEL1_TARGET,
        "amount = 3,",
        "amount = 0,",
        [(LEVEL1_TARGET, "severities[0].target.amount", "时限应大于 0")],
        id="amount-zero",
    ),
    pytest.param(
        LEVEL1_TARGET,
        '"hours"',
        '"minutes"',
        [(LEVEL1_TARGET, "severities[0].target.unit", "hours | working_days")],
        id="unknown-unit",
    ),
    pytest.param(M4_NAME, '"一卡通管理系统"', '"  "', [(M4_NAME, "modules[3].name", "模块名为空")], id="blank-name"),
    pytest.param(M6_NO, "no = 6", "no = 5", [(M6_NO, "modules[5].no", "编号 5 重复")], id="duplicate-no"),
    pytest.param(
        LEVEL4, "level = 4", "level = 5", [(first_header("severities"), "severities", "[1, 2, 3, 5]")], id="level-gap"
    ),
    pytest.param(
        LEVEL4, "level = 4", "level = 3", [(first_header("severities"), "severities", "[1, 2, 3, 3]")], id="level-twice"
    ),
    pytest.param(
        LEVEL1_TARGET,
        '"onsite"',
        '"nowhere"',
        [(LEVEL1_TARGET, "severities[0].target.window", "引用了不存在的窗口 'nowhere'")],
        id="target-unknown-window",
    ),
    pytest.param(REMOTE_START, "08:30", "25:00", [(REMOTE_START, "windows[1].start", "不是有效的时刻")], id="hour-25"),
    pytest.param(
        REMOTE_START, "08:30", "08:60", [(REMOTE_START, "windows[1].start", "不是有效的时刻")], id="minute-60"
    ),
    pytest.param(REMOTE_START, "08:30", "8:30", [(REMOTE_START, "windows[1].start", "HH:MM")], id="no-leading-zero"),
    pytest.param(
        REMOTE_START, "08:30", "24:00", [(REMOTE_START, "windows[1].start", "不是有效的时刻")], id="start-24:00"
    ),
    pytest.param(REMOTE_END, "18:00", "24:30", [(REMOTE_END, "windows[1].end", "不是有效的时刻")], id="end-24:30"),
    pytest.param(
        REMOTE_END, "18:00", "07:00", [(REMOTE_END, "windows[1].end", "不晚于开始时间")], id="end-before-start"
    ),
    pytest.param(
        REMOTE_END, "18:00", "08:30", [(REMOTE_END, "windows[1].end", "不晚于开始时间")], id="end-equals-start"
    ),
    pytest.param(
        REMOTE_DAYS,
        "weekdays",
        "weekends",
        [(REMOTE_DAYS, "windows[1].days", "all | weekdays | workdays")],
        id="unknown-days",
    ),
    pytest.param(TIMEZONE, "Asia/Shanghai", "Asia/Shanghia", [(TIMEZONE, "timezone", "未知时区")], id="bad-timezone"),
    pytest.param(top("code"), '"leishan"', '"Lei Shan"', [(top("code"), "code", "合同代号")], id="bad-code"),
]


@pytest.mark.parametrize("line, old, new, expected", TOML_FIELDS)
def test_toml_field_error_names_path_and_line(cli, db_path, before, tmp_path, line, old, new, expected):
    """A bad field: `bad.toml:LINE: modules[4].selected: ...` (each problem on its own line), exit 2."""
    source = write(tmp_path, "bad.toml", alter(line, old, new))
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, *expected)


def test_end_24_00_is_accepted_for_an_end(cli, db_path, before, tmp_path):
    """`end = "24:00"` closes a window at midnight: the import succeeds and the export keeps it."""
    source = write(tmp_path, "ok.toml", alter(REMOTE_END, "18:00", "24:00"))
    ran = cli("import", "contract", str(source))
    assert ran.exit_code == 0, ran
    assert "1 处变化" in ran.stdout
    windows = json.loads(cli("export", "contract", "--format", "json").stdout)["windows"]
    assert windows[1]["name"] == "remote" and windows[1]["end"] == "24:00"
    assert store_checksum(db_path) != before


def test_several_problems_are_all_reported(cli, db_path, before, tmp_path):
    """A file with three unrelated mistakes lists all three (`3 处错误`), each with its line."""
    text = alters(
        TEXT,
        (M5_SELECTED, "true", '"yes"'),
        (REMOTE_START, "08:30", "25:00"),
        (TIMEZONE, "Asia/Shanghai", "Mars/Olympus"),
    )
    source = write(tmp_path, "bad.toml", text)
    ran = cli("import", "contract", str(source))
    assert_rejected(
        ran,
        db_path,
        before,
        source,
        (M5_SELECTED, "modules[4].selected", "应为布尔值"),
        (REMOTE_START, "windows[1].start", "25:00"),
        (TIMEZONE, "timezone", "Mars/Olympus"),
    )
    assert "3 处错误" in ran.stderr


def test_dry_run_of_a_bad_file_fails_the_same_way(cli, db_path, before, tmp_path):
    """`--dry-run` validates as fully as an import: exit 2 and the same message."""
    source = write(tmp_path, "bad.toml", alter(M5_SELECTED, "true", '"yes"'))
    ran = cli("import", "contract", str(source), "--dry-run")
    assert_rejected(ran, db_path, before, source, (M5_SELECTED, "modules[4].selected", "应为布尔值"))


# ---------------------------------------------------------------------------------------------------
# JSON (field errors have a path but no line: JSON has no line locator).


def _del(key):
    return lambda d: d.pop(key)


def _set(path, value):
    def edit(d):
        *parents, last = path
        for p in parents:
            d = d[p]
        d[last] = value

    return edit


def _rename_selected(d):
    d["modules"][4]["selectd"] = d["modules"][4].pop("selected")


JSON_FIELDS = [
    pytest.param(_del("customer"), "customer", "缺少必填字段", id="missing-customer"),
    pytest.param(
        lambda d: d["modules"][4].pop("selected"), "modules[4].selected", "缺少必填字段", id="missing-selected"
    ),
    pytest.param(_rename_selected, "modules[4].selectd", "未知字段", id="typo-selectd"),
    pytest.param(_set(["modules", 3, "no"], "4"), "modules[3].no", "应为整数", id="no-is-text"),
    pytest.param(_set(["modules", 3, "no"], 4.0), "modules[3].no", "应为整数", id="no-is-float"),
    pytest.param(_set(["modules", 3, "no"], True), "modules[3].no", "应为整数", id="no-is-bool"),
    pytest.param(_set(["modules", 4, "selected"], "yes"), "modules[4].selected", "应为布尔值", id="selected-is-text"),
    pytest.param(_set(["modules", 4, "selected"], 1), "modules[4].selected", "应为布尔值", id="selected-is-1"),
    pytest.param(
        _set(["severities", 0, "target", "amount"], "3"), "severities[0].target.amount", "应为数字", id="amount-is-text"
    ),
    pytest.param(
        _set(["severities", 0, "target", "amount"], True),
        "severities[0].target.amount",
        "应为数字",
        id="amount-is-bool",
    ),
    pytest.param(_set(["modules", 5, "no"], 5), "modules[5].no", "编号 5 重复", id="duplicate-no"),
    pytest.param(_set(["severities", 3, "level"], 5), "severities", "[1, 2, 3, 5]", id="level-gap"),
    pytest.param(
        _set(["severities", 0, "target", "window"], "nowhere"),
        "severities[0].target.window",
        "'nowhere'",
        id="target-unknown-window",
    ),
    pytest.param(_set(["windows", 1, "start"], "25:00"), "windows[1].start", "不是有效的时刻", id="hour-25"),
    pytest.param(_set(["windows", 1, "start"], "24:00"), "windows[1].start", "不是有效的时刻", id="start-24:00"),
    pytest.param(_set(["windows", 1, "end"], "07:00"), "windows[1].end", "不晚于开始时间", id="end-before-start"),
    pytest.param(_set(["windows", 1, "days"], "weekends"), "windows[1].days", "weekends", id="unknown-days"),
    pytest.param(_set(["timezone"], "Mars/Olympus"), "timezone", "未知时区", id="bad-timezone"),
    pytest.param(
        _set(["period"], {"start": "2024-01-01", "end": "2023-12-31"}),
        "period.end",
        "早于开始日期",
        id="period-backwards",
    ),
    pytest.param(
        _set(["period"], {"start": "2024-02-30", "end": "2025-01-01"}), "period.start", "不是日期", id="period-bad-date"
    ),
    pytest.param(_set(["modules"], {}), "modules", "应为列表", id="modules-not-a-list"),
    pytest.param(_set(["modules", 0], 1), "modules[0]", "应为表", id="module-not-a-table"),
]


@pytest.mark.parametrize("edit, path, fragment", JSON_FIELDS)
def test_json_field_error_names_path(cli, db_path, before, exported_json, tmp_path, edit, path, fragment):
    """A bad field in JSON: `bad.json: modules[4].selected: ...`, exit 2."""
    data = json.loads(exported_json)
    edit(data)
    source = write(tmp_path, "bad.json", json.dumps(data, ensure_ascii=False, indent=2))
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (None, path, fragment))


def test_json_top_level_must_be_an_object(cli, db_path, before, tmp_path):
    """A JSON list instead of an object: `x.json: 应为表（键值对），实际是 列表`."""
    source = write(tmp_path, "x.json", "[1, 2]\n")
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (None, "", "应为表"))


@pytest.mark.parametrize(
    "old, new",
    [
        pytest.param('"customer": "雷山县人民医院",', '"customer": 雷山县人民医院,', id="unquoted-value"),
        pytest.param('"customer": "雷山县人民医院",', "'customer': '雷山县人民医院',", id="single-quotes"),
        pytest.param('"customer": "雷山县人民医院",', '"customer": "雷山县人民医院",,', id="double-comma"),
    ],
)
def test_json_syntax_error_names_the_line(cli, db_path, before, exported_json, tmp_path, old, new):
    """A JSON syntax error: `bad.json:LINE: JSON 语法错误：第 N 列：...`, exit 2."""
    lines = exported_json.split("\n")
    line = next(n for n, text in enumerate(lines, 1) if text.strip() == old)
    lines[line - 1] = lines[line - 1].replace(old, new)
    source = write(tmp_path, "bad.json", "\n".join(lines))
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (line, "", "JSON 语法错误"))


# ---------------------------------------------------------------------------------------------------
# Bytes that are not a UTF-8 text, and files that are not there.


def _ascii_comments(text: str) -> str:
    """LEISHAN with its Chinese leading comments made ASCII, so the first non-ASCII line is a field."""
    return "\n".join("# comment" if line.startswith("#") else line for line in text.split("\n"))


def _base_text(fmt: str, exported_json: str) -> str:
    return _ascii_comments(TEXT) if fmt == "toml" else exported_json


def _first_non_ascii_line(text: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if not line.isascii())


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_gb18030_file_is_named_with_its_first_bad_line(cli, db_path, before, exported_json, tmp_path, fmt):
    """A GBK/GB18030 file: `bad.toml:6: 不是 UTF-8 编码（...GBK/GB18030 文件请另存为 UTF-8）`."""
    text = _base_text(fmt, exported_json)
    source = write(tmp_path, f"bad.{fmt}", text.encode("gb18030"))
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (_first_non_ascii_line(text), "", "不是 UTF-8 编码"))


@pytest.mark.parametrize("fmt", ["toml", "json"])
@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: t.encode("utf-16"), id="utf-16-bom"),
        pytest.param(lambda t: b"\xff\xfe" + t.encode("utf-16-le"), id="utf-16-le-bom"),
        pytest.param(lambda t: b"\xfe\xff" + t.encode("utf-16-be"), id="utf-16-be-bom"),
    ],
)
def test_utf16_file_is_named_as_utf16(cli, db_path, before, exported_json, tmp_path, fmt, encode):
    """A UTF-16 file (with BOM): `bad.toml: 文件是 UTF-16 编码；请另存为 UTF-8`."""
    source = write(tmp_path, f"bad.{fmt}", encode(_base_text(fmt, exported_json)))
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (None, "", "UTF-16"))


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_nul_byte_is_named_with_its_line(cli, db_path, before, exported_json, tmp_path, fmt):
    """A NUL byte: `bad.toml:7: 含有 NUL 字节：不是文本文件`."""
    text = _base_text(fmt, exported_json)
    line = next(n for n, t in enumerate(text.split("\n"), 1) if "雷山县人民医院" in t)
    source = write(tmp_path, f"bad.{fmt}", text.replace("雷山县人民医院", "雷山\x00县人民医院", 1))
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (line, "", "NUL"))


def test_utf8_bom_is_tolerated(cli, db_path, before, tmp_path):
    """A UTF-8 file saved with a BOM (Notepad) imports like one without."""
    source = write(tmp_path, "bom.toml", b"\xef\xbb\xbf" + alter(CUSTOMER, "雷山县人民医院", "雷山县医院").encode())
    ran = cli("import", "contract", str(source))
    assert ran.exit_code == 0, ran
    assert "医院：雷山县人民医院 → 雷山县医院" in ran.stdout


@pytest.mark.parametrize(
    "name, make, fragment",
    [
        pytest.param("missing.toml", None, "无法读取", id="missing-file"),
        pytest.param("folder.toml", "dir", "无法读取", id="a-directory"),
        pytest.param("contract.txt", "copy", "不认识的格式", id="unknown-extension"),
        pytest.param("contract", "copy", "不认识的格式", id="no-extension"),
    ],
)
def test_unreadable_or_unknown_file(cli, db_path, before, tmp_path, name, make, fragment):
    """A file that is not there, a folder, or a name without .toml/.json: the message names the file."""
    source = tmp_path / name
    if make == "dir":
        source.mkdir()
    elif make == "copy":
        source.write_bytes(LEISHAN.read_bytes())
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (None, "", fragment))


def test_unknown_format_option(cli, db_path, before, tmp_path):
    """`--format yaml`: `c.toml: 不认识的格式 'yaml'`, exit 2."""
    source = write(tmp_path, "c.toml", TEXT)
    ran = cli("import", "contract", str(source), "--format", "yaml")
    assert_rejected(ran, db_path, before, source, (None, "", "'yaml'"))


def test_format_option_overrides_the_extension(cli, db_path, before, tmp_path):
    """A .txt file imports with `--format toml`."""
    source = write(tmp_path, "contract.txt", alter(CUSTOMER, "雷山县人民医院", "雷山县医院"))
    ran = cli("import", "contract", str(source), "--format", "toml")
    assert ran.exit_code == 0, ran
    assert "医院：雷山县人民医院 → 雷山县医院" in ran.stdout
    assert store_checksum(db_path) != before


# ---------------------------------------------------------------------------------------------------
# Dry run and warnings.


def test_dry_run_shows_the_change_and_writes_nothing_then_import_applies_it(cli, db_path, before, tmp_path):
    """`--dry-run` prints `医院：雷山县人民医院 → 雷山县医院` and writes nothing; the import then does."""
    source = write(tmp_path, "renamed.toml", alter(CUSTOMER, "雷山县人民医院", "雷山县医院"))
    change = "医院：雷山县人民医院 → 雷山县医院"

    ran = cli("import", "contract", str(source), "--dry-run")
    assert ran.exit_code == 0, ran
    assert "试运行，未写入" in ran.stdout and "1 处变化" in ran.stdout and change in ran.stdout
    assert store_checksum(db_path) == before
    assert json.loads(cli("export", "contract", "--format", "json").stdout)["customer"] == "雷山县人民医院"

    ran = cli("import", "contract", str(source))
    assert ran.exit_code == 0, ran
    assert "已导入 leishan" in ran.stdout and "1 处变化" in ran.stdout and change in ran.stdout
    assert store_checksum(db_path) != before
    assert json.loads(cli("export", "contract", "--format", "json").stdout)["customer"] == "雷山县医院"


def test_dry_run_on_first_use_predicts_what_the_import_does(cli, db_path, tmp_path):
    """On first use, `--dry-run` shows the same change as the real import (which seeds leishan first)."""
    source = write(tmp_path, "renamed.toml", alter(CUSTOMER, "雷山县人民医院", "雷山县医院"))
    ran = cli("import", "contract", str(source), "--dry-run")
    assert ran.exit_code == 0, ran
    assert not db_path.exists()
    assert "医院：雷山县人民医院 → 雷山县医院" in ran.stdout, ran.stdout
    assert "新合同" not in ran.stdout


def test_warnings_are_printed_and_the_import_keeps_both_rows(cli, db_path, before, tmp_path):
    """Duplicate module name (rows 4 and 28) and a 7*8 label on weekdays: warnings on stderr, import succeeds."""
    source = write(tmp_path, "renamed.toml", alter(CUSTOMER, "雷山县人民医院", "雷山县医院"))
    ran = cli("import", "contract", str(source))
    assert ran.exit_code == 0, ran
    assert has_problem(ran.stderr, source, M28_NAME, "modules[27].name", "一卡通管理系统"), ran.stderr
    assert has_problem(ran.stderr, source, REMOTE, "windows[1]", "'7*8'"), ran.stderr
    assert all(line.startswith("警告：") for line in ran.stderr.splitlines() if line), ran.stderr
    assert store_checksum(db_path) != before
    modules = json.loads(cli("export", "contract", "--format", "json").stdout)["modules"]
    assert len(modules) == 33
    assert [m["no"] for m in modules if m["name"] == "一卡通管理系统"] == [4, 28]


# ---------------------------------------------------------------------------------------------------
# Problems found in the package (see the report): these state the intended behaviour.


def test_duplicate_no_after_a_bad_row_names_the_right_row(cli, db_path, before, tmp_path):
    """Row 2 has `no = "2"`, row 6 repeats no 5: the duplicate is `modules[5].no` on row 6's line."""
    text = alters(TEXT, (M2_NO, "no = 2", 'no = "2"'), (M6_NO, "no = 6", "no = 5"))
    source = write(tmp_path, "bad.toml", text)
    ran = cli("import", "contract", str(source))
    assert_rejected(
        ran,
        db_path,
        before,
        source,
        (M2_NO, "modules[1].no", "应为整数"),
        (M6_NO, "modules[5].no", "编号 5 重复（modules[4] 已用）"),
    )


def test_one_bad_window_is_one_error(cli, db_path, before, tmp_path):
    """`start = "25:00"` in the hotline window gives one error, not `引用了不存在的窗口 'hotline'` elsewhere."""
    source = write(tmp_path, "bad.toml", alter(HOTLINE_START, "08:30", "25:00"))
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (HOTLINE_START, "windows[0].start", "不是有效的时刻"))
    assert "1 处错误" in ran.stderr and "不存在的窗口" not in ran.stderr


def test_one_bad_severity_is_one_error(cli, db_path, before, tmp_path):
    """An unknown target window in level 1 gives one error, not also `severities: 级别应为 1..3`."""
    source = write(tmp_path, "bad.toml", alter(LEVEL1_TARGET, '"onsite"', '"nowhere"'))
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (LEVEL1_TARGET, "severities[0].target.window", "'nowhere'"))
    assert "1 处错误" in ran.stderr and "级别应为" not in ran.stderr


@pytest.mark.parametrize(
    "fmt, edit, path",
    [
        pytest.param("toml", lambda t: alter(CUSTOMER, '"雷山县人民医院"', "5", t), "customer", id="toml-customer-int"),
        pytest.param("json", _set(["customer"], None), "customer", id="json-customer-null"),
        pytest.param("json", _set(["vendor"], ["x"]), "vendor", id="json-vendor-list"),
        pytest.param("json", _set(["title"], 5), "title", id="json-title-int"),
    ],
)
def test_wrong_type_in_a_top_level_text_field_is_reported(
    cli, db_path, before, exported_json, tmp_path, fmt, edit, path
):
    """`customer = 5` is an input error naming `customer` (exit 2), not `数据库错误 NOT NULL constraint failed`."""
    if fmt == "toml":
        content = edit(TEXT)
    else:
        data = json.loads(exported_json)
        edit(data)
        content = json.dumps(data, ensure_ascii=False, indent=2)
    source = write(tmp_path, f"bad.{fmt}", content)
    ran = cli("import", "contract", str(source))
    assert_rejected(ran, db_path, before, source, (CUSTOMER if fmt == "toml" else None, path, "应为文本"))


def test_a_target_of_centuries_is_refused(cli, db_path, tmp_path):
    """1e300 hours would pass as a number, then no deadline could ever be computed: refused on import."""
    from .conftest import LEISHAN, store_checksum

    path = tmp_path / "c.toml"
    path.write_text(
        LEISHAN.read_text(encoding="utf-8").replace("amount = 3, unit", "amount = 1e300, unit", 1), encoding="utf-8"
    )
    assert cli("contracts").exit_code == 0
    before = store_checksum(db_path)
    ran = cli("import", "contract", str(path))
    assert ran.exit_code == 2 and "severities[0].target.amount" in ran.stderr and "1000" in ran.stderr
    assert store_checksum(db_path) == before
