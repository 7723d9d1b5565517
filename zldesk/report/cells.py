"""User text in a report cell: every control, bidi and separator character shown (text.visible), and in
spreadsheets a cell that would start a formula (= + - @) kept as text with a leading '."""

from __future__ import annotations

from ..text import visible

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def plain(value: str) -> str:
    return visible(value)


def no_formula(value: str) -> str:
    """The text a spreadsheet shows as text, never runs: a leading ' before = + - @ (OWASP's CSV advice)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def heading(report: dict) -> str:
    return f"{plain(report['customer'])} 服务报告 {report['period']['label']}"


def subheading(report: dict) -> str:
    p = report["period"]
    return f"合同 {plain(report['contract'])}；{p['from']} 至 {p['to']}（{report['zone']}，首尾两天整天）；读于 {report['at'][:16].replace('T', ' ')}"
