"""Phone lines, QQ groups and sites named in the contract text, gathered into one list of contacts.

A number may be named twice (the service table's 客服电话 and the after-sales section's 售后服务热线): it
is one contact, named as the after-sales section names it, placed where the text first gives it. The list
is ordered by kind (hotline, backup, complaints, QQ groups, forum, websites, FTP), then by first mention.
The bare links extraction appends at the end carry no words of their own: they are `文末链接`, except an
FTP link, named by the item about FTP.
"""

from __future__ import annotations

import re

from .terms import Terms

KINDS = ("hotline", "backup", "complaints", "qq_group", "forum", "website", "ftp", "phone")
_PHONE = r"(?:\d{3,4}-\d{7,8}|1\d{10}|\d{5,12})"
_NUMBERS = re.compile(rf"(?<![\w./@-]){_PHONE}(?:\s*[、，,/]\s*{_PHONE})*(?![\w.])")
_URL = re.compile(r"(?:https?|ftp)://[^\s，。；、（）()]+")


def collect_contacts(services: list[tuple[dict, int]], terms: Terms, vendor: str) -> list[tuple[dict, int]]:
    """The contacts as contract dicts, each with the line it was first given on."""
    found: dict[tuple[str, str], dict] = {}

    def add(kind: str, label: str, value: str, rank: int, line: int) -> None:
        old = found.setdefault(
            (kind, value), {"kind": kind, "label": label, "value": value, "rank": rank, "line": line}
        )
        if rank < old["rank"]:
            old["label"], old["rank"] = label, rank
        old["line"] = min(old["line"], line)

    for item in terms.items:
        for label, value in numbers_in(item.text, vendor):
            add(contact_kind(label, item.role), label, value, 0, item.lines[0].no)
            item.used = True
    for service, line in services:
        for label, value in numbers_in(service["description"], vendor):
            add(contact_kind(label, ""), label, value, 1, line)
        for url in _URL.findall(service["description"]):
            add("forum" if "论坛" in service["name"] else "website", _site_label(service), url.rstrip("."), 1, line)
    ftp_item = next((item for item in terms.items if "FTP" in item.title.upper()), None)
    for link in terms.links:
        ftp = link.text.lower().startswith("ftp")
        add("ftp" if ftp else "website", ftp_item.title if ftp and ftp_item else "文末链接", link.text, 2, link.no)
        if ftp and ftp_item:
            ftp_item.used = True
    windows = {w["name"] for w, _ in terms.windows}
    out = []
    for c in sorted(found.values(), key=lambda c: (KINDS.index(c["kind"]), c["line"])):
        contact = {"kind": c["kind"], "label": c["label"], "value": c["value"]}
        if c["kind"] in ("hotline", "backup") and c["kind"] in windows:
            contact["window"] = c["kind"]
        out.append((contact, c["line"]))
    return out


def numbers_in(text: str, vendor: str) -> list[tuple[str, str]]:
    """(label, number) for every `NAME：n、n`, `NAME（SUB：n）` and `NAME（n）` in the text.

    The name is cut at the sentence's last clause break or verb (拨打, 开通, 了) or the vendor's name; a
    name that is only `备线` belongs to the line named just before it."""
    found: list[tuple[str, str]] = []
    previous = ""
    for m in _NUMBERS.finditer(text):
        before = text[: m.start()].rstrip()
        if before.endswith(("：", ":")):
            head = before[:-1].rstrip()
            opened = max(head.rfind("（"), head.rfind("("))
            if opened > max(head.rfind("）"), head.rfind(")")):
                label = f"{_cut(head[:opened], vendor)}（{head[opened + 1 :].strip()}）"
            else:
                label = _cut(head, vendor)
        elif before.endswith(("（", "(")):
            label = _cut(before[:-1], vendor)
        else:
            continue
        if label in ("备线", "备用", "备用电话") and previous:
            label = previous + label
        previous = label
        found += [(label, value) for value in re.split(r"\s*[、，,/]\s*", m.group()) if value]
    return found


def _cut(head: str, vendor: str) -> str:
    marks = ["，", "。", "；", ",", ";", "拨打", "开通", "了", "致电"] + ([vendor] if vendor else [])
    start = max((head.rfind(mark) + len(mark) for mark in marks if mark in head), default=0)
    return head[start:].strip(" ，。")


def contact_kind(label: str, role: str) -> str:
    if "QQ" in label.upper():
        return "qq_group"
    if "投诉" in label:
        return "complaints"
    if any(word in label for word in ("应急", "备勤", "备线")):
        return "backup"
    if role in ("hotline", "backup", "complaints"):
        return role
    return "hotline" if any(word in label for word in ("热线", "客服", "电话")) else "phone"


def _site_label(service: dict) -> str:
    """A site's service name without 提供/服务, and what the content says it is for: 客户服务网站（问题登记、查询）."""
    label = service["name"].removeprefix("提供").removesuffix("服务")
    m = re.search(r"(?:网站|论坛)([^，。；：:]{1,12}?)服务", service["description"])
    return f"{label}（{m.group(1)}）" if m else label
