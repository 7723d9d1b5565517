"""The roster's file forms: TOML for the whole roster, CSV for fixed shifts exported from a spreadsheet.

Reading never half-succeeds: a whole Roster (or every shift of the file), or InvalidInput naming the
file and, for each problem, the field and the line.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from ..contract import MAX_ROWS, Contract, Reader, parse_bounded, toml_locator, zone_named
from ..errors import InvalidInput, OutOfRange, Problem
from ..text import cell_quote as quote
from ..text import cell_unquote as unquote
from ..text import control_problem, decode_table_text, in_range, plain_name, spelled, visible
from .checks import check
from .model import LINE_LABELS, Engineer, Override, Roster, Rotation, Segment, Shift, duty_lines

DEFAULT_ZONE = "Asia/Shanghai"  # the product's; a contract, when given, decides


def _out_of_range(value: date | None, zone: ZoneInfo | None = None) -> str | None:
    """Why `value` is outside the years zldesk takes (text.in_range; an instant read in `zone`), or None. The
    engine walks a rotation from its start: year 1 overflows datetime, year 1000 takes seconds a query."""
    if value is None:
        return None
    try:
        in_range(value, "", zone)
    except OutOfRange as e:
        return f"超出范围：{e.reason}"
    return None


def _zone(contract: Contract | None) -> ZoneInfo:
    return contract.zone if contract else zone_named(DEFAULT_ZONE)


# ---- TOML ------------------------------------------------------------------------------------------

_TABLES = {
    "engineers": ({"name"}, {"phone", "skills", "active"}),
    "rotations": ({"line", "unit", "start", "engineers"}, {"handoff", "end", "name"}),
    "shifts": ({"line", "engineer", "start", "end"}, {"phone", "source"}),
    "overrides": ({"line", "engineer", "start", "end", "reason"}, {"id", "covers"}),
}


def read_roster_toml(text: str, source: str, contract: Contract | None = None) -> Roster:
    """A roster from its TOML text. With `contract`, its duty lines and time zone; without, the three
    standard line names and Asia/Shanghai. Local times (no offset) are read in that zone."""
    try:
        data = parse_bounded(tomllib.loads, text, source)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        raise InvalidInput(source, [Problem("", f"TOML 语法错误：{message}", int(m.group(1)) if m else None)]) from None
    zone = _zone(contract)
    r = Reader()
    for key in data:
        if key not in _TABLES:
            r.error(key, f"未知字段（可用：{'、'.join(_TABLES)}）")
    built: dict[str, list[Any]] = {}
    kept: dict[str, list[int]] = {}  # table -> index in the file of each row built
    spellings: dict[str, tuple[str, str]] = {}  # an engineer's one spelling -> (the row, as the file wrote it)
    for table, (required, optional) in _TABLES.items():
        built[table], kept[table] = [], []
        for path, item in r.rows(data, table, MAX_ROWS[table]):
            before = len(r.problems)
            row = r.table(item, path, required, optional)
            value = _row(r, table, path, row, zone, len(built[table])) if row is not None else None
            if table == "engineers" and value is not None and len(r.problems) == before:
                _one_person(r, path, row["name"], spellings)
            if value is not None and len(r.problems) == before:
                built[table].append(value)
                kept[table].append(int(path[path.index("[") + 1 : -1]))
    roster = Roster(
        lines=duty_lines(contract) if contract else (),
        engineers=tuple(built["engineers"]),
        rotations=tuple(built["rotations"]),
        shifts=tuple(built["shifts"]),
        overrides=tuple(built["overrides"]),
    )
    problems = r.problems + [_renumber(p, kept) for p in check(roster)]
    if problems:
        locate = toml_locator(text)
        raise InvalidInput(source, [Problem(p.path, p.message, p.line or locate(p.path)) for p in problems])
    return roster


def _renumber(p: Problem, kept: dict[str, list[int]]) -> Problem:
    """check() counts the rows that were built; the file counts all of them."""

    def fix(m: re.Match) -> str:
        rows = kept.get(m.group(1), [])
        k = int(m.group(2))
        return f"{m.group(1)}[{rows[k] if k < len(rows) else k}]"

    pattern = r"\b(engineers|rotations|shifts|overrides)\[(\d+)\]"
    return Problem(re.sub(pattern, fix, p.path), re.sub(pattern, fix, p.message), p.line)


def _one_person(r: Reader, path: str, written: str, spellings: dict[str, tuple[str, str]]) -> None:
    """Two rows naming one engineer (王芳 twice, or 王芳 and 王\u200b芳, ＡＢＣ and ABC, which look alike):
    refused, naming both rows and, where they differ, how each was written."""
    name = plain_name(written)
    if name not in spellings:
        spellings[name] = (path, written)
        return
    first, spelling = spellings[name]
    if spelling.strip() == written.strip():
        r.error(f"{path}.name", f"工程师「{name}」重复出现（{first} 已有）")
    else:
        r.error(
            f"{path}.name",
            f"工程师「{spelled(written)}」与 {first} 的「{spelled(spelling)}」看起来是同一个人"
            f"（去掉零宽字符、全角转半角后都是「{name}」）：只写一次",
        )


def _name(r: Reader, d: dict, path: str, key: str, *default) -> str | None:
    """A person's name, in one spelling (text.plain_name)."""
    value = r.get(d, path, key, "str", *default)
    return plain_name(value) if isinstance(value, str) else value


