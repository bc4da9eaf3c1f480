"""The figures of a report, computed once from the ticket records into a frozen tree that
every renderer only reads: the headline, tickets per hour with the modes, time to resolve
as a cumulative share, the escalation funnel, on-duty load and the worst tickets."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from engine.report.groups import GroupRow, group_rows
from engine.report.measures import QUICK_S, percentile, share
from engine.report.tickets import TicketRecord

WORST_LISTED = 10
# Where the cumulative time-to-resolve curve is sampled, in minutes (a log axis: a promotion's
# minutes and a daily week's days on one chart).
GRID_MINUTES = (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1440, 2880, 5760, 10080)


@dataclass(frozen=True, slots=True)
class Durations:
    """Seconds from opening, over the tickets that got there."""

    count: int
    median_s: float | None
    p90_s: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Durations:
        ordered = sorted(values)
        return cls(len(ordered), percentile(ordered, 50), percentile(ordered, 90))


@dataclass(frozen=True, slots=True)
class Count:
    """A labelled number: a channel's notifications, a level's escalations, a person's tickets."""

    name: str
    value: int


@dataclass(frozen=True, slots=True)
class Headline:
    """The numbers a duty-room lead reads first."""

    tickets: int
    hours: int                     # clock hours from the first opening to the last
    per_day: float                 # tickets a day over those hours
    response_met: int
    response_breached: int
    response_attainment: float | None
    resolve_met: int
    resolve_breached: int
    resolve_attainment: float | None
    breached_tickets: int          # a clock breached at the ticket's last decision
    resolved: int
    resolved_in_30m: int
    share_in_30m: float | None     # of all tickets
    respond: Durations
    resolve: Durations
    notifications: tuple[Count, ...]   # by channel
    escalations: tuple[Count, ...]     # steps fired by level ("L0", "L1", ...)
    top_level: int | None
    top_people: tuple[str, ...]        # who the top level is (the CEO in the reference org)
    top_tickets: int


@dataclass(frozen=True, slots=True)
class Hour:
    start: str       # the hour's start in the stream's offset
    tickets: int     # opened in it
    mode: str        # the mode most of them opened in (an empty hour keeps the one before)


@dataclass(frozen=True, slots=True)
class Point:
    minutes: int
    share: float     # of all tickets, resolved within `minutes`


