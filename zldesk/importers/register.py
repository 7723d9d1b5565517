"""The vendor's ticket register (CSV or xlsx) read into typed rows: its columns by English or Chinese name,
each cell checked where it stands (file, line, column as the header writes it), the times in the row's own
contract's zone and in the order a ticket lives them. What the rows become is the command's (tickets are
made by tickets.lifecycle); nothing here knows the store."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from ..errors import InvalidInput, OutOfRange, Problem, ZlDeskError
from ..text import control_problem, decode_table_text, parse_instant

# Canonical name -> the Chinese headers taken for it (a register's own words).
COLUMNS = {
    "contract": ("合同", "合同代号"),
    "severity": ("级别", "严重程度", "问题级别"),
    "title": ("标题", "问题"),
    "module": ("模块", "模块名称"),
    "caller": ("来电人", "报修人"),
    "phone": ("电话", "联系电话"),
    "dept": ("科室", "部门"),
    "received_at": ("来电时间", "报修时间"),
    "acknowledged_at": ("响应时间", "受理时间"),
    "arrived_at": ("到场时间",),
    "resolved_at": ("解决时间",),
    "closed_at": ("关闭时间",),
    "assignee": ("负责人", "工程师", "处理人"),
    "note": ("备注",),
    "description": ("描述", "详细描述"),
    "channel": ("渠道",),
}
REQUIRED = ("severity", "title", "received_at")
# The times in the order a ticket lives them: each is no earlier than the ones before it that are given.
TIMES = ("received_at", "acknowledged_at", "arrived_at", "resolved_at", "closed_at")
MULTILINE = ("note", "description")
_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_LEVEL = re.compile(r"(\d{1,2})\s*级?")
_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?(.*)")
# 2025-03-01 08:30:05 (ASCII digits, every field two): what _DAY would rewrite it to is the text itself
_ISO_SECOND = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
FUTURE_TOLERANCE = timedelta(minutes=1)  # as tickets.FUTURE_TOLERANCE: a host clock a little behind


@dataclass(frozen=True)
class Header:
    columns: tuple[str | None, ...]  # each cell's canonical name
    labels: dict[str, str]  # canonical name -> the header as written (what problems name)
    line: int


class Row(NamedTuple):  # a tuple: made for every row of a register, a frozen dataclass costs more
    line: int
    contract: str
    severity: int
    title: str
    module: str
    caller: str
    phone: str
    dept: str
    channel: str
    description: str
    assignee: str
    note: str
    times: dict[str, datetime | None]


def header(cells: list, line: int, source: str) -> Header:
    """The header row's columns; InvalidInput for an unknown, repeated or missing one."""
    names, labels, problems = [], {}, []
    for cell in cells:
        written = _text(cell).strip()
        name = _ALIASES.get(written) or (written.lower() if written.lower() in COLUMNS else None)
        if written and name is None:
            known = "、".join(f"{n}（{a[0]}）" for n, a in COLUMNS.items())
            problems.append(Problem(written, f"未知的列（可用：{known}）", line))
        if name in labels:
            problems.append(Problem(written, f"与 {labels[name]} 是同一列", line))
        names.append(name)
        if name:
            labels.setdefault(name, written)
    for name in REQUIRED:
        if name not in labels:
            problems.append(Problem(name, f"缺少这一列（{COLUMNS[name][0]}）", line))
    if problems:
        raise InvalidInput(source, problems)
    return Header(tuple(names), labels, line)


def rows(data: bytes, source: str) -> Iterator[tuple[int, list]]:
    """(line, cells) of every non-empty row, the header first: xlsx by its bytes (a zip), else CSV in UTF-8
    (BOM or not), UTF-16 with BOM or GB18030, as text.decode_table_text reads it."""
    if data.startswith(b"PK\x03\x04"):
        yield from _xlsx_rows(data, source)
        return
    text = decode_table_text(data, source)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                yield line, cells
            line = reader.line_num + 1
    except csv.Error as e:
        raise InvalidInput(source, [Problem("", f"CSV 格式错误（这一行起）：{e}", line)]) from None


def _xlsx_rows(data: bytes, source: str) -> Iterator[tuple[int, list]]:
    # openpyxl only here: the one command that reads a workbook imports it, in read-only (streaming) mode.
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), 1):
            if any(_text(c).strip() for c in cells):
                yield line, list(cells)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError) as e:
        raise InvalidInput(source, [Problem("", f"不是能读的 xlsx 工作簿：{type(e).__name__}")]) from None


