"""The module list as CSV: header `no,name,selected,sites,remark` (or the contract's own 编号,使用模块,...)."""

from __future__ import annotations

import csv
import io
import re

from ..contract import MAX_ROWS, Module
from ..errors import InvalidInput, Problem
from ..text import cell_quote as quote
from ..text import cell_unquote as unquote
from ..text import control_problem, decode_table_text, visible

COLUMNS = ("no", "name", "selected", "sites", "remark")
_ALIASES = {
    "编号": "no",
    "序号": "no",
    "使用模块": "name",
    "模块": "name",
    "模块名称": "name",
    "是否选择": "selected",
    "站点数": "sites",
    "备注": "remark",
}
_NUL_OR_SURROGATE = re.compile("[\x00\ud800-\udfff]")
_DIGITS = re.compile(r"\d{1,6}")
_YES = {"是", "yes", "y", "true", "1", "√"}
_NO = {"否", "no", "n", "false", "0", ""}
_YES_OR_NO = _YES | _NO


def read_modules_csv(data: bytes, source: str) -> tuple[tuple[Module, ...], list[Problem]]:
    """Parse the CSV bytes. Returns (modules, warnings); raises InvalidInput with line and field."""
    text = decode_table_text(data, source)
    rows_with_lines = _rows_with_lines(text, source)
    if not rows_with_lines:
        raise InvalidInput(source, [Problem("", "文件是空的：第一行应为表头 no,name,selected,sites,remark")])
    header_line, header, _ = rows_with_lines[0]
    columns = [_ALIASES.get(h.strip(), h.strip().lower()) for h in header]
    problems: list[Problem] = []
    if len(header) == 1 and ";" in header[0]:
        problems.append(Problem("", "分隔符应为英文逗号 ,（这一行用的是分号 ;）", header_line))
    else:
        for name in columns:
            if name not in COLUMNS:
                problems.append(Problem(name, f"未知的列（可用：{','.join(COLUMNS)}）", header_line))
        for name in ("no", "name", "selected"):
            if name not in columns:
                problems.append(Problem(name, "缺少这一列", header_line))
        if len(set(columns)) != len(columns):
            problems.append(Problem("", "表头有重复的列", header_line))
    if problems:
        raise InvalidInput(source, problems)

    modules: list[Module] = []
    warnings: list[Problem] = []
    seen_no: dict[int, int] = {}
    seen_name: dict[str, int] = {}
    # No control, bidi or separator character anywhere but line ends: only a row spanning lines (a quoted
    # cell with a line break) needs its cells checked one by one (50,000 rows: a tenth of the import).
    clean = control_problem(text.replace("\r", "").replace("\n", "")) is None
    width = len(columns)
    nul = _NUL_OR_SURROGATE.search(text) is not None
    quoted = "'" in text  # cell_unquote only undoes a leading '
    for line, row, spans in rows_with_lines[1:]:  # blank rows are not among them
        if len(row) > width:
            problems.append(Problem("", f"这一行有 {len(row)} 格，表头只有 {width} 列", line))
            continue
        cells = dict(zip(columns, [unquote(c).strip() for c in row] if quoted else map(str.strip, row)))
        if len(row) < width:
            cells.update((name, "") for name in columns[len(row) :])
        if (spans or not clean) and _controls(cells, line, problems):
            continue
        module = (None if nul else _plain_module(cells)) or _module(cells, line, problems, nul)
        if module is None:
            continue
        if module.no in seen_no:
            problems.append(Problem("no", f"编号 {module.no} 重复（第 {seen_no[module.no]} 行已用）", line))
            continue
        seen_no[module.no] = line
        if module.name in seen_name:
            warnings.append(
                Problem("name", f"模块名 {module.name!r} 与第 {seen_name[module.name]} 行重复（两行都保留）", line)
            )
        seen_name.setdefault(module.name, line)
        modules.append(module)
    if not problems and not modules:
        problems.append(Problem("", "没有任何模块行"))
    if problems:
        raise InvalidInput(source, problems)
    return tuple(modules), warnings


