"""一、服务内容细则: the service table, put back together from its extracted lines.

The table has five columns: category | item | content | channels | remarks (备注, what is excluded).
Extraction gives, row after row: the category label one character a line (once per group), the item name
broken into lines as narrow as its column, the content's lines, then the channel cell and the remark cell,
though a channel cell may also sit in the middle of the content, or at the end of a content line after a
blank. What tells the cells apart is the template's own shape: the columns' widths, the channel words,
the words a remark starts with, and a wrapped cell being full on every line but its last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lines import ASIDE, Leftover, Line, is_cjk, join, width

PART = "服务内容细则"
NAME_MAX = 10  # the item column is four Chinese characters wide (a Latin word may make it nine or ten cells)
NAME_FULL = 6  # ...and a line of it that is not the last is at least three characters
REMARK_MAX = 16  # the remark column: six to seven characters

_WORD = r"(?:QQ\s*群?|微信群?|电话|远程|现场|上门|邮件|传真|短信|论坛|服务网站|网站|公众号)"
_CELL = rf"{_WORD}(?:\s*{_WORD})*(?:\s*[/／、]\s*{_WORD}(?:\s*{_WORD})*)*"
_CHANNELS = re.compile(rf"^{_CELL}$")
_CHANNELS_THEN_TEXT = re.compile(rf"^({_CELL})\s*(\S.*)$")
_ITEM = re.compile(r"^(\d+)\s*[、.．]")
_REMARK_START = re.compile(r"^(?:不含|不包含|不包括|仅限|不提供|不负责)")
_HEADER_WORDS = ("服务类别", "服务项目", "服务内容", "服务方式", "备注")
# How often: 不定期, 每半年一次, 每年 1次, 至少一年一次, 每月, 每周/季度, 每年一次（12 月）, 每年一人次.
_PERIOD = r"(?:半)?(?:年|月|周|季度|季|天|日)"
_TIMES = r"(?:\s*[一二两三四五六七八九十\d]+\s*人?次)?"
_FREQUENCY = re.compile(
    rf"不定期|至少(?:每|一|1)\s*{_PERIOD}{_TIMES}|每{_PERIOD}(?:/{_PERIOD})?{_TIMES}(?:（[^（）]*\d[^（）]*）)?"
)


# The template's phrases and the schedule each states. 每周/季度 (weekly or quarterly bulletins) is taken as
# its shorter interval, one week: the stricter promise, the one a reminder must keep (README).
_NUMERALS = {"一": 1, "1": 1, "两": 2, "二": 2, "三": 3, "四": 4, "六": 6}
_UNIT_OF = {"年": (1, "year"), "半年": (6, "month"), "季度": (3, "month"), "季": (3, "month"), "月": (1, "month")}
_UNIT_OF |= {"周": (1, "week"), "天": (1, "day"), "日": (1, "day")}
_SCHEDULE = re.compile(
    r"^(?:至少)?(?:每|一|1)\s*(半年|年|季度|季|月|周|天|日)(?:/(半年|年|季度|季|月|周|天|日))?"
    r"(?:\s*([一两二三四六1])\s*人?次)?(?:（\s*(\d{1,2})\s*月\s*）)?$"
)


def schedule_of(frequency: str) -> dict | bool | None:
    """The schedule a frequency phrase states: `{"every": "6 months"}` for 每半年一次, `{"every": "1 year",
    "month": 12}` for 每年一次（12 月）; False for 不定期 (none is owed); None for a phrase not read."""
    text = frequency.strip()
    if text == "不定期":
        return False
    m = _SCHEDULE.match(text)
    if m is None:
        return None
    count, unit = min((_UNIT_OF[u] for u in m.group(1, 2) if u), key=_days)  # 每周/季度: the shorter
    if m.group(3) and _NUMERALS[m.group(3)] != 1:
        return None  # 每年两次: twice a year is not one interval the schedule can say
    out: dict = {"every": f"{count} {unit}{'s' if count > 1 else ''}"}
    if m.group(4):
        month = int(m.group(4))
        if unit != "year" or not 1 <= month <= 12:
            return None
        out["month"] = month
    return out


def _days(every: tuple[int, str]) -> int:
    return every[0] * {"day": 1, "week": 7, "month": 30, "year": 365}[every[1]]


@dataclass
class _Row:
    category: str
    name: list[Line]
    content: list[tuple[Line, str, bool]] = field(default_factory=list)  # (line, text, starts a numbered item)
    channels: str | None = None
    remark: list[Line] = field(default_factory=list)
    last_item: int = 0


def parse_services(lines: list[Line], tight: frozenset[str]) -> tuple[list[dict], list[int], list[Leftover]]:
    """The service rows as contract dicts, the line each starts on, and what could not be placed."""
    leftovers: list[Leftover] = []
    if lines and sum(word in lines[0].text for word in _HEADER_WORDS) >= 2:
        leftovers.append(Leftover(ASIDE, lines[0].no, lines[0].text, "服务表的表头"))
        lines = lines[1:]
    rows: list[_Row] = []
    category = ""
    row: _Row | None = None
    i = 0
    while i < len(lines):
        run = _category_run(lines, i)
        if run:
            category, row, i = "".join(line.text for line in lines[i : i + run]), None, i + run
            continue
        line = lines[i]
        if row is None:  # a row starts: its name, up to its first content line
            short, after = _short_run(lines, i, row, NAME_MAX)
            name = _name_suffix(short) if after < len(lines) and _starts_content(lines[after], None) else []
            leftovers += [Leftover(PART, x.no, x.text, "不在任何服务项目里") for x in short[: len(short) - len(name)]]
            if not name:
                if not short:
                    leftovers.append(Leftover(PART, line.no, line.text, "服务内容前没有服务项目名"))
                    after += 1
                i = after
                continue
            if not category:
                leftovers.append(Leftover(PART, name[0].no, name[0].text, "服务项目前没有类别"))
            row = _Row(category, name)
            rows.append(row)
            i = _content(row, lines, after)
            continue
        m = _CHANNELS_THEN_TEXT.match(line.text)
        if m and row.channels is None and _glued(m.group(1), m.group(2)):
            row.channels = m.group(1)
            _add_content(row, line, m.group(2))
            i += 1
            continue
        if _continues_items(row, line):
            _add_content(row, line, line.text)
            i += 1
            continue
        cell = _channel_cell(lines, i) if row.channels is None else 0
        if cell:
            row.channels = "".join(x.text for x in lines[i : i + cell])
            i += cell
            continue
        if not row.remark and _REMARK_START.match(line.text) and width(line.text) <= REMARK_MAX:
            row.remark.append(line)
            i += 1
            continue
        limit = REMARK_MAX if row.remark else NAME_MAX
        short, after = _short_run(lines, i, row, limit)
        if not short:  # a wide line: more content (a remark cell may stand beside the content's middle)
            i = _content(row, lines, i)
            continue
        name = _name_suffix(short) if after < len(lines) and _starts_content(lines[after], row) else []
        tail = short[: len(short) - len(name)]
        if row.remark:
            row.remark += tail
        else:
            for x in tail:
                _add_content(row, x, x.text)
        i = after
        if name:
            row = _Row(category, name)
            rows.append(row)
            i = _content(row, lines, after)
    services = [_service(r, leftovers, tight) for r in rows]
    return [s for s in services if s], [r.name[0].no for r, s in zip(rows, services) if s], leftovers


def _glued(cell: str, rest: str) -> bool:
    """Did extraction glue the channel cell to the front of a content line (`远程/现场2、提供…`)?

    Only a cell of two channels or more counts (a content line may well start with 电话), before a line
    too wide to be a name."""
    return bool(re.search(r"[/／、]", cell)) and width(rest) > NAME_MAX


def _category_run(lines: list[Line], i: int) -> int:
    """How many lines from i hold a category label, one Chinese character a line (two at least)."""
    n = 0
    while i + n < len(lines) and len(lines[i + n].text) == 1 and is_cjk(lines[i + n].text):
        n += 1
    return n if n >= 2 else 0


def _short_run(lines: list[Line], i: int, row: _Row | None, limit: int) -> tuple[list[Line], int]:
    """The lines from i no wider than `limit` that could be a content's last line, a remark or a name."""
    j = i
    while j < len(lines) and width(lines[j].text) <= limit and not _category_run(lines, j):
        if row is not None and (
            _continues_items(row, lines[j])
            or (row.channels is None and _channel_cell(lines, j))
            or (not row.remark and j > i and _REMARK_START.match(lines[j].text))
        ):
            break
        j += 1
    return lines[i:j], j


