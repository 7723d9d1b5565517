"""What an import would change, in lines a person reads: `--dry-run` prints them, the import log keeps them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from .model import Contract, Module

_SCALARS = ("customer", "vendor", "product", "timezone", "title", "period")
_TABLES: dict[str, tuple[str, Callable[[Any], Any], Callable[[Any], str]]] = {
    "windows": ("窗口", lambda w: w.name, lambda w: f"{w.name}（{w.label}）"),
    "severities": ("级别", lambda s: s.level, lambda s: f"{s.level} 级 {s.name}"),
    "services": ("服务", lambda s: (s.category, s.name), lambda s: f"{s.category}/{s.name}"),
    "modules": ("模块", lambda m: m.no, lambda m: f"第 {m.no} 行 {m.name}"),
    "contacts": ("联系方式", lambda c: (c.kind, c.value), lambda c: f"{c.kind} {c.label} {c.value}"),
}


def diff_contracts(old: Contract | None, new: Contract) -> list[str]:
    if old is None:
        counts = "、".join(f"{len(getattr(new, t))} 个{label}" for t, (label, _, _) in _TABLES.items())
        return [f"新合同 {new.code}（{new.customer}）：{counts}"]
    out = [
        f"{name}: {_show(getattr(old, name))} → {_show(getattr(new, name))}"
        for name in _SCALARS
        if getattr(old, name) != getattr(new, name)
    ]
    for table, (label, key, describe) in _TABLES.items():
        out += _diff_rows(label, getattr(old, table), getattr(new, table), key, describe)
    return out


def diff_modules(old: Sequence[Module], new: Sequence[Module]) -> list[str]:
    label, key, describe = _TABLES["modules"]
    return _diff_rows(label, old, new, key, describe)


def _diff_rows(
    label: str, old: Sequence[Any], new: Sequence[Any], key: Callable[[Any], Any], describe: Callable[[Any], str]
) -> list[str]:
    old_keyed, new_keyed = _keyed(old, key), _keyed(new, key)
    out = []
    for k, row in new_keyed.items():
        if k not in old_keyed:
            out.append(f"+ {label} {describe(row)}")
    for k, row in old_keyed.items():
        if k not in new_keyed:
            out.append(f"- {label} {describe(row)}")
    for k, row in new_keyed.items():
        before = old_keyed.get(k)
        if before is not None and before != row:
            changed = [
                f"{f.name}: {_show(getattr(before, f.name))} → {_show(getattr(row, f.name))}"
                for f in fields(row)
                if getattr(before, f.name) != getattr(row, f.name)
            ]
            out.append(f"~ {label} {describe(row)}：" + "；".join(changed))
    if not out and list(old) != list(new):
        out.append(f"~ {label}的顺序变了")
    return out


def _keyed(rows: Sequence[Any], key: Callable[[Any], Any]) -> dict[Any, Any]:
    """Rows by key; a repeated key (two services with one name) gets its occurrence number."""
    out: dict[Any, Any] = {}
    for row in rows:
        k, n = key(row), 0
        while (k, n) in out:
            n += 1
        out[(k, n)] = row
    return out


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)
