"""Cron expressions read on a timezone's wall clock, mapped to POSIX instants.

Used by the duty schedules to precompute duty timelines; nothing here runs on a lookup path.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from calendar import monthrange
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter

from engine.timecalc.wallclock import instant_of, wall_of

DAY_S = 86400.0
WEEK_S = 7 * DAY_S
_EPOCH = datetime(1970, 1, 1)
_EPOCH_CRON_DOW = 4  # 1970-01-01 was a Thursday; cron counts Sunday as 0


@dataclass(frozen=True, slots=True)
class MonthDays:
    """Days picked by day-of-month and month fields alone (no weekday, `L` or `W`)."""

    months: frozenset[int]
    days: tuple[int, ...]
    per_year: tuple[int, int]  # matching days in a common year and in a leap year

    @classmethod
    def of(cls, days: Sequence[int | str], months: Sequence[int | str]) -> MonthDays:
        """Build from croniter's expanded day-of-month and month fields."""
        picked = frozenset(_all(months, 12, first=1))
        chosen = tuple(sorted(_all(days, 31, first=1)))
        common, leap = (sum(_in_month(picked, chosen, year, m) for m in range(1, 13))
                        for year in (1970, 1972))
        return cls(picked, chosen, (common, leap))

    def in_month(self, year: int, month: int) -> int:
        """Matching days in one month (a 31st only exists in long months)."""
        return _in_month(self.months, self.days, year, month)

    def before(self, day: date) -> int:
        """Matching days in [1970-01-01, day), negative for days before 1970."""
        common, leap = self.per_year
        leaps = _leap_years_before(day.year) - _leap_years_before(1970)
        n = (day.year - 1970) * common + leaps * (leap - common)
        n += sum(self.in_month(day.year, month) for month in range(1, day.month))
        return n + (bisect_left(self.days, day.day) if day.month in self.months else 0)

    def __contains__(self, day: date) -> bool:
        return day.month in self.months and day.day in self.days


@dataclass(frozen=True, slots=True)
class WallCron:
    """A 5-field cron expression whose occurrences are wall-clock times in `tz`.

    Counting occurrences is arithmetic for two shapes: day- or week-periodic expressions
    (`period` and the `offsets` within one period), and day-of-month/month expressions
    (`month_days` times the daily `offsets`). Others (weekday combined with day-of-month,
    `L`, `W`, `#`) are walked with croniter, one occurrence at a time.
    """

    expr: str
    tz: ZoneInfo
    period: float  # 0.0 when not periodic
    offsets: tuple[float, ...]  # occurrences in [0, period), or times of day with month_days
    month_days: MonthDays | None = None

    @classmethod
    @lru_cache(maxsize=4096)   # a roster repeats a few expressions in many layers
    def parse(cls, expr: str, tz: ZoneInfo) -> WallCron:
        """Parse `expr` (already validated by the config checks) for timezone `tz`."""
        fields, nth = croniter.expand(expr)
        minutes, hours, dom, month, dow = fields[:5]
        times = sorted(60.0 * m + 3600.0 * h for h in _all(hours, 24) for m in _all(minutes, 60))
        if nth or "l" in dom or "w" in expr.split()[2].lower():
            return cls(expr, tz, 0.0, ())
        if dow == ["*"] and (dom != ["*"] or month != ["*"]):
            return cls(expr, tz, 0.0, tuple(times), MonthDays.of(dom, month))
        if dom != ["*"] or month != ["*"]:
            return cls(expr, tz, 0.0, ())
        if dow == ["*"]:
            return cls(expr, tz, DAY_S, tuple(times))
        days = [d for d in range(7) if (d + _EPOCH_CRON_DOW) % 7 in dow]
        return cls(expr, tz, WEEK_S, tuple(sorted(DAY_S * d + t for d in days for t in times)))

    def wall_matches_after(self, wall: float) -> Iterator[float]:
        """Wall times of occurrences strictly after `wall`, ascending, without end."""
        if not self.period:
            yield from _croniter_after(self.expr, wall)
            return
        base = math.floor(wall / self.period) * self.period
        i = bisect_right(self.offsets, wall - base)
        while self.offsets:
            for offset in self.offsets[i:]:
                yield base + offset
            base, i = base + self.period, 0

    def count_wall(self, a: float, b: float) -> int:
        """Number of occurrences whose wall time is in (a, b]; negative when a > b."""
        if a > b:
            return -self.count_wall(b, a)
        if self.period or self.month_days:
            return self._upto(b) - self._upto(a)
        n = 0
        for wall in self.wall_matches_after(a):
            if wall > b:
                return n
            n += 1
        return n

    def _upto(self, wall: float) -> int:
        """Occurrences with wall time <= `wall`, counted from an arbitrary origin."""
        if self.month_days is None:
            k = math.floor(wall / self.period)
            return k * len(self.offsets) + bisect_right(self.offsets, wall - k * self.period)
        k = math.floor(wall / DAY_S)
        day = _EPOCH.date() + timedelta(days=k)
        today = bisect_right(self.offsets, wall - k * DAY_S) if day in self.month_days else 0
        return self.month_days.before(day) * len(self.offsets) + today

    def count(self, lo: float, hi: float) -> int:
        """Number of occurrences whose instant is in (lo, hi], for lo <= hi."""
        a, b = wall_of(lo, self.tz), wall_of(hi, self.tz)
        # Every occurrence with wall time <= wall_of(x) happens by x; only a repeated
        # (fall-back) hour can put a few with a later wall time before x as well.
        return self.count_wall(a, b) + self._late(b, hi) - self._late(a, lo)

    def _late(self, wall: float, ts: float) -> int:
        n = 0
        for later in self.wall_matches_after(wall):
            if instant_of(later, self.tz) > ts:
                return n
            n += 1
        return n

    def instants(self, lo: float, hi: float) -> list[float]:
        """Instants of the occurrences in (lo, hi], ascending (repeats kept)."""
        out: list[float] = []
        for wall in self.wall_matches_after(wall_of(lo, self.tz)):
            at = instant_of(wall, self.tz)
            if at > hi:
                return out
            if at > lo:
                out.append(at)
        return out

    def windows(self, lo: float, hi: float, duration_s: float) -> list[tuple[float, float]]:
        """Windows [open, close) opened at each occurrence for `duration_s` of wall time,
        that overlap [lo, hi), clipped to it and merged where they touch or overlap."""
        out: list[tuple[float, float]] = []
        for wall in self.wall_matches_after(wall_of(lo, self.tz) - duration_s):
            opens = instant_of(wall, self.tz)
            if opens >= hi:
                return out
            closes = min(hi, instant_of(wall + duration_s, self.tz))
            if closes <= lo:
                continue
            if out and opens <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], closes))
            else:
                out.append((max(lo, opens), closes))
        return out


