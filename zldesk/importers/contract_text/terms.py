"""三、售后服务方式及响应时间: the numbered items that give the windows, the severity levels and the lines.

Which item is which comes from its title (热线支持服务, 备勤专线…, 网络远程服务, 软件故障现场处理, …).
Rules of the template, not of one hospital:
- a window is each `响应时间：A*B 小时（days hours）`; its days come from the brackets, else from A (7 = every
  day, 5 = Monday to Friday); without hours, B = 24 means the whole day;
- the hotline, open Monday to Friday, counts statutory workdays when the backup line takes the holidays;
- the backup line's window is all the time the hotline is closed (`outside`);
- a target in 工作日 counts on a `workday` window: statutory workdays at the hotline's hours;
- a target in hours counts on the window of the item that lists the levels (上门服务);
- windows the text states come first, in text order; the derived ones (backup, workday) after;
- a level's target is the time the engineer ARRIVES (`最迟 N 小时内到达`): a time followed by anything
  else (`24 小时内响应`: a response is not an arrival) is not a target and is reported, as is a target in a
  unit the contract cannot hold (minutes, days, weeks: only hours and working days);
- items are numbered 1、2、3、… : a number that jumps (4、 then 6、) means an item, a page, was lost.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from ...errors import Problem
from .lines import NUMBER, Leftover, Line, join, number, plain

WINDOWS, SEVERITIES, OTHER = "服务窗口", "问题分级", "售后服务方式"
_ROLES = (
    ("complaints", "投诉"),
    ("hotline", "热线"),
    ("backup", "备勤"),
    ("remote", "远程"),
    ("onsite", "现场"),
    ("qq", "QQ"),
    ("forum", "论坛"),
    ("site", "网站"),
)
_ITEM = re.compile(r"^(\d+)\s*[、.．]\s*")
_TITLE = re.compile(r"^(.{1,20}?(?:服务|处理|热线|专线|平台))(?=[\s：:]|$)")
_LINK = re.compile(r"^(?:https?|ftp)://\S+$")
_RESPONSE = re.compile(
    r"响应时间\s*(?:为|是)?\s*[：:]?\s*([0-9０-９]+)\s*[*＊×xX]\s*([0-9０-９]+)\s*(?:个)?\s*(?:小时|时|[hH])?"
    r"\s*(?:[（(]([^（）()]*)[）)])?"
)
_HOURS = re.compile(r"(\d{1,2})\s*[:点]\s*(\d{1,2})?\s*分?\s*(?:~|-+|至|到)\s*(\d{1,2})\s*[:点]\s*(\d{1,2})?")
_WEEKDAY = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "七": 7}
_DAYS = re.compile(
    r"(?:星期|周|礼拜)([一二三四五六日天七1-7])\s*(?:至|到|~|-)\s*(?:星期|周|礼拜)?([一二三四五六日天七1-7])"
)
_BACKUP_LABEL = re.compile(r"在(.{1,20}?)(?:特|另|专门)?(?:开通|开设|设立)")
# A level starts after a letter (a) b) c)), or at a sentence's or the item's start.
_LEVEL_AT = re.compile(
    r"(?:(?<![A-Za-z])[（(]?[a-hA-H][)）.．、]\s*|^|(?<=[\s。；;：:）)]))"
    r"(?=[一二三四五六七八九十\d]+\s*级问题)"
)
_LETTER = re.compile(r"(?<![A-Za-z0-9])[（(]?[a-hA-H][)）]")
_LEVEL = re.compile(
    r"^(?:[（(]?[a-zA-Z][)）.．、]\s*)?([一二三四五六七八九十\d]+)\s*级问题\s*[：:]?\s*(.*)$", re.DOTALL
)
_NAME_DASH = re.compile(r"^(.+?)\s*(?:——|—|──|－－|--+)\s*(.+)$", re.DOTALL)
_TARGET = re.compile(rf"({NUMBER})\s*个?\s*(小时|钟头|工作日|自然日|时|天|日|分钟|分|秒|周|星期|月)\s*(?:之)?内")
_UNITS = {"小时": "hours", "钟头": "hours", "时": "hours", "工作日": "working_days"}
_ARRIVAL = re.compile(r"^\s*(?:到达|抵达|赶到|到场|到现场|到院|上门)")
_VERB = re.compile(r"^\s*([\u4e00-\u9fff]{1,2})")


@dataclass
class Item:
    no: int
    lines: list[Line]
    text: str = ""  # its lines put back together, without the number
    starts: list[int] = field(default_factory=list)  # where in `text` each of `lines` begins
    levels: list[int] = field(default_factory=list)  # where in `text` each severity level begins
    title: str = ""
    role: str = ""
    used: bool = False

    def line_at(self, offset: int) -> int:
        return self.lines[max(0, bisect_right(self.starts, offset) - 1)].no

    @property
    def intro(self) -> str:
        """The item's text before its severity levels: where its response time is."""
        return self.text[: self.levels[0]] if self.levels else self.text


