"""The report's charts as inline SVG: bars with their numbers and labels as <text> (so Chinese is drawn by
the reader's own fonts, and a search or a copy finds it), no script, nothing fetched. Every label is
escaped (html.escape of text.visible), so a module or a title cannot break out of the markup."""

from __future__ import annotations

from html import escape

from .cells import plain

COLOURS = ("#2f6db5", "#e07b22", "#3a9a4a", "#b8434a", "#7a5ab8", "#8c6d3f")
FONT = 'font-family="sans-serif" font-size="11"'


def _t(text: str) -> str:
    return escape(plain(str(text)), quote=True)


def _fit(text: str, cells: int) -> str:
    """At most `cells` columns of text (a CJK character is two), cut with …"""
    out, used = "", 0
    for ch in text:
        w = 2 if ord(ch) > 0x2E7F else 1
        if used + w > cells:
            return out + "…"
        out, used = out + ch, used + w
    return out


def columns(title: str, labels: list[str], series: list[tuple[str, list[float | None]]], top: float, fmt) -> str:
    """Grouped vertical bars: one group per label, one bar per series; `fmt` writes a bar's number."""
    n, k = max(1, len(labels)), max(1, len(series))
    left, bottom, height = 40, 40, 160
    group = max(24, min(60, 600 // n))
    bar = max(4, (group - 8) // k)
    legend = len(series) > 1
    # wide enough for its legend too: a short period's two groups would cut 3 级 and 4 级 off it
    width = max(left + n * group + 10, left + k * 70 + 10 if legend else 0)
    h = 30 + height + bottom + (18 if legend else 0)
    out = [
        f'<svg role="img" width="{width}" height="{h}" viewBox="0 0 {width} {h}" {FONT}><title>{_t(title)}</title>',
        f'<text x="0" y="14" font-size="13" font-weight="bold">{_t(title)}</text>',
    ]
    base = 30 + height
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - 5}" y2="{base}" stroke="#888"/>')
    for i, label in enumerate(labels):
        x0 = left + i * group + 4
        for j, (_, values) in enumerate(series):
            v = values[i]
            if v is None:
                continue
            bh = 0 if top <= 0 else round(height * v / top)
            x = x0 + j * bar
            out.append(
                f'<rect x="{x}" y="{base - bh}" width="{bar - 1}" height="{bh}" fill="{COLOURS[j % len(COLOURS)]}"/>'
            )
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{base - bh - 3}" text-anchor="middle" font-size="9">{_t(fmt(v))}</text>'
            )
        out.append(
            f'<text x="{x0 + group / 2 - 4:.1f}" y="{base + 14}" text-anchor="middle">{_t(_fit(label, group // 6))}</text>'
        )
    if legend:
        for j, (name, _) in enumerate(series):
            x = left + j * 70
            y = base + 32
            out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{COLOURS[j % len(COLOURS)]}"/>')
            out.append(f'<text x="{x + 14}" y="{y}">{_t(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def bars(title: str, rows: list[tuple[str, float]], fmt) -> str:
    """Horizontal bars, one per (label, value), the label left of its bar."""
    label_w, bar_w, row_h = 170, 360, 20
    top = max([v for _, v in rows], default=0) or 1
    h = 24 + row_h * max(1, len(rows)) + 6
    width = label_w + bar_w + 50
    out = [
        f'<svg role="img" width="{width}" height="{h}" viewBox="0 0 {width} {h}" {FONT}><title>{_t(title)}</title>',
        f'<text x="0" y="14" font-size="13" font-weight="bold">{_t(title)}</text>',
    ]
    for i, (label, v) in enumerate(rows):
        y = 24 + i * row_h
        w = round(bar_w * v / top)
        out.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{_t(_fit(label, 28))}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 6}" fill="{COLOURS[0]}"/>')
        out.append(f'<text x="{label_w + w + 4}" y="{y + 13}">{_t(fmt(v))}</text>')
    out.append("</svg>")
    return "".join(out)
