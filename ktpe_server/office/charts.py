"""Server-rendered SVG charts (no JavaScript): bars per day."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape


def bars_by_day(points: list[tuple[date, int]], title: str, width: int = 640) -> Markup:
    """A bar chart of counts per day, with the day under each bar and the count over it."""
    height, top, bottom, left = 180, 18, 34, 8
    if not points:
        return Markup("")
    peak = max(n for _d, n in points) or 1
    slot = (width - left * 2) / len(points)
    bar = max(2.0, min(48.0, slot * 0.7))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" '
        'class="axis"/>',
    ]
    every = max(1, len(points) // 12)
    for i, (day, n) in enumerate(points):
        h = (height - top - bottom) * n / peak
        x = left + i * slot + (slot - bar) / 2
        y = height - bottom - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" class="bar">'
            f"<title>{day.isoformat()}: {n}</title></rect>"
        )
        if len(points) <= 20:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" class="val">{n}</text>')
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" class="lbl">'
                f"{day:%d/%m}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def progress_bar(percent: float) -> Markup:
    p = max(0.0, min(100.0, percent))
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 8" class="pbar" '
        f'preserveAspectRatio="none" role="img" aria-label="{p:.0f}%">'
        f'<rect x="0" y="0" width="100" height="8" class="track"/>'
        f'<rect x="0" y="0" width="{p:.1f}" height="8" class="fill"/></svg>'
    )
