"""The per-group table behind the attainment chart: by team, category, level or view, worst first."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.report.measures import QUICK_S, percentile, share
from engine.report.tickets import TicketRecord

BY = ("team", "category", "level", "view")


@dataclass(frozen=True, slots=True)
class GroupRow:
    key: str
    tickets: int
    response_met: int
    response_breached: int
    response_attainment: float | None
    resolve_met: int
    resolve_breached: int
    resolve_attainment: float | None
    resolved_in_30m: int
    share_in_30m: float | None
    resolve_median_s: float | None
    resolve_p90_s: float | None
    escalations: int


def _keys(record: TicketRecord, by: str) -> Iterator[str]:
    """The groups a ticket counts in: a ticket in several views counts in each."""
    if by == "view":
        yield from record.views
    elif by == "level":
        yield record.severity
    else:
        yield record.team if by == "team" else record.category


def group_rows(records: Sequence[TicketRecord], by: str) -> tuple[GroupRow, ...]:
    """One row per group, the lowest resolve attainment first (then response, then name)."""
    if by not in BY:
        raise ValueError(f"by: one of {', '.join(BY)}, got {by!r}")
    members: dict[str, list[TicketRecord]] = {}
    for r in records:
        for key in _keys(r, by):
            members.setdefault(key, []).append(r)
    rows = [_row(key, rs) for key, rs in members.items()]
    return tuple(sorted(rows, key=_worst_first))


def _worst_first(row: GroupRow) -> tuple[float, float, str]:
    unknown = 2.0  # a group with no finished clock sorts after every measured one
    return (row.resolve_attainment if row.resolve_attainment is not None else unknown,
            row.response_attainment if row.response_attainment is not None else unknown, row.key)


def _row(key: str, records: list[TicketRecord]) -> GroupRow:
    states = Counter((clock, state) for r in records for clock, state in
                     (("response", r.response), ("resolve", r.resolve)))
    times = sorted(r.resolve_s for r in records if r.resolve_s is not None)
    quick = sum(t <= QUICK_S for t in times)
    rm, rb = states[("response", "met")], states[("response", "breached")]
    sm, sb = states[("resolve", "met")], states[("resolve", "breached")]
    return GroupRow(key, len(records), rm, rb, share(rm, rm + rb), sm, sb, share(sm, sm + sb), quick,
                    share(quick, len(records)), percentile(times, 50), percentile(times, 90),
                    sum(len(r.escalations) for r in records))
