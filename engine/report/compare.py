"""Daily against promotion: the same headline for a baseline and for the current tickets side
by side, and the ratios a lead quotes (volume ×, speed ×, the 30-minute rate)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from engine.report.figures import Headline, Point, compute
from engine.report.tickets import TicketRecord


@dataclass(frozen=True, slots=True)
class Side:
    label: str
    headline: Headline
    cumulative: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Ratios:
    """current / baseline for volume (tickets a day); baseline / current for times (how many
    times faster); None where a side has no figure."""

    volume_x: float | None
    respond_speed_x: float | None
    resolve_speed_x: float | None
    share_in_30m_points: float | None     # percentage points gained


@dataclass(frozen=True, slots=True)
class Comparison:
    baseline: Side
    current: Side
    ratios: Ratios


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return round(top / bottom, 2) if top is not None and bottom else None


def compare(baseline: tuple[str, Sequence[TicketRecord]], current: tuple[str, Sequence[TicketRecord]],
            offset: timedelta | None, in_force: tuple[int | None, int | None] = (None, None)) -> Comparison:
    """The two sides' headlines and the ratios between them; `in_force`: each side's hours
    when the sides are two modes of one stream."""
    sides = [Side(label, f.headline, f.cumulative) for label, f in
             ((label, compute(rs, "team", offset, hours)) for (label, rs), hours in
              zip((baseline, current), in_force, strict=True))]
    b, c = sides[0].headline, sides[1].headline
    points = None
    if b.share_in_30m is not None and c.share_in_30m is not None:
        points = round((c.share_in_30m - b.share_in_30m) * 100, 1)
    ratios = Ratios(_ratio(c.per_day, b.per_day), _ratio(b.respond.median_s, c.respond.median_s),
                    _ratio(b.resolve.median_s, c.resolve.median_s), points)
    return Comparison(sides[0], sides[1], ratios)


def split_by_mode(records: Sequence[TicketRecord]) -> tuple[tuple[str, list[TicketRecord]],
                                                             tuple[str, list[TicketRecord]]] | None:
    """With tickets opened in more than one mode: those of the mode the stream starts in (the
    baseline) and those of the busiest other mode; None with one mode."""
    modes: dict[str, list[TicketRecord]] = {}
    for r in sorted(records, key=lambda r: (r.opened, r.ticket)):
        modes.setdefault(r.mode, []).append(r)
    if len(modes) < 2:
        return None
    first, *others = modes
    other = min(others, key=lambda m: (-len(modes[m]), m))
    return (first, modes[first]), (other, modes[other])
