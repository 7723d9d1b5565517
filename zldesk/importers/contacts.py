"""The hospital's people, as CSV or TOML (`import contacts`): name, phone(s), department, role.

CSV: header `name,phone,dept,role` (or 姓名,电话,科室,角色 ...); several numbers in one cell separated by
`;`, `；`, `、` or `,` (a quoted cell), or the person's row repeated with another number (the same name
and department: the numbers are added to the first row's person). TOML: `[[contacts]]` tables whose
`phone` is a string or a list of strings. Every number must be one (phones.parse); every value one line
without control characters; at most MAX_ROWS["people"] people. Problems name the line and the column."""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass

from .. import phones
from ..contract.limits import MAX_ROWS
from ..errors import InvalidInput, Problem
from ..text import cell_quote, cell_unquote, control_problem, decode_table_text

COLUMNS = ("name", "phone", "dept", "role")
_ALIASES = {
    "姓名": "name",
    "名字": "name",
    "联系人": "name",
    "电话": "phone",
    "手机": "phone",
    "号码": "phone",
    "联系电话": "phone",
    "科室": "dept",
    "部门": "dept",
    "角色": "role",
    "职务": "role",
    "岗位": "role",
}
MAX_FIELD = 200  # characters of one name, department or role; a number is far shorter
MAX_PHONES = 20  # numbers of one person


@dataclass(frozen=True)
class Person:
    name: str
    dept: str
    role: str
    phones: tuple[str, ...]


def read_contacts(data: bytes, source: str) -> tuple[Person, ...]:
    """The people of a .csv or .toml file (by the name's ending; anything else is read as CSV)."""
    text = decode_table_text(data, source)
    if source.lower().endswith(".toml"):
        return _toml(text, source)
    if source.lower().endswith(".json"):
        return _json(text, source)
    return _csv(text, source)


