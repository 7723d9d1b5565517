"""What an import would change, in lines a person reads: `--dry-run` prints them, the import log keeps them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from .model import UNIT_NAMES, Contract, Module, Period, Schedule, Site, Target

_SCALARS = ("customer", "vendor", "product", "timezone", "title", "period", "site")
_TABLES: dict[str, tuple[str, Callable[[Any], Any], Callable[[Any], str]]] = {
    "windows": ("窗口", lambda w: w.name, lambda w: f"{w.name}（{w.label}）"),
    "severities": ("级别", lambda s: s.level, lambda s: f"{s.level} 级 {s.name}"),
    "services": ("服务", lambda s: (s.category, s.name), lambda s: f"{s.category}/{s.name}"),
    "modules": ("模块", lambda m: m.no, lambda m: f"第 {m.no} 行 {m.name}"),
    "contacts": ("联系方式", lambda c: (c.kind, c.value), lambda c: f"{c.kind} {c.label} {c.value}"),
}
# Every field a change names, in the words people read (as tickets.FIELD_NAMES for a ticket's changes).
FIELD_NAMES = {
    "customer": "医院",
    "vendor": "服务方",
    "product": "产品",
    "timezone": "时区",
    "title": "合同名称",
    "period": "服务期",
    "site": "现场",
    "name": "名称",
    "label": "显示名",
    "days": "日子",
    "start": "开始",
    "end": "结束",
    "note": "备注",
    "outside": "窗口外",
    "level": "级别",
    "description": "说明",
    "target": "时限",
    "negotiable": "可协商",
    "examples": "举例",
    "category": "类别",
    "channels": "渠道",
    "frequency": "频次",
    "schedule": "履约周期",
    "exclusions": "不含",
    "no": "编号",
    "selected": "已选",
    "sites": "站点数",
    "remark": "备注",
    "kind": "类型",
    "value": "号码",
    "window": "窗口",
}


def diff_contracts(old: Contract | None, new: Contract) -> list[str]:
    if old is None:
        counts = "、".join(f"{len(getattr(new, t))} 个{label}" for t, (label, _, _) in _TABLES.items())
        return [f"新合同 {new.code}（{new.customer}）：{counts}"]
    out = [
        _change(name, getattr(old, name), getattr(new, name))
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
                _change(f.name, getattr(before, f.name), getattr(row, f.name))
                for f in fields(row)
                if getattr(before, f.name) != getattr(row, f.name)
            ]
            out.append(f"~ {label} {describe(row)}  " + "；".join(changed))
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


def _change(name: str, old: Any, new: Any) -> str:
    """`医院：雷山县人民医院 → 雷山县医院`, `站点数：— → 3`: the field in words, nothing as —."""
    return f"{FIELD_NAMES.get(name, name)}：{_show(old)} → {_show(new)}"


def _show(value: Any) -> str:
    if value is None or value == "" or value == ():
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:37] + "..."
    if isinstance(value, tuple):
        return "、".join(_show(v) for v in value)
    if isinstance(value, Target):
        return f"{value.amount:g} {UNIT_NAMES.get(value.unit, value.unit)}（按 {value.window} 窗口）"
    if isinstance(value, Schedule):
        return value.text
    if isinstance(value, Site):
        return site_text(value)
    if isinstance(value, Period):
        return f"{_show(value.start)} 至 {_show(value.end)}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def site_text(site: Site) -> str:
    """`雷山县城关镇… 路程 150 分钟（夜间 180 分钟）`: the site as the diff and the screens say it."""
    night = "" if site.travel_minutes_night is None else f"（夜间 {site.travel_minutes_night} 分钟）"
    return f"{site.address} 路程 {site.travel_minutes} 分钟{night}"
