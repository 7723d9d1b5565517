"""A roster's problems, each with the path its TOML form gives it (`rotations[1].engineers`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..contract import HHMM_RE
from ..errors import OverrideRefused, Problem
from ..text import control_problem, plain_name, spelled
from .model import UNITS, Override, Roster

STANDARD_LINES = ("hotline", "backup", "onsite")


def valid_handoff(text: object) -> bool:
    m = HHMM_RE.match(text) if isinstance(text, str) else None
    return bool(m) and int(m.group(1)) < 24 and int(m.group(2)) < 60


def _list(names) -> str:
    return "、".join(names) or "（空）"


def check(roster: Roster) -> list[Problem]:
    """Unknown engineers and lines, empty or backwards periods, bad units and handoffs, inactive engineers
    on duty, naive times, and fixed shifts that overlap on one line. A roster without lines is checked
    against the three standard lines."""
    problems: list[Problem] = []
    add = problems.append
    lines = [line.name for line in roster.lines] or list(STANDARD_LINES)
    people = {}
    spellings: dict[str, tuple[int, str]] = {}  # one spelling (text.plain_name) -> the first row with it
    for i, e in enumerate(roster.engineers):
        key = plain_name(e.name)
        if not key:
            add(Problem(f"engineers[{i}].name", "工程师姓名不能为空"))
        elif e.name in people:
            add(Problem(f"engineers[{i}].name", f"工程师「{e.name}」重复出现（engineers[{spellings[key][0]}] 已有）"))
        elif key in spellings:  # a name kept from before names were made one spelling, and its look-alike
            j, other = spellings[key]
            add(
                Problem(
                    f"engineers[{i}].name",
                    f"工程师「{spelled(e.name)}」与 engineers[{j}] 的「{spelled(other)}」看起来是同一个人"
                    f"（去掉零宽字符、全角转半角后都是「{key}」）",
                )
            )
        people.setdefault(e.name, e)
        spellings.setdefault(key, (i, e.name))

    def line_ok(path: str, line: str) -> None:
        if line not in lines:
            add(Problem(f"{path}.line", f"未知的值班线「{line}」（可用：{_list(lines)}）"))

    def person_ok(path: str, name: str, on_duty: bool = True) -> None:
        e = people.get(name)
        if e is None:
            add(Problem(path, f"未知的工程师「{name}」（名单里有：{_list(people)}）"))
        elif on_duty and not e.active:
            add(Problem(path, f"工程师「{name}」已停用，不能排班"))

    def period_ok(path: str, start, end, kind: type) -> None:
        for key, value in (("start", start), ("end", end)):
            if kind is datetime and isinstance(value, datetime) and value.tzinfo is None:
                add(Problem(f"{path}.{key}", "时刻没有时区（应先按合同时区解释）"))
                return
        if end is not None and end <= start:
            add(Problem(f"{path}.end", f"结束（{end}）不晚于开始（{start}）"))

    for i, r in enumerate(roster.rotations):
        path = f"rotations[{i}]"
        line_ok(path, r.line)
        if r.unit not in UNITS:
            add(Problem(f"{path}.unit", f"未知的轮换单位「{r.unit}」（可用：{_list(UNITS)}）"))
        if not valid_handoff(r.handoff):
            add(Problem(f"{path}.handoff", f"交接时刻应写作 HH:MM（00:00–23:59），实际是 {r.handoff!r}"))
        if not r.engineers:
            add(Problem(f"{path}.engineers", "轮值名单是空的"))
        for name in r.engineers:
            person_ok(f"{path}.engineers", name)
        period_ok(path, r.start, r.end, object)

    for i, s in enumerate(roster.shifts):
        path = f"shifts[{i}]"
        line_ok(path, s.line)
        person_ok(f"{path}.engineer", s.engineer)
        period_ok(path, s.start, s.end, datetime)
    problems += _overlaps(roster)

    seen: set[int] = set()
    for i, o in enumerate(roster.overrides):
        path = f"overrides[{i}]"
        if o.id in seen:
            add(Problem(f"{path}.id", f"调班编号 #{o.id} 重复"))
        seen.add(o.id)
        line_ok(path, o.line)
        person_ok(f"{path}.engineer", o.engineer)
        if o.covers is not None:
            person_ok(f"{path}.covers", o.covers, on_duty=False)
            if o.covers == o.engineer:
                add(Problem(f"{path}.covers", f"「{o.engineer}」替自己顶班，没有意义"))
        period_ok(path, o.start, o.end, datetime)
    return problems


def _overlaps(roster: Roster) -> list[Problem]:
    """Fixed shifts on one line must not overlap: there would be no way to say who holds it."""
    out = []
    timed = [
        (i, s)
        for i, s in enumerate(roster.shifts)
        if s.start.tzinfo is not None and s.end.tzinfo is not None and s.start < s.end
    ]
    for line in dict.fromkeys(s.line for _, s in timed):
        rows = sorted(((i, s) for i, s in timed if s.line == line), key=lambda row: row[1].start)
        longest = None  # the earlier shift that reaches furthest
        for i, s in rows:
            if longest is not None and s.start < longest[1].end:
                j, other = longest
                out.append(
                    Problem(
                        f"shifts[{i}].start",
                        f"与 shifts[{j}]（{other.engineer}，"
                        f"{other.start:%Y-%m-%d %H:%M}–{other.end:%Y-%m-%d %H:%M}）在同一值班线上重叠",
                    )
                )
            if longest is None or s.end > longest[1].end:
                longest = (i, s)
    return out


def typed_override(o: Override) -> Override:
    """An override as a person typed it (the CLI, the console's form): names and reason on one line, with
    nothing in them that would act on a terminal (OverrideRefused, exit 2), names in one spelling."""
    for what, value in (("工程师", o.engineer), ("替谁（--covers）", o.covers or ""), ("原因（--reason）", o.reason)):
        if problem := control_problem(value):
            raise OverrideRefused([Problem("", f"{what}{problem}")])
    return replace(o, engineer=plain_name(o.engineer), covers=plain_name(o.covers) if o.covers else o.covers)