def _row(r: Reader, table: str, path: str, d: dict, zone: ZoneInfo, index: int):
    if table == "engineers":
        return Engineer(
            _name(r, d, path, "name") or "",
            r.get(d, path, "phone", "str", ""),
            r.get(d, path, "skills", "strlist", ()),
            r.get(d, path, "active", "bool", True),
        )
    line = r.get(d, path, "line", "str") or ""
    if table == "rotations":
        start, end = r.get(d, path, "start", "date"), r.get(d, path, "end", "date", None)
        for key, value in (("start", start), ("end", end)):
            if (problem := _out_of_range(value)) is not None:
                r.error(f"{path}.{key}", problem)
        return Rotation(
            line=line,
            engineers=tuple(plain_name(x) for x in r.get(d, path, "engineers", "strlist") or ()),
            unit=r.get(d, path, "unit", "str") or "",
            handoff=r.get(d, path, "handoff", "str", "08:30"),
            start=start or date.min,
            end=end,
            name=r.get(d, path, "name", "str", ""),
        )
    start, end = _when(r, d, path, "start", zone), _when(r, d, path, "end", zone)
    if start is None or end is None:
        return None
    engineer = _name(r, d, path, "engineer") or ""
    if table == "shifts":
        return Shift(
            line, engineer, start, end, r.get(d, path, "source", "str", ""), r.get(d, path, "phone", "str", "")
        )
    return Override(
        r.get(d, path, "id", "int", index + 1),
        line,
        engineer,
        start,
        end,
        r.get(d, path, "reason", "str") or "",
        _name(r, d, path, "covers", None) or None,
    )


def _when(r: Reader, d: dict, path: str, key: str, zone: ZoneInfo) -> datetime | None:
    value = d.get(key)
    if isinstance(value, str):
        value = parse_time(value, zone)
    if not isinstance(value, datetime):
        r.error(f"{path}.{key}", f"应为日期时刻（如 2026-10-01T08:30），实际是 {value!r}")
        return None
    if (problem := _out_of_range(value, zone)) is not None:
        r.error(f"{path}.{key}", problem)
        return None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)


# ---- CSV -------------------------------------------------------------------------------------------

_COLUMNS = {
    "line": "line",
    "值班线": "line",
    "engineer": "engineer",
    "工程师": "engineer",
    "phone": "phone",
    "电话": "phone",
    "start": "start",
    "开始": "start",
    "end": "end",
    "结束": "end",
}
_REQUIRED = ("line", "engineer", "start", "end")
_TIME = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_time(text: str, zone: ZoneInfo) -> datetime | None:
    """ISO or spreadsheet time (2026/10/1 8:30, 24:00 as the next midnight); without offset, local in `zone`."""
    text = text.strip()
    m = _TIME.match(text)
    if m:
        y, mo, d, h, mi, s = (int(g or 0) for g in m.groups())
        try:
            day = date(y, mo, d)
            if (h, mi, s) == (24, 0, 0):
                return datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
            return datetime(y, mo, d, h, mi, s, tzinfo=zone)
        except (ValueError, OverflowError):  # 9999-12-31 24:00 has no next day
            return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) <= 10:  # a bare date is no time of day
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    try:
        return value.astimezone(zone)
    except OverflowError:  # year 1 or 9999 moved to `zone`: the caller refuses it (_out_of_range) anyway
        return value


