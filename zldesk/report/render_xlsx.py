"""The report as an xlsx workbook, one sheet per table (sections.py), with openpyxl. Headers in Chinese,
numbers as numbers (hours to a tenth), user text visible and never a formula."""

from __future__ import annotations

import io

from .cells import heading, no_formula, plain, subheading
from .sections import sections


def _cell(v, kind: str):
    if v is None:
        return None
    if kind == "hours":
        return round(v / 3600, 1)
    if kind == "rate":
        return round(v, 4)
    if isinstance(v, str):
        return no_formula(plain(v))
    return v


def render_xlsx(report: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    first = wb.active
    first.title = "报告"
    first.append([no_formula(heading(report))])
    first.append([no_formula(subheading(report))])
    first["A1"].font = Font(bold=True, size=14)
    for s in sections(report):
        ws = wb.create_sheet(s.title[:31])
        ws.append([c.header for c in s.columns])
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in s.rows(report):
            ws.append([_cell(r.get(c.key), c.kind) for c in s.columns])
        for i, c in enumerate(s.columns):
            if c.kind == "rate":
                for row in ws.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                    row[0].number_format = "0.0%"
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
