"""Reading a dict parsed from TOML or JSON, field by field: every problem is collected with its field path.

Used for contracts and rosters alike; nothing here knows either.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..errors import Problem
from ..text import control_problem

MISSING = object()  # a field not given (None is a value: JSON's null)


class Reader:
    """Collects problems while a dict is read; `get` reads one field of a kind and reports a wrong type."""

    def __init__(self, controls: bool = True) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.controls = controls  # refuse control characters in text (False: text stored by zldesk itself)

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def table(self, value: Any, path: str, required: set[str], optional: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, f"应为表（键值对），实际是 {_type_name(value)}")
            return None
        for key in value:
            if key not in required and key not in optional:
                known = "、".join(sorted(required | optional))
                shown = key if isinstance(key, str) and key.strip() and key.isprintable() else repr(key)
                self.error(_join(path, shown), f"未知字段 {shown}（可用字段：{known}）")
        for key in sorted(required):
            if key not in value:
                self.error(_join(path, key), "缺少必填字段")
        return value

    def get(self, d: dict, path: str, key: str, kind: str, default: Any = MISSING) -> Any:
        """Read one field of kind str|text|int|bool|number|strlist|date; a wrong type is reported.

        `str` (and each of a `strlist`) is one line: a name, a phone, a label, a code. `text` may span lines
        (a description, a note): newlines are kept (LF or CRLF), nothing else. Either refuses a control,
        bidi or separator character (text.control_problem): shown later it would act on a terminal or forge
        a line."""
        value = d.get(key, MISSING)
        if value is MISSING or (value is None and default is not MISSING):
            return None if default is MISSING else default
        where = _join(path, key)
        ok = {
            "str": isinstance(value, str),
            "text": isinstance(value, str),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "strlist": isinstance(value, list) and all(isinstance(v, str) for v in value),
            "date": isinstance(value, (date, str)),
        }[kind]
        if not ok:
            wanted = {
                "str": "文本",
                "text": "文本",
                "int": "整数",
                "bool": "布尔值（true/false）",
                "number": "数字",
                "strlist": "文本列表",
                "date": "日期（YYYY-MM-DD）",
            }[kind]
            self.error(where, f"应为{wanted}，实际是 {_type_name(value)} {value!r}")
            return None
        if kind in ("str", "text", "strlist"):
            texts = value if kind == "strlist" else [value]
            if any(_bad_text(v) for v in texts):
                self.error(where, "含有 NUL 或无效的 Unicode 代理字符")
                return None
            lines = kind == "text"
            problem = next((p for v in texts if self.controls and (p := control_problem(v.strip(), lines))), None)
            if problem:
                self.error(where, problem)
                return None
        if kind == "strlist":
            return tuple(v.strip() for v in value)
        if kind in ("str", "text"):
            return value.strip()
        if kind == "date" and isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                self.error(where, f"不是日期（YYYY-MM-DD）：{value!r}")
                return None
        if kind == "date" and isinstance(value, datetime):
            self.error(where, f"应为日期（YYYY-MM-DD），不带时刻：{value!r}")
            return None
        return value

    def rows(self, d: dict, key: str, limit: int | None = None) -> list[tuple[str, Any]]:
        """The rows of a table (a list of tables), none when there are more than `limit`."""
        value = d.get(key, [])
        if not isinstance(value, list):
            self.error(key, f"应为列表，实际是 {_type_name(value)}")
            return []
        if limit is not None and len(value) > limit:
            self.error(key, f"最多 {limit:,} 行，这里有 {len(value):,} 行")
            return []
        return [(f"{key}[{i}]", item) for i, item in enumerate(value)]


def _bad_text(text: str) -> bool:
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: Any) -> str:
    return {
        bool: "布尔值",
        int: "整数",
        float: "小数",
        str: "文本",
        list: "列表",
        dict: "表",
        type(None): "空值 null",
    }.get(type(value), type(value).__name__)
