"""How a report's numbers read, the same in HTML, Markdown and the terminal."""
from __future__ import annotations

from engine.report.compare import Comparison
from engine.report.figures import Headline


def pct(value: float | None) -> str:
    """A share as a percentage with one decimal, or `–` when there is none."""
    return "–" if value is None else f"{value * 100:.1f}%"


def duration(seconds: float | None) -> str:
    """Seconds as the two largest units: `45s`, `8m 27s`, `1h 04m`, `2d 03h`."""
    if seconds is None:
        return "–"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h"


def times(value: float | None) -> str:
    """A ratio as `×2.5`, or `–`."""
    return "–" if value is None else f"×{value:g}"


def points(value: float | None) -> str:
    """A difference of shares in percentage points, signed."""
    return "–" if value is None else f"{value:+.1f} pts"


def headline_items(h: Headline) -> list[tuple[str, str]]:
    """The headline as (label, value) pairs, in reading order."""
    top = "–" if h.top_level is None else f"{h.top_tickets} (L{h.top_level}: {', '.join(h.top_people) or '?'})"
    return [
        ("tickets", f"{h.tickets} ({h.per_day:g} a day over {h.hours} h)"),
        ("response attainment", f"{pct(h.response_attainment)} ({h.response_breached} breached)"),
        ("resolve attainment", f"{pct(h.resolve_attainment)} ({h.resolve_breached} breached)"),
        ("tickets with a breach", str(h.breached_tickets)),
        ("resolved within 30 min", f"{pct(h.share_in_30m)} ({h.resolved_in_30m} of {h.tickets})"),
        ("time to respond, median / p90", f"{duration(h.respond.median_s)} / {duration(h.respond.p90_s)}"),
        ("time to resolve, median / p90", f"{duration(h.resolve.median_s)} / {duration(h.resolve.p90_s)}"),
        ("notifications by channel", ", ".join(f"{c.name} {c.value}" for c in h.notifications) or "–"),
        ("escalation steps by level", ", ".join(f"{c.name} {c.value}" for c in h.escalations) or "–"),
        ("tickets escalated to the top", top),
    ]


def comparison_rows(c: Comparison) -> list[tuple[str, str, str, str]]:
    """(figure, baseline, current, change) for the side-by-side table."""
    b, n, r = c.baseline.headline, c.current.headline, c.ratios
    return [
        ("tickets a day", f"{b.per_day:g}", f"{n.per_day:g}", times(r.volume_x)),
        ("resolved within 30 min", pct(b.share_in_30m), pct(n.share_in_30m), points(r.share_in_30m_points)),
        ("median time to respond", duration(b.respond.median_s), duration(n.respond.median_s),
         f"{times(r.respond_speed_x)} faster"),
        ("median time to resolve", duration(b.resolve.median_s), duration(n.resolve.median_s),
         f"{times(r.resolve_speed_x)} faster"),
        ("response attainment", pct(b.response_attainment), pct(n.response_attainment), ""),
        ("resolve attainment", pct(b.resolve_attainment), pct(n.resolve_attainment), ""),
        ("tickets", str(b.tickets), str(n.tickets), ""),
    ]
