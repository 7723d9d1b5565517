"""Is the text whole? The template's fixed structure, not any hospital's content, says what must be there.

A file cut short (a copy that stopped, a PDF missing its last pages) still reads as a contract, only a
smaller one: a level, a phone line, a QQ group gone without a word. These rules tell it from the template
alone; how many levels, items or modules there are is the hospital's, so nothing here counts them:
- the three parts 一、服务内容细则, 二、软件系统明细表, 三、售后服务方式及响应时间 are all there, in that order
  (contract_text.py);
- part 三's items go 1、2、3、… without a gap (terms.split_items);
- the severity levels go a) 一级问题, b) 二级问题, c) … without a gap (letters, if the text letters them, and
  levels alike), and the list is never the end: other items follow it, down to the closing one;
- part 三 always ends with the complaints line (投诉及建议热线), the template's last item: a text that stops
  before it was cut, and everything from the last item read on is missing;
- the items the template always words alike say what it always says: the hotline (热线支持服务), remote
  (网络远程服务) and on-site (软件故障现场处理) items a response time (`响应时间：A*B 小时…`), the hotline,
  backup line (备勤专线), QQ group and complaints items a number: without it, a line of the item was lost;
- the FTP item (网站 FTP 服务) gives no address of its own: its address is an ftp:// link printed at the very
  end; without one, the end is missing.
Each problem says which part is missing and the last line the file has.
"""

from __future__ import annotations

import re
from itertools import pairwise

from ...errors import Problem
from .contacts import numbers_in
from .lines import Line, number
from .terms import OTHER, SEVERITIES, WINDOWS, Item, Terms

CLOSING = "投诉及建议热线"  # the title of the template's last item, as it names it
_LEVEL_HEAD = re.compile(r"^(?:[（(]?([a-zA-Z])[)）.．、]\s*)?([一二三四五六七八九十\d]+)\s*级问题")


def last_read(last: Line) -> str:
    text = last.text if len(last.text) <= 40 else last.text[:40] + "…"
    return f"文件到第 {last.no} 行为止（最后一行是「{text}」），可能不完整"


def ending_problems(terms: Terms, last: Line) -> list[Problem]:
    """What is missing from part 三: a gap in the levels, the items after them, the closing item, the links."""
    problems: list[Problem] = []
    listing = next((item for item in terms.items if item.levels), None)
    if listing is not None:
        problems += _level_gaps(listing)
    if not terms.items:
        return problems
    final = terms.items[-1]
    if final.role != "complaints":
        if final is listing:
            heads = _heads(listing)
            level = f"（最后读到的一级是 {heads[-1][2]}，第 {heads[-1][3]} 行）" if heads else ""
            what = (
                f"文字在第 {final.no} 条“{final.title}”的问题分级里或紧接其后就结束了{level}：分级可能不全，"
                f"分级之后应有的条目直到结尾的“{CLOSING}”都缺失"
            )
        else:
            what = (
                f"缺少结尾的“{CLOSING}”一条（本部分的最后一条）：最后读到的是第 {final.no} 条“{final.title}”"
                f"（第 {final.lines[0].no} 行起），它和它之后的内容可能都不全"
            )
        problems.append(Problem(OTHER, f"{what}；{last_read(last)}", last.no))
        return problems
    ftp = next((item for item in terms.items if "FTP" in item.title.upper()), None)
    if ftp is not None and not any(link.text.lower().startswith("ftp") for link in terms.links):
        problems.append(
            Problem(
                OTHER,
                f"第 {ftp.no} 条“{ftp.title}”的地址印在文末的链接里，但文末没有 ftp:// 链接："
                f"文末链接缺失；{last_read(last)}",
                last.no,
            )
        )
    return problems


def item_problems(terms: Terms, vendor: str) -> list[Problem]:
    """Items that lack what the template always gives in them: a response time, a number."""
    problems = []
    for item in terms.items:
        if item.role in ("hotline", "remote", "onsite") and "响应时间" not in item.intro:
            problems.append(
                Problem(
                    WINDOWS,
                    f"第 {item.no} 条“{item.title}”没有写响应时间：模板的这一条总有"
                    "“响应时间：A*B 小时（……）”一句，缺了一行？",
                    item.lines[0].no,
                )
            )
        if item.role in ("hotline", "backup", "qq", "complaints") and not numbers_in(item.text, vendor):
            what = "QQ 群号" if item.role == "qq" else "电话号码"
            problems.append(
                Problem(
                    OTHER,
                    f"第 {item.no} 条“{item.title}”没有给出{what}：模板的这一条总写明{what}，缺了一行？",
                    item.lines[0].no,
                )
            )
    return problems


def _level_gaps(item: Item) -> list[Problem]:
    """Levels that skip one (b) 二级 then d) 四级): a level, or a page, was lost."""
    problems = []
    heads = _heads(item)
    if heads and heads[0][1] not in (1, None):
        problems.append(Problem(SEVERITIES, f"问题分级不是从一级开始：第一级是 {heads[0][2]}（缺页？）", heads[0][3]))
    lettered = all(letter for letter, *_ in heads)
    for (l1, n1, s1, _), (l2, n2, s2, line) in pairwise(heads):
        letters_skip = lettered and ord(l2.lower()) != ord(l1.lower()) + 1
        if (n1 is not None and n2 is not None and n2 != n1 + 1) or letters_skip:
            problems.append(
                Problem(SEVERITIES, f"问题分级不连续：{s1} 之后是 {s2}，中间缺了（文字缺了一段，缺页？）", line)
            )
    return problems


def _heads(item: Item) -> list[tuple[str, int | None, str, int]]:
    """(letter, level, how the text writes it, line) for each level of the item that lists them."""
    heads = []
    for begin in item.levels:
        m = _LEVEL_HEAD.match(item.text[begin:].lstrip())
        if m:
            level = number(m.group(2))
            shown = f"{m.group(1)}) {m.group(2)}级问题" if m.group(1) else f"{m.group(2)}级问题"
            heads.append((m.group(1) or "", level if isinstance(level, int) else None, shown, item.line_at(begin)))
    return heads
