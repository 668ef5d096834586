"""Server-rendered SVG charts of the results, like the dashboard's (plans/charts.py): no
JavaScript, readable without colour, each with a title and a text equivalent, and the same
numbers in a table beside it. The 95 % interval is drawn as a whisker across each bar."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from .results import Stat


def _num(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def share_bars(stats: Sequence[Stat], title: str, target: float | None = None) -> Markup:
    """Horizontal bars of the share satisfied (0–100 %), the interval as a whisker, a small
    sample drawn hatched and marked "(mẫu nhỏ)", an optional target as a dashed line."""
    shown = [s for s in stats if s.share is not None]
    if not shown:
        return Markup("")
    row_h, width, value_w = 40, 420, 60
    height = row_h * len(shown) + (18 if target is not None else 4)
    plot_w = width - value_w
    summary = "; ".join(f"{s.label}: {_num(s.share * 100)}% ({s.responses} phiếu)" for s in shown)
    parts = [
        f'<svg class="chart bars sipas" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}. {escape(summary)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, stat in enumerate(shown):
        y = 2 + i * row_h
        share = stat.share or 0.0
        low, high = stat.interval or (share, share)
        tone = "ok" if target is not None and share * 100 >= target else ""
        tone = tone or ("bad" if target is not None else "")
        small = " small" if stat.small else ""
        note = " (mẫu nhỏ)" if stat.small else ""
        parts.append(
            f'<text class="label" x="0" y="{y + 12}">{escape(stat.label)}'
            f'<tspan class="note"> · {stat.responses} phiếu{escape(note)}</tspan></text>'
            f'<rect class="track" x="0" y="{y + 17}" width="{plot_w}" height="14"/>'
            f'<rect class="bar {tone}{small}" x="0" y="{y + 17}" '
            f'width="{share * plot_w:.1f}" height="14"/>'
            f'<line class="whisker" x1="{low * plot_w:.1f}" y1="{y + 24}" '
            f'x2="{high * plot_w:.1f}" y2="{y + 24}"/>'
            f'<line class="whisker" x1="{low * plot_w:.1f}" y1="{y + 19}" '
            f'x2="{low * plot_w:.1f}" y2="{y + 29}"/>'
            f'<line class="whisker" x1="{high * plot_w:.1f}" y1="{y + 19}" '
            f'x2="{high * plot_w:.1f}" y2="{y + 29}"/>'
            f'<text class="label value" x="{width}" y="{y + 29}" text-anchor="end">'
            f"{_num(share * 100)}%</text>"
        )
    if target is not None:
        x = target / 100 * plot_w
        parts.append(
            f'<line class="target" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 14}"/>'
            f'<text class="label note" x="{x:.1f}" y="{height - 2}" text-anchor="middle">'
            f"mục tiêu {_num(target)}%</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text value above went through escape()


def monthly_chart(stats: Sequence[Stat], title: str, target: float | None = None) -> Markup:
    """The share per month as a line with its interval as a band, the target dashed."""
    shown = [s for s in stats if s.share is not None]
    if not shown:
        return Markup("")
    width, height = 560, 220
    left, right, top, bottom = 40, 16, 20, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    lows = [s.interval[0] * 100 for s in shown]
    floor = min([*lows, target if target is not None else 100.0])
    floor = max(0.0, (int(floor) // 10) * 10 - (10 if floor % 10 < 3 else 0))
    span = (100.0 - floor) or 1.0
    step = plot_w / max(len(shown) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(shown) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h - (value - floor) / span * plot_h

    summary = "; ".join(f"{s.label}: {_num(s.share * 100)}%" for s in shown)
    parts = [
        f'<svg class="chart sipas" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}. {escape(summary)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
        f'y2="{top + plot_h}"/>',
    ]
    for tick in range(int(floor), 101, 10 if span > 30 else 5):
        parts.append(
            f'<text class="label note" x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end">'
            f"{tick}</text>"
        )
    band_top = " ".join(f"{x(i):.1f},{y(s.interval[1] * 100):.1f}" for i, s in enumerate(shown))
    band_low = " ".join(
        f"{x(i):.1f},{y(s.interval[0] * 100):.1f}" for i, s in reversed(list(enumerate(shown)))
    )
    parts.append(f'<polygon class="band" points="{band_top} {band_low}"/>')
    if target is not None:
        parts.append(
            f'<line class="target" x1="{left}" y1="{y(target):.1f}" x2="{width - right}" '
            f'y2="{y(target):.1f}"/>'
        )
    parts.append(
        '<polyline class="series" points="'
        + " ".join(f"{x(i):.1f},{y(s.share * 100):.1f}" for i, s in enumerate(shown))
        + '"/>'
    )
    for i, stat in enumerate(shown):
        parts.append(
            f'<circle class="dot{" small" if stat.small else ""}" cx="{x(i):.1f}" '
            f'cy="{y(stat.share * 100):.1f}" r="4"/>'
            f'<text class="label" x="{x(i):.1f}" y="{height - 10}" text-anchor="middle">'
            f"{escape(stat.label[:2].lstrip('0'))}/{escape(stat.label[-2:])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text value above went through escape()