def read_roster_csv(data: bytes, source: str, contract: Contract | None = None) -> list[Shift]:
    """Fixed shifts from CSV columns line,engineer,phone,start,end (or 值班线,工程师,电话,开始,结束; phone
    optional). A line is its name or its Chinese label. Overlapping rows on one line are an error."""
    text = decode_table_text(data, source)
    zone = _zone(contract)
    lines = duty_lines(contract) if contract else ()
    labels = {line.name: line.label for line in lines} if lines else LINE_LABELS
    known = {**{name: name for name in labels}, **{label: name for name, label in labels.items()}}
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise InvalidInput(
            source, [Problem("", "缺少表头（line,engineer,phone,start,end 或 值班线,工程师,电话,开始,结束）", 1)]
        )
    names = [cell.strip() for cell in header]
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for i, name in enumerate(names):
        key = _COLUMNS.get(name.lower())
        if key is None:
            problems.append(Problem(name, f"未知的列（可用：{'、'.join(_COLUMNS)}）", 1))
        elif key in columns:
            problems.append(Problem(name, "列重复", 1))
        else:
            columns[key] = i
    for key in _REQUIRED:
        if key not in columns:
            problems.append(Problem(key, "缺少必填列", 1))
    if problems:
        raise InvalidInput(source, problems)
    label = {key: names[i] for key, i in columns.items()}
    label_of = PurePath(source).name or source
    rows: list[tuple[int, Shift]] = []
    count = 0
    end = reader.line_num
    for row in reader:
        no, end = end + 1, reader.line_num  # the line the row starts on: a quoted cell may span lines
        if not any(cell.strip() for cell in row):
            continue
        count += 1
        if count > MAX_ROWS["shifts"]:  # before a row more is read: every problem of a huge file is memory too
            raise InvalidInput(source, [Problem("", f"值班表最多 {MAX_ROWS['shifts']:,} 行（读到这里时停止）", no)])
        if len(row) != len(names):
            problems.append(Problem("", f"有 {len(row)} 列，表头有 {len(names)} 列", no))
            continue
        cell = {key: unquote(row[i].strip()) for key, i in columns.items()}
        before = len(problems)
        for key, value in cell.items():  # every column is one line: a line, a name, a phone, a time
            if problem := control_problem(value):
                problems.append(Problem(label[key], problem, no))
        if len(problems) > before:
            continue
        cell["engineer"] = plain_name(cell["engineer"])
        line = known.get(cell["line"])
        if line is None:
            problems.append(Problem(label["line"], f"未知的值班线「{cell['line']}」（可用：{'、'.join(known)}）", no))
        if not cell["engineer"]:
            problems.append(Problem(label["engineer"], "工程师不能为空", no))
        times = {}
        for key in ("start", "end"):
            times[key] = parse_time(cell[key], zone)
            if times[key] is None:
                problems.append(Problem(label[key], f"不是日期时刻（如 2026-10-01 08:30）：{cell[key]!r}", no))
            elif (problem := _out_of_range(times[key], zone)) is not None:
                problems.append(Problem(label[key], problem, no))
                times[key] = None
        if times["start"] and times["end"] and times["end"] <= times["start"]:
            problems.append(Problem(label["end"], f"结束 {cell['end']} 不晚于开始 {cell['start']}", no))
        if len(problems) == before:
            rows.append(
                (
                    no,
                    Shift(
                        line,
                        cell["engineer"],
                        times["start"],
                        times["end"],
                        f"导入排班：{label_of}",
                        cell.get("phone", ""),
                    ),
                )
            )
    problems += _csv_overlaps(rows, label["start"])
    if problems:
        raise InvalidInput(source, sorted(problems, key=lambda p: p.line or 0))
    return [shift for _, shift in rows]


def _csv_overlaps(rows: list[tuple[int, Shift]], column: str) -> list[Problem]:
    out = []
    for line in dict.fromkeys(s.line for _, s in rows):
        mine = sorted(((no, s) for no, s in rows if s.line == line), key=lambda row: row[1].start)
        reach = None  # the earlier row that ends last
        for no, s in mine:
            if reach is not None and s.start < reach[1].end:
                out.append(
                    Problem(
                        column,
                        f"与第 {reach[0]} 行（{reach[1].engineer}）在「{LINE_LABELS.get(line, line)}」上时间重叠",
                        no,
                    )
                )
            if reach is None or s.end > reach[1].end:
                reach = (no, s)
    return out


def write_roster_csv(segments: Iterable[Segment], phones: Mapping[str, str], zone: tzinfo, shown: bool = False) -> str:
    """Held segments as CSV that read_roster_csv takes back: Chinese headers and line labels, local
    times without offset in `zone` (the contract's). Gaps are left out: there is nobody to import.
    `shown`: for a person at a terminal, each cell on one line (text.visible), one row a line."""
    cell = (lambda v: visible(quote(v))) if shown else quote
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; with "\n" a CR in a cell went out unquoted
    out.writerow(["值班线", "工程师", "电话", "开始", "结束"])
    for s in segments:
        if s.engineer is not None:
            # A cell starting = + - @ would run as a formula in Excel (a phone written +86...): quoted.
            out.writerow(
                [
                    LINE_LABELS.get(s.line, s.line),
                    cell(s.engineer),
                    cell(phones.get(s.engineer, "")),
                    f"{s.start.astimezone(zone):%Y-%m-%d %H:%M}",
                    f"{s.end.astimezone(zone):%Y-%m-%d %H:%M}",
                ]
            )
    return buffer.getvalue()


def new_engineers(shifts: list[Shift], roster: Roster) -> list[Engineer]:
    """Engineers the shifts name that the roster does not know yet, with the phone the file gave."""
    known = {e.name for e in roster.engineers}
    out: dict[str, Engineer] = {}
    for s in shifts:
        if s.engineer not in known and s.engineer not in out:
            out[s.engineer] = Engineer(s.engineer, s.phone)
    return list(out.values())