class _People:
    """People as rows are read: checked, merged by (name, dept), problems kept by line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.people: dict[tuple[str, str], list] = {}  # (name, dept) -> [role, phones, line, keys]

    def add(self, cells: dict[str, str], line: int | None, where: dict[str, str], locate=None) -> None:
        """`where`: each field's name in the problems; `locate` (TOML) finds a field's own line."""
        before = len(self.problems)

        def at(field: str) -> int | None:  # a field's own line where the file says it, else the row's
            return (locate and locate(where[field])) or line

        for field in ("name", "dept", "role"):
            value = cells.get(field, "")
            problem = control_problem(value)
            if problem is None and len(value) > MAX_FIELD:
                problem = f"太长：{len(value):,} 个字符，最多 {MAX_FIELD}"
            if problem:
                self.problems.append(Problem(where[field], problem, at(field)))
        if not cells.get("name"):
            self.problems.append(Problem(where["name"], "姓名为空", at("name")))
        numbers = cells.get("numbers", ())
        if not numbers:
            self.problems.append(Problem(where["phone"], "没有电话号码", at("phone")))
        for number in numbers:
            problem = control_problem(number)
            if problem is None and phones.parse(number) is None:
                problem = f"{number!r} 不是电话号码（只能有数字、空格、- . ( ) 和开头的 +，可带“转分机”）"
            if problem:
                self.problems.append(Problem(where["phone"], problem, at("phone")))
        if len(self.problems) > before:
            return
        name, dept, role = cells["name"], cells.get("dept", ""), cells.get("role", "")
        person = self.people.get((name, dept))
        if person is None:
            if len(self.people) >= MAX_ROWS["people"]:
                self.problems.append(Problem("", f"联系人最多 {MAX_ROWS['people']:,} 人（读到这里时停止）", line))
                raise InvalidInput(self.source, self.problems)
            person = self.people[(name, dept)] = [role, [], line, {}]
        elif role and person[0] and role != person[0]:
            self.problems.append(
                Problem(where["role"], f"与第 {person[2]} 行同名同科室，但角色不同（{person[0]!r}）", at("role"))
            )
            return
        person[0] = person[0] or role
        for number in numbers:
            p = phones.parse(number)
            same = p.key or p.local
            if same in person[3]:
                said = f"第 {person[3][same]} 行" if person[3][same] != line else "这一行"
                self.problems.append(Problem(where["phone"], f"号码 {number} 与{said}的重复", at("phone")))
                continue
            person[3][same] = line
            person[1].append(number)
        if len(person[1]) > MAX_PHONES:
            self.problems.append(Problem(where["phone"], f"一人最多 {MAX_PHONES} 个号码", at("phone")))

    def result(self) -> tuple[Person, ...]:
        if not self.problems and not self.people:
            self.problems.append(Problem("", "没有任何联系人"))
        if self.problems:
            raise InvalidInput(self.source, sorted(self.problems, key=lambda p: p.line or 0))
        return tuple(
            Person(name, dept, role, tuple(numbers)) for (name, dept), (role, numbers, *_) in self.people.items()
        )


def _csv(text: str, source: str) -> tuple[Person, ...]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    people = _People(source)
    line, columns = 1, None
    try:
        for row in reader:
            start, line = line, reader.line_num + 1
            if not "".join(row).strip():
                continue
            if columns is None:
                columns = _header(row, start, source)
                continue
            if reader.line_num > start:
                people.problems.append(Problem("", "一格里有换行：每一格只能写一行", start))
                continue
            if len(row) > len(columns):
                people.problems.append(Problem("", f"这一行有 {len(row)} 格，表头只有 {len(columns)} 列", start))
                continue
            cells = {name: cell_unquote(value).strip() for name, value in zip(columns, row)}
            cells["numbers"] = phones.split(cells.get("phone", ""))
            people.add(cells, start, {c: c for c in COLUMNS})
    except csv.Error as e:
        raise InvalidInput(source, [Problem("", f"CSV 格式错误（这一行起）：{e}", line)]) from None
    if columns is None:
        raise InvalidInput(source, [Problem("", "文件是空的：第一行应为表头 name,phone,dept,role")])
    return people.result()


def _header(row: list[str], line: int, source: str) -> list[str]:
    columns = [_ALIASES.get(h.strip().lstrip("\ufeff"), h.strip().lower()) for h in row]
    problems = [
        Problem(name, f"未知的列（可用：{','.join(COLUMNS)}）", line) for name in columns if name not in COLUMNS
    ]
    problems += [Problem(name, "缺少这一列", line) for name in ("name", "phone") if name not in columns]
    if len(set(columns)) != len(columns):
        problems.append(Problem("", "表头有重复的列", line))
    if problems:
        raise InvalidInput(source, problems)
    return columns


def _toml(text: str, source: str) -> tuple[Person, ...]:
    import re

    from ..contract import parse_bounded, toml_locator

    try:
        data = parse_bounded(tomllib.loads, text, source)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        where = f"第 {m.group(2)} 列：" if m else ""
        raise InvalidInput(source, [Problem("", f"TOML 语法错误：{where}{message}", m and int(m.group(1)))]) from None
    locate = toml_locator(text)
    unknown = [k for k in data if k != "contacts"]
    if unknown:
        raise InvalidInput(source, [Problem(k, "未知的键（只有 [[contacts]]）", locate(k)) for k in unknown])
    return _rows(data.get("contacts", []), source, locate)


def _json(text: str, source: str) -> tuple[Person, ...]:
    """What `export contacts --format json` writes: a list of {name, phone: [...], dept, role}."""
    import json

    from ..contract import parse_bounded

    try:
        data = parse_bounded(json.loads, text, source)
    except json.JSONDecodeError as e:
        raise InvalidInput(source, [Problem("", f"JSON 语法错误：第 {e.colno} 列：{e.msg}", e.lineno)]) from None
    return _rows(data, source, lambda _path: None, "")


def _rows(rows, source: str, locate, top: str = "contacts") -> tuple[Person, ...]:
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InvalidInput(source, [Problem(top, "应为联系人表的列表", locate(top))])
    people = _People(source)
    for i, row in enumerate(rows):
        path = f"{top}[{i}]"
        where = {c: f"{path}.{c}" for c in COLUMNS}
        bad = [Problem(f"{path}.{k}", f"未知的键（可用：{','.join(COLUMNS)}）", locate(f"{path}.{k}")) for k in row]
        bad = [p for p, k in zip(bad, row) if k not in COLUMNS]
        phone = row.get("phone", [])
        numbers = [phone] if isinstance(phone, str) else phone
        if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
            bad.append(Problem(where["phone"], "应为字符串或字符串的列表", locate(where["phone"])))
        for field in ("name", "dept", "role"):
            if not isinstance(row.get(field, ""), str):
                bad.append(Problem(where[field], "应为字符串", locate(where[field])))
        if bad:
            people.problems += bad
            continue
        cells = {field: row.get(field, "").strip() for field in ("name", "dept", "role")}
        cells["numbers"] = [n.strip() for n in numbers if n.strip()]
        people.add(cells, locate(path), where, locate)
    return people.result()


def dumps_contacts_csv(people: tuple[Person, ...]) -> str:
    """The people as CSV that read_contacts takes back: one row a person, the numbers joined by `；`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for p in people:
        writer.writerow([cell_quote(p.name), "；".join(p.phones), cell_quote(p.dept), cell_quote(p.role)])
    return out.getvalue()


def contacts_json(people: tuple[Person, ...]) -> list[dict]:
    return [{"name": p.name, "phone": list(p.phones), "dept": p.dept, "role": p.role} for p in people]


def _who(p: Person) -> str:
    return f"{p.name}（{p.dept}）" if p.dept else p.name


def diff_people(old: tuple[Person, ...], new: tuple[Person, ...]) -> list[str]:
    """What replacing `old` by `new` changes, one line each (`+` added, `-` removed, `~` changed), as
    `import modules` says it; a person is the same person by name and department."""
    before = {(p.name, p.dept): p for p in old}
    after = {(p.name, p.dept): p for p in new}
    out = [f"+ 联系人 {_who(p)}  {'；'.join(p.phones)}" for k, p in after.items() if k not in before]
    out += [f"- 联系人 {_who(p)}  {'；'.join(p.phones)}" for k, p in before.items() if k not in after]
    for k, p in after.items():
        was = before.get(k)
        if was is None or was == p:
            continue
        said = []
        if was.phones != p.phones:
            said.append(f"电话 {'；'.join(was.phones)} → {'；'.join(p.phones)}")
        if was.role != p.role:
            said.append(f"角色 {was.role or '（空）'} → {p.role or '（空）'}")
        out.append(f"~ 联系人 {_who(p)}  " + "；".join(said))
    if not out and old != new:
        out.append("~ 联系人的顺序变了")
    return out
