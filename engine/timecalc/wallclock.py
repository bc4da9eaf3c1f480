"""The one rule for reading a local wall-clock time as an instant, used by calendars,
cron schedules and every naive datetime in a config: an ambiguous reading (the hour
repeated when clocks fall back) is its first pass; a reading inside a spring-forward gap
is the instant the clock jumps (the end of the gap)."""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_EPOCH = datetime(1970, 1, 1)


def wall_of(ts: float, tz: ZoneInfo) -> float:
    """The wall-clock reading at instant `ts`, as seconds since 1970-01-01T00:00 local."""
    offset = datetime.fromtimestamp(ts, tz).utcoffset()
    assert offset is not None  # a ZoneInfo always has an offset
    return ts + offset.total_seconds()


def instant_of(wall: float, tz: ZoneInfo) -> float:
    """The first instant at which the wall clock of `tz` reads `wall` or later."""
    return local_instant(_EPOCH + timedelta(seconds=wall), tz)


def local_instant(local: datetime, tz: ZoneInfo) -> float:
    """The instant of a naive local datetime in `tz`, by the rule above."""
    first = local.replace(tzinfo=tz, fold=0).timestamp()  # the earlier pass, or past the gap
    if datetime.fromtimestamp(first, tz).replace(tzinfo=None) == local:
        return first
    wall = (local - _EPOCH).total_seconds()
    return _gap_end(wall, local.replace(tzinfo=tz, fold=1).timestamp(), first, tz)


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
