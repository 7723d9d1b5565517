"""What new contract terms mean for an open ticket, and the words for it.

A ticket keeps the terms it was opened under (the contract version the hospital had signed when it called).
An import lists the open tickets whose terms differ from the new ones; `--reapply-open` moves them, each with
a `reapply` history row saying from which version to which and the deadline before and after. A level or a
module a ticket uses that the new terms drop must be mapped (`--map-level 4=3`, `--map-module 21=22`), or
nothing is imported. Pure: the policies and the tickets in, plans out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from ..errors import OutOfRange, Refused
from ..text import day_time
from .clock import ticket_deadline
from .lifecycle import apply
from .model import Action, Ticket


@dataclass(frozen=True)
class Plan:
    """One open ticket under new terms: what changes for it, or why it cannot move."""

    ticket_id: int
    ticket: Ticket
    due_before: datetime | None
    due_after: datetime | None = None
    levels: dict[int, int] = field(default_factory=dict)  # the level relabelled, where the new terms dropped it
    module: dict | None = None  # the row it refers to under the new terms, where that changed
    problem: str = ""  # why it cannot move: a level or module the new terms drop, not mapped

    def action(self, at: datetime, terms: int, versions: tuple[int, int]) -> Action:
        """The `reapply` history row: to version `terms` (its number `versions[1]`) from `versions[0]`."""
        data = {
            "terms": terms,
            "from_terms": self.ticket.terms,
            "from_version": versions[0],
            "to_version": versions[1],
            "due_before": self.due_before,
            "due_after": self.due_after,
        }
        if self.levels:
            data["levels"] = {str(k): v for k, v in self.levels.items()}
        if self.module is not None:
            data["module"] = self.module
        return Action("reapply", at, data)


def parse_maps(values: list[str] | None, what: str) -> dict[int, int]:
    """`--map-level 4=3` given any number of times: old number -> new number."""
    out: dict[int, int] = {}
    for text in values or ():
        old, sep, new = text.partition("=")
        if not sep or not old.strip().isdigit() or not new.strip().isdigit():
            raise Refused(f"{what} 应写作 旧=新（如 4=3）", repr(text))
        out[int(old)] = int(new)
    return out


def plan(ticket_id: int, t: Ticket, old, new, levels: dict[int, int], modules: dict[int, int], now: datetime):
    """The ticket under the `new` policy (the new terms) instead of `old` (its own): None when that changes
    nothing for it, else a Plan (with `problem` set when a level or module it uses is gone, unmapped, or
    its times are past the years the engine computes)."""
    try:
        before = ticket_deadline(old, t)
    except OutOfRange as e:
        return Plan(ticket_id, t, None, problem=f"时间超出可计算的年份（{e.value}），不能改用新条款")
    problems, relabel = [], {}
    new_levels = {s.level for s in new.contract.severities}
    for _, level in t.levels:
        if level in new_levels:
            continue
        if levels.get(level) in new_levels:
            relabel[level] = levels[level]
        else:
            problems.append(f"新条款没有 {level} 级（--map-level {level}=新级别）")
    module = None
    if t.module_no is not None:
        rows = {m.no: m for m in new.contract.modules}
        row = rows.get(t.module_no) or rows.get(modules.get(t.module_no, -1))
        if row is None:
            problems.append(f"新条款的模块表没有第 {t.module_no} 行（--map-module {t.module_no}=新编号）")
        elif (row.no, row.name, row.selected) != (t.module_no, t.module_name, t.in_scope):
            module = {"no": row.no, "name": row.name, "selected": row.selected}
    if problems:
        return Plan(ticket_id, t, before.due, problem="；".join(problems))
    moved = Plan(ticket_id, t, before.due, None, relabel, module)
    after, _ = apply(t, moved.action(now, 0, (0, 0)), now)
    try:
        d = ticket_deadline(new, after)
    except OutOfRange as e:
        return Plan(ticket_id, t, before.due, problem=f"按新条款时间超出可计算的年份（{e.value}）")
    same = (d.computed_due, d.window, d.target_seconds) == (before.computed_due, before.window, before.target_seconds)
    if same and not relabel and module is None:
        return None
    return Plan(ticket_id, t, before.due, d.due, relabel, module)


def check_maps(levels: dict[int, int], modules: dict[int, int], new) -> None:
    """A map names a level or module row the new terms have, for one they do not have."""
    have_levels = {s.level for s in new.contract.severities}
    have_modules = {m.no for m in new.contract.modules}
    for old, to in levels.items():
        if old in have_levels:
            raise Refused(f"--map-level {old}={to}：新条款里仍有 {old} 级", "只有新条款删掉的级别需要映射")
        if to not in have_levels:
            raise Refused(f"--map-level {old}={to}：新条款里没有 {to} 级", f"新条款的级别：{sorted(have_levels)}")
    for old, to in modules.items():
        if old in have_modules:
            raise Refused(f"--map-module {old}={to}：新条款的模块表仍有第 {old} 行", "只有删掉的行需要映射")
        if to not in have_modules:
            raise Refused(f"--map-module {old}={to}：新条款的模块表没有第 {to} 行", "")


def plan_line(p: Plan, zone: tzinfo, now: datetime) -> str:
    """One line a ticket: `#12 2 级 收费处全部窗口…：到期 11-26 14:00 → 11-26 13:00`."""
    head = f"#{p.ticket_id} {p.ticket.severity} 级 {p.ticket.title}"
    if p.problem:
        return f"{head}：{p.problem}"
    change = f"到期 {_when(p.due_before, zone, now)} → {_when(p.due_after, zone, now)}"
    if p.levels:
        change += "；级别 " + "、".join(f"{a} → {b}" for a, b in sorted(p.levels.items()))
    if p.module is not None:
        change += (
            f"；模块 第 {p.ticket.module_no} 行 → 第 {p.module['no']} 行{'' if p.module['selected'] else '（未选）'}"
        )
    return f"{head}：{change}"


def reapply_line(data: dict, zone: tzinfo, now: datetime) -> str:
    """A `reapply` history row in words (data as stored: times ISO text)."""
    before = _when(_instant(data.get("due_before")), zone, now)
    after = _when(_instant(data.get("due_after")), zone, now)
    text = f"按合同第 {data.get('to_version')} 版条款计（原第 {data.get('from_version')} 版）：到期 {before} → {after}"
    if data.get("levels"):
        text += "；级别 " + "、".join(f"{a} → {b}" for a, b in sorted(data["levels"].items()))
    return text


def _instant(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _when(at: datetime | None, zone: tzinfo, now: datetime) -> str:
    return "挂起中" if at is None else day_time(at, zone, now)
