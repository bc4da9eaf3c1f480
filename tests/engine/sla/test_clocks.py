"""`sla.clocks.used` counts no run or one run without `sum` over a generator; `sum` of
each run's working time, then the running stretch, is the reference (the same float,
and the same type: no runs and no running stretch is the integer 0)."""
from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engine.sla.clocks import used
from engine.timecalc.calendar import TWENTY_FOUR_SEVEN, Calendar
from helpers import reference_engine

CALENDARS: list[Calendar] = [TWENTY_FOUR_SEVEN, *reference_engine().compiled.calendars.values()]
START = 1_793_000_000.0   # 2026-10-26


def used_by_sum(clock: dict[str, Any], calendar: Calendar, now: float) -> float:
    total = sum(calendar.elapsed(a, b) for a, b in clock["runs"])
    if clock["since"] is not None:
        total += calendar.elapsed(clock["since"], now)
    return total


@st.composite
def clocks(draw: st.DrawFn) -> tuple[dict[str, Any], float]:
    cuts = sorted(draw(st.lists(st.one_of(st.floats(0, 90 * 86400.0), st.integers(0, 90 * 86400)),
                                min_size=0, max_size=7)))
    points = [START + c for c in cuts]
    runs = [[a, b] for a, b in zip(points[::2], points[1::2], strict=False)]
    since = draw(st.one_of(st.none(), st.just(points[-1] if points else START)))
    return {"runs": runs, "since": since}, draw(st.floats(START, START + 100 * 86400.0))


@given(clocks(), st.sampled_from(CALENDARS))
def test_used_is_the_sum_of_the_runs(case: tuple[dict[str, Any], float], calendar: Calendar) -> None:
    clock, now = case
    got, want = used(clock, calendar, now), used_by_sum(clock, calendar, now)
    assert (type(got), got) == (type(want), want)


def test_a_clock_that_never_ran_used_nothing() -> None:
    assert used({"runs": [], "since": None}, TWENTY_FOUR_SEVEN, START) == 0
    assert type(used({"runs": [], "since": None}, TWENTY_FOUR_SEVEN, START)) is int
    assert used({"runs": [[START, START + 90.5]], "since": None}, TWENTY_FOUR_SEVEN, START) == 90.5
