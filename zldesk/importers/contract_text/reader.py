"""A maintenance contract from its signed text (PDF extraction, or the PDF itself through pypdf).

Pure: bytes in, a TextImport out (the contract built through `contract_from_dict`, so every usual check
applies, plus the text it could not place). Nothing here knows a hospital: only the template's headings
and fixed wording. The three parts are read by services.py (一), modules.py (二), terms.py and
contacts.py (三). complete.py tells, from the template's
fixed structure, whether the text is whole: a file cut short is reported (which part is missing, and the
last line the file has) and nothing is imported.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from ...contract import MAX_FILE_BYTES, MAX_PDF_PAGES, Contract, contract_from_dict, size_text
from ...errors import InvalidInput, Problem
from ...text import control_problem, decode_table_text
from .complete import ending_problems, item_problems, last_read
from .contacts import collect_contacts
from .lines import ASIDE, Leftover, Line, prepare, tight_pairs
from .modules import PART as MODULES
from .modules import parse_modules
from .services import PART as SERVICES
from .services import parse_services
from .terms import (
    OTHER,
    SEVERITIES,
    WINDOWS,
    parties,
    read_severities,
    read_windows,
    split_items,
)

TIMEZONE = "Asia/Shanghai"  # the template is for hospitals in China; the text never says it
HEAD = "合同"
# Text left over in these parts blocks an import (unless --force): they decide deadlines and coverage.
MATTERS = (MODULES, WINDOWS, SEVERITIES)
_SECTIONS = (
    (SERVICES, "服务内容细则", "一、服务内容细则"),
    (MODULES, "软件系统明细表", "二、软件系统明细表"),
    (OTHER, "售后服务方式", "三、售后服务方式及响应时间"),
)
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+|\d+)\s*[、.．]\s*")


# The signed texts give no address and no travel time: the site is left for a person to fill in (issue 16).
NO_SITE = "合同文本未写明现场地址和路程，site 留空（出发时间要等补上 site 才有）"


@dataclass
class TextImport:
    """What the text gave: the contract's dict (and Contract, if valid), the problems, the unplaced text."""

    source: str
    data: dict
    contract: Contract | None = None
    problems: list[Problem] = field(default_factory=list)  # nothing can be imported while there are any
    leftovers: list[Leftover] = field(default_factory=list)  # text not placed in any field
    set_aside: list[Leftover] = field(default_factory=list)  # page numbers and running heads: never content

    @property
    def blocking(self) -> list[Leftover]:
        return [x for x in self.leftovers if x.part in MATTERS]

    def accept(self, force: bool = False) -> Contract:
        """The contract, or InvalidInput naming every problem (and, without force, every blocking leftover)."""
        problems = list(self.problems)
        if not force:
            problems += [
                Problem(
                    x.part,
                    f"无法归入任何字段（{x.why}）：「{_short(x.text)}」；核对原文后可用 --force 照样导入",
                    x.line,
                )
                for x in self.blocking
            ]
        if problems or self.contract is None:
            raise InvalidInput(self.source, problems)
        return self.contract


def read_contract_text(raw: bytes, source: str, fmt: str, code: str) -> TextImport:
    """`fmt` is "text" (UTF-8, UTF-16 with BOM or GB18030) or "pdf"."""
    text = pdf_text(raw, source) if fmt == "pdf" else decode_table_text(raw, source)
    return parse_text(text, source, code)


