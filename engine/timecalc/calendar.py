"""Business-time arithmetic on working calendars: openings, deadlines, elapsed working time.

A compiled `Calendar` keeps, lazily per local year, its open intervals as UTC timestamps
with cumulative working seconds and bucket tables (`engine.timecalc.years`), so every
query is a table read and a short scan.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from engine.timecalc.intervals import merge
from engine.timecalc.wallclock import local_instant
from engine.timecalc.years import Year, index_year

__all__ = ["BUILTIN_CALENDAR", "TWENTY_FOUR_SEVEN", "Calendar", "CalendarSpec", "Window"]

BUILTIN_CALENDAR = "24x7"   # the always-open calendar every config has, on UTC

Window = tuple[int, int]
"""Working window in minutes since local midnight: start < end, end may be 1440 (24:00)."""

_DAY_MINUTES = 1440
_FULL_DAY: tuple[Window, ...] = ((0, _DAY_MINUTES),)
# Only a first guess at the year of a timestamp; `_year_at` corrects it against the
# exact local-year bounds, so the error of a mean Gregorian year does not matter.
_MEAN_YEAR = 365.2425 * 86400.0
# How many empty years a search may cross before it gives up on a calendar with no
# working time (the config checker rejects such calendars; this only stops a hang).
_SCAN_YEARS = 5
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """A calendar as written in config, already parsed.

    `week` maps 0=Monday..6=Sunday to that day's windows (a missing day is closed);
    `holidays` are whole local dates without working time; `workdays` replace the
    windows of their date (make-up working days) and win over `holidays`.
    """

    id: str
    timezone: str
    week: Mapping[int, Sequence[Window]]
    holidays: frozenset[date] = frozenset()
    workdays: Mapping[date, Sequence[Window]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Calendar:
    """A compiled working calendar; build it with `Calendar.compile(spec)`.

    Times are float POSIX timestamps (UTC seconds); the `*_dt` wrappers take and give
    aware datetimes. Safe to share between threads: the only mutable part is a cache
    of years, each built completely before it is published with one dict store.
    Equality is identity (eq=False) because the cache is not part of the value.
    """

    spec: CalendarSpec
    zone: ZoneInfo
    _week: tuple[tuple[Window, ...], ...]
    _workdays: Mapping[date, tuple[Window, ...]]
    _always_open: bool
    _years: dict[int, Year] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Calendar({self.id!r}, {self.spec.timezone!r})"

    @classmethod
    def compile(cls, spec: CalendarSpec) -> Calendar:
        """Normalise the spec's windows and detect the always-open fast path."""
        week = tuple(_normalise(spec.week.get(day, ())) for day in range(7))
        workdays = {day: _normalise(ws) for day, ws in spec.workdays.items()}
        always_open = (
            all(ws == _FULL_DAY for ws in week)
            and all(ws == _FULL_DAY for ws in workdays.values())
            and spec.holidays <= workdays.keys()
        )
        return cls(spec, ZoneInfo(spec.timezone), week, workdays, always_open)

    @property
    def id(self) -> str:
        """The calendar id from config (`24x7` for the built-in one)."""
        return self.spec.id

    # --- timestamps (hot path) -------------------------------------------------------

    def is_open(self, ts: float) -> bool:
        """Whether `ts` falls inside a working window (windows are half-open)."""
        if self._always_open:
            return True
        yr = self._year_at(ts)
        i = yr.last_start(ts)
        return i >= 0 and ts < yr.ends[i]

    def next_open(self, ts: float) -> float:
        """`ts` if it is open, else the next opening; ValueError if none within years."""
        if self._always_open:
            return ts
        return self._locate_open(ts)[2]

    def add(self, start: float, budget: float) -> float:
        """The instant at which `budget` working seconds are used up, counting from `start`.

        The clock starts at `start`, or at the next opening if `start` is closed (so a
        zero budget at a closed start gives that opening). A budget that runs out
        exactly at a closing time stays there. Raises ValueError on a negative or
        non-finite budget, and on a calendar with no working time ahead.
        """
        if not 0.0 <= budget < math.inf:
            raise ValueError(f"budget must be finite and >= 0, got {budget!r}")
        if self._always_open:
            return start + budget
        yr, k, opened = self._locate_open(start)
        if budget == 0.0:
            return opened
        # Year-relative cumulative positions keep float error at the scale of one year.
        target = yr.cum[k] + (opened - yr.starts[k]) + budget
        while target > yr.total:
            target -= yr.total
            yr, k = self._next_nonempty(yr), 0
        # Search from the opening's interval: a budget lost to rounding must not match
        # the previous interval's equal cumulative end and travel back in time.
        j = yr.run_out(target, k)
        if yr.cum_ends[j] == target:
            return yr.ends[j]  # runs out exactly at a close: stay, do not jump ahead
        return yr.starts[j] + (target - yr.cum[j])

    def add_many(self, start: float, budgets: Sequence[float]) -> list[float]:
        """`add(start, b)` for each of `budgets`, locating `start` once (a ticket's timer plan
        is a dozen thresholds from one start); fastest when they ascend."""
        if self._always_open:
            return [start + b for b in budgets]
        first, k, opened = self._locate_open(start)
        base = first.cum[k] + (opened - first.starts[k])
        year, lo, cum_ends, total = first, k, first.cum_ends, first.total
        by_work, width = first.by_work, first.work_width
        passed: list[float] = []  # totals of the years walked past, subtracted as `add` does
        k_start, k_cum, k_cum_end = first.starts[k], first.cum[k], first.cum_ends[k]
        out, last = [], 0.0
        for budget in budgets:  # ascending budgets move the year and interval only forward
            if budget == 0.0:
                out.append(opened)
                continue
            if budget < last:  # out of order: walk again from the start
                year, lo, cum_ends, total, passed = first, k, first.cum_ends, first.total, []
                by_work, width = first.by_work, first.work_width
            last = budget
            target = base + budget
            if target < k_cum_end:  # inside the opening interval: what `add` computes there
                out.append(k_start + (target - k_cum))
                continue
            for before in passed:
                target -= before
            while target > total:
                target -= total
                passed.append(total)
                year, lo = self._next_nonempty(year), 0
                cum_ends, total, by_work, width = year.cum_ends, year.total, year.by_work, year.work_width
            if by_work:  # `year.run_out(target, lo)` inline: a dozen of these a ticket
                j = by_work[target // width]
                lo = j if j > lo else lo
                while cum_ends[lo] < target:
                    lo += 1
            else:
                lo = bisect_left(cum_ends, target, lo)
            out.append(year.ends[lo] if cum_ends[lo] == target else year.starts[lo] + (target - year.cum[lo]))
        return out

    def add_sorted(self, start: float, budgets: Sequence[float]) -> list[float]:
        """`add_many` for budgets in ascending order (a timer plan's thresholds): when they
        are positive and all run out in the year the clock starts in, one forward walk."""
        if self._always_open:
            return [start + b for b in budgets]
        first, k, opened = self._locate_open(start)
        base = first.cum[k] + (opened - first.starts[k])
        if not budgets or budgets[0] <= 0.0 or base + budgets[-1] > first.total:
            return self.add_many(start, budgets)
        return _walk_year(first, k, base, budgets)

    def elapsed(self, a: float, b: float) -> float:
        """Working seconds in [a, b); 0.0 if b <= a."""
        if b <= a:
            return 0.0
        if self._always_open:
            return b - a
        ya = self._years.get(1970 + int(a // _MEAN_YEAR))   # `_year_at`'s first guess, right
        if ya is None or not ya.lo <= a < ya.hi:            # but near New Year (as `_locate_open`)
            ya = self._year_at(a)
        if b < ya.hi:   # the usual stretch: within one year
            return ya.position(b) - ya.position(a)
        yb = self._year_at(b)
        pa, pb = ya.position(a), yb.position(b)
        between = sum(self._year(y).total for y in range(ya.year + 1, yb.year))
        return (ya.total - pa) + between + pb

    # --- aware datetimes ---------------------------------------------------------------

    def is_open_dt(self, at: datetime) -> bool:
        """`is_open` for an aware datetime."""
        return self.is_open(_timestamp(at))

    def next_open_dt(self, at: datetime) -> datetime:
        """`next_open` for an aware datetime; the result is in the calendar's timezone."""
        return datetime.fromtimestamp(self.next_open(_timestamp(at)), self.zone)

    def add_dt(self, start: datetime, budget: timedelta) -> datetime:
        """`add` for an aware datetime; the deadline is in the calendar's timezone."""
        due = self.add(_timestamp(start), budget.total_seconds())
        return datetime.fromtimestamp(due, self.zone)

    def elapsed_dt(self, a: datetime, b: datetime) -> timedelta:
        """`elapsed` between two aware datetimes, as a timedelta of working time."""
        return timedelta(seconds=self.elapsed(_timestamp(a), _timestamp(b)))

    # --- year tables -------------------------------------------------------------------

    def _year(self, year: int) -> Year:
        found = self._years.get(year)
        if found is None:
            found = _build_year(self, year)
            # One atomic dict store publishes a finished table; a race only repeats work.
            self._years[year] = found
        return found

    def _year_at(self, ts: float) -> Year:
        yr = self._year(1970 + int(ts // _MEAN_YEAR))
        while ts < yr.lo:
            yr = self._year(yr.year - 1)
        while ts >= yr.hi:
            yr = self._year(yr.year + 1)
        return yr

    def _next_nonempty(self, yr: Year) -> Year:
        for year in range(yr.year + 1, yr.year + 1 + _SCAN_YEARS):
            found = self._year(year)
            if found.starts:
                return found
        raise ValueError(
            f"calendar {self.id!r} has no working time in the {_SCAN_YEARS} years "
            f"after {yr.year}"
        )

    def _locate_open(self, ts: float) -> tuple[Year, int, float]:
        """The year, interval index and instant at which the clock starts for `ts`."""
        yr = self._years.get(1970 + int(ts // _MEAN_YEAR))  # `_year_at`'s first guess, ...
        if yr is None or not yr.lo <= ts < yr.hi:  # ... which is right but near New Year
            yr = self._year_at(ts)
        i = yr.last_start(ts)
        if i >= 0 and ts < yr.ends[i]:
            return yr, i, ts
        if i + 1 < len(yr.starts):
            return yr, i + 1, yr.starts[i + 1]
        yr = self._next_nonempty(yr)
        return yr, 0, yr.starts[0]

    def _windows_on(self, day: date) -> tuple[Window, ...]:
        # Make-up working days win over holidays: a date listed in both is worked.
        found = self._workdays.get(day)
        if found is not None:
            return found
        if day in self.spec.holidays:
            return ()
        return self._week[day.weekday()]


def _walk_year(year: Year, k: int, base: float, budgets: Sequence[float]) -> list[float]:
    """`add_sorted`'s common case: ascending positive budgets that all run out in `year`,
    where the clock starts in interval `k`, `base` working seconds into the year. Each
    interval is what `add` finds: the next one or two by stepping, farther ones through
    the year's bucket table (a bisect without one)."""
    cum_ends, cum, starts, ends = year.cum_ends, year.cum, year.starts, year.ends
    by_work, width = year.by_work, year.work_width
    k_start, k_cum, k_cum_end = starts[k], cum[k], cum_ends[k]
    out = []
    lo = k
    for budget in budgets:
        target = base + budget
        if target < k_cum_end:  # inside the opening interval
            out.append(k_start + (target - k_cum))
            continue
        if cum_ends[lo] < target:
            lo += 1
            if cum_ends[lo] < target:
                if by_work:
                    j = by_work[target // width]
                    if j > lo:
                        lo = j
                    while cum_ends[lo] < target:
                        lo += 1
                else:
                    lo = bisect_left(cum_ends, target, lo)
        out.append(ends[lo] if cum_ends[lo] == target else starts[lo] + (target - cum[lo]))
    return out


def _normalise(windows: Iterable[Window]) -> tuple[Window, ...]:
    """Sorted windows with overlapping or touching ones merged."""
    windows = list(windows)
    for start, end in windows:
        if not 0 <= start < end <= _DAY_MINUTES:
            raise ValueError(f"bad window {start}-{end} (minutes since midnight)")
    return tuple(merge(windows))


def _build_year(cal: Calendar, year: int) -> Year:
    """Convert every window of one local year to UTC and index it."""
    intervals: list[tuple[float, float]] = []
    day = date(year, 1, 1)
    lo = midnight = _local_ts(cal.zone, day, 0)
    while day.year == year:
        following = day + _ONE_DAY
        next_midnight = _local_ts(cal.zone, following, 0)
        windows = cal._windows_on(day)
        if windows:
            intervals += _day_intervals(cal.zone, day, midnight, next_midnight, windows)
        day, midnight = following, next_midnight
    return index_year(year, lo, midnight, merge(intervals))


def _day_intervals(
    zone: ZoneInfo, day: date, midnight: float, next_midnight: float, windows: Iterable[Window]
) -> list[tuple[float, float]]:
    """One local day's windows as UTC intervals."""
    if next_midnight - midnight == 86400.0:
        # No offset change inside the day (real zones never have two that cancel out),
        # so wall-clock minutes are real minutes: skip the zoneinfo round trips.
        return [(midnight + first * 60.0, midnight + last * 60.0) for first, last in windows]
    intervals: list[tuple[float, float]] = []
    for first, last in windows:
        start, end = _local_ts(zone, day, first), _local_ts(zone, day, last)
        if start < end:  # a window wholly inside a DST gap has no real time
            intervals.append((start, end))
    return intervals


def _local_ts(zone: ZoneInfo, day: date, minute: int) -> float:
    """UTC timestamp of a local wall-clock time: first occurrence if ambiguous (fold=0),
    and the instant the clock jumps to if the time does not exist (DST gap)."""
    return local_instant(datetime(day.year, day.month, day.day) + timedelta(minutes=minute), zone)


def _timestamp(at: datetime) -> float:
    """POSIX timestamp of an aware datetime; naive datetimes are rejected."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()} (an offset or zone is required)")
    return at.timestamp()


TWENTY_FOUR_SEVEN: Calendar = Calendar.compile(
    CalendarSpec(id=BUILTIN_CALENDAR, timezone="UTC", week=dict.fromkeys(range(7), _FULL_DAY))
)
"""The built-in always-open calendar: `add` is `start + budget`, `elapsed` is `b - a`."""