def cells_of(head: Header, line: int, cells: list) -> tuple[dict[str, object], list[Problem]]:
    """The row's cells by canonical name; a row longer than the header is a problem."""
    if len(cells) > len(head.columns) and any(_text(c).strip() for c in cells[len(head.columns) :]):
        return {}, [Problem("", f"这一行有 {len(cells)} 格，表头只有 {len(head.columns)} 列", line)]
    return {name: cell for name, cell in zip(head.columns, cells) if name}, []


def contract_of(cells: dict[str, object]) -> str:
    return _text(cells.get("contract")).strip()


def parse(head: Header, line: int, cells: dict[str, object], code: str, zone: tzinfo, now: datetime):
    """(the Row, []) or (None, its problems): text one line where one is meant, the level a number, every
    time an instant in 2000–2099 (naive ones in `zone`, the contract's), not in the future, in order."""
    labels, problems = head.labels, []

    def say(name: str, message: str) -> None:
        problems.append(Problem(labels.get(name, name), message, line))

    texts = {}
    for name in COLUMNS:
        value = cells.get(name)
        if type(value) is str:  # a CSV's every cell
            texts[name] = value.strip()
        elif not (isinstance(value, (datetime, date)) and name in TIMES):
            texts[name] = _text(value).strip()
    # the row's text checked at once (a character at fault is one, so joining by a space hides none and
    # makes none); only a row with one is checked cell by cell, to name the cell
    one_line = " ".join(t for name, t in texts.items() if name not in MULTILINE)
    if control_problem(one_line) or control_problem(" ".join(texts.get(name, "") for name in MULTILINE), lines=True):
        for name, text in texts.items():
            problem = control_problem(text, lines=name in MULTILINE)
            if problem:
                say(name, problem)
    level = _LEVEL.fullmatch(texts["severity"])
    if not level:
        say("severity", f"应为级别数字（如 2 或 2级），实际是 {texts['severity']!r}")
    if not texts["title"]:
        say("title", "标题为空")
    times: dict[str, datetime | None] = {}
    for name in TIMES:
        times[name] = _instant(cells.get(name), zone, labels.get(name, name), say, name)
    if times["received_at"] is None and not any(p.path == labels["received_at"] for p in problems):
        say("received_at", "来电时间为空")
    _order(times, labels, zone, now, say)
    if problems:
        return None, problems
    return (
        Row(
            line=line,
            contract=code,
            severity=int(level.group(1)),
            title=texts["title"],
            module=texts["module"],
            caller=texts["caller"],
            phone=texts["phone"],
            dept=texts["dept"],
            channel=texts["channel"],
            description=texts["description"],
            assignee=texts["assignee"],
            note=texts["note"],
            times=times,
        ),
        [],
    )


def _instant(value, zone: tzinfo, label: str, say, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):  # an xlsx date cell: the wall clock, in the contract's zone
        value = value.isoformat(sep=" ")
    elif isinstance(value, date):
        value = value.isoformat()
    typed = _text(value).strip()
    if not typed:
        return None
    m = None if _ISO_SECOND.fullmatch(typed) else _DAY.fullmatch(typed)  # ISO already: _DAY's form is itself
    if m:  # 2025/3/1 8:30 as registers write it: the ISO form of it
        y, mo, d, h, mi, s, rest = m.groups()
        typed = f"{y}-{int(mo):02d}-{int(d):02d}" + (f" {int(h):02d}:{mi}" + (f":{s}" if s else "") if h else "")
        typed += rest
    try:
        return parse_instant(typed, zone, label)
    except OutOfRange as e:
        say(name, e.reason)
    except ZlDeskError as e:
        say(name, f"不是时间：{e.message}")
    return None


def _order(times: dict[str, datetime | None], labels: dict[str, str], zone: tzinfo, now: datetime, say) -> None:
    def shown(t: datetime) -> str:
        return f"{t.astimezone(zone):%Y-%m-%d %H:%M}"

    if times["closed_at"] is not None and times["resolved_at"] is None:
        say("closed_at", f"有关闭时间却没有解决时间（{labels.get('resolved_at', '解决时间')}）：只有解决了的工单能关闭")
    before: tuple[str, datetime] | None = None
    for name in TIMES:
        t = times[name]
        if t is None:
            continue
        if t > now + FUTURE_TOLERANCE:
            say(name, f"{shown(t)} 在未来（现在是 {shown(now)}）")
        elif before is not None and t < before[1]:
            say(name, f"{shown(t)} 早于{labels.get(before[0], before[0])} {shown(before[1])}")
        before = (name, t) if before is None or t >= before[1] else before


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone or a level an xlsx cell keeps as a number
    return str(value)
