"""Small server-rendered SVG charts: no JavaScript, no CDN, readable without colour.

Every chart carries a <title> and a text equivalent (role="img" + aria-label); the numbers
are also in a table next to it on each page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from ..models.plans import Objective


def _num(value: Decimal | float | int) -> str:
    text = f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def objective_chart(objective: Objective, width: int = 560, height: int = 200) -> Markup:
    """The monthly values as a line, the target as a dashed line."""
    values = [(v.month, Decimal(v.value)) for v in objective.values]
    target = Decimal(objective.target)
    label = f"Diễn biến chỉ tiêu {objective.code}, mục tiêu {objective.target_text}"
    if not values:
        return Markup("")
    left, right, top, bottom = 48, 40, 26, 32
    # Zoom on the values and the target (not from zero): 94 against 95 must be visible.
    seen = [target, *(v for _, v in values)]
    margin = max((max(seen) - min(seen)) * Decimal("0.15"), Decimal(1))
    top_value = max(seen) + margin
    low_value = min(seen) - margin
    if min(seen) >= 0:
        low_value = max(low_value, Decimal(0))
    span = (top_value - low_value) or Decimal(1)
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(values) - 1, 1)

    def y(value: Decimal) -> float:
        return top + plot_h - float((value - low_value) / span) * plot_h

    points = [
        (left + i * step if len(values) > 1 else left + plot_w / 2, y(v))
        for i, (_, v) in enumerate(values)
    ]
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
        f'y2="{top + plot_h}"/>',
        f'<line class="target" x1="{left}" y1="{y(target):.1f}" x2="{width - right}" '
        f'y2="{y(target):.1f}"/>',
        f'<text class="label" x="{left - 4}" y="{y(target) + 4:.1f}" text-anchor="end">'
        f"{_num(target)}</text>",
        '<polyline class="series" points="'
        + " ".join(f"{x:.1f},{yy:.1f}" for x, yy in points)
        + '"/>',
    ]
    for (month, value), (x, yy) in zip(values, points, strict=True):
        parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{yy:.1f}" r="4"/>')
        parts.append(
            f'<text class="label" x="{x:.1f}" y="{yy - 8:.1f}" text-anchor="middle">'
            f"{_num(value)}</text>"
        )
        parts.append(
            f'<text class="label" x="{x:.1f}" y="{height - 10}" text-anchor="middle">'
            f"{month.month}/{month.year}</text>"
        )
    parts.append("</svg>")
    # Scrolls inside its box on a phone rather than shrinking its labels below 11 px.
    return Markup('<div class="chart-scroll">' + "".join(parts) + "</div>")  # noqa: S704 - every text value above went through escape()


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # 0–100 (a percentage) unless `maximum` says otherwise
    href: str | None = None
    note: str = ""
    tone: str = ""  # css modifier: "ok", "warn", "bad"


def bar_chart(bars: Sequence[Bar], title: str, maximum: float = 100, unit: str = "%") -> Markup:
    """Horizontal bars with their label above, each a link to the list behind it. A narrow
    viewBox keeps the text legible when the chart shares the row with another card."""
    if not bars:
        return Markup("")
    row_h, width, value_w = 38, 400, 52
    height = row_h * len(bars) + 4
    plot_w = width - value_w
    # With links inside, the chart is a group of links, not an image (an image's content is
    # presentational: links there are unreachable to screen readers).
    role = "group" if any(bar.href for bar in bars) else "img"
    parts = [
        f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="{role}" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = 2 + i * row_h
        length = max(0.0, min(1.0, bar.value / maximum if maximum else 0)) * plot_w
        body = (
            f'<text class="label" x="0" y="{y + 12}">{escape(bar.label)}'
            f'<tspan class="note">{escape(bar.note)}</tspan></text>'
            f'<rect class="track" x="0" y="{y + 17}" width="{plot_w}" height="14"/>'
            f'<rect class="bar {escape(bar.tone)}" x="0" y="{y + 17}" '
            f'width="{length:.1f}" height="14"/>'
            f'<text class="label value" x="{width}" y="{y + 29}" text-anchor="end">'
            f"{_num(round(bar.value, 1))}{escape(unit)}</text>"
        )
        if bar.href:
            body = f'<a href="{escape(bar.href)}">{body}</a>'
        parts.append(body)
    parts.append("</svg>")
    return Markup('<div class="chart-scroll">' + "".join(parts) + "</div>")  # noqa: S704 - every text value above went through escape()
