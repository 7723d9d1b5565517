"""Lines of a contract's extracted text, and the small rules for putting broken text back together.

PDF extraction breaks every table cell and paragraph into lines, marks a new page with a leading blank
(or a form feed), and may print page numbers. Everything here is about those lines, not about the contract.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    no: int  # line number in the file, 1-based
    text: str  # stripped; runs of blanks made one space
    page_break: bool = False  # first line of a new page


ASIDE = "略过"  # the part of a Leftover that is page furniture (page numbers, repeated headers), never content


@dataclass(frozen=True)
class Leftover:
    """Text the importer could not place in any field, or knowingly set aside (page numbers)."""

    part: str  # the part of the contract it stood in, e.g. 软件系统明细表
    line: int
    text: str
    why: str = ""


# Page furniture some extractors print: "- 3 -", "第 3 页 共 9 页", "3/9".
_PAGE_NUMBER = re.compile(r"^(?:[-－—–]\s*\d+\s*[-－—–]|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")
_BLANKS = re.compile(r"[ \t\u00a0\u2002-\u200a\u3000]+")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")


def prepare(text: str) -> tuple[list[Line], list[Leftover]]:
    """The non-empty lines, and the page numbers set aside (returned so they can be shown)."""
    lines: list[Line] = []
    pages: list[Leftover] = []
    new_page = False
    for no, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        raw = _INVISIBLE.sub("", raw)
        new_page = new_page or "\f" in raw
        stripped = _BLANKS.sub(" ", raw.replace("\f", " ")).strip()
        if not stripped:
            continue
        if _PAGE_NUMBER.match(stripped):
            pages.append(Leftover(ASIDE, no, stripped, "页码"))
            new_page = True
            continue
        lines.append(Line(no, stripped, new_page or raw[:1].isspace()))
        new_page = False
    return lines, pages


def width(text: str) -> int:
    """Width in terminal cells, which is how PDF table columns wrap: a Chinese character is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def join(pieces: list[str], tight: frozenset[str] = frozenset()) -> str:
    """Pieces of one broken line put back together.

    A break costs nothing between Chinese characters, digits (`1次`, `3个`) or punctuation. After a Latin
    word before a Chinese character it was a space: the template sets Latin words off with spaces
    (`提供 QQ 用户群`, `中联 ZLCA 培训`) and extraction drops the one a line ends on; so it is put back,
    unless the document writes that word and character together and never apart (`tight`: `B超`)."""
    out = ""
    for piece in pieces:
        if out and piece and out[-1].isascii() and out[-1].isalpha() and is_cjk(piece[0]):
            word = re.search(r"[A-Za-z]+$", out).group()
            if word + piece[0] not in tight:
                out += " "
        out += piece
    return out


_PAIR = re.compile("([A-Za-z]+)( ?)([\u3400-\u9fff\uf900-\ufaff])")


def tight_pairs(lines: list[Line]) -> frozenset[str]:
    """Latin word + Chinese character pairs the document writes together on a line, and never apart."""
    together: set[str] = set()
    apart: set[str] = set()
    for line in lines:
        for m in _PAIR.finditer(line.text):
            (apart if m.group(2) else together).add(m.group(1) + m.group(3))
    return frozenset(together - apart)


NUMBER = r"\d+(?:\.\d+)?|[０-９]+|[零〇一二两三四五六七八九十百半]+"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def number(text: str) -> int | float | None:
    """`3`, `３`, `0.5`, `七`, `十二`, `二十四`, `半` as a number; None if it is not one."""
    t = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(r"\d+", t):
        return int(t)
    if re.fullmatch(r"\d+\.\d+", t):
        return float(t)
    if t == "半":
        return 0.5
    total, digit = 0, 0
    for ch in t:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in "十百":
            total += (digit or 1) * (10 if ch == "十" else 100)
            digit = 0
        else:
            return None
    return total + digit if t else None


def plain(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII (`９：１５～１７：４５` -> `9:15~17:45`), for matching."""
    return unicodedata.normalize("NFKC", text).replace("－", "-").replace("—", "-").replace("–", "-")
