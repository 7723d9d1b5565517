"""The service report the contract promises (issue 17): its numbers from tickets (numbers.py, pure), its
tables in one list (sections.py), and one renderer per format (md, csv, json, xlsx, html). No database,
no Textual, no Typer: commands/report.py reads the tickets and writes the file."""

from .numbers import Item, Period, compute
from .sections import SECTIONS, Section, sections

FORMATS = ("md", "csv", "json", "xlsx", "html")

__all__ = ["FORMATS", "SECTIONS", "Item", "Period", "Section", "compute", "render", "sections"]


def render(report: dict, fmt: str) -> str | bytes:
    """The report in `fmt`: text for md, csv, json and html; bytes for xlsx."""
    if fmt == "md":
        from .render_md import render_md

        return render_md(report)
    if fmt == "csv":
        from .render_csv import render_csv

        return render_csv(report)
    if fmt == "xlsx":
        from .render_xlsx import render_xlsx

        return render_xlsx(report)
    if fmt == "html":
        from .render_html import render_html

        return render_html(report)
    import json

    from ..text import json_safe

    return json_safe(json.dumps(report, ensure_ascii=False, indent=2)) + "\n"