def pdf_text(raw: bytes, source: str) -> str:
    """The PDF's text, pages separated by form feeds (a page break, as extraction tools mark it)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            reader.decrypt("")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise InvalidInput(source, [Problem("", f"有 {len(reader.pages):,} 页，超过上限 {MAX_PDF_PAGES} 页")])
        pages, size = [], 0
        for page in reader.pages:  # the text, like a text file, within MAX_FILE_BYTES (compressed pages grow)
            pages.append(page.extract_text() or "")
            size += len(pages[-1].encode())
            if size > MAX_FILE_BYTES:
                raise InvalidInput(source, [Problem("", f"文字超过上限 {size_text(MAX_FILE_BYTES)}")])
    except InvalidInput:
        raise
    except Exception as e:  # noqa: BLE001 -- pypdf raises many types for a damaged file: all mean "unreadable"
        raise InvalidInput(source, [Problem("", f"无法读取 PDF：{type(e).__name__}: {e}")]) from None
    if not any(page.strip() for page in pages):
        raise InvalidInput(source, [Problem("", "PDF 里没有可提取的文字（扫描件？请先做文字识别，或导入文字稿 .txt）")])
    return "\n\f".join(pages)


def parse_text(text: str, source: str, code: str) -> TextImport:
    lines, set_aside = prepare(text)
    starts = _section_starts(lines)
    if not starts:
        raise InvalidInput(
            source,
            [
                Problem(
                    "",
                    "不认识的格式：这不是合同正文（一个标题也没有找到："
                    + "、".join(heading for _, _, heading in _SECTIONS)
                    + "）；TOML/JSON 合同请用 .toml/.json 扩展名或 --format",
                )
            ],
        )
    controls = _controls(lines, starts)
    if controls:
        raise InvalidInput(source, controls)
    result = TextImport(source, {"code": code, "timezone": TIMEZONE})
    last = lines[-1]
    for part, _, heading in _SECTIONS:
        if part not in starts:
            result.problems.append(Problem(part, f"缺少这一部分（标题“{heading}”）：{last_read(last)}", last.no))
    present = [(part, heading) for part, _, heading in _SECTIONS if part in starts]
    for (part1, heading1), (part2, heading2) in zip(present, present[1:]):
        if starts[part2] < starts[part1]:
            result.problems.append(
                Problem(
                    part2,
                    f"各部分的次序不对：“{heading2}”（第 {lines[starts[part2]].no} 行）"
                    f"在“{heading1}”（第 {lines[starts[part1]].no} 行）之前",
                    lines[starts[part2]].no,
                )
            )
    first = min(starts.values())
    title = lines[0].text if first > 0 else ""
    result.data["title"] = title
    result.leftovers += [Leftover(HEAD, x.no, x.text, "标题之后、第一部分之前") for x in lines[1:first]]
    body = [x for x in lines[first:] if not (title and x.text == title)]  # a running head repeats the title
    set_aside += [
        Leftover(ASIDE, x.no, x.text, "页眉（与标题相同）") for x in lines[first:] if title and x.text == title
    ]
    parts = _split(body, starts, lines)
    where: dict[str, int] = {}  # "services[3]" -> its line, so validation problems name a line
    tight = tight_pairs(lines)
    _services(result, parts.get(SERVICES), where, tight)
    _modules(result, parts.get(MODULES), where, tight)
    _terms(result, parts.get(OTHER), where, last, tight)
    result.set_aside = set_aside + [x for x in result.leftovers if x.part == ASIDE]
    result.leftovers = [x for x in result.leftovers if x.part != ASIDE]
    if not result.problems:
        contract, problems, warnings = contract_from_dict(result.data)
        locate = _locator(where)
        result.problems += [Problem(p.path, p.message, p.line or locate(p.path)) for p in problems]
        if contract is not None:
            located = tuple(Problem(w.path, w.message, w.line or locate(w.path)) for w in warnings)
            result.contract = Contract(**{**contract.__dict__, "warnings": (*located, Problem("site", NO_SITE))})
    return result


def _controls(lines: list[Line], starts: dict[str, int]) -> list[Problem]:
    """Lines holding a control, bidi or separator character (text.control_problem), by line and part: every
    field read from such a line would carry it, and shown later it would act on a terminal or forge a line."""
    heads = sorted((k, part) for part, k in starts.items())
    out = []
    for k, line in enumerate(lines):
        if problem := control_problem(line.text):
            part = next((p for start, p in reversed(heads) if start <= k), HEAD)
            out.append(Problem(part, problem, line.no))
    return out


def _section_starts(lines: list[Line]) -> dict[str, int]:
    starts: dict[str, int] = {}
    for k, line in enumerate(lines):
        if _HEADING.match(line.text):
            for part, word, _ in _SECTIONS:
                if word in line.text and part not in starts:
                    starts[part] = k
    return starts


def _split(body: list[Line], starts: dict[str, int], lines: list[Line]) -> dict[str, tuple[Line, list[Line]]]:
    """Each part's heading line and its lines (up to the next heading, whatever the order)."""
    headings = {lines[k].no: part for part, k in starts.items()}
    parts: dict[str, tuple[Line, list[Line]]] = {}
    current = None
    for line in body:
        if line.no in headings:
            current = headings[line.no]
            parts[current] = (line, [])
        elif current is not None:
            parts[current][1].append(line)
    return parts


