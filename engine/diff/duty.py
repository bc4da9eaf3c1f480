"""Duty by meaning: for each team whose rosters changed, who is on duty over the coming
days in each of its modes, as the stretches where BASE and HEAD differ, and the gaps
(nobody, backup included) that open or close. Teams whose roster entries are unchanged
are skipped without building their timelines."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from engine.config.values import zone
from engine.diff.model import Row, Section
from engine.diff.sides import Side
from engine.diff.words import NOBODY, canonical, span_text
from engine.duty.reports import DutyReport
from engine.duty.schedules import Segment

Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Stretch:
    """[start, end) where the primary on duty differs: `before` in BASE, `after` in HEAD."""

    start: float
    end: float
    before: str | None
    after: str | None
    source: str | None     # HEAD's `<schedule>/<layer>` there


def changed_teams(a: Side, b: Side) -> list[str]:
    """Teams on both sides whose entry or duty schedules are written differently."""
    ra, rb = _rosters(a), _rosters(b)
    found = []
    for tid in sorted(set(a.engine.compiled.teams) & set(b.engine.compiled.teams)):
        if _duty_key(ra, tid) != _duty_key(rb, tid):
            found.append(tid)
    return found


def _rosters(side: Side) -> dict[str, Any]:
    data = side.config.docs["rosters.yaml"].data
    return data if isinstance(data, dict) else {}


def _duty_key(rosters: dict[str, Any], tid: str) -> str:
    team: dict[str, Any] = next((t for t in rosters.get("teams", ()) if t.get("id") == tid), {})
    used = sorted({name for duty in (team.get("duty") or {}).values()
                   for name in (duty.get("primary"), duty.get("backup")) if name})
    schedules = rosters.get("schedules") or {}
    return canonical([team, [schedules.get(name) for name in used]])


def stretches(before: Sequence[Segment], after: Sequence[Segment]) -> list[Stretch]:
    """Where two timelines over the same span name different people, neighbours joined."""
    out: list[Stretch] = []
    for start, end, x, y in _pieces(before, after):
        if x.person == y.person:
            continue
        last = out[-1] if out else None
        if last is not None and last.end == start and (last.before, last.after) == (x.person, y.person):
            out[-1] = Stretch(last.start, end, x.person, y.person, last.source)
        else:
            out.append(Stretch(start, end, x.person, y.person, y.source))
    return out


def _pieces(xs: Sequence[Segment], ys: Sequence[Segment]) -> Iterator[tuple[float, float, Segment, Segment]]:
    """Both timelines cut at each other's edges: (start, end, BASE's, HEAD's)."""
    i = j = 0
    while i < len(xs) and j < len(ys):
        x, y = xs[i], ys[j]
        start, end = max(x.start, y.start), min(x.end, y.end)
        if start < end:
            yield start, end, x, y
        if x.end <= y.end:
            i += 1
        else:
            j += 1


def subtract(xs: Sequence[Interval], ys: Sequence[Interval]) -> list[Interval]:
    """The parts of the sorted intervals `xs` outside the sorted intervals `ys`."""
    out = []
    for lo, hi in xs:
        for a, b in ys:
            if b <= lo or a >= hi:
                continue
            if a > lo:
                out.append((lo, a))
            lo = max(lo, b)
        if lo < hi:
            out.append((lo, hi))
    return out


def duty_section(a: Side, b: Side, at: float, days: int) -> Section:
    rows: list[Row] = []
    ta, tb = a.engine.compiled.teams, b.engine.compiled.teams
    rows += [Row(tid, "team added", None, tb[tid].name, b.locate.team(tid)) for tid in sorted(tb) if tid not in ta]
    rows += [Row(tid, "team removed", ta[tid].name, None, a.locate.team(tid)) for tid in sorted(ta) if tid not in tb]
    for tid in changed_teams(a, b):
        if ta[tid].lead != tb[tid].lead:
            rows.append(Row(tid, "lead", ta[tid].lead, tb[tid].lead, b.locate.team(tid)))
        modes = sorted((set(ta[tid].duty) | set(tb[tid].duty)) & set(a.engine.modes) & set(b.engine.modes))
        for mode in modes:
            rows += team_rows(a, b, tid, mode, at, days)
    return Section("duty", f"Duty, next {days} days", ("team · mode", "hours"), tuple(rows))


def team_rows(a: Side, b: Side, tid: str, mode: str | None, at: float, days: int) -> list[Row]:
    """The stretches and gaps that differ for one team, in one forced mode (None: the windows)."""
    x = a.engine.duty_report(tid, at, days, mode)
    y = b.engine.duty_report(tid, at, days, mode)
    tz = zone(y.timezone)
    subject = f"{tid} · {mode}" if mode else tid
    rows = [Row(subject, span_text(s.start, s.end, tz), s.before or NOBODY, s.after or NOBODY,
                _where(b, tid, s.source)) for s in stretches(x.timeline, y.timeline)]
    rows += [Row(subject, span_text(lo, hi, tz), "covered", "gap", b.locate.team(tid))
             for lo, hi in subtract(y.gaps, x.gaps)]
    rows += [Row(subject, span_text(lo, hi, tz), "gap", "covered", b.locate.team(tid))
             for lo, hi in subtract(x.gaps, y.gaps)]
    return sorted(rows, key=lambda r: r.field)


def _where(b: Side, tid: str, source: str | None) -> str | None:
    if source is None:
        return b.locate.team(tid)
    schedule, _, layer = source.rpartition("/")
    return b.locate.schedule(schedule, layer)


def probe_times(a: Side, b: Side, tid: str, start: float, days: int, per_team: int = 8) -> list[float]:
    """Instants inside the stretches where the team's duty differs (the mode windows
    followed), for probe tickets: the middle of each, at most `per_team`."""
    x: DutyReport = a.engine.duty_report(tid, start, days)
    y: DutyReport = b.engine.duty_report(tid, start, days)
    spans = [(s.start, s.end) for s in stretches(x.timeline, y.timeline)]
    spans += subtract(y.gaps, x.gaps) + subtract(x.gaps, y.gaps)
    middles = sorted(round((lo + hi) / 2 / 60) * 60 for lo, hi in spans)
    return [float(t) for t in middles[:per_team]]
