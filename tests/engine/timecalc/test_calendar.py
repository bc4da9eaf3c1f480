"""Tests for engine.timecalc.calendar: deadlines, openings and elapsed working time on calendars."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.timecalc.calendar import TWENTY_FOUR_SEVEN, Calendar, CalendarSpec, Window

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")

OFFICE_HOURS: tuple[Window, ...] = ((9 * 60, 12 * 60), (13 * 60 + 30, 18 * 60 + 30))
FULL_DAY: tuple[Window, ...] = ((0, 1440),)


def _dates(first: date, last: date) -> frozenset[date]:
    return frozenset(first + timedelta(days=n) for n in range((last - first).days + 1))


CN_OFFICE = Calendar.compile(
    CalendarSpec(
        id="cn-office",
        timezone="Asia/Shanghai",
        week=dict.fromkeys(range(5), OFFICE_HOURS),
        # Weekend dates are listed too (Oct 3-4, Jan 3): that must be harmless.
        holidays=_dates(date(2026, 10, 1), date(2026, 10, 7))
        | _dates(date(2026, 1, 1), date(2026, 1, 3)),
        workdays={date(2026, 10, 10): OFFICE_HOURS, date(2026, 9, 20): OFFICE_HOURS},
    )
)
BERLIN_OFFICE = Calendar.compile(
    CalendarSpec(
        id="de-office", timezone="Europe/Berlin", week=dict.fromkeys(range(5), ((540, 1020),))
    )
)
# Always open: compiles to the same fast path as 24x7.
BERLIN_24H = Calendar.compile(
    CalendarSpec(id="de-24h", timezone="Europe/Berlin", week=dict.fromkeys(range(7), FULL_DAY))
)
# Same as BERLIN_24H but one far-away holiday forces the year-table path.
BERLIN_24H_TABLES = Calendar.compile(
    CalendarSpec(
        id="de-24h-tables",
        timezone="Europe/Berlin",
        week=dict.fromkeys(range(7), FULL_DAY),
        holidays=frozenset({date(2026, 12, 25)}),
    )
)
# Sunday-night windows that straddle the DST transitions at 02:00/03:00 local.
BERLIN_NIGHT = Calendar.compile(
    CalendarSpec(id="de-night", timezone="Europe/Berlin", week={6: ((60, 240),)})
)
BERLIN_NIGHT_LATE = Calendar.compile(
    CalendarSpec(id="de-night-late", timezone="Europe/Berlin", week={6: ((150, 240),)})
)
EMPTY = Calendar.compile(CalendarSpec(id="never", timezone="UTC", week={}))


def cn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=SHANGHAI)


def de(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=BERLIN)


H = timedelta(hours=1)

CN_ADD_CASES = [
    pytest.param(cn(2026, 6, 2, 10), H, cn(2026, 6, 2, 11), id="inside-hours"),
    pytest.param(cn(2026, 6, 2, 7), H, cn(2026, 6, 2, 10), id="before-opening"),
    pytest.param(cn(2026, 6, 2, 12, 30), H, cn(2026, 6, 2, 14, 30), id="start-during-lunch"),
    pytest.param(cn(2026, 6, 2, 11), 2 * H, cn(2026, 6, 2, 14, 30), id="budget-continues-after-lunch"),
    pytest.param(cn(2026, 6, 2, 11), H, cn(2026, 6, 2, 12), id="ends-exactly-at-noon-stays"),
    pytest.param(
        cn(2026, 6, 2, 11), H + timedelta(seconds=1), cn(2026, 6, 2, 13, 30, 1), id="one-second-past-noon"
    ),
    pytest.param(cn(2026, 6, 2, 17, 30), H, cn(2026, 6, 2, 18, 30), id="ends-exactly-at-close-stays"),
    pytest.param(cn(2026, 6, 2, 18, 30), H, cn(2026, 6, 3, 10), id="start-exactly-at-close"),
    pytest.param(cn(2026, 6, 2, 12), H, cn(2026, 6, 2, 14, 30), id="start-exactly-at-noon"),
    pytest.param(cn(2026, 6, 5, 19), H, cn(2026, 6, 8, 10), id="friday-evening-rolls-to-monday"),
    pytest.param(cn(2026, 6, 5, 17, 30), 2 * H, cn(2026, 6, 8, 10), id="friday-close-spans-weekend"),
    pytest.param(cn(2026, 6, 6, 10), H, cn(2026, 6, 8, 10), id="saturday-start"),
    pytest.param(cn(2026, 9, 30, 17), 4 * H, cn(2026, 10, 8, 11, 30), id="national-day-week"),
    pytest.param(cn(2026, 10, 3, 10), H, cn(2026, 10, 8, 10), id="start-inside-holiday"),
    pytest.param(cn(2026, 10, 9, 17, 30), 2 * H, cn(2026, 10, 10, 10), id="make-up-saturday"),
    pytest.param(cn(2026, 9, 18, 18), H, cn(2026, 9, 20, 9, 30), id="make-up-sunday-after-friday"),
    pytest.param(cn(2026, 9, 20, 10), H, cn(2026, 9, 20, 11), id="start-on-make-up-sunday"),
    pytest.param(cn(2025, 12, 31, 18), H, cn(2026, 1, 5, 9, 30), id="new-year-holidays-across-years"),
    pytest.param(cn(2026, 6, 1, 9), 240 * H, cn(2026, 7, 10, 18, 30), id="ten-days-is-thirty-workdays"),
    pytest.param(cn(2026, 9, 28, 9), 240 * H, cn(2026, 11, 12, 18, 30), id="ten-days-across-national-day"),
    pytest.param(cn(2026, 6, 2, 10), timedelta(0), cn(2026, 6, 2, 10), id="zero-budget-open-start"),
    pytest.param(cn(2026, 6, 6, 10), timedelta(0), cn(2026, 6, 8, 9), id="zero-budget-closed-start"),
    pytest.param(cn(2026, 6, 2, 18, 30), timedelta(0), cn(2026, 6, 3, 9), id="zero-budget-at-close"),
]


@pytest.mark.parametrize(("start", "budget", "due"), CN_ADD_CASES)
def test_cn_office_add(start: datetime, budget: timedelta, due: datetime) -> None:
    assert CN_OFFICE.add_dt(start, budget) == due
    assert CN_OFFICE.add(start.timestamp(), budget.total_seconds()) == due.timestamp()


@pytest.mark.parametrize(("start", "budget", "due"), CN_ADD_CASES)
def test_cn_office_elapsed_inverts_add(start: datetime, budget: timedelta, due: datetime) -> None:
    assert CN_OFFICE.elapsed_dt(start, due) == budget


@pytest.mark.parametrize(
    ("a", "b", "worked"),
    [
        pytest.param(cn(2026, 6, 2, 11), cn(2026, 6, 2, 10), timedelta(0), id="reversed-is-zero"),
        pytest.param(cn(2026, 6, 2, 10), cn(2026, 6, 2, 10), timedelta(0), id="empty-range"),
        pytest.param(cn(2026, 6, 2, 12), cn(2026, 6, 2, 13, 30), timedelta(0), id="lunch-only"),
        pytest.param(cn(2026, 6, 1, 0), cn(2026, 6, 8, 0), 40 * H, id="whole-week"),
        pytest.param(cn(2026, 10, 1, 0), cn(2026, 10, 8, 0), timedelta(0), id="holiday-week"),
        pytest.param(cn(2026, 10, 10, 0), cn(2026, 10, 11, 0), 8 * H, id="make-up-saturday"),
        pytest.param(cn(2025, 12, 31, 9), cn(2026, 1, 5, 9), 8 * H, id="across-new-year"),
        # 780 working days of 8h, counted day by day outside the engine.
        pytest.param(cn(2024, 6, 3, 9), cn(2027, 6, 7, 9), 780 * 8 * H, id="three-years"),
    ],
)
def test_cn_office_elapsed(a: datetime, b: datetime, worked: timedelta) -> None:
    assert CN_OFFICE.elapsed_dt(a, b) == worked


def test_three_year_elapsed_matches_per_year_sum() -> None:
    # The three-years figure above, as same-year pieces rather than one cross-year call.
    bounds = [cn(2024, 6, 3, 9), cn(2025, 1, 1), cn(2026, 1, 1), cn(2027, 1, 1), cn(2027, 6, 7, 9)]
    parts = [CN_OFFICE.elapsed_dt(a, b) for a, b in pairwise(bounds)]
    assert sum(parts, timedelta(0)) == 780 * 8 * H


@pytest.mark.parametrize(
    ("at", "is_open", "next_open"),
    [
        pytest.param(cn(2026, 6, 2, 9), True, cn(2026, 6, 2, 9), id="at-opening"),
        pytest.param(cn(2026, 6, 2, 11, 59, 59), True, cn(2026, 6, 2, 11, 59, 59), id="just-before-noon"),
        pytest.param(cn(2026, 6, 2, 12), False, cn(2026, 6, 2, 13, 30), id="at-noon-is-closed"),
        pytest.param(cn(2026, 6, 2, 18, 30), False, cn(2026, 6, 3, 9), id="at-close-is-closed"),
        pytest.param(cn(2026, 10, 1, 10), False, cn(2026, 10, 8, 9), id="holiday"),
        pytest.param(cn(2026, 10, 4, 10), False, cn(2026, 10, 8, 9), id="holiday-listed-on-sunday"),
        pytest.param(cn(2026, 9, 20, 9, 30), True, cn(2026, 9, 20, 9, 30), id="make-up-sunday"),
        pytest.param(cn(2026, 9, 19, 9, 30), False, cn(2026, 9, 20, 9), id="saturday-before-make-up"),
    ],
)
def test_cn_office_open_and_next_open(at: datetime, is_open: bool, next_open: datetime) -> None:
    assert CN_OFFICE.is_open_dt(at) is is_open
    assert CN_OFFICE.next_open_dt(at) == next_open


def test_fractional_seconds_are_kept() -> None:
    start = cn(2026, 6, 2, 11, 59, 59).timestamp() + 0.25
    due = CN_OFFICE.add(start, 1.5)
    assert due == cn(2026, 6, 2, 13, 30).timestamp() + 0.75
    assert CN_OFFICE.elapsed(start, due) == 1.5


def test_result_is_in_calendar_timezone() -> None:
    due = CN_OFFICE.add_dt(datetime(2026, 6, 2, 2, tzinfo=UTC), H)
    assert due.tzinfo is SHANGHAI
    assert due.isoformat() == "2026-06-02T11:00:00+08:00"


def test_holiday_that_is_also_a_workday_is_worked() -> None:
    both = Calendar.compile(
        CalendarSpec(
            id="both",
            timezone="Asia/Shanghai",
            week=dict.fromkeys(range(5), OFFICE_HOURS),
            holidays=frozenset({date(2026, 6, 2)}),
            workdays={date(2026, 6, 2): ((600, 660),)},
        )
    )
    assert both.add_dt(cn(2026, 6, 2, 0), H) == cn(2026, 6, 2, 11)


@pytest.mark.parametrize(
    ("calendar", "start", "budget", "due"),
    [
        pytest.param(
            BERLIN_OFFICE, de(2026, 3, 27, 16), 2 * H, de(2026, 3, 30, 10), id="office-spring-forward"
        ),
        pytest.param(
            BERLIN_OFFICE, de(2026, 10, 23, 16), 2 * H, de(2026, 10, 26, 10), id="office-fall-back"
        ),
        pytest.param(BERLIN_24H, de(2026, 3, 28, 12), 24 * H, de(2026, 3, 29, 13), id="24h-spring-forward"),
        pytest.param(BERLIN_24H, de(2026, 10, 24, 12), 24 * H, de(2026, 10, 25, 11), id="24h-fall-back"),
        pytest.param(
            BERLIN_24H_TABLES, de(2026, 3, 28, 12), 24 * H, de(2026, 3, 29, 13), id="tables-spring-forward"
        ),
        pytest.param(
            BERLIN_24H_TABLES, de(2026, 10, 24, 12), 24 * H, de(2026, 10, 25, 11), id="tables-fall-back"
        ),
        pytest.param(
            BERLIN_24H_TABLES, de(2026, 12, 24, 23), 2 * H, de(2026, 12, 26, 1), id="tables-skip-holiday"
        ),
        pytest.param(
            BERLIN_NIGHT, de(2026, 3, 29, 0), 2 * H, de(2026, 3, 29, 4), id="night-window-in-gap-is-2h"
        ),
        pytest.param(
            BERLIN_NIGHT_LATE, de(2026, 3, 29, 0), H, de(2026, 3, 29, 4), id="gap-start-is-the-jump"
        ),
    ],
)
def test_dst(calendar: Calendar, start: datetime, budget: timedelta, due: datetime) -> None:
    assert calendar.add_dt(start, budget) == due
    assert calendar.elapsed_dt(start, due) == budget


def test_spring_forward_monday_is_eight_utc() -> None:
    due = BERLIN_OFFICE.add_dt(de(2026, 3, 27, 16), 2 * H)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("calendar", "a", "b", "worked"),
    [
        pytest.param(BERLIN_24H, de(2026, 3, 29), de(2026, 3, 30), 23 * H, id="24h-short-day"),
        pytest.param(BERLIN_24H, de(2026, 10, 25), de(2026, 10, 26), 25 * H, id="24h-long-day"),
        pytest.param(BERLIN_24H_TABLES, de(2026, 3, 29), de(2026, 3, 30), 23 * H, id="tables-short-day"),
        pytest.param(BERLIN_24H_TABLES, de(2026, 10, 25), de(2026, 10, 26), 25 * H, id="tables-long-day"),
        pytest.param(BERLIN_NIGHT, de(2026, 3, 29), de(2026, 3, 30), 2 * H, id="night-spring-forward"),
        pytest.param(BERLIN_NIGHT, de(2026, 10, 25), de(2026, 10, 26), 4 * H, id="night-fall-back"),
        pytest.param(BERLIN_NIGHT, de(2026, 6, 7), de(2026, 6, 8), 3 * H, id="night-ordinary"),
        pytest.param(BERLIN_NIGHT_LATE, de(2026, 3, 29), de(2026, 3, 30), H, id="late-spring-forward"),
        pytest.param(
            BERLIN_NIGHT_LATE, de(2026, 10, 25), de(2026, 10, 26), 2.5 * H, id="late-fall-back-fold-0"
        ),
        pytest.param(
            BERLIN_OFFICE, de(2026, 3, 27, 9), de(2026, 3, 30, 9), 8 * H, id="office-over-dst-weekend"
        ),
    ],
)
def test_dst_elapsed(calendar: Calendar, a: datetime, b: datetime, worked: timedelta) -> None:
    assert calendar.elapsed_dt(a, b) == worked


def test_twenty_four_seven_fast_path() -> None:
    start = datetime(2026, 11, 11, 0, 5, tzinfo=SHANGHAI)
    assert TWENTY_FOUR_SEVEN.id == "24x7"
    assert TWENTY_FOUR_SEVEN.add_dt(start, timedelta(minutes=5)) == datetime(
        2026, 11, 10, 16, 10, tzinfo=UTC
    )
    assert TWENTY_FOUR_SEVEN.add(1000.25, 3600.5) == 4600.75
    assert TWENTY_FOUR_SEVEN.elapsed(1000.0, 4600.75) == 3600.75
    assert TWENTY_FOUR_SEVEN.elapsed(5.0, 1.0) == 0.0
    assert TWENTY_FOUR_SEVEN.is_open(0.0) is True
    assert TWENTY_FOUR_SEVEN.next_open(123.5) == 123.5
    # A budget of a million years: no year tables, so no time spent.
    assert TWENTY_FOUR_SEVEN.add(0.0, 3.15e13) == 3.15e13


def test_far_future_year_is_built_lazily() -> None:
    assert CN_OFFICE.add_dt(cn(2199, 12, 31, 18), H) == cn(2200, 1, 1, 9, 30)


NAIVE = "naive datetime {} (an offset or zone is required)"
NO_WORK = "calendar 'never' has no working time in the 5 years after 1970"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: CN_OFFICE.add_dt(datetime(2026, 6, 2, 10), H),
                     NAIVE.format("2026-06-02T10:00:00"), id="add-naive"),
        pytest.param(lambda: CN_OFFICE.elapsed_dt(cn(2026, 6, 2), datetime(2026, 6, 3)),
                     NAIVE.format("2026-06-03T00:00:00"), id="elapsed-naive"),
        pytest.param(lambda: CN_OFFICE.next_open_dt(datetime(2026, 6, 2)),
                     NAIVE.format("2026-06-02T00:00:00"), id="next-open-naive"),
        pytest.param(lambda: CN_OFFICE.is_open_dt(datetime(2026, 6, 2)),
                     NAIVE.format("2026-06-02T00:00:00"), id="is-open-naive"),
        pytest.param(lambda: CN_OFFICE.add(0.0, -1.0),
                     "budget must be finite and >= 0, got -1.0", id="negative-budget"),
        pytest.param(lambda: CN_OFFICE.add(0.0, float("nan")),
                     "budget must be finite and >= 0, got nan", id="nan-budget"),
        pytest.param(lambda: CN_OFFICE.add(0.0, float("inf")),
                     "budget must be finite and >= 0, got inf", id="infinite-budget"),
        pytest.param(lambda: EMPTY.add(0.0, 1.0), NO_WORK, id="no-working-time-add"),
        pytest.param(lambda: EMPTY.next_open(0.0), NO_WORK, id="no-working-time-next-open"),
        pytest.param(
            lambda: Calendar.compile(CalendarSpec(id="x", timezone="UTC", week={0: ((600, 540),)})),
            "bad window 600-540 (minutes since midnight)",
            id="reversed-window",
        ),
    ],
)
def test_value_errors(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call()


# --- properties ----------------------------------------------------------------------

STARTS = st.floats(
    min_value=datetime(2025, 1, 1, tzinfo=UTC).timestamp(),
    max_value=datetime(2028, 1, 1, tzinfo=UTC).timestamp(),
)
BUDGETS = st.floats(min_value=0.0, max_value=30 * 86400.0)
CALENDARS = pytest.mark.parametrize(
    "calendar",
    [
        pytest.param(CN_OFFICE, id="cn-office"),
        pytest.param(BERLIN_OFFICE, id="de-office"),
        pytest.param(BERLIN_NIGHT, id="de-night"),
        pytest.param(BERLIN_24H_TABLES, id="de-24h-tables"),
    ],
)


@CALENDARS
@settings(max_examples=300, deadline=None)
@given(start=STARTS, budget=BUDGETS)
def test_deadline_is_a_valid_instant(calendar: Calendar, start: float, budget: float) -> None:
    due = calendar.add(start, budget)
    assert due >= start
    # Never strictly inside closed time: open, or exactly at a window end.
    assert calendar.is_open(due) or calendar.elapsed(due - 1.0, due) == 1.0
    assert calendar.elapsed(start, due) == pytest.approx(budget, abs=1e-6)


@CALENDARS
@settings(max_examples=300, deadline=None)
@given(start=STARTS, budgets=st.tuples(BUDGETS, BUDGETS))
def test_add_is_monotonic_in_budget(
    calendar: Calendar, start: float, budgets: tuple[float, float]
) -> None:
    low, high = sorted(budgets)
    assert calendar.add(start, low) <= calendar.add(start, high)


@CALENDARS
@settings(max_examples=300, deadline=None)
@given(starts=st.tuples(STARTS, STARTS), budget=BUDGETS)
def test_add_is_monotonic_in_start(
    calendar: Calendar, starts: tuple[float, float], budget: float
) -> None:
    early, late = sorted(starts)
    assert calendar.add(early, budget) <= calendar.add(late, budget)


@settings(max_examples=300, deadline=None)
@given(start=STARTS, budget=BUDGETS)
def test_tables_agree_with_fast_path(start: float, budget: float) -> None:
    # Away from its one holiday (2026-12-25), the table path must equal plain arithmetic.
    if de(2026, 11, 20).timestamp() <= start <= de(2026, 12, 26).timestamp():
        return
    expected = BERLIN_24H.add(start, budget)
    assert BERLIN_24H_TABLES.add(start, budget) == pytest.approx(expected, abs=1e-6)


@CALENDARS
@settings(max_examples=300, deadline=None)
@given(start=STARTS, budgets=st.lists(BUDGETS, min_size=1, max_size=8))
def test_add_many_equals_add_one_by_one(calendar: Calendar, start: float, budgets: list[float]) -> None:
    """The batched form a timer plan uses gives exactly what `add` gives, in any order."""
    assert calendar.add_many(start, budgets) == [calendar.add(start, b) for b in budgets]


@CALENDARS
@settings(max_examples=300, deadline=None)
@given(start=STARTS, budgets=st.lists(BUDGETS, min_size=1, max_size=12).map(sorted))
def test_add_sorted_equals_add_many(calendar: Calendar, start: float, budgets: list[float]) -> None:
    """The forward walk a timer plan takes (ascending thresholds) gives exactly what
    `add_many` gives, including a zero budget and budgets that run into the next year."""
    assert calendar.add_sorted(start, budgets) == calendar.add_many(start, budgets)


def test_add_sorted_on_office_hours() -> None:
    """From 11:00 on a Monday: a budget running out exactly at the 12:00 close stays there,
    twice (equal budgets); the next ones cross the lunch break, a night, 2,000,000 seconds
    of office hours (a long walk, through the year's bucket table) and a year end."""
    start = cn(2026, 3, 2, 11).timestamp()
    budgets = [3600.0, 3600.0, 7200.0, 28800.0, 2_000_000.0, 9_000_000.0]
    assert CN_OFFICE.add_sorted(start, budgets) == [CN_OFFICE.add(start, b) for b in budgets] == [
        t.timestamp() for t in (cn(2026, 3, 2, 12), cn(2026, 3, 2, 12), cn(2026, 3, 2, 14, 30),
                                cn(2026, 3, 3, 11), cn(2026, 6, 5, 16, 3, 20), cn(2027, 5, 17, 16, 30))]


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=cn(2024, 12, 25).timestamp(), max_value=cn(2027, 1, 8).timestamp()))
def test_locating_an_opening_from_the_cached_year_is_the_walk(ts: float) -> None:
    """`_locate_open` takes the year table `_year_at` would start from when it holds `ts`
    (the fast path): the same year, interval and opening as walking from `_year_at` (the
    instants are drawn around New Year, where the guess can be a year off)."""
    for calendar in (CN_OFFICE, BERLIN_OFFICE):
        calendar._locate_open(ts)  # fills the year table the fast path reads
        yr, k, opened = calendar._locate_open(ts)
        walked = calendar._year_at(ts)
        i = bisect.bisect_right(walked.starts, ts) - 1
        if i >= 0 and ts < walked.ends[i]:
            expected = (walked, i, ts)
        elif i + 1 < len(walked.starts):
            expected = (walked, i + 1, walked.starts[i + 1])
        else:
            following = calendar._next_nonempty(walked)
            expected = (following, 0, following.starts[0])
        assert (yr, k, opened) == expected


def _elapsed_walked(calendar: Calendar, a: float, b: float) -> float:
    """`elapsed` as it read before its cached-year fast path: both years from `_year_at`."""
    if b <= a:
        return 0.0
    ya, yb = calendar._year_at(a), calendar._year_at(b)
    pa, pb = ya.position(a), yb.position(b)
    if ya is yb:
        return pb - pa
    return (ya.total - pa) + sum(calendar._year(y).total for y in range(ya.year + 1, yb.year)) + pb


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=cn(2024, 12, 25).timestamp(), max_value=cn(2027, 1, 8).timestamp()),
       st.one_of(st.floats(0, 3 * 86400.0), st.floats(0, 800 * 86400.0)))
def test_elapsed_from_the_cached_year_is_the_walk(a: float, span: float) -> None:
    """`elapsed` reads the year of `a` from the table `_year_at` starts from and, when `b`
    lies in it, counts within it: the same seconds as walking both years (stretches drawn
    around New Year and across years)."""
    for calendar in (CN_OFFICE, BERLIN_OFFICE):
        assert calendar.elapsed(a, a + span) == _elapsed_walked(calendar, a, a + span)