@dataclass(frozen=True, slots=True)
class WorstTicket:
    ticket: str
    team: str
    severity: str
    mode: str
    opened: str
    resolve_s: float | None
    response: str
    resolve: str
    top_level: int | None
    trace: tuple[str, ...]
    timeline: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything a report shows about one set of tickets."""

    headline: Headline
    hours: tuple[Hour, ...]
    cumulative: tuple[Point, ...]
    teams: tuple[GroupRow, ...]     # worst first
    by: str
    groups: tuple[GroupRow, ...]    # by `by`, worst first
    funnel: tuple[Count, ...]
    load: tuple[Count, ...]         # tickets per person who took them, busiest first
    worst: tuple[WorstTicket, ...]


def compute(records: Sequence[TicketRecord], by: str = "team", offset: timedelta | None = None,
            in_force: int | None = None) -> Figures:
    """The figures of `records`; hours are read at `offset` (default: UTC). `in_force`: the
    hours the tickets' mode was in force, when they are one mode's share of a stream (a
    day's volume is counted over those hours, not over the whole stream's)."""
    zone = timezone(offset or timedelta(0))
    hours = hourly(records, zone)
    return Figures(headline(records, len(hours) if in_force is None else in_force), hours, cumulative(records),
                   group_rows(records, "team"), by, group_rows(records, by), funnel(records),
                   load(records), worst(records))


def headline(records: Sequence[TicketRecord], hours: int) -> Headline:
    states = Counter((clock, state) for r in records for clock, state in
                     (("response", r.response), ("resolve", r.resolve)))
    resolved = [r.resolve_s for r in records if r.resolve_s is not None]
    quick = sum(s <= QUICK_S for s in resolved)
    steps = Counter(level for r in records for level in r.escalations)
    top = max(steps) if steps else None
    at_top = [r for r in records if top is not None and r.top_level == top]
    rm, rb = states[("response", "met")], states[("response", "breached")]
    sm, sb = states[("resolve", "met")], states[("resolve", "breached")]
    return Headline(
        len(records), hours, round(len(records) * 24 / hours, 1) if hours else 0.0,
        rm, rb, share(rm, rm + rb), sm, sb, share(sm, sm + sb),
        sum("breached" in (r.response, r.resolve) for r in records), len(resolved), quick,
        share(quick, len(records)), Durations.of([r.respond_s for r in records if r.respond_s is not None]),
        Durations.of(resolved), _channels(records),
        tuple(Count(f"L{level}", n) for level, n in sorted(steps.items())), top,
        tuple(sorted({p for r in at_top for p in r.top_people})), len(at_top))


def _channels(records: Sequence[TicketRecord]) -> tuple[Count, ...]:
    total: Counter[str] = Counter()
    for r in records:
        total.update(dict(r.channels))
    return tuple(Count(c, n) for c, n in sorted(total.items(), key=lambda p: (-p[1], p[0])))


def hourly(records: Sequence[TicketRecord], zone: timezone) -> tuple[Hour, ...]:
    """Tickets opened per clock hour, from the first opening's hour to the last's, zeros included."""
    if not records:
        return ()
    per: dict[int, Counter[str]] = {}
    for r in records:
        per.setdefault(int(r.opened // 3600), Counter())[r.mode] += 1
    first, last = min(per), max(per)
    hours: list[Hour] = []
    mode = ""
    for h in range(first, last + 1):
        modes = per.get(h, Counter())
        if modes:
            mode = min(modes, key=lambda m: (-modes[m], m))
        start = datetime.fromtimestamp(h * 3600, zone).isoformat()
        hours.append(Hour(start, modes.total(), mode))
    return tuple(hours)


def cumulative(records: Sequence[TicketRecord]) -> tuple[Point, ...]:
    """The share of all tickets resolved within each grid time."""
    times = sorted(r.resolve_s for r in records if r.resolve_s is not None)
    if not records:
        return ()
    return tuple(Point(m, sum(t <= m * 60 for t in times) / len(records)) for m in GRID_MINUTES)


def funnel(records: Sequence[TicketRecord]) -> tuple[Count, ...]:
    """Tickets that got at least this far: opened, reminded, breached, each escalation level."""
    stages = [Count("tickets", len(records)), Count("reminded", sum(r.reminded for r in records)),
              Count("breached", sum(r.breached_step for r in records))]
    tops = [r.top_level for r in records if r.top_level is not None]
    for level in range(max(tops) + 1 if tops else 0):
        stages.append(Count(f"L{level}", sum(t >= level for t in tops)))
    return tuple(stages)


def load(records: Sequence[TicketRecord]) -> tuple[Count, ...]:
    taken = Counter(r.assignee for r in records if r.assignee is not None)
    return tuple(Count(p, n) for p, n in sorted(taken.items(), key=lambda p: (-p[1], p[0])))


def worst(records: Sequence[TicketRecord]) -> tuple[WorstTicket, ...]:
    """Breached tickets, the highest escalation first, then the slowest (never resolved first)."""
    breached = [r for r in records if "breached" in (r.response, r.resolve)]
    breached.sort(key=lambda r: (-(r.top_level if r.top_level is not None else -1),
                                 -(r.resolve_s if r.resolve_s is not None else float("inf")), r.ticket))
    return tuple(WorstTicket(r.ticket, r.team, r.severity, r.mode, r.opened_text, r.resolve_s, r.response,
                             r.resolve, r.top_level, r.trace, r.timeline) for r in breached[:WORST_LISTED])
