"""Cron expressions read on a timezone's wall clock, mapped to POSIX instants.

Used by `engine.rosters` to precompute duty timelines; nothing here runs on a lookup path.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter

DAY_S = 86400.0
WEEK_S = 7 * DAY_S
_EPOCH = datetime(1970, 1, 1)
_EPOCH_CRON_DOW = 4  # 1970-01-01 was a Thursday; cron counts Sunday as 0


def wall_of(ts: float, tz: ZoneInfo) -> float:
    """The wall-clock reading at instant `ts`, as seconds since 1970-01-01T00:00 local."""
    offset = datetime.fromtimestamp(ts, tz).utcoffset()
    assert offset is not None  # a ZoneInfo always has an offset
    return ts + offset.total_seconds()


def instant_of(wall: float, tz: ZoneInfo) -> float:
    """The first instant at which the wall clock of `tz` reads `wall` or later.

    An ambiguous reading (the repeated hour after a fall-back) maps to its first pass;
    a reading inside a spring-forward gap maps to the end of the gap (the transition).
    """
    local = _EPOCH + timedelta(seconds=wall)
    first = local.replace(tzinfo=tz).timestamp()  # fold=0: the earlier pass, or past the gap
    second = local.replace(tzinfo=tz, fold=1).timestamp()
    if first == second or wall_of(first, tz) == wall:
        return first
    return _gap_end(wall, second, first, tz)


def _gap_end(wall: float, lo: float, hi: float, tz: ZoneInfo) -> float:
    """Bisect (lo, hi] for the transition instant that skips over `wall`."""
    lo, hi = math.floor(lo), math.ceil(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if wall_of(mid, tz) >= wall:
            hi = mid
        else:
            lo = mid
    return float(hi)


@dataclass(frozen=True, slots=True)
class WallCron:
    """A 5-field cron expression whose occurrences are wall-clock times in `tz`.

    Day- and week-periodic expressions (no day-of-month, month or nth-weekday field) keep
    their occurrences within one period as `offsets`, so counting and listing them is
    arithmetic; other expressions are walked with croniter, one occurrence at a time.
    """

    expr: str
    tz: ZoneInfo
    period: float  # 0.0 when not periodic
    offsets: tuple[float, ...]  # occurrences in [0, period) of wall time

    @classmethod
    def parse(cls, expr: str, tz: ZoneInfo) -> WallCron:
        """Parse `expr` (already validated by the config checks) for timezone `tz`."""
        fields, nth = croniter.expand(expr)
        minutes, hours, dom, month, dow = fields[:5]
        if dom != ["*"] or month != ["*"] or nth:
            return cls(expr, tz, 0.0, ())
        times = [60.0 * m + 3600.0 * h for h in _all(hours, 24) for m in _all(minutes, 60)]
        if dow == ["*"]:
            return cls(expr, tz, DAY_S, tuple(sorted(times)))
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
        if self.period:
            return self._upto(b) - self._upto(a)
        n = 0
        for wall in self.wall_matches_after(a):
            if wall > b:
                return n
            n += 1
        return n

    def _upto(self, wall: float) -> int:
        k = math.floor(wall / self.period)
        return k * len(self.offsets) + bisect_right(self.offsets, wall - k * self.period)

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


def _all(values: list[int | str], size: int) -> list[int]:
    return list(range(size)) if values == ["*"] else [int(v) for v in values]


def _croniter_after(expr: str, wall: float) -> Iterator[float]:
    # The wall clock is fed to croniter as UTC, which has no DST to second-guess.
    it = croniter(expr, datetime.fromtimestamp(wall, timezone.utc))
    while True:
        try:
            yield float(it.get_next(float))
        except CroniterBadDateError:  # no further occurrence (e.g. only on 30 Feb)
            return
