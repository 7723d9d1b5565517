"""The report's tables, in the order every format shows them: one list, SECTIONS. A new section (the
contract's obligations, issue 17) is one more Section here and its rows in the report's dict; md, csv,
xlsx and HTML render whatever this list holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..tickets import STATE_NAMES

OUTCOME_NAMES = {"on_time": "按时", "late": "超时", "pending": "未定"}
BREACH_NAMES = {"computed": "合同时限", "negotiated": "协商时限"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text | int | rate | hours | time


@dataclass(frozen=True)
class Section:
    key: str  # the csv section's name (the JSON key its rows come from, but `times`: from `levels`)
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[dict], list[dict]]
    page_break: bool = False  # HTML: starts a new printed page
    note: str = ""  # a line under the title: how to read the table


def _level_rows(report: dict) -> list[dict]:
    return [_flat(lv) for lv in [*report["levels"], report["totals"]]]


def _flat(lv: dict) -> dict:
    out = {k: v for k, v in lv.items() if not isinstance(v, dict)}
    out["level"] = "合计" if lv["level"] is None else f"{lv['level']} 级"
    for part in ("negotiated", "arrival", "resolution"):
        out |= {f"{part}.{k}": v for k, v in lv[part].items()}
    return out


def _months(report: dict) -> list[dict]:
    return [{**m, **{f"level.{k}": v for k, v in m["by_level"].items()}} for m in report["months"]]


def _month_columns(report: dict) -> tuple[Column, ...]:
    levels = [Column(f"level.{lv['level']}", f"{lv['level']} 级", "int") for lv in report["levels"]]
    return (
        Column("month", "月份"),
        Column("opened", "工单", "int"),
        Column("on_time", "按时", "int"),
        Column("late", "超时", "int"),
        Column("pending", "未定", "int"),
        Column("on_time_rate", "按时率", "rate"),
        *levels,
    )


def _named(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        r = dict(r)
        if "outcome" in r:
            r["outcome"] = OUTCOME_NAMES.get(r["outcome"], r["outcome"])
        if "kinds" in r:
            r["kinds"] = "、".join(BREACH_NAMES.get(k, k) for k in r["kinds"])
        if "state" in r:
            r["state"] = STATE_NAMES.get(r["state"], r["state"])
        if "level" in r and isinstance(r["level"], int):
            r["level"] = f"{r['level']} 级"
        out.append(r)
    return out


LEVELS = Section(
    "levels",
    "各级别",
    (
        Column("level", "级别"),
        Column("name", "名称"),
        Column("target", "时限"),
        Column("opened", "工单", "int"),
        Column("on_time", "按时", "int"),
        Column("late", "超时", "int"),
        Column("pending", "未定", "int"),
        Column("on_time_rate", "按时率", "rate"),
        Column("negotiated.count", "协商", "int"),
        Column("negotiated.on_time", "协商按时", "int"),
        Column("negotiated.late", "协商超时", "int"),
        Column("paused_tickets", "挂起工单", "int"),
        Column("pause_seconds", "挂起（时）", "hours"),
        Column("pause_business_seconds", "挂起（营业时）", "hours"),
    ),
    _level_rows,
)

TIMES = Section(
    "times",
    "到场和解决用时",
    (
        Column("level", "级别"),
        Column("arrival.count", "到场", "int"),
        Column("arrival.median_business_seconds", "到场中位（营业时）", "hours"),
        Column("arrival.p90_business_seconds", "到场90%（营业时）", "hours"),
        Column("arrival.median_seconds", "到场中位（时）", "hours"),
        Column("arrival.p90_seconds", "到场90%（时）", "hours"),
        Column("resolution.count", "解决", "int"),
        Column("resolution.median_business_seconds", "解决中位（营业时）", "hours"),
        Column("resolution.p90_business_seconds", "解决90%（营业时）", "hours"),
        Column("resolution.median_seconds", "解决中位（时）", "hours"),
        Column("resolution.p90_seconds", "解决90%（时）", "hours"),
    ),
    _level_rows,
    note="单位小时；营业时按该级别的窗口计、不计挂起，墙钟时间（时）是日历时间；中位数，90% 为最近秩百分位。",
)

SECTIONS: list[Section | Callable[[dict], Section]] = [
    LEVELS,
    TIMES,
    lambda report: Section("months", "各月", _month_columns(report), _months),
    Section(
        "breaches",
        "超时的工单",
        (
            Column("id", "工单", "int"),
            Column("level", "级别"),
            Column("title", "标题"),
            Column("state", "状态"),
            Column("kinds", "超过"),
            Column("explanation", "说明"),
        ),
        lambda r: _named(r["breaches"]),
        page_break=True,
    ),
    Section(
        "pause_reasons",
        "挂起原因",
        (
            Column("reason", "原因"),
            Column("count", "次数", "int"),
            Column("seconds", "时长（时）", "hours"),
            Column("business_seconds", "营业时间（时）", "hours"),
        ),
        lambda r: r["pause_reasons"],
    ),
    Section(
        "pauses",
        "挂起",
        (
            Column("id", "工单", "int"),
            Column("level", "级别"),
            Column("title", "标题"),
            Column("start", "起", "time"),
            Column("end", "止", "time"),
            Column("seconds", "时长（时）", "hours"),
            Column("reason", "原因"),
        ),
        lambda r: _named(r["pauses"]),
    ),
    Section(
        "negotiated",
        "协商时限",
        (
            Column("id", "工单", "int"),
            Column("level", "级别"),
            Column("title", "标题"),
            Column("computed_due", "合同时限", "time"),
            Column("negotiated_due", "协商时限", "time"),
            Column("agreed_with", "协商人"),
            Column("outcome", "结果"),
        ),
        lambda r: _named(r["negotiated"]),
        page_break=True,
    ),
    Section(
        "out_of_scope",
        "不在合同范围",
        (Column("id", "工单", "int"), Column("level", "级别"), Column("title", "标题"), Column("module", "模块")),
        lambda r: _named(r["out_of_scope"]),
    ),
    Section(
        "modules", "工单最多的模块", (Column("module", "模块"), Column("count", "工单", "int")), lambda r: r["modules"]
    ),
    Section(
        "obligations",
        "合同约定的定期服务",
        (
            Column("category", "类别"),
            Column("service", "服务"),
            Column("frequency", "频次"),
            Column("due", "到期日"),
            Column("done", "履约日"),
            Column("outcome_name", "结果"),
        ),
        lambda r: r.get("obligations", []),
        note="期内到期或期内履约的每一次：按时、迟了、逾期（过了到期日仍未履约）、未到期",
    ),
]


def sections(report: dict) -> list[Section]:
    return [s if isinstance(s, Section) else s(report) for s in SECTIONS]


def cell(value, kind: str) -> str:
    """A value as a person reads it in a table: hours to a tenth, rates in per cent, times to the minute."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value / 3600:.1f}"
    if kind == "time":
        return f"{datetime.fromisoformat(value):%Y-%m-%d %H:%M}"
    return str(value)