def _all(values: Sequence[int | str], size: int, first: int = 0) -> list[int]:
    return list(range(first, first + size)) if values == ["*"] else [int(v) for v in values]


def _in_month(months: frozenset[int], days: tuple[int, ...], year: int, month: int) -> int:
    return bisect_right(days, monthrange(year, month)[1]) if month in months else 0


def _leap_years_before(year: int) -> int:
    """Leap years in [1, year) of the proleptic Gregorian calendar."""
    y = year - 1
    return y // 4 - y // 100 + y // 400


def _croniter_after(expr: str, wall: float) -> Iterator[float]:
    # The wall clock is fed to croniter as UTC, which has no DST to second-guess.
    it = croniter(expr, datetime.fromtimestamp(wall, UTC))
    while True:
        try:
            yield float(it.get_next(float))
        except CroniterBadDateError:  # no further occurrence (e.g. only on 30 Feb)
            return


@lru_cache(maxsize=4096)
def _plain_fields(expr: str) -> tuple[frozenset[int] | None, ...] | None:
    """Minute, hour, day, month and weekday sets of a cron without L, W or # (None: any);
    None for a cron that has them."""
    parts = expr.lower().split()
    if len(parts) != 5 or "l" in parts[2] or "w" in parts[2] or "#" in parts[4] or "l" in parts[4]:
        return None  # last day, nearest weekday, nth weekday: expand() drops what they mean
    fields, nth = croniter.expand(expr)
    if nth:
        return None
    out: list[frozenset[int] | None] = []
    for values in fields[:5]:
        if values == ["*"]:
            out.append(None)
        else:
            numbers = [v for v in values if isinstance(v, int)]
            if len(numbers) != len(values):
                return None
            out.append(frozenset(numbers))
    return tuple(out)


def on_cron(expr: str, at: datetime) -> bool:
    """Whether the wall time `at` is an occurrence of `expr`: croniter.match, answered from
    the expanded fields for plain crons (a roster check asks it of every layer)."""
    fields = _plain_fields(expr)
    if fields is None or at.second or at.microsecond:
        return bool(croniter.match(expr, at))
    minute, hour, day, month, weekday = fields
    if not ((minute is None or at.minute in minute) and (hour is None or at.hour in hour)
            and (month is None or at.month in month)):
        return False
    on_day = day is None or at.day in day
    on_weekday = weekday is None or at.isoweekday() % 7 in weekday
    if day is not None and weekday is not None:  # cron's rule: either restriction will do
        return on_day or on_weekday
    return on_day and on_weekday


@lru_cache(maxsize=4096)
def fires(expr: str) -> bool:
    """Whether a valid cron expression has any occurrence at all (`0 9 30 2 *` has none)."""
    try:
        croniter(expr, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        return False
    return True