def _name_suffix(short: list[Line]) -> list[Line]:
    """The longest tail of `short` that can be an item name: narrow lines, all full but the last."""
    for start in range(len(short)):
        tail = short[start:]
        if all(width(x.text) <= NAME_MAX for x in tail) and all(width(x.text) >= NAME_FULL for x in tail[:-1]):
            return tail
    return []


def _starts_content(line: Line, row: _Row | None) -> bool:
    """Can `line` be the first line of an item's content (and so end a name)?"""
    if row is not None and (
        _continues_items(row, line)
        or (row.channels is None and _CHANNELS.match(line.text))
        or (not row.remark and _REMARK_START.match(line.text))
    ):
        return False
    return width(line.text) > NAME_MAX or _item_no(line.text) == 1


def _content(row: _Row, lines: list[Line], i: int) -> int:
    """Add line i to the row's content, splitting off a channel cell printed after a blank at its end."""
    line = lines[i]
    text = line.text
    head, _, last = text.rpartition(" ")
    if head and row.channels is None and _CHANNELS.match(last) and not _channel_cell(lines, i + 1):
        row.channels, text = last, head
    _add_content(row, line, text)
    return i + 1


def _add_content(row: _Row, line: Line, text: str) -> None:
    no = _item_no(text)
    numbered = no == row.last_item + 1 and (no == 1) == (not row.content)
    if numbered:
        row.last_item = no
    row.content.append((line, text, numbered))