@dataclass
class Terms:
    tight: frozenset[str] = frozenset()
    items: list[Item] = field(default_factory=list)
    links: list[Line] = field(default_factory=list)
    windows: list[tuple[dict, int]] = field(default_factory=list)  # (window, line)
    severities: list[tuple[dict, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    leftovers: list[Leftover] = field(default_factory=list)

    def role(self, role: str) -> Item | None:
        return next((item for item in self.items if item.role == role), None)


def split_items(lines: list[Line], tight: frozenset[str]) -> Terms:
    """The section's numbered items (1、2、…, in order) and the bare links extraction appends at the end."""
    terms = Terms(tight)
    for line in lines:
        m = _ITEM.match(line.text)
        expected = terms.items[-1].no + 1 if terms.items else 1
        if _LINK.match(line.text):
            terms.links.append(line)
        elif m and int(m.group(1)) == expected:
            terms.items.append(Item(expected, [line]))
        elif m and expected < int(m.group(1)) <= expected + 9 and _TITLE.match(line.text[m.end() :]):
            after = f"第 {terms.items[-1].no} 条“{_item_title(terms.items[-1])}”之后" if terms.items else "本部分开头"
            missing = (
                f"第 {expected} 条" if int(m.group(1)) == expected + 1 else f"第 {expected}–{int(m.group(1)) - 1} 条"
            )
            terms.problems.append(
                Problem(
                    OTHER,
                    f"条目编号不连续：{after}是第 {m.group(1)} 条，缺少{missing}（文字缺了一段，缺页？）",
                    line.no,
                )
            )
            terms.items.append(Item(int(m.group(1)), [line]))
        elif terms.items:
            terms.items[-1].lines.append(line)
        else:
            terms.leftovers.append(Leftover(OTHER, line.no, line.text, "不在任何编号条目里"))
    for item in terms.items:
        for k, line in enumerate(item.lines):
            piece = _ITEM.sub("", line.text, count=1) if k == 0 else line.text
            joined = join([item.text, piece], tight) if item.text else piece
            item.starts.append(len(joined) - len(piece))
            item.text = joined
        for m in _LEVEL_AT.finditer(item.text):
            if not item.levels or m.start() > item.levels[-1] + 4:  # `a) ` then the level's own start
                item.levels.append(m.start())
        m = _TITLE.match(item.text)
        item.title = m.group(1) if m else item.text.split(" ")[0][:20]
        item.role = next((role for role, word in _ROLES if word in item.title), "")
    return terms


def _item_title(item: Item) -> str:
    m = _TITLE.match(_ITEM.sub("", item.lines[0].text, count=1))
    return m.group(1) if m else item.lines[0].text[:20]


def parties(terms: Terms) -> dict[str, str]:
    """Customer, product and vendor: from the hotline item's wording, else from what other items say."""
    text = "\n".join(item.text for item in terms.items)
    found = {}
    for pattern, keys in (
        (r"如果\s*([^，。；\s]{2,40}?)(?:的|在)\s*([A-Za-z][A-Za-z0-9]*)\s*系统", ("customer", "product")),
        (r"考虑到\s*([^，。；\s]{2,40}?)业务的特殊性", ("customer",)),
        (r"为\s*([^，。；\s]{2,40}?)提供", ("customer",)),
        (r"([A-Za-z][A-Za-z0-9]*)\s*系统使用过程", ("product",)),
        (r"拨打\s*([^，。；\s]{2,40}?(?:公司|中心))", ("vendor",)),
    ):
        m = re.search(pattern, text)
        for k, key in enumerate(keys):
            if m and key not in found:
                found[key] = m.group(k + 1).strip()
    if "vendor" not in found:  # the company the section names most often
        companies = Counter(re.findall(r"[^，。；：:、\s（）()]{2,30}?(?:有限责任公司|有限公司)", text))
        if companies:
            found["vendor"] = companies.most_common(1)[0][0]
    return found


def read_windows(terms: Terms) -> None:
    for item in terms.items:
        intro = item.intro
        matches = list(_RESPONSE.finditer(intro))
        for k, m in enumerate(matches):
            name = item.role if item.role in ("hotline", "remote", "onsite", "backup") else f"window{item.no}"
            window = _window(terms, item, m, intro, name if k == 0 else f"{name}{k + 1}")
            if window:
                terms.windows.append((window, item.line_at(m.start())))
                item.used = True
        for m in re.finditer("响应时间", intro):
            if not any(r.start() <= m.start() < r.end() for r in matches):
                terms.leftovers.append(
                    Leftover(
                        WINDOWS,
                        item.line_at(m.start()),
                        intro[m.start() : m.start() + 40],
                        "读不出“响应时间：A*B 小时（星期几至星期几 几点~几点）”",
                    )
                )
    hotline = _named(terms, "hotline")
    backup = terms.role("backup")
    if hotline and backup and hotline["days"] == "weekdays" and "节假日" in backup.text:
        hotline["days"] = "workdays"
    if hotline and backup and not _named(terms, "backup"):
        m = _BACKUP_LABEL.search(backup.text)
        terms.windows.append(
            (
                {
                    "name": "backup",
                    "label": m.group(1) if m else backup.title,
                    "days": "all",
                    "start": "00:00",
                    "end": "24:00",
                    "outside": "hotline",
                },
                backup.lines[0].no,
            )
        )
        backup.used = True


def _window(terms: Terms, item: Item, m: re.Match, intro: str, name: str) -> dict | None:
    a, b = int(plain(m.group(1))), int(plain(m.group(2)))
    if m.group(3) is not None:
        brackets = plain(m.group(3))
    else:  # no brackets: the days and hours, if any, follow in the same sentence
        brackets = plain(re.split(r"[。；;]", intro[m.end() : m.end() + 40])[0])
    line = item.line_at(m.start())
    days = _days(brackets, a)
    if days is None:
        terms.leftovers.append(
            Leftover(WINDOWS, line, m.group(), "无法表示的日期（只能是每天、星期一至星期五或法定工作日）")
        )
        return None
    ranges = list(_HOURS.finditer(brackets))
    if len(ranges) > 1:
        terms.leftovers.append(Leftover(WINDOWS, line, m.group(), "一天里有两段时间，窗口只能表示一段"))
        return None
    if ranges:
        hours = ranges[0]
        start = f"{int(hours.group(1)):02d}:{int(hours.group(2) or 0):02d}"
        end = f"{int(hours.group(3)):02d}:{int(hours.group(4) or 0):02d}"
    elif b == 24:
        start, end = "00:00", "24:00"
    else:
        terms.leftovers.append(Leftover(WINDOWS, line, m.group(), "没有写明几点到几点"))
        return None
    return {"name": name, "label": f"{a}*{b}", "days": days, "start": start, "end": end}


def _days(brackets: str, per_week: int) -> str | None:
    m = _DAYS.search(brackets)
    if m:  # Monday to Friday or to Sunday; anything else (星期一至星期六) has no `days` value
        first, last = (_WEEKDAY.get(d) or int(d) for d in m.groups())
        return {(1, 5): "weekdays", (1, 7): "all"}.get((first, last))
    if "工作日" in brackets:
        return "workdays"
    if any(word in brackets for word in ("每天", "全天", "全年", "节假日")):
        return "all"
    return {7: "all", 5: "weekdays"}.get(per_week)


def _named(terms: Terms, name: str) -> dict | None:
    return next((w for w, _ in terms.windows if w["name"] == name), None)


def read_severities(terms: Terms, vendor: str) -> None:
    for item in terms.items:
        own = next((w["name"] for w, _ in terms.windows if w["name"] == item.role), None)
        # A lettered point among the levels that is not a level ends the one before it, and is reported.
        others = [
            m.start()
            for m in _LETTER.finditer(item.text)
            if item.levels and m.start() > item.levels[0] and m.start() not in item.levels
        ]
        bounds = sorted(item.levels + others) + [len(item.text)]
        for begin, finish in pairwise(bounds):
            if begin in others:
                terms.leftovers.append(
                    Leftover(
                        SEVERITIES,
                        item.line_at(begin),
                        item.text[begin:finish].strip(),
                        "分级条目里不是“N级问题”的一条",
                    )
                )
                continue
            severity = _severity(terms, item, begin, item.text[begin:finish].strip(), own, vendor)
            if severity:
                terms.severities.append((severity, item.line_at(begin)))
                item.used = True
    if any(s["target"]["unit"] == "working_days" for s, _ in terms.severities):
        hotline = _named(terms, "hotline") or next((w for w, _ in terms.windows if w["days"] != "all"), None)
        if hotline is None:
            terms.problems.append(Problem(SEVERITIES, "时限按工作日计，但没有找到热线服务时间来定工作日的几点到几点"))
        else:
            terms.windows.append(
                (
                    {
                        "name": "workday",
                        "label": "工作日",
                        "days": "workdays",
                        "start": hotline["start"],
                        "end": hotline["end"],
                    },
                    terms.severities[0][1],
                )
            )


def _severity(terms: Terms, item: Item, begin: int, text: str, own: str | None, vendor: str) -> dict | None:
    where = item.line_at(begin)
    m = _LEVEL.match(text)
    level = number(m.group(1)) if m else None
    if not m or not isinstance(level, int):
        terms.leftovers.append(Leftover(SEVERITIES, where, text, "看不出是第几级"))
        return None
    split = _NAME_DASH.match(m.group(2))
    if split is None:
        terms.leftovers.append(Leftover(SEVERITIES, where, text, "名称和说明之间没有破折号（——）"))
        return None
    name, description = split.group(1).strip(), split.group(2).strip()
    label = f"{m.group(1)}级问题"
    targets = list(_TARGET.finditer(description))
    if not targets:
        terms.problems.append(
            Problem(SEVERITIES, f"{label}（{name}）没有时限：应写作“最迟 N 小时内到达”或“最迟 N 个工作日内到达”", where)
        )
        return None

    def line_of(t: re.Match) -> int:  # the line the time is written on, which may not be the level's first
        found = item.text.find(t.group(), begin)
        return item.line_at(found) if found >= 0 else where

    arrivals = [t for t in targets if _ARRIVAL.match(description[t.end() :])]
    if not arrivals:  # a time, but not the time to arrive: a response (响应) is not what the contract holds
        t = targets[0]
        verb = _VERB.match(description[t.end() :])
        said = f"写的是“{t.group()}{verb.group(1)}”" if verb else f"“{t.group()}”之后没有写“到达”"
        terms.problems.append(
            Problem(
                SEVERITIES,
                f"{label}（{name}）的时限不明：{said}，而合同结构的时限是工程师"
                "到达现场的时间（响应不等于到达）；这个时间没有被当作时限。"
                "应写作“最迟 N 小时内到达”",
                line_of(t),
            )
        )
        return None
    if len({(number(t.group(1)), _UNITS.get(t.group(2), t.group(2))) for t in arrivals}) > 1:
        said = "、".join(f"“{t.group()}到达”（第 {line_of(t)} 行）" for t in arrivals)
        terms.problems.append(
            Problem(
                SEVERITIES,
                f"{label}（{name}）有不止一个到达时限：{said}；一级只能有一个时限"
                "（两级的文字连在了一起？下一级的开头缺了？）",
                where,
            )
        )
        return None
    chosen = arrivals[0]
    amount, unit = number(chosen.group(1)), _UNITS.get(chosen.group(2))
    if unit is None:
        terms.problems.append(
            Problem(
                SEVERITIES,
                f"{label}（{name}）的时限“{chosen.group()}到达”按"
                f"{chosen.group(2)}计：合同结构的时限只能按小时（hours）或工作日"
                "（working_days）计，不支持这个单位；请核对原文",
                line_of(chosen),
            )
        )
        return None
    window = "workday" if unit == "working_days" else own
    if window is None:
        terms.problems.append(
            Problem(SEVERITIES, f"{label}（{name}）按小时计，但所在条目没有写响应时间（几点到几点）", where)
        )
        return None
    severity = {
        "level": level,
        "name": name,
        "description": description,
        "target": {"amount": amount, "unit": unit, "window": window},
        "negotiable": "协商" in description,
    }
    examples = _examples(description, vendor)
    if examples:
        severity["examples"] = examples
    return severity


def _examples(description: str, vendor: str) -> list[str]:
    """`如：A、B，C等，<vendor>…`: the clauses before the one about the vendor's engineer, or one clause's parts."""
    m = re.search(r"如[：:]\s*(.+)$", description, re.DOTALL)
    if not m:
        return []
    clauses = []
    for clause in re.split(r"[，,]", m.group(1)):
        if (vendor and vendor in clause) or any(w in clause for w in ("最迟", "工程师", "。")):
            break
        clauses.append(clause.strip())
    if clauses:
        clauses[-1] = clauses[-1].removesuffix("等")
    parts = clauses if len(clauses) > 1 else re.split(r"、", clauses[0]) if clauses else []
    return [p.strip() for p in parts if p.strip()]
