"""The report as one sectioned CSV: for each section a line `# key,title`, its header, its rows, and an
empty line. Numbers as numbers (seconds, shares), not as the tables' hours and per cents."""

from __future__ import annotations

import csv
import io

from .cells import no_formula, plain
from .sections import sections


def value(v) -> object:
    if v is None:
        return ""
    if isinstance(v, str):
        return no_formula(plain(v))
    return v


def render_csv(report: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for s in sections(report):
        w.writerow([f"# {s.key}", s.title])
        w.writerow([c.key for c in s.columns])
        for r in s.rows(report):
            w.writerow([value(r.get(c.key)) for c in s.columns])
        w.writerow([])
    return buf.getvalue()