def _continues_items(row: _Row, line: Line) -> bool:
    """A numbered content (1、2、3、) goes on at the next number, wherever the cells around it stand."""
    return row.last_item > 0 and _item_no(line.text) == row.last_item + 1


def _item_no(text: str) -> int | None:
    m = _ITEM.match(text)
    return int(m.group(1)) if m else None


def _channel_cell(lines: list[Line], i: int) -> int:
    """1 or 2 if the channel cell (电话/远程, 服务网站、公众号) is line i, or lines i and i+1; else 0."""
    if i >= len(lines):
        return 0
    if _CHANNELS.match(lines[i].text):
        return 1
    if (
        i + 1 < len(lines)
        and width(lines[i].text) <= REMARK_MAX
        and _CHANNELS.match(lines[i].text + lines[i + 1].text)
        and not _category_run(lines, i + 1)
    ):
        return 2
    return 0


def _service(row: _Row, leftovers: list[Leftover], tight: frozenset[str]) -> dict | None:
    name = join([x.text for x in row.name], tight)
    if not row.content:
        leftovers.append(Leftover(PART, row.name[0].no, name, "服务项目没有服务内容"))
        return None
    items: list[list[str]] = []
    for _, text, numbered in row.content:
        if numbered or not items:
            items.append([])
        items[-1].append(text)
    description = "\n".join(join(item, tight) for item in items)
    service: dict = {"category": row.category, "name": name, "description": description}
    if row.channels:
        service["channels"] = [c.strip() for c in re.split(r"\s*[/／、]\s*", row.channels) if c.strip()]
    m = _FREQUENCY.search(description)
    if m:
        service["frequency"] = m.group().strip()
        schedule = schedule_of(service["frequency"])
        if schedule:
            service["schedule"] = schedule
        elif schedule is None:
            why = f"服务“{name}”的频次读不出周期（schedule 未填，请在合同文件里补上）"
            leftovers.append(Leftover(PART, row.name[0].no, service["frequency"], why))
    if row.remark:
        service["exclusions"] = [join([x.text for x in row.remark], tight)]
    return service
