"""The roster history's change lines: what an import or an override changed, one line each, as the store
writes them into roster_event.summary and `zldesk roster import` / `roster log` show them.

Stored text, hashed into the history chain: a reworded line would make old and new rows read differently,
so change a line only knowingly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from .model import Engineer, Override, Rotation


def engineer_line(e: Engineer, known: bool) -> str:
    """An engineer added, or (`known`) one whose phone, skills or standing changed."""
    return f"{'改' if known else '增'} 工程师 {e.name} {e.phone}{'' if e.active else '（停用）'}"


def rotations_line(rotations: Sequence[Rotation], before: int) -> str:
    return f"轮值换为 {len(rotations)} 条（原 {before} 条）：" + "；".join(
        f"{r.name or r.line} {r.unit} {'、'.join(r.engineers)}" for r in rotations
    )


def shifts_line(shifts: int, before: int) -> str:
    """A roster file's fixed shifts replacing the contract's."""
    return f"固定排班换为 {shifts} 班（原 {before} 班）"


def added_shifts_line(shifts: int, trimmed: int) -> str:
    """A shifts file (CSV) added; `trimmed` older shifts it overlapped were cut or replaced."""
    return f"导入 {shifts} 班" + (f"，{trimmed} 个旧班次因时间重叠被截短或取代" if trimmed else "")


def override_line(o: Override, zone: tzinfo) -> str:
    """An override, its times in the contract's zone whatever zone they were typed in."""
    covers = f"替 {o.covers} " if o.covers else ""
    start, end = o.start.astimezone(zone), o.end.astimezone(zone)
    return (
        f"调班{f' #{o.id}' if o.id else ''}：{o.line} {o.engineer} {covers}"
        f"{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}，{o.reason}"
    )
