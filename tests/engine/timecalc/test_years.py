"""Tests for engine.timecalc.years: the bucket tables answer exactly what a bisect over the
year's intervals answers, for any calendar (the twin is the bisect itself)."""

from __future__ import annotations

import bisect
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.timecalc.calendar import Calendar, CalendarSpec
from engine.timecalc.years import MAX_BUCKETS, Year, index_year

# Windows in minutes since midnight, down to one minute long and one minute apart.
WINDOWS = st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 240)), min_size=0, max_size=6).map(
    lambda pairs: tuple((a, min(a + n, 1440)) for a, n in pairs))
ZONES = st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe"])


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    week = {day: draw(WINDOWS) for day in range(7)}
    holidays = frozenset(draw(st.lists(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=20)))
    if not any(week.values()):
        week[0] = ((540, 600),)
    return Calendar.compile(CalendarSpec("c", draw(ZONES), week, holidays))


def _year(calendar: Calendar) -> Year:
    return calendar._year(2026)


@settings(max_examples=200, deadline=None)
@given(calendars(), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30))
def test_last_start_is_the_bisect(calendar: Calendar, fractions: list[float]) -> None:
    yr = _year(calendar)
    probes = [yr.lo + f * (yr.hi - yr.lo) for f in fractions if yr.lo + f * (yr.hi - yr.lo) < yr.hi]
    probes += list(yr.starts[:20]) + [e for e in yr.ends[:20] if e < yr.hi]  # the edges themselves
    for ts in probes:
        assert yr.last_start(ts) == bisect.bisect_right(yr.starts, ts) - 1, ts


@settings(max_examples=200, deadline=None)
@given(calendars(), st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)), min_size=1, max_size=30))
def test_run_out_is_the_bisect(calendar: Calendar, pairs: list[tuple[float, float]]) -> None:
    yr = _year(calendar)
    if not yr.cum_ends:
        return
    probes = [(f * yr.total, int(g * len(yr.cum_ends))) for f, g in pairs]
    probes += [(end, 0) for end in yr.cum_ends[:20]]  # a budget running out exactly at a close
    for target, lo in probes:
        if target <= 0.0:
            continue
        lo = min(lo, bisect.bisect_left(yr.cum_ends, target))  # callers search from at most the answer
        assert yr.run_out(target, lo) == bisect.bisect_left(yr.cum_ends, target, lo), (target, lo)


def test_the_reference_office_week_has_both_tables() -> None:
    """Office hours (09:00-12:00, 13:30-18:30 on weekdays): the closest starts are 4.5 hours
    apart and the shortest window is 3 hours: 8,760 hours / 4.5 + 1 = 1,947 buckets of
    instants, and 2026's 261 weekdays of 8 hours / 3 + 1 = 697 buckets of working time."""
    office = ((540, 720), (810, 1110))
    cal = Calendar.compile(CalendarSpec("cn-office", "Asia/Shanghai", dict.fromkeys(range(5), office)))
    yr = _year(cal)
    assert (yr.time_width, len(yr.by_time)) == (4.5 * 3600, 1947)
    assert (yr.work_width, len(yr.by_work)) == (3 * 3600, 697)


def test_a_year_of_minute_windows_keeps_no_table_and_bisects() -> None:
    """A window of one minute every two minutes, all year: 262,800 intervals would need
    more buckets than MAX_BUCKETS, so the year has no tables and the lookups bisect."""
    minutes = tuple((m, m + 1) for m in range(0, 1440, 2))
    cal = Calendar.compile(CalendarSpec("busy", "UTC", dict.fromkeys(range(7), minutes)))
    yr = _year(cal)
    assert len(yr.starts) == 262_800 and (yr.by_time, yr.by_work) == ({}, {})
    assert (yr.hi - yr.lo) // 120 > MAX_BUCKETS
    ts = yr.lo + 1000.5 * 60
    assert yr.last_start(ts) == bisect.bisect_right(yr.starts, ts) - 1 == 500
    assert cal.add(yr.lo, 90.0) == yr.lo + 120 + 30  # 60 s in minute 0, 30 s in minute 2


def test_an_empty_year_has_no_tables() -> None:
    yr = index_year(2026, 0.0, 100.0, [])
    assert (yr.by_time, yr.by_work, yr.total) == ({}, {}, 0.0)
    assert yr.last_start(50.0) == -1
