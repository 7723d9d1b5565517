"""二、软件系统明细表: `编号 使用模块 是否选择 站点数 备注`, one row a line (a long name may go on below).

The 是否选择 cell says 是 or 否, or is empty: the template leaves it empty for a module not taken (the
seed's unselected rows are all empty), so an empty cell is 否. A number after a filled cell is the site
count; the rest is the remark. A site count where the cell is empty (`5 住院病人入出转管理系统 3`) says the
module is installed while the row says it is not taken: the 是 was most likely lost, and coverage decides
whether a hospital's call is in scope, so the number is not read; it is reported and blocks the import
(unless --force, which imports the row as not selected, without sites).
The rows are numbered 1, 2, 3, …: a number that jumps means rows were lost (a page); it blocks likewise.
"""

from __future__ import annotations

import re

from ...errors import Problem
from .lines import ASIDE, Leftover, Line, join, width

PART = "软件系统明细表"
_COLUMNS = {
    "编号": "no",
    "序号": "no",
    "使用模块": "name",
    "模块": "name",
    "模块名称": "name",
    "系统名称": "name",
    "是否选择": "selected",
    "是否选用": "selected",
    "选择": "selected",
    "选用": "selected",
    "站点数": "sites",
    "站点": "sites",
    "站点数量": "sites",
    "备注": "remark",
    "说明": "remark",
}
_TITLES = {"no": "编号", "name": "使用模块", "selected": "是否选择"}
_YES = {"是", "√", "✓", "✔", "选用"}
_NO = {"否", "×", "✗", "不选"}
_ROW = re.compile(r"^(\d+)(?:\s+(.*))?$")


def parse_modules(
    heading: Line, lines: list[Line], tight: frozenset[str]
) -> tuple[list[dict], list[int], list[Leftover], list[Problem]]:
    """The module rows as contract dicts, the line of each, the unplaced text and the problems."""
    if not lines:
        return [], [], [], [Problem(PART, "表是空的（应有表头“编号 使用模块 是否选择 站点数 备注”和各行）", heading.no)]
    header, rows_text = lines[0], lines[1:]
    columns = [_COLUMNS.get(word) for word in header.text.split(" ")]
    problems = [
        Problem(PART, f"表头缺少“{title}”列（表头是“{header.text}”）", header.no)
        for key, title in _TITLES.items()
        if key not in columns
    ]
    leftovers = [
        Leftover(PART, header.no, word, "表头里不认识的列")
        for word, column in zip(header.text.split(" "), columns)
        if column is None
    ]
    if problems:
        return [], [], leftovers, problems
    modules: list[dict] = []
    starts: list[int] = []
    pieces: list[list[str]] = []  # each row's name, as broken over lines
    for line in rows_text:
        m = _ROW.match(line.text)
        if line.text == header.text:  # the header again, at the top of the next page
            leftovers.append(Leftover(ASIDE, line.no, line.text, "重复的表头"))
            continue
        if m:
            expected = modules[-1]["no"] + 1 if modules else 1
            if int(m.group(1)) != expected:
                leftovers.append(
                    Leftover(
                        PART,
                        line.no,
                        line.text,
                        f"编号不连续：应是第 {expected} 行，这里是第 {m.group(1)} 行（行丢了？缺页？）",
                    )
                )
            row = _row(int(m.group(1)), (m.group(2) or "").split(), columns, line, leftovers, problems)
            modules.append(row)
            starts.append(line.no)
            pieces.append([row["name"]])
        elif modules and width(line.text) <= 40 and not re.search(r"[。：:；]", line.text):
            _continue(modules[-1], pieces[-1], line.text.split(" "), tight)  # a cell broken over two lines
        else:
            leftovers.append(Leftover(PART, line.no, line.text, "不是“编号 模块名 是/否 站点数 备注”的一行"))
    for row, name in zip(modules, pieces):
        row["name"] = join(name, tight)
    if modules and not any(row["selected"] for row in modules):
        problems.append(Problem(PART, "没有一行写着“是”：是否选择一列缺失？", header.no))
    if not modules:
        problems.append(Problem(PART, "表里没有任何一行", header.no))
    return modules, starts, leftovers, problems


def _row(
    no: int, tokens: list[str], columns: list, line: Line, leftovers: list[Leftover], problems: list[Problem]
) -> dict:
    pick = next((k for k, t in enumerate(tokens) if t in _YES | _NO), None)
    name_tokens = tokens if pick is None else tokens[:pick]
    rest = [] if pick is None else tokens[pick + 1 :]
    if pick is None and len(name_tokens) > 1 and name_tokens[-1].isdigit() and "sites" in columns:
        sites = name_tokens.pop()  # sites, but no 是/否: most likely the 是 was lost
        leftovers.append(
            Leftover(
                PART,
                line.no,
                line.text,
                f"第 {no} 行写了站点数 {sites}，是否选择一格却是空的：空格表示未选用，而未选用的模块"
                f"不会有站点数；漏了“是”？（用 --force 则这一行按未选用导入，不计站点数）",
            )
        )
    row: dict = {"no": no, "name": " ".join(name_tokens), "selected": pick is not None and tokens[pick] in _YES}
    if not row["name"]:
        problems.append(Problem(PART, f"第 {no} 行没有模块名", line.no))
    if rest and rest[0].isdigit() and "sites" in columns:
        row["sites"] = int(rest.pop(0))
    if rest and "remark" in columns:
        row["remark"] = " ".join(rest)
    elif rest:
        leftovers.append(Leftover(PART, line.no, " ".join(rest), f"第 {no} 行多出的内容（表头没有这一列）"))
    return row


def _continue(row: dict, name: list[str], tokens: list[str], tight: frozenset[str]) -> None:
    """The rest of a row's cells on the next line: more name (maybe then its 是 and sites), or more remark."""
    pick = next((k for k, t in enumerate(tokens) if t in _YES | _NO), None)
    if pick is None or row["selected"] or "sites" in row:
        if row.get("remark"):
            row["remark"] = join([row["remark"], " ".join(tokens)], tight)
        else:
            name.append(" ".join(tokens))
        return
    name.append(" ".join(tokens[:pick]))
    row["selected"] = tokens[pick] in _YES
    rest = tokens[pick + 1 :]
    if rest and rest[0].isdigit():
        row["sites"] = int(rest.pop(0))
    if rest:
        row["remark"] = " ".join(rest)
