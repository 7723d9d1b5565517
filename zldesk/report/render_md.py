"""The report as Markdown: a heading, then each section's table (sections.py)."""

from __future__ import annotations

from .cells import heading, plain, subheading
from .sections import cell, sections


def _md(text: str) -> str:
    return plain(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render_md(report: dict) -> str:
    out = [f"# {_md(heading(report))}", "", _md(subheading(report)), ""]
    for s in sections(report):
        rows = s.rows(report)
        out += [f"## {s.title}", ""] + ([s.note, ""] if s.note else [])
        if not rows:
            out += ["（无）", ""]
            continue
        out.append("| " + " | ".join(c.header for c in s.columns) + " |")
        out.append("|" + "|".join("---:" if c.kind in ("int", "rate", "hours") else "---" for c in s.columns) + "|")
        for r in rows:
            out.append("| " + " | ".join(_md(cell(r.get(c.key), c.kind)) for c in s.columns) + " |")
        out.append("")
    return "\n".join(out)
