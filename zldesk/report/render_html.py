"""The report as one self-contained HTML file: no script, nothing fetched (a CSP that allows none), the
charts inline SVG (svg.py), printing to A4 with its tables whole where they fit and a new page before the
long lists. Every piece of user text is escaped."""

from __future__ import annotations

from html import escape

from .cells import heading, plain, subheading
from .sections import cell, sections
from .svg import bars, columns

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       font-size: 10.5pt; color: #222; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 17pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 14pt 0 6pt; border-bottom: 1px solid #999; }
p.sub { color: #555; margin: 0 0 10pt; }
table { border-collapse: collapse; width: 100%; margin-bottom: 8pt; font-size: 9pt; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; vertical-align: top; }
th { background: #eef2f7; } td.n { text-align: right; white-space: nowrap; } td.s { white-space: nowrap; }
thead { display: table-header-group; } tr { break-inside: avoid; page-break-inside: avoid; }
section { break-inside: auto; } section.page { break-before: page; page-break-before: always; }
.charts svg { display: block; margin: 6pt 0; max-width: 100%; height: auto; break-inside: avoid; }
.wide { font-size: 7.5pt; } .none { color: #777; }
"""


def _e(text) -> str:
    return escape(plain(str(text)), quote=True)


LONG = ("title", "explanation", "reason", "module", "name", "agreed_with")  # may wrap; other cells stay whole


def _table(report: dict, s) -> str:
    rows = s.rows(report)
    if not rows:
        return '<p class="none">（无）</p>'
    klass = ' class="wide"' if len(s.columns) > 10 else ""
    head = "".join(f"<th>{_e(c.header)}</th>" for c in s.columns)
    body = []
    for r in rows:
        tds = []
        for c in s.columns:
            n = ' class="n"' if c.kind in ("int", "rate", "hours") else "" if c.key in LONG else ' class="s"'
            tds.append(f"<td{n}>{_e(cell(r.get(c.key), c.kind))}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def charts(report: dict) -> str:
    months = report["months"]
    labels = [m["month"][2:] if len(months) > 1 else m["month"] for m in months]
    rate = columns(
        "每月按时率（合同时限）",
        labels,
        [("按时率", [None if m["on_time_rate"] is None else m["on_time_rate"] * 100 for m in months])],
        100,
        lambda v: f"{v:.0f}%",
    )
    levels = [lv["level"] for lv in report["levels"]]
    per_level = [(f"{lv} 级", [m["by_level"].get(str(lv), 0) or None for m in months]) for lv in levels]
    top = max([v or 0 for _, vs in per_level for v in vs], default=0) or 1
    count = columns("每月各级别工单数", labels, per_level, top, lambda v: f"{v:.0f}")
    modules = bars("各模块工单数", [(m["module"], m["count"]) for m in report["modules"]], lambda v: f"{v:.0f}")
    return f'<div class="charts">{rate}{count}{modules}</div>'


def render_html(report: dict) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{_e(heading(report))}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(heading(report))}</h1>",
        f'<p class="sub">{_e(subheading(report))}</p>',
    ]
    for i, s in enumerate(sections(report)):
        klass = ' class="page"' if s.page_break else ""
        parts.append(f'<section id="{_e(s.key)}"{klass}><h2>{_e(s.title)}</h2>')
        if s.note:
            parts.append(f'<p class="sub">{_e(s.note)}</p>')
        parts.append(_table(report, s))
        if i == 0:
            parts.append(charts(report))
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
