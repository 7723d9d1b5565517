"""The contract's file forms: TOML for people, JSON with the same structure for machines.

Reading never half-succeeds: it returns a whole Contract or raises InvalidInput naming the file and,
for every problem, the field path and (for TOML and JSON syntax, and for TOML fields) the line.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, Problem
from .limits import MAX_FILE_BYTES, parse_bounded, read_file
from .model import Contract, contract_to_dict
from .validation import contract_from_dict

FORMATS = ("toml", "json")


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt.lower()
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else ""


def decode_utf8(data: bytes, source: str) -> str:
    """TOML and JSON are UTF-8 by definition; a BOM is tolerated, anything else is named precisely."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput(source, [Problem("", "文件是 UTF-16 编码；请另存为 UTF-8")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InvalidInput(
            source,
            [Problem("", f"不是 UTF-8 编码（第 {e.start} 字节起无法解码；GBK/GB18030 文件请另存为 UTF-8）", line)],
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InvalidInput(source, [Problem("", "含有 NUL 字节：不是文本文件", line)])
    return text


def parse_contract_text(text: str, fmt: str, source: str) -> Contract:
    """Parse TOML or JSON text into a validated Contract, or raise InvalidInput."""
    if fmt == "toml":
        try:
            data = parse_bounded(tomllib.loads, text, source)
        except tomllib.TOMLDecodeError as e:
            m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
            line = int(m.group(1)) if m else None
            message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
            where = f"第 {m.group(2)} 列：" if m else ""
            raise InvalidInput(source, [Problem("", f"TOML 语法错误：{where}{message}", line)]) from None
    elif fmt == "json":
        try:
            data = parse_bounded(json.loads, text, source)
        except json.JSONDecodeError as e:
            raise InvalidInput(source, [Problem("", f"JSON 语法错误：第 {e.colno} 列：{e.msg}", e.lineno)]) from None
    else:
        raise InvalidInput(
            source, [Problem("", f"不认识的格式 {fmt!r}：文件名应以 .toml 或 .json 结尾，或用 --format 指定")]
        )
    contract, problems, warnings = contract_from_dict(data)
    locate = toml_locator(text) if fmt == "toml" else (lambda path: None)
    if problems:
        raise InvalidInput(source, [Problem(p.path, p.message, p.line or locate(p.path)) for p in problems])
    assert contract is not None
    located = tuple(Problem(w.path, w.message, w.line or locate(w.path)) for w in warnings)
    return Contract(**{**contract.__dict__, "warnings": located})


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """An import file's bytes, refused past `limit` (limits.py) before more is read."""
    return read_file(path, limit)


def read_contract_file(path: Path, fmt: str | None = None, raw: bytes | None = None) -> Contract:
    """The contract in a .toml or .json file (`fmt` overrides the extension); `raw` if already read."""
    source = str(path)
    data = read_bytes(path) if raw is None else raw
    return parse_contract_text(decode_utf8(data, source), detect_format(path, fmt), source)


# ---------------------------------------------------------------------------------------------------
# Writing.


def dumps_json(contract: Contract) -> str:
    from ..text import json_safe

    return json_safe(json.dumps(contract_to_dict(contract), ensure_ascii=False, indent=2, default=_json_default)) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))


# Keys left out of the TOML when empty: TOML has no null, and `remark = ""` 33 times is noise.
_OPTIONAL = {
    "title",
    "note",
    "outside",
    "examples",
    "channels",
    "frequency",
    "exclusions",
    "sites",
    "remark",
    "window",
    "period",
}


def dumps_toml(contract: Contract) -> str:
    """A TOML text people can read: one [[table]] per row, plain strings, nothing inline but `target`.

    Hand-written rather than tomli_w, which writes arrays of tables inline, one row a line.
    """
    data = contract_to_dict(contract)
    out: list[str] = []
    for key, value in data.items():
        if not isinstance(value, (list, dict)) and not _skip(key, value):
            out.append(f"{key} = {_toml_value(value)}")
    if data["period"]:
        out += ["", "[period]"] + [f"{k} = {_toml_value(v)}" for k, v in data["period"].items()]
    if data.get("site"):  # only a contract that has one (model._site_dict)
        out += ["", "[site]"] + [f"{k} = {_toml_value(v)}" for k, v in data["site"].items() if v is not None]
    for table in ("windows", "severities", "services", "modules", "contacts"):
        for row in data[table]:
            out += ["", f"[[{table}]]"]
            out += [f"{k} = {_toml_value(v)}" for k, v in row.items() if not _skip(k, v)]
    from ..text import json_safe

    return json_safe("\n".join(out) + "\n")  # C1, bidi and separators as \u escapes, valid TOML as JSON


def _skip(key: str, value: Any) -> bool:
    return value is None or (key in _OPTIONAL and value in ("", []))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _toml_str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}


def _toml_str(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


# ---------------------------------------------------------------------------------------------------
# Line numbers for field paths in a TOML text written with [[table]] rows, as ours are.

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=")
_PATH = re.compile(r"^([a-z_]+)(?:\[(\d+)\])?(?:\.([a-z_]+))?")


def toml_locator(text: str):
    lines = text.splitlines()
    # (table, index) -> (first line, last line); the top level is ("", 0).
    blocks: dict[tuple[str, int], tuple[int, int]] = {}
    counts: dict[str, int] = {}
    current, start = ("", 0), 1
    for no, line in enumerate(lines, 1):
        m = _HEADER.match(line)
        if m:
            blocks[current] = (start, no - 1)
            name = m.group(1)
            index = counts.get(name, 0)
            counts[name] = index + 1
            current, start = (name, index if line.lstrip().startswith("[[") else 0), no
    blocks[current] = (start, len(lines))

    def find_key(block: tuple[str, int], key: str | None) -> int | None:
        if block not in blocks:
            return None
        first, last = blocks[block]
        if key:
            for no in range(first, last + 1):
                m = _KEY.match(lines[no - 1])
                if m and m.group(1) == key:
                    return no
        return first if block[0] else None

    def locate(path: str) -> int | None:
        m = _PATH.match(path)
        if not m:
            return None
        name, index, key = m.group(1), m.group(2), m.group(3)
        if index is not None:
            return find_key((name, int(index)), key)
        if (name, 0) in blocks and name:
            return find_key((name, 0), key)
        return find_key(("", 0), name)

    return locate
