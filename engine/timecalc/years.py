"""One local year of a working calendar as UTC intervals with cumulative working seconds,
and the two lookups every deadline makes on it: which interval holds an instant, and in
which interval a budget of working time runs out.

Both lookups are a bisect over the year's intervals, and a bisect over a tuple of floats
costs about ten generic comparisons (some 1,700 CPython instructions), while a ticket's
timer plan asks a dozen of them. So each year also keeps two bucket tables: the position
(instant, or cumulative working seconds) divided by a bucket width gives the first
interval that can hold it, and a short forward scan finds the one that does. The width is
the smallest spacing of what is searched, so a bucket holds at most two candidates; a
year whose table would be too large (a calendar of many tiny windows) has none, and the
lookups bisect as before. `tests/engine/timecalc/test_years.py` pins both lookups to the
bisects they replace.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import pairwise

# Above this many buckets a year keeps no table (its lookups bisect): bounds the memory a
# calendar of many short windows can take, whatever its config says.
MAX_BUCKETS = 1 << 15
# A bucket's first candidate is found for a position one second earlier than the bucket's
# start, so a float rounding in `position // width` can never skip the right interval.
_SLACK = 1.0


@dataclass(frozen=True, slots=True)
class Year:
    """One local year's open intervals in UTC, half-open [start, end), sorted, disjoint."""

    year: int
    lo: float  # UTC instant of local 1 January 00:00 of `year`
    hi: float  # UTC instant of local 1 January 00:00 of `year + 1`
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    cum: tuple[float, ...]  # working seconds of this year before interval i
    cum_ends: tuple[float, ...]  # working seconds of this year up to the end of interval i
    total: float
    # Bucket tables (empty: bisect). `by_time[(ts - lo) // time_width]` is an interval
    # index at or before the last interval starting at or before `ts`;
    # `by_work[position // work_width]` one at or before the first interval whose
    # cumulative end reaches `position`.
    # Dicts keyed by bucket number, read with the float `position // width` itself (3.0
    # finds 3): a subscript, where `int()` of the float would be a call. Never mutated.
    time_width: float = 0.0
    by_time: dict[float, int] = field(default_factory=dict)
    work_width: float = 0.0
    by_work: dict[float, int] = field(default_factory=dict)

    def position(self, ts: float) -> float:
        """Working seconds of this year in [lo, ts)."""
        i = self.last_start(ts)
        if i < 0:
            return 0.0
        if ts >= self.ends[i]:
            return self.cum_ends[i]
        return self.cum[i] + (ts - self.starts[i])

    def last_start(self, ts: float) -> int:
        """`bisect_right(starts, ts) - 1`: the last interval starting at or before `ts`
        (-1 if none), for `lo <= ts < hi`."""
        if not self.by_time:
            return bisect_right(self.starts, ts) - 1
        starts = self.starts
        i = self.by_time[(ts - self.lo) // self.time_width]
        last = len(starts) - 1
        while i < last and starts[i + 1] <= ts:
            i += 1
        return i

    def run_out(self, target: float, lo: int) -> int:
        """`bisect_left(cum_ends, target, lo)`: the first interval from `lo` whose
        cumulative end reaches `target`, for `0 < target <= total`."""
        if not self.by_work:
            return bisect_left(self.cum_ends, target, lo)
        j = self.by_work[target // self.work_width]
        if j < lo:
            j = lo
        cum_ends = self.cum_ends
        while cum_ends[j] < target:
            j += 1
        return j


def index_year(year: int, lo: float, hi: float, intervals: list[tuple[float, float]]) -> Year:
    """Attach cumulative working seconds and the bucket tables to sorted, disjoint
    intervals of one local year."""
    cum: list[float] = []
    cum_ends: list[float] = []
    total = 0.0
    for start, end in intervals:
        cum.append(total)
        total += end - start
        cum_ends.append(total)
    starts = tuple(start for start, _ in intervals)
    time_width, by_time = _time_table(lo, hi, starts)
    work_width, by_work = _work_table(tuple(cum_ends), total)
    return Year(year, lo, hi, starts, tuple(end for _, end in intervals), tuple(cum), tuple(cum_ends),
                total, time_width, by_time, work_width, by_work)


def _time_table(lo: float, hi: float, starts: tuple[float, ...]) -> tuple[float, dict[float, int]]:
    """Buckets of instants no wider than the closest two starts: each bucket's entry is
    the last interval starting at or before the bucket's start, less the slack."""
    if len(starts) < 2:
        return 0.0, {}
    width = max(min(b - a for a, b in pairwise(starts)), _SLACK * 2)
    count = int((hi - lo) // width) + 1
    if count > MAX_BUCKETS:
        return 0.0, {}
    return width, {b: bisect_right(starts, lo + b * width - _SLACK) - 1 for b in range(count)}


def _work_table(cum_ends: tuple[float, ...], total: float) -> tuple[float, dict[float, int]]:
    """Buckets of working seconds no wider than the shortest interval: each bucket's entry
    is the first interval whose cumulative end reaches the bucket's start, less the slack."""
    if not cum_ends:
        return 0.0, {}
    width = max(min(b - a for a, b in pairwise((0.0, *cum_ends))), _SLACK * 2)
    count = int(total // width) + 1
    if count > MAX_BUCKETS:
        return 0.0, {}
    last = len(cum_ends) - 1
    return width, {b: min(bisect_left(cum_ends, b * width - _SLACK), last) for b in range(count)}