def _controls(cells: dict[str, str], line: int, problems: list[Problem]) -> bool:
    """Whether a cell holds a control, bidi or separator character (said in `problems`): every column is one
    line but the remark, which may span lines (text.control_problem)."""
    one_line = ",".join(value for name, value in cells.items() if name != "remark")
    if control_problem(one_line) is None and control_problem(cells.get("remark", ""), lines=True) is None:
        return False  # the common case, two checks a row (a character at fault is one in either string)
    found = [(name, p) for name, value in cells.items() if (p := control_problem(value, lines=name == "remark"))]
    problems += [Problem(name, p, line) for name, p in found]
    return bool(found)


def _plain_module(cells: dict[str, str]) -> Module | None:
    """The row as a Module when every cell is as expected (the common case, in one expression); None
    when anything is off, and _module says what. Only for a file with no NUL or lone surrogate anywhere."""
    no, name, selected, sites = cells["no"], cells["name"], cells["selected"].lower(), cells.get("sites", "")
    if (
        name
        and selected in _YES_OR_NO
        and _DIGITS.fullmatch(no)
        and int(no)
        and (not sites or _DIGITS.fullmatch(sites))
    ):
        return Module(int(no), name, selected in _YES, int(sites) if sites else None, cells.get("remark", ""))
    return None


def _module(cells: dict[str, str], line: int, problems: list[Problem], nul: bool = True) -> Module | None:
    """`nul`: whether the file holds a NUL or a lone surrogate anywhere (if not, no cell needs looking at)."""
    before = len(problems)
    for field in ("name", "remark") if nul else ():  # what the contract's validation refuses, here by line
        text = cells.get(field, "")
        if _NUL_OR_SURROGATE.search(text):
            problems.append(Problem(field, "含有 NUL 或无效的 Unicode 代理字符", line))
    no = _int(cells["no"], "no", line, problems, required=True)
    if cells["name"] == "":
        problems.append(Problem("name", "模块名为空", line))
    selected = cells["selected"].lower()
    if selected not in _YES_OR_NO:
        problems.append(
            Problem("selected", f"应为 是/否/yes/no/true/false/1/0 或空，实际是 {cells['selected']!r}", line)
        )
    sites = _int(cells.get("sites", ""), "sites", line, problems, required=False)
    if len(problems) > before:
        return None
    return Module(no=no, name=cells["name"], selected=selected in _YES, sites=sites, remark=cells.get("remark", ""))


def _int(value: str, field: str, line: int, problems: list[Problem], required: bool) -> int | None:
    if value == "" and not required:
        return None
    if not _DIGITS.fullmatch(value) or (field == "no" and int(value) == 0):
        what = "正整数" if field == "no" else "非负整数或空"
        problems.append(Problem(field, f"应为{what}，实际是 {value!r}", line))
        return None
    return int(value)


def _rows_with_lines(text: str, source: str) -> list[tuple[int, list[str], bool]]:
    """Each parsed row but the blank ones after the header, with the line it starts on and whether it
    spans more than one (a quoted cell with a line break)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    out = []
    line = 1
    try:
        for row in reader:
            if out and not "".join(row).strip():  # never kept: a blank row is no module
                line = reader.line_num + 1
                continue
            if len(out) > MAX_ROWS["modules"]:  # the header and that many modules are in
                raise InvalidInput(
                    source, [Problem("", f"模块表最多 {MAX_ROWS['modules']:,} 行（读到这里时停止）", line)]
                )
            out.append((line, row, reader.line_num > line))
            line = reader.line_num + 1
    except csv.Error as e:
        raise InvalidInput(source, [Problem("", f"CSV 格式错误（这一行起）：{e}", line)]) from None
    return out


def dumps_modules_csv(modules: tuple[Module, ...], shown: bool = False) -> str:
    """The module list as CSV that read_modules_csv takes back. `shown`: for a person at a terminal, each
    cell on one line (text.visible, a remark's line breaks as `\\n`), one row a line."""
    cell = (lambda v: visible(quote(v))) if shown else quote
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for m in modules:
        writer.writerow(
            [m.no, cell(m.name), "是" if m.selected else "否", "" if m.sites is None else m.sites, cell(m.remark)]
        )
    return out.getvalue()