def _services(
    result: TextImport, part: tuple[Line, list[Line]] | None, where: dict[str, int], tight: frozenset[str]
) -> None:
    if part is None:
        return
    heading, lines = part
    services, starts, leftovers = parse_services(lines, tight)
    result.leftovers += leftovers
    if not services:
        result.problems.append(Problem(SERVICES, "没有读出任何服务项目", heading.no))
    result.data["services"] = services
    where.update((f"services[{i}]", no) for i, no in enumerate(starts))


def _modules(
    result: TextImport, part: tuple[Line, list[Line]] | None, where: dict[str, int], tight: frozenset[str]
) -> None:
    if part is None:
        return
    heading, lines = part
    modules, starts, leftovers, problems = parse_modules(heading, lines, tight)
    result.leftovers += leftovers
    result.problems += problems
    result.data["modules"] = modules
    where.update((f"modules[{i}]", no) for i, no in enumerate(starts))


def _terms(
    result: TextImport, part: tuple[Line, list[Line]] | None, where: dict[str, int], last: Line, tight: frozenset[str]
) -> None:
    if part is None:
        return
    heading, lines = part
    terms = split_items(lines, tight)
    found = parties(terms)
    for key, what in (("customer", "客户名称"), ("vendor", "服务方（××公司）"), ("product", "产品名")):
        if key in found:
            result.data[key] = found[key]
        else:
            result.problems.append(
                Problem(
                    HEAD,
                    f"找不到{what}：热线支持服务一条应写作“如果××医院的 ×× "
                    "系统使用过程中出现故障，可拨打××公司售后服务热线”",
                    heading.no,
                )
            )
    vendor = found.get("vendor", "")
    read_windows(terms)
    read_severities(terms, vendor)
    if not terms.windows:
        result.problems.append(Problem(WINDOWS, "没有找到任何“响应时间：A*B 小时（……）”", heading.no))
    if not terms.severities and not any(p.path == SEVERITIES for p in terms.problems):
        result.problems.append(
            Problem(SEVERITIES, f"没有找到问题分级（“a) 一级问题：名称——说明”），{last_read(last)}", heading.no)
        )
    terms.problems += item_problems(terms, vendor) + ending_problems(terms, last)
    services = list(
        zip(
            result.data.get("services", []),
            [where[f"services[{i}]"] for i in range(len(result.data.get("services", [])))],
        )
    )
    contacts = collect_contacts(services, terms, vendor)
    result.problems += terms.problems
    result.leftovers += terms.leftovers
    result.leftovers += [
        Leftover(OTHER, item.lines[0].no, item.text, "合同结构里没有存放它的字段")
        for item in terms.items
        if not item.used
    ]
    for table, rows in (("windows", terms.windows), ("severities", terms.severities), ("contacts", contacts)):
        result.data[table] = [row for row, _ in rows]
        where.update((f"{table}[{i}]", no) for i, (_, no) in enumerate(rows))


def _locator(where: dict[str, int]):
    def locate(path: str) -> int | None:
        m = re.match(r"^([a-z]+\[\d+\])", path)
        return where.get(m.group(1)) if m else None

    return locate


def _short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def code_from_name(stem: str) -> str:
    """A contract code from a file name: lowercase, pinyin for Chinese (榕江.txt -> rongjiang), others as `-`."""
    from pypinyin import lazy_pinyin

    text = "".join(lazy_pinyin(stem)).lower()
    return re.sub(r"[^a-z0-9_-]+", "-", text).strip("-_")[:40].rstrip("-_")
