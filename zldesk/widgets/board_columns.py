"""The board's columns: which are shown at a width, and how a module is named so that two can be told apart.

A column that says nothing is not shown (the hospital, when every row is one hospital's); when the line is
narrow the columns give way in a fixed order, and the countdown is never the one that goes: at 60 columns
the mark, the number, the level, the title and the countdown are still there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len

from ..text import fit, visible
from ..tickets import STATE_NAMES, Clock


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # 0: takes what is left
    gives_way: int = 0  # at a narrow width, columns with 1 go first, then 2, ...; 0 never


COLUMNS = (
    Column("mark", "", 1),  # ! : under an hour left, or breached (a character, not only a colour)
    Column("id", "单号", 5),
    # Two CJK cells name a county hospital (雷山, 榕江): on a board of several, which one is down matters
    # more at night than who it is assigned to, so the assignee goes first.
    Column("hospital", "医院", 4, gives_way=2),
    Column("severity", "级", 2),
    Column("module", "模块", 10, gives_way=5),
    Column("title", "标题", 0),
    Column("assignee", "指派", 6, gives_way=1),
    Column("state", "状态", 6, gives_way=4),
    Column("due", "到期", 13, gives_way=3),  # the countdown says the same in other words: it goes before state
    Column("countdown", "剩余", 16),
)
TITLE_LEAST = 12  # the title is at least this wide (six CJK characters) while another column can give way for it
TICKING = ("mark", "countdown")  # drawn afresh each tick; the first and the last column


def layout(total: int, hospitals: bool = True) -> list[tuple[Column, int]]:
    """The columns shown on a line of `total` cells and their widths. The hospital column only when the
    rows are of more than one hospital; then columns give way in their order until the title has at least
    TITLE_LEAST cells; the title takes the rest (at the narrowest, whatever is left, at least 1)."""
    shown = [c for c in COLUMNS if hospitals or c.key != "hospital"]

    def left(columns: list[Column]) -> int:
        return total - sum(c.width for c in columns) - (len(columns) - 1)

    for victim in sorted((c for c in shown if c.gives_way), key=lambda c: c.gives_way):
        if left(shown) >= TITLE_LEAST:
            break
        shown.remove(victim)
    title = max(1, left(shown))
    return [(c, c.width or title) for c in shown]


def header_line(width: int, hospitals: bool = True) -> str:
    return " ".join(fit(c.title, w) for c, w in layout(width, hospitals))


def cells(row, customer: str, clock: Clock, zone, module: str | None = None) -> dict[str, str]:
    """Every column's text for a row (the module as `module_labels` names it, when given)."""
    return {
        "mark": clock.mark,
        "id": f"#{row.id}",
        "hospital": hospital_label(customer),
        "severity": str(row.severity),
        "module": module if module is not None else (row.module_name or "-"),
        "title": row.title,
        "assignee": row.assignee or "-",
        "state": STATE_NAMES.get(row.state, row.state),
        "due": clock.due_text(zone),
        "countdown": clock.text(zone),
    }


# What ends most hospitals' names and tells none apart: 雷山县人民医院 is 雷山 on the board.
HOSPITAL_ENDINGS = ("县人民医院", "市人民医院", "人民医院", "县中医医院", "中医医院", "县医院", "医院")


def hospital_label(name: str) -> str:
    """The hospital as the board's column names it: without its generic ending (the column cuts the rest)."""
    name = visible(name)
    ending = next((e for e in HOSPITAL_ENDINGS if name.endswith(e) and len(name) > len(e)), "")
    return name[: len(name) - len(ending)]


# Words that end most module names and tell none apart: dropped when the whole name does not fit.
GENERIC_ENDINGS = ("系统", "管理系统")


def module_labels(names: Iterable[str], width: int) -> dict[str, str]:
    """Each module name as the board names it in `width` cells, so that the names of one contract stay
    apart: the whole name when it fits; else without a generic ending (门急诊收费系统 -> 门急诊收费); else
    its start cut with ~ (门急诊医生工作站 -> 门急诊医~). Names whose cut starts are the same are shown by
    the ends that differ (~生工作站, ~技工作站). Texts are made visible (no control reaches the screen)."""
    names = list(dict.fromkeys(visible(n) for n in names if n))
    labels = {name: _label(name, width) for name in names}
    seen: dict[str, list[str]] = {}
    for name, label in labels.items():
        seen.setdefault(label, []).append(name)
    for group in seen.values():
        if len(group) > 1:
            for name in group:
                labels[name] = _tail(_core(name, width), width)
    return labels


def module_label(name: str, width: int) -> str:
    """One name, alone (a module the row's terms no longer list)."""
    return _label(visible(name), width) if name else "-"


def _core(name: str, width: int) -> str:
    """The name, or without its generic ending: the first that fits, else the shortest."""
    options = [name, *(name[: -len(e)] for e in GENERIC_ENDINGS if name.endswith(e) and len(name) > len(e))]
    return next((o for o in options if cell_len(o) <= width), options[-1])


def _label(name: str, width: int) -> str:
    return fit(_core(name, width), width).rstrip()


def _tail(name: str, width: int) -> str:
    if cell_len(name) <= width:
        return name
    tail = ""
    for ch in reversed(name):
        if cell_len(ch + tail) > width - 1:
            break
        tail = ch + tail
    return "~" + tail
