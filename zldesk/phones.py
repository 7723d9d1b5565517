"""Telephone numbers as a caller ID, a ticket or a contact list writes them, reduced to one matching key.

Pure: no database, no terminal. The store keeps each number's `key` and `local` beside it (schema v11), so
`zldesk who` is one indexed look-up; README (来电是谁) says the rules:
- spaces, dashes, dots, slashes and parentheses are dropped; full-width digits are digits (NFKC);
- an extension (`转123`, `分机123`, `ext 123`, `#123`) is not part of the number;
- a mobile is 11 digits starting with 1, with or without `+86`, `0086` or `86` before it: key `13812345678`;
- a landline with its area code (Beijing 10, 20-29: two digits; any other: three), with or without the
  leading 0, `+86` or `0086`: key `08558231234`, local part `8231234` (its 7 or 8 digits);
- a local number (7 or 8 digits, no area code) only has a local part: it matches every full number whose
  local part it is, and such a match is weaker (the same number in another county is a different phone);
- anything else of 3 digits or more (a service number, a foreign number) is matched by its digits alone.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

_EXTENSION = re.compile(r"(转|分机|ext\.?|#)\s*\d*\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-‐‑–—.()（）/]+")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
# Several numbers in one cell of a contact list: `13812345678；0855-8231234`.
_LIST = re.compile(r"[;；,，、]")

MOBILE, LANDLINE, LOCAL, OTHER = "mobile", "landline", "local", "other"
# Where a number was found (store.callers.Known.source), in words: `zldesk who` and the new-ticket form say the same.
SOURCES = {"contacts": "联系人名单", "contract": "合同联系方式", "ticket": "来电记录"}


class Phone(NamedTuple):
    """A number's matching form. `key`: the whole number (None for a local number, which has no area
    code); `local`: a landline's subscriber part, or a local number itself (None for anything else)."""

    kind: str
    key: str | None
    local: str | None


def parse(text: str) -> Phone | None:
    """The matching form of one number as written; None where there is no number (no digit, or letters)."""
    plain = unicodedata.normalize("NFKC", text).strip()
    plain = _EXTENSION.sub("", plain)
    plain = _SEPARATORS.sub("", plain)
    international = plain.startswith("+")
    digits = plain.removeprefix("+")
    if not digits.isascii() or not digits.isdigit():
        return None
    if international and not digits.startswith("86"):
        return Phone(OTHER, "+" + digits, None)  # a foreign number: its digits as dialled abroad
    national = digits
    if international:
        national = digits[2:]
    elif digits.startswith("0086"):
        national = digits[4:]
    elif digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        national = digits[2:]
    if _MOBILE.fullmatch(national):
        return Phone(MOBILE, national, None)
    trunk = national.startswith("0")
    number = national[1:] if trunk else national
    area = 2 if number[:2] == "10" or number[:1] == "2" else 3
    local = number[area:]
    if trunk and _MOBILE.fullmatch(number):  # a mobile dialled from another city's switchboard: 0138...
        return Phone(MOBILE, number, None)
    if (number[:2] == "10" or number[:1] in "23456789") and 7 <= len(local) <= 8 and local[:1] not in ("0", "1"):
        return Phone(LANDLINE, "0" + number, local)
    if not trunk and national == digits and _LOCAL.fullmatch(digits):
        return Phone(LOCAL, None, digits)
    return Phone(OTHER, digits, None) if len(digits) >= 3 else None  # 110, 120, 95566...


def keys(text: str) -> tuple[str | None, str | None]:
    """(key, local) of the first number: the store's phone_key and phone_local, from one parse."""
    p = parse(first(text))
    return (None, None) if p is None else (p.key, p.local)


def key(text: str) -> str | None:
    """The first number's whole-number key (store column phone_key)."""
    p = parse(first(text))
    return None if p is None else p.key


def local(text: str) -> str | None:
    """The first number's local part (store column phone_local)."""
    p = parse(first(text))
    return None if p is None else p.local


def split(text: str) -> list[str]:
    """The numbers of one cell, as written (outer blanks stripped): `a；b` -> [a, b]."""
    return [part.strip() for part in _LIST.split(text) if part.strip()]


def first(text: str) -> str:
    """A ticket's phone may hold two numbers: the first is the one its keys are made of."""
    parts = split(text)
    return parts[0] if parts else ""
