"""The instants probe tickets are created at, derived from the two configs alone (so the
probe set is the same for the same pair of configs): a quiet week after every roster has
started (working hours, end of day, night, a weekend), the holidays and make-up days that
changed (with the working day before a holiday, so tickets spanning it are seen) and one
of each as a sample, and a point in every stretch the mode windows of either side cut."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

from engine.config.values import parse_datetime, zone
from engine.diff.sides import Side
from engine.timecalc.calendar import BUILTIN_CALENDAR, CalendarSpec

FALLBACK_MONDAY = date(2026, 1, 5)   # for a config with no rosters at all
SEARCH_WEEKS = 104


@dataclass(frozen=True, slots=True)
class Instant:
    label: str          # what it stands for, with its local time: `night 2026-11-03 23:00`
    ts: float
    tz: tzinfo


def probe_zone(a: Side, b: Side) -> tzinfo:
    """The first office calendar's zone (HEAD's, else BASE's), else the first schedule's."""
    for side in (b, a):
        for cid in sorted(side.engine.compiled.calendars):
            if cid != BUILTIN_CALENDAR:
                return zone(side.engine.compiled.calendars[cid].spec.timezone)
    for side in (b, a):
        for sid in sorted(side.config.schedules):
            return zone(side.config.schedules[sid].timezone)
    return UTC


def _specs(a: Side, b: Side) -> list[tuple[CalendarSpec | None, CalendarSpec | None]]:
    ca, cb = a.engine.compiled.calendars, b.engine.compiled.calendars
    ids = sorted((set(ca) | set(cb)) - {BUILTIN_CALENDAR})
    return [(ca[c].spec if c in ca else None, cb[c].spec if c in cb else None) for c in ids]


def _special_dates(a: Side, b: Side) -> set[date]:
    found: set[date] = set()
    for pair in _specs(a, b):
        for spec in pair:
            if spec is not None:
                found |= spec.holidays | set(spec.workdays)
    return found


def quiet_monday(a: Side, b: Side) -> date:
    """The first Monday after every roster layer of both sides has started, in a week
    without holidays or make-up days."""
    starts = [layer.start[:10] for side in (a, b) for s in side.config.schedules.values() for layer in s.layers]
    latest = max((date.fromisoformat(d) for d in starts), default=FALLBACK_MONDAY - timedelta(days=1))
    monday = latest + timedelta(days=7 - latest.weekday())
    special = _special_dates(a, b)
    for _ in range(SEARCH_WEEKS):
        if not any(monday + timedelta(days=k) in special for k in range(7)):
            break
        monday += timedelta(days=7)
    return monday


def _at(day: date, hour: int, minute: int, tz: tzinfo) -> float:
    return datetime.combine(day, time(hour, minute), tz).timestamp()


def _instant(kind: str, day: date, hour: int, minute: int, tz: tzinfo) -> Instant:
    ts = _at(day, hour, minute, tz)
    return Instant(f"{kind} {datetime.fromtimestamp(ts, tz).strftime('%Y-%m-%d %H:%M')}", ts, tz)


def week_instants(monday: date, tz: tzinfo) -> list[Instant]:
    """Working hours, the end of a working day, a night, a weekend (in that order)."""
    tuesday, saturday = monday + timedelta(days=1), monday + timedelta(days=5)
    return [_instant("working hours", tuesday, 10, 0, tz), _instant("end of day", tuesday, 17, 30, tz),
            _instant("night", tuesday, 23, 0, tz), _instant("weekend", saturday, 11, 0, tz)]


def _pick(changed: set[date], every: set[date], monday: date) -> list[date]:
    """The changed dates, and one sample: the first on or after `monday`, else the last."""
    later = sorted(d for d in every if d >= monday)
    sample = later[:1] or sorted(every)[-1:]
    return sorted(changed | set(sample))


def calendar_instants(a: Side, b: Side, monday: date) -> list[Instant]:
    out = []
    for x, y in _specs(a, b):
        spec = y or x
        assert spec is not None
        tz = ZoneInfo(spec.timezone)
        hx, hy = (x.holidays if x else frozenset()), (y.holidays if y else frozenset())
        for day in _pick(set(hx ^ hy), set(hx | hy), monday):
            out.append(_instant("before holiday", day - timedelta(days=1), 17, 0, tz))
            out.append(_instant("holiday", day, 10, 0, tz))
        wx, wy = (x.workdays if x else {}), (y.workdays if y else {})
        changed = {d for d in set(wx) | set(wy) if wx.get(d) != wy.get(d)}
        out += [_instant("make-up workday", day, 10, 0, tz) for day in _pick(changed, set(wx) | set(wy), monday)]
    return out


def mode_instants(a: Side, b: Side, tz: tzinfo) -> list[Instant]:
    """One instant in each stretch the window edges of both sides cut: an hour before the
    first edge, the middle of each stretch between edges, an hour after the last."""
    edges = sorted({parse_datetime(t).timestamp() for side in (a, b)
                    for w in side.config.modes.windows for t in (w.start, w.end)})
    if not edges:
        return []
    points = [edges[0] - 3600, *((x + y) / 2 for x, y in pairwise(edges)), edges[-1] + 3600]
    out = []
    for ts in (round(p / 60) * 60 for p in points):
        before, after = a.engine.mode_at(ts), b.engine.mode_at(ts)
        kind = f"mode {after}" if before == after else f"mode {before}→{after}"
        out.append(Instant(f"{kind} {datetime.fromtimestamp(ts, tz).strftime('%Y-%m-%d %H:%M')}", float(ts), tz))
    return out


def probe_instants(a: Side, b: Side) -> list[Instant]:
    """Every instant of the probe set, working hours first, no two at the same time."""
    tz = probe_zone(a, b)
    monday = quiet_monday(a, b)
    found = week_instants(monday, tz) + calendar_instants(a, b, monday) + mode_instants(a, b, tz)
    seen: set[float] = set()
    unique = []
    for instant in found:
        if instant.ts not in seen:
            seen.add(instant.ts)
            unique.append(instant)
    return unique
