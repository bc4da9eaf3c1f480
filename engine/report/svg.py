"""Charts as inline SVG, drawn on the server: no script, no network, a few kilobytes each.
Every data mark carries `class="mark"` (what the browser test counts)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 880
PALETTE = ("#3b6fb6", "#e08a2c", "#5a9e5a", "#b8463f", "#7d5ba6", "#8c6d46")
SHADES = ("#ffffff", "#fdebd3", "#e3efe0", "#f3e0f3", "#e0ecf7")


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of a horizontal bar chart: a label, one value per series, and the text beside it."""

    label: str
    values: tuple[float, ...]
    text: str


def _svg(height: int, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="11">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def legend(items: Sequence[tuple[str, str]], y: float) -> list[str]:
    """Colour swatches with their names, right-aligned on the chart's top line."""
    out: list[str] = []
    x = WIDTH - 10 - sum(24 + 7 * len(name) for name, _ in items)
    for name, colour in items:
        out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}" stroke="#999"/>')
        out.append(_text(x + 14, y, name))
        x += 24 + 7 * len(name)
    return out


def hours_chart(title: str, counts: Sequence[int], modes: Sequence[str], labels: Sequence[str]) -> str:
    """Vertical bars, one per hour, over bands shaded by the mode in force; `labels` (one per
    hour, empty for none) go under the axis."""
    height, left, top, bottom = 240, 40, 24, 196
    n = max(len(counts), 1)
    step = (WIDTH - left - 10) / n
    peak = max(counts, default=0) or 1
    order = list(dict.fromkeys(modes))
    shade = {m: SHADES[i % len(SHADES)] for i, m in enumerate(order)}
    body = [_text(left, 14, title, extra=' font-weight="bold"')]
    for i, mode in enumerate(modes):
        body.append(f'<rect x="{left + i * step:.1f}" y="{top}" width="{step + 0.5:.1f}" '
                    f'height="{bottom - top}" fill="{shade[mode]}"/>')
    for i, count in enumerate(counts):
        h = (bottom - top) * count / peak
        body.append(f'<rect class="mark" x="{left + i * step + 0.5:.1f}" y="{bottom - h:.1f}" '
                    f'width="{max(step - 1, 0.6):.1f}" height="{h:.1f}" fill="{PALETTE[0]}">'
                    f"<title>{escape(labels[i] or str(i))}: {count}</title></rect>")
        if labels[i]:
            body.append(_text(left + i * step, bottom + 14, labels[i]))
    body += _axis_y(left, top, bottom, peak, False)
    body += legend([(m, shade[m]) for m in order], 14)
    return _svg(height, title, body)


def _axis_y(left: float, top: float, bottom: float, peak: float, as_share: bool) -> list[str]:
    body = [f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" stroke="#333"/>']
    for frac in (0.0, 0.5, 1.0):
        y = bottom - (bottom - top) * frac
        value = peak * frac
        label = f"{value:.0%}" if as_share else f"{value:.0f}"
        body.append(_text(left - 4, y + 4, label, "end"))
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 10}" y2="{y:.1f}" stroke="#ddd"/>')
    return body


def cumulative_chart(title: str, grid: Sequence[int], series: Sequence[tuple[str, Sequence[float]]],
                     mark_minutes: int) -> str:
    """Step lines of a share against minutes on a log axis, one per series, with a dashed
    line at `mark_minutes`."""
    height, left, top, bottom = 260, 40, 24, 216
    lo, hi = math.log(grid[0]), math.log(grid[-1])

    def x(minutes: float) -> float:
        return left + (WIDTH - left - 20) * (math.log(minutes) - lo) / (hi - lo)

    def y(value: float) -> float:
        return bottom - (bottom - top) * value

    body = [_text(left, 14, title, extra=' font-weight="bold"')] + _axis_y(left, top, bottom, 1.0, True)
    for m in grid:
        body.append(_text(x(m), bottom + 14, _minutes(m), "middle"))
    mx = x(mark_minutes)
    body.append(f'<line x1="{mx:.1f}" y1="{top}" x2="{mx:.1f}" y2="{bottom}" stroke="#b8463f" stroke-dasharray="4 3"/>')
    for i, (name, shares) in enumerate(series):
        if not shares:
            continue  # a side without tickets
        points = " ".join(f"{x(m):.1f},{y(s):.1f}" for m, s in zip(grid, shares, strict=True))
        body.append(f'<polyline class="mark" points="{points}" fill="none" stroke="{PALETTE[i]}" '
                    f'stroke-width="2"><title>{escape(name)}</title></polyline>')
    body += legend([(n, PALETTE[i]) for i, (n, _) in enumerate(series)], 14)
    return _svg(height, title, body)


def _minutes(m: int) -> str:
    if m >= 1440:
        return f"{m // 1440}d"
    return f"{m // 60}h" if m >= 60 and m % 60 == 0 else f"{m}m"


def bars_chart(title: str, bars: Sequence[Bar], series: Sequence[str], scale: float) -> str:
    """Horizontal bars, one group per row and one bar per series, value / `scale` of the width."""
    per = len(series) or 1
    row = 6 + 10 * per
    label_w = 190
    height = 40 + row * len(bars)
    body = [_text(8, 14, title, extra=' font-weight="bold"')]
    body += legend([(s, PALETTE[i]) for i, s in enumerate(series)], 14) if per > 1 else []
    span = WIDTH - label_w - 90
    for i, bar in enumerate(bars):
        y0 = 30 + i * row
        body.append(_text(label_w - 6, y0 + row / 2 + 3, bar.label, "end"))
        for j, value in enumerate(bar.values):
            w = span * value / scale if scale else 0.0
            body.append(f'<rect class="mark" x="{label_w}" y="{y0 + j * 10:.1f}" width="{max(w, 0.5):.1f}" '
                        f'height="9" fill="{PALETTE[j]}"><title>{escape(bar.label)} {escape(series[j])}: '
                        f"{escape(bar.text)}</title></rect>")
        body.append(_text(label_w + span + 6, y0 + row / 2 + 3, bar.text))
    return _svg(height, title, body)
