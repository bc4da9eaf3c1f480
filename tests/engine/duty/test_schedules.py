"""Tests for engine.duty.schedules: compiled duty schedules, exact people at exact instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.duty.schedules import (
    CHUNK_S,
    ActiveWindow,
    Layer,
    Override,
    Schedule,
    ScheduleSpec,
    Segment,
)
from engine.timecalc.cron import WallCron

SHANGHAI = "Asia/Shanghai"
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
H = 3600
WEEKDAYS_9_TO_6 = (ActiveWindow("0 9 * * 1-5", 9 * H),)
TRIO = ("alice", "carol", "dave")


def local(tz: str, *fields: int) -> datetime:
    year, month, day, hour, minute, second = (*fields, 0, 0, 0)[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(tz))


def ts(tz: str, *fields: int) -> float:
    return local(tz, *fields).timestamp()


def utc(*fields: int) -> float:
    return local("UTC", *fields).timestamp()


def layer(name: str, members: tuple[str, ...], tz: str, start: tuple[int, ...], handoff: str,
          **kw: object) -> Layer:
    return Layer(name, members, local(tz, *start), handoff, **kw)  # type: ignore[arg-type]


def compiled(tz: str, *layers: Layer, overrides: tuple[Override, ...] = ()) -> Schedule:
    return Schedule.compile(ScheduleSpec("s", tz, layers, overrides))


DAILY = compiled(SHANGHAI, layer("daily", TRIO, SHANGHAI, (2026, 1, 5, 9), "0 9 * * *"))
WEEKLY = compiled(SHANGHAI, layer("weekly", TRIO, SHANGHAI, (2026, 11, 2, 9), "0 9 * * 1"))
WEEKDAYS = compiled(SHANGHAI, layer("office", TRIO, SHANGHAI, (2026, 1, 5, 9), "0 9 * * *",
                                    active=WEEKDAYS_9_TO_6))
MONTHLY = compiled(SHANGHAI, layer("monthly", TRIO, SHANGHAI, (2026, 1, 1, 9), "0 9 1 * *"))
PAIRS = compiled(SHANGHAI, layer("pairs", ("alice", "bob"), SHANGHAI, (2026, 1, 5, 9), "0 9 * * *",
                                 turn_length=2))
NIGHTS = compiled(SHANGHAI, layer("nights", ("alice", "bob"), SHANGHAI, (2026, 1, 5, 22), "0 22 * * *",
                                  active=(ActiveWindow("0 22 * * *", 10 * H),)))
TWO_LAYERS = compiled(
    SHANGHAI,
    layer("base", ("alice", "bob"), SHANGHAI, (2026, 1, 5, 9), "0 9 * * 1"),
    layer("office", ("erin",), SHANGHAI, (2026, 1, 5, 9), "0 9 * * 1", active=WEEKDAYS_9_TO_6),
)
OVERRIDDEN = compiled(
    SHANGHAI,
    layer("office", TRIO, SHANGHAI, (2026, 1, 5, 9), "0 9 * * *", active=WEEKDAYS_9_TO_6),
    overrides=(
        Override("erin", local(SHANGHAI, 2026, 1, 5, 10), local(SHANGHAI, 2026, 1, 5, 14), "swap"),
        Override("frank", local(SHANGHAI, 2026, 1, 5, 12), local(SHANGHAI, 2026, 1, 5, 16)),
        Override("gina", local(SHANGHAI, 2026, 1, 10, 0), local(SHANGHAI, 2026, 1, 11, 0)),
    ),
)
CLIPPED = compiled(SHANGHAI, layer("daily", TRIO, SHANGHAI, (2026, 1, 5, 9), "0 9 * * *",
                                   end=local(SHANGHAI, 2026, 1, 8, 0)))


@pytest.mark.parametrize("schedule, when, expected", [
    # daily rotation
    pytest.param(DAILY, (2026, 1, 5, 9), ("alice", "s/daily"), id="daily-first-turn-at-start"),
    pytest.param(DAILY, (2026, 1, 6, 8, 59, 59), ("alice", "s/daily"), id="daily-last-second-of-turn"),
    pytest.param(DAILY, (2026, 1, 6, 9), ("carol", "s/daily"), id="daily-second-turn"),
    pytest.param(DAILY, (2026, 1, 7, 9), ("dave", "s/daily"), id="daily-third-turn"),
    pytest.param(DAILY, (2026, 1, 8, 9), ("alice", "s/daily"), id="daily-wraps-around"),
    # weekdays only: the daily counter keeps running through the masked weekend
    pytest.param(WEEKDAYS, (2026, 1, 9, 17, 59, 59), ("carol", "s/office"), id="weekdays-friday-last-second"),
    pytest.param(WEEKDAYS, (2026, 1, 9, 18), (None, None), id="weekdays-friday-evening-nobody"),
    pytest.param(WEEKDAYS, (2026, 1, 10, 12), (None, None), id="weekdays-saturday-nobody"),
    pytest.param(WEEKDAYS, (2026, 1, 12, 8, 59), (None, None), id="weekdays-monday-before-nine"),
    pytest.param(WEEKDAYS, (2026, 1, 12, 9), ("carol", "s/office"), id="weekdays-monday-counts-weekend-turns"),
    # weekly, the documented example
    pytest.param(WEEKLY, (2026, 11, 2, 8, 59, 59), (None, None), id="weekly-before-start"),
    pytest.param(WEEKLY, (2026, 11, 2, 9), ("alice", "s/weekly"), id="weekly-alice-from-start"),
    pytest.param(WEEKLY, (2026, 11, 9, 8, 59, 59), ("alice", "s/weekly"), id="weekly-alice-until-handoff"),
    pytest.param(WEEKLY, (2026, 11, 9, 9), ("carol", "s/weekly"), id="weekly-carol-at-handoff"),
    pytest.param(WEEKLY, (2026, 11, 16, 9), ("dave", "s/weekly"), id="weekly-dave"),
    pytest.param(WEEKLY, (2026, 11, 23, 9), ("alice", "s/weekly"), id="weekly-alice-again"),
    # 2031-06-02 is 239 weeks after 2026-11-02 and 239 % 3 == 2
    pytest.param(WEEKLY, (2031, 6, 2, 9), ("dave", "s/weekly"), id="weekly-lookup-in-2031"),
    pytest.param(WEEKLY, (2031, 6, 2, 8, 59), ("carol", "s/weekly"), id="weekly-2031-before-handoff"),
    # monthly
    pytest.param(MONTHLY, (2026, 2, 1, 8, 59), ("alice", "s/monthly"), id="monthly-january"),
    pytest.param(MONTHLY, (2026, 2, 1, 9), ("carol", "s/monthly"), id="monthly-february"),
    pytest.param(MONTHLY, (2026, 3, 15), ("dave", "s/monthly"), id="monthly-march"),
    pytest.param(MONTHLY, (2026, 4, 1, 9), ("alice", "s/monthly"), id="monthly-april-wraps"),
    pytest.param(MONTHLY, (2027, 1, 1, 9), ("alice", "s/monthly"), id="monthly-twelve-turns-later"),
    pytest.param(MONTHLY, (2030, 8, 1, 9), ("carol", "s/monthly"), id="monthly-55-turns-later"),
    # turn_length 2
    pytest.param(PAIRS, (2026, 1, 6, 12), ("alice", "s/pairs"), id="pairs-second-day-same-person"),
    pytest.param(PAIRS, (2026, 1, 7, 9), ("bob", "s/pairs"), id="pairs-third-day-switches"),
    pytest.param(PAIRS, (2026, 1, 8, 23), ("bob", "s/pairs"), id="pairs-fourth-day"),
    pytest.param(PAIRS, (2026, 1, 9, 9), ("alice", "s/pairs"), id="pairs-fifth-day-wraps"),
    # restriction across midnight: 22:00-08:00
    pytest.param(NIGHTS, (2026, 1, 6, 2), ("alice", "s/nights"), id="nights-after-midnight"),
    pytest.param(NIGHTS, (2026, 1, 6, 7, 59, 59), ("alice", "s/nights"), id="nights-last-second"),
    pytest.param(NIGHTS, (2026, 1, 6, 8), (None, None), id="nights-daytime-nobody"),
    pytest.param(NIGHTS, (2026, 1, 6, 22), ("bob", "s/nights"), id="nights-second-night"),
    pytest.param(NIGHTS, (2026, 1, 7, 3), ("bob", "s/nights"), id="nights-second-night-after-midnight"),
    # later layer wins only inside its window
    pytest.param(TWO_LAYERS, (2026, 1, 5, 10), ("erin", "s/office"), id="layers-top-inside-window"),
    pytest.param(TWO_LAYERS, (2026, 1, 5, 18), ("alice", "s/base"), id="layers-base-shows-through-evening"),
    pytest.param(TWO_LAYERS, (2026, 1, 10, 10), ("alice", "s/base"), id="layers-base-on-saturday"),
    pytest.param(TWO_LAYERS, (2026, 1, 12, 10), ("erin", "s/office"), id="layers-top-next-week"),
    # overrides, overlapping ones: the later-listed wins
    pytest.param(OVERRIDDEN, (2026, 1, 5, 9, 30), ("alice", "s/office"), id="override-not-yet"),
    pytest.param(OVERRIDDEN, (2026, 1, 5, 11), ("erin", "s/override"), id="override-first"),
    pytest.param(OVERRIDDEN, (2026, 1, 5, 12), ("frank", "s/override"), id="override-overlap-later-wins"),
    pytest.param(OVERRIDDEN, (2026, 1, 5, 15, 59), ("frank", "s/override"), id="override-second-alone"),
    pytest.param(OVERRIDDEN, (2026, 1, 5, 16), ("alice", "s/office"), id="override-ended"),
    pytest.param(OVERRIDDEN, (2026, 1, 10, 3), ("gina", "s/override"), id="override-fills-restricted-time"),
    # start / end clipping
    pytest.param(CLIPPED, (2026, 1, 5, 8, 59, 59), (None, None), id="clip-before-start"),
    pytest.param(CLIPPED, (2026, 1, 7, 23, 59, 59), ("dave", "s/daily"), id="clip-last-second"),
    pytest.param(CLIPPED, (2026, 1, 8, 0), (None, None), id="clip-at-end-nobody"),
    pytest.param(CLIPPED, (2027, 1, 8, 0), (None, None), id="clip-long-after-end"),
])
def test_who(schedule: Schedule, when: tuple[int, ...], expected: tuple[str | None, str | None]) -> None:
    assert schedule.who(ts(schedule.timezone, *when)) == expected
    assert schedule.who_dt(local(schedule.timezone, *when)) == expected


def daily_trio(tz: str, start: tuple[int, ...], handoff: str = "0 9 * * *") -> Schedule:
    return compiled(tz, layer("daily", TRIO, tz, start, handoff))


@pytest.mark.parametrize("schedule, since, expected", [
    pytest.param(daily_trio(BERLIN, (2026, 3, 27, 9)), utc(2026, 3, 27), [
        (utc(2026, 3, 27, 8), "alice"), (utc(2026, 3, 28, 8), "carol"),
        (utc(2026, 3, 29, 7), "dave"), (utc(2026, 3, 30, 7), "alice")], id="berlin-spring-forward"),
    pytest.param(daily_trio(BERLIN, (2026, 10, 23, 9)), utc(2026, 10, 23), [
        (utc(2026, 10, 23, 7), "alice"), (utc(2026, 10, 24, 7), "carol"),
        (utc(2026, 10, 25, 8), "dave"), (utc(2026, 10, 26, 8), "alice")], id="berlin-fall-back"),
    pytest.param(daily_trio(NEW_YORK, (2026, 3, 6, 9)), utc(2026, 3, 6), [
        (utc(2026, 3, 6, 14), "alice"), (utc(2026, 3, 7, 14), "carol"),
        (utc(2026, 3, 8, 13), "dave"), (utc(2026, 3, 9, 13), "alice")], id="new-york-spring-forward"),
    pytest.param(daily_trio(NEW_YORK, (2026, 10, 30, 9)), utc(2026, 10, 30), [
        (utc(2026, 10, 30, 13), "alice"), (utc(2026, 10, 31, 13), "carol"),
        (utc(2026, 11, 1, 14), "dave"), (utc(2026, 11, 2, 14), "alice")], id="new-york-fall-back"),
    # 02:30 does not exist on 2026-03-29 in Berlin: the handoff happens at the jump, 03:00 CEST
    pytest.param(daily_trio(BERLIN, (2026, 3, 27, 2, 30), "30 2 * * *"), utc(2026, 3, 27), [
        (utc(2026, 3, 27, 1, 30), "alice"), (utc(2026, 3, 28, 1, 30), "carol"),
        (utc(2026, 3, 29, 1), "dave"), (utc(2026, 3, 30, 0, 30), "alice")], id="berlin-handoff-in-gap"),
    # 02:30 happens twice on 2026-10-25 in Berlin: one handoff, at the first pass (02:30 CEST)
    pytest.param(daily_trio(BERLIN, (2026, 10, 23, 2, 30), "30 2 * * *"), utc(2026, 10, 23), [
        (utc(2026, 10, 23, 0, 30), "alice"), (utc(2026, 10, 24, 0, 30), "carol"),
        (utc(2026, 10, 25, 0, 30), "dave"), (utc(2026, 10, 26, 1, 30), "alice")], id="berlin-handoff-repeated"),
    pytest.param(daily_trio(NEW_YORK, (2026, 3, 6, 2, 30), "30 2 * * *"), utc(2026, 3, 6), [
        (utc(2026, 3, 6, 7, 30), "alice"), (utc(2026, 3, 7, 7, 30), "carol"),
        (utc(2026, 3, 8, 7), "dave"), (utc(2026, 3, 9, 6, 30), "alice")], id="new-york-handoff-in-gap"),
    pytest.param(daily_trio(NEW_YORK, (2026, 10, 30, 1, 30), "30 1 * * *"), utc(2026, 10, 30), [
        (utc(2026, 10, 30, 5, 30), "alice"), (utc(2026, 10, 31, 5, 30), "carol"),
        (utc(2026, 11, 1, 5, 30), "dave"), (utc(2026, 11, 2, 6, 30), "alice")], id="new-york-handoff-repeated"),
])
def test_handoffs_across_dst(schedule: Schedule, since: float, expected: list[tuple[float, str]]) -> None:
    assert schedule.next_handoffs(since, 4) == expected


@pytest.mark.parametrize("tz, month", [
    pytest.param(BERLIN, 3, id="berlin-march"),
    pytest.param(BERLIN, 10, id="berlin-october"),
    pytest.param(NEW_YORK, 3, id="new-york-march"),
    pytest.param(NEW_YORK, 10, id="new-york-october"),
])
def test_daily_handoff_matches_croniter_local_time(tz: str, month: int) -> None:
    schedule = daily_trio(tz, (2026, month, 1, 9))
    it = croniter("0 9 * * *", local(tz, 2026, month, 1, 9))
    expected = [float(it.get_next(float)) for _ in range(45)]
    assert [at for at, _ in schedule.next_handoffs(ts(tz, 2026, month, 1, 9), 45)] == expected
    assert {datetime.fromtimestamp(at, ZoneInfo(tz)).hour for at in expected} == {9}


BERLIN_NIGHTS = compiled(BERLIN, layer("nights", ("alice", "bob"), BERLIN, (2026, 1, 5, 22), "0 22 * * *",
                                       active=(ActiveWindow("0 22 * * *", 10 * H),)))


@pytest.mark.parametrize("when, expected", [
    # a window lasts 10h of wall-clock time: 22:00-08:00 local, 9 real hours on this night
    pytest.param((2026, 3, 29, 7, 59, 59), "alice", id="spring-forward-night-still-on"),
    pytest.param((2026, 3, 29, 8), None, id="spring-forward-night-closes-at-eight"),
    # ... and 11 real hours on this one
    pytest.param((2026, 10, 25, 7, 59, 59), "alice", id="fall-back-night-still-on"),
    pytest.param((2026, 10, 25, 8), None, id="fall-back-night-closes-at-eight"),
])
def test_restriction_windows_are_wall_clock_across_dst(when: tuple[int, ...], expected: str | None) -> None:
    assert BERLIN_NIGHTS.who(ts(BERLIN, *when))[0] == expected


def test_compiling_twice_gives_equal_schedules_and_timelines_whatever_is_looked_up_first() -> None:
    """A compiled schedule is a value hosts share: its timeline is built lazily, chunk by
    chunk, yet two compilations of one spec are equal and give the same timeline over
    several chunks however their lookups were ordered, and looking up changes nothing."""
    spec = ScheduleSpec("s", SHANGHAI, (
        layer("weekly", TRIO, SHANGHAI, (2026, 11, 2, 9), "0 9 * * 1"),
        layer("office", ("bob", "erin"), SHANGHAI, (2026, 11, 2, 9), "0 9 * * *", active=WEEKDAYS_9_TO_6),
    ), (Override("frank", local(SHANGHAI, 2027, 1, 30, 20), local(SHANGHAI, 2027, 2, 2, 8)),))
    first, second = Schedule.compile(spec), Schedule.compile(spec)
    assert first == second
    start, end = ts(SHANGHAI, 2026, 11, 1), ts(SHANGHAI, 2027, 6, 1)
    assert int(end // CHUNK_S) - int(start // CHUNK_S) == 2, "the range spans three chunks"
    for instant in (end - 1, start + CHUNK_S, start):  # the second one built backwards
        second.who(instant)
    assert first.segments(start, end) == second.segments(start, end)
    assert {seg.person for seg in first.segments(start, end)} == {None, *TRIO, "bob", "erin", "frank"}
    assert first == second == Schedule.compile(spec)


def test_segments_merge_and_cover_the_range() -> None:
    assert WEEKLY.segments(ts(SHANGHAI, 2026, 11, 1), ts(SHANGHAI, 2026, 12, 1)) == [
        Segment(ts(SHANGHAI, 2026, 11, 1), ts(SHANGHAI, 2026, 11, 2, 9), None, None),
        Segment(ts(SHANGHAI, 2026, 11, 2, 9), ts(SHANGHAI, 2026, 11, 9, 9), "alice", "s/weekly"),
        Segment(ts(SHANGHAI, 2026, 11, 9, 9), ts(SHANGHAI, 2026, 11, 16, 9), "carol", "s/weekly"),
        Segment(ts(SHANGHAI, 2026, 11, 16, 9), ts(SHANGHAI, 2026, 11, 23, 9), "dave", "s/weekly"),
        Segment(ts(SHANGHAI, 2026, 11, 23, 9), ts(SHANGHAI, 2026, 11, 30, 9), "alice", "s/weekly"),
        Segment(ts(SHANGHAI, 2026, 11, 30, 9), ts(SHANGHAI, 2026, 12, 1), "carol", "s/weekly"),
    ]


def test_segments_merge_across_chunk_boundary() -> None:
    schedule = compiled(SHANGHAI, layer("solo", ("alice",), SHANGHAI, (2026, 1, 1), "0 9 * * 1"))
    boundary = (ts(SHANGHAI, 2027, 1, 1) // CHUNK_S) * CHUNK_S
    assert schedule.segments(boundary - 10 * 86400, boundary + 10 * 86400) == [
        Segment(boundary - 10 * 86400, boundary + 10 * 86400, "alice", "s/solo"),
    ]


def test_segments_keep_same_person_from_different_sources_apart() -> None:
    schedule = compiled(
        SHANGHAI, layer("daily", ("alice",), SHANGHAI, (2026, 1, 5), "0 9 * * *"),
        overrides=(Override("alice", local(SHANGHAI, 2026, 1, 6), local(SHANGHAI, 2026, 1, 7)),),
    )
    assert schedule.segments(ts(SHANGHAI, 2026, 1, 5), ts(SHANGHAI, 2026, 1, 8)) == [
        Segment(ts(SHANGHAI, 2026, 1, 5), ts(SHANGHAI, 2026, 1, 6), "alice", "s/daily"),
        Segment(ts(SHANGHAI, 2026, 1, 6), ts(SHANGHAI, 2026, 1, 7), "alice", "s/override"),
        Segment(ts(SHANGHAI, 2026, 1, 7), ts(SHANGHAI, 2026, 1, 8), "alice", "s/daily"),
    ]


@pytest.mark.parametrize("schedule, start, end, expected", [
    pytest.param(WEEKDAYS, (2026, 1, 9, 12), (2026, 1, 13, 12), [
        ((2026, 1, 9, 18), (2026, 1, 12, 9)), ((2026, 1, 12, 18), (2026, 1, 13, 9))], id="weekdays-weekend-and-night"),
    pytest.param(OVERRIDDEN, (2026, 1, 9, 12), (2026, 1, 12, 12), [
        ((2026, 1, 9, 18), (2026, 1, 10, 0)), ((2026, 1, 11, 0), (2026, 1, 12, 9))], id="override-splits-a-gap"),
    pytest.param(CLIPPED, (2026, 1, 5), (2026, 1, 9), [
        ((2026, 1, 5), (2026, 1, 5, 9)), ((2026, 1, 8), (2026, 1, 9))], id="clipped-both-ends"),
    pytest.param(DAILY, (2026, 2, 1), (2026, 3, 1), [], id="no-gaps"),
])
def test_gaps(schedule: Schedule, start: tuple[int, ...], end: tuple[int, ...],
              expected: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> None:
    got = schedule.gaps(ts(SHANGHAI, *start), ts(SHANGHAI, *end))
    assert got == [(ts(SHANGHAI, *a), ts(SHANGHAI, *b)) for a, b in expected]


@pytest.mark.parametrize("schedule, since, n, expected", [
    pytest.param(WEEKLY, (2026, 11, 9, 9), 3, [
        ((2026, 11, 16, 9), "dave"), ((2026, 11, 23, 9), "alice"), ((2026, 11, 30, 9), "carol")],
        id="weekly-strictly-after"),
    pytest.param(OVERRIDDEN, (2026, 1, 5, 9, 30), 5, [
        ((2026, 1, 5, 10), "erin"), ((2026, 1, 5, 12), "frank"), ((2026, 1, 5, 16), "alice"),
        ((2026, 1, 5, 18), None), ((2026, 1, 6, 9), "carol")], id="overrides-and-gaps"),
    pytest.param(CLIPPED, (2026, 1, 7), 5, [((2026, 1, 7, 9), "dave"), ((2026, 1, 8), None)],
                 id="stops-after-the-end"),
    pytest.param(CLIPPED, (2026, 2, 1), 5, [], id="nothing-after-the-end"),
    pytest.param(compiled(SHANGHAI, layer("solo", ("alice",), SHANGHAI, (2026, 1, 1), "0 9 * * 1")),
                 (2026, 2, 1), 2, [], id="single-member-never-changes"),
    pytest.param(WEEKLY, (2026, 11, 9, 9), 0, [], id="zero-asked"),
])
def test_next_handoffs(schedule: Schedule, since: tuple[int, ...], n: int,
                       expected: list[tuple[tuple[int, ...], str | None]]) -> None:
    got = schedule.next_handoffs(ts(SHANGHAI, *since), n)
    assert got == [(ts(SHANGHAI, *when), person) for when, person in expected]


def test_who_dt_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match=r"^naive datetime 2026-11-09T09:00:00 has no timezone$"):
        WEEKLY.who_dt(datetime(2026, 11, 9, 9))


def test_who_dt_accepts_any_timezone() -> None:
    assert WEEKLY.who_dt(datetime(2026, 11, 9, 1, tzinfo=UTC)) == ("carol", "s/weekly")


@pytest.mark.parametrize("expr, since, n", [
    pytest.param("0 9 * * *", (2026, 2, 20, 9), 60, id="daily"),
    pytest.param("0 9,21 * * *", (2026, 2, 20, 9), 60, id="twice-daily"),
    pytest.param("*/20 1-3 * * *", (2026, 2, 20, 9), 60, id="every-20-minutes-at-night"),
    pytest.param("0 9 * * 1-5", (1969, 12, 20), 60, id="weekdays"),
    pytest.param("30 8 * * 0,7", (2026, 2, 20, 9), 60, id="sundays"),
    pytest.param("0 9 1 * *", (1968, 11, 1, 9), 80, id="monthly-from-before-1970"),
    pytest.param("0 9,21 31 * *", (2026, 2, 20, 9), 40, id="only-long-months"),
    pytest.param("0 12 29 2 *", (1896, 1, 1), 30, id="leap-days-across-1900-and-2000"),
    pytest.param("*/30 9 1,15 1-6 *", (2026, 2, 20, 9), 60, id="first-half-year-twice-monthly"),
    pytest.param("0 9 * 3,9 *", (2026, 2, 20, 9), 60, id="every-day-of-two-months"),
    pytest.param("0 9 1,15 * 1", (2026, 2, 20, 9), 60, id="day-or-weekday-walked"),
    pytest.param("0 9 * * 5#3", (2026, 2, 20, 9), 30, id="third-friday-walked"),
    pytest.param("0 9 L * *", (2026, 2, 20, 9), 30, id="last-day-walked"),
])
def test_wall_cron_matches_croniter(expr: str, since: tuple[int, ...], n: int) -> None:
    cron = WallCron.parse(expr, ZoneInfo(BERLIN))
    start = utc(*since)  # wall time fed to croniter as UTC: no DST at all
    it = croniter(expr, datetime.fromtimestamp(start, UTC))
    expected = [float(it.get_next(float)) for _ in range(n)]
    got = cron.wall_matches_after(start)
    assert [next(got) for _ in range(n)] == expected
    assert [cron.count_wall(start, wall) for wall in expected] == list(range(1, n + 1))
    assert [cron.count_wall(start, wall - 1) for wall in expected] == list(range(n))


# --- property: the compiled timeline equals a brute-force count of croniter occurrences ---

def ref_instant(wall: datetime, tz: ZoneInfo) -> float:
    """First instant whose local wall clock reads `wall` or later, found the slow way."""
    candidates = sorted({wall.replace(tzinfo=tz, fold=f).timestamp() for f in (0, 1)})
    exact = [c for c in candidates if datetime.fromtimestamp(c, tz).replace(tzinfo=None) == wall]
    if exact:
        return exact[0]
    at = candidates[0]
    while datetime.fromtimestamp(at, tz).replace(tzinfo=None) < wall:
        at += 60
    return at


def ref_walls(expr: str, since: datetime, until: datetime) -> list[datetime]:
    it = croniter(expr, since)
    out: list[datetime] = []
    while (wall := it.get_next(datetime)) <= until:
        out.append(wall)
    return out


def ref_person(spec: Layer, tz: ZoneInfo, t: float) -> str | None:
    if t < spec.start.timestamp() or (spec.end is not None and t >= spec.end.timestamp()):
        return None
    now = datetime.fromtimestamp(t, tz).replace(tzinfo=None)
    if spec.active and not any(
        ref_instant(w, tz) <= t < ref_instant(w + timedelta(seconds=a.duration_s), tz)
        for a in spec.active
        for w in ref_walls(a.cron, now - timedelta(seconds=a.duration_s, days=2), now + timedelta(days=1))
    ):
        return None
    since = spec.start.astimezone(tz).replace(tzinfo=None) - timedelta(days=2)
    walls = ref_walls(spec.handoff, since, now + timedelta(days=1))
    turn = sum(1 for w in walls if spec.start.timestamp() < ref_instant(w, tz) <= t)
    return spec.members[(turn // spec.turn_length) % len(spec.members)]


def ref_who(spec: ScheduleSpec, t: float) -> tuple[str | None, str | None]:
    for o in reversed(spec.overrides):
        if o.start.timestamp() <= t < o.end.timestamp():
            return o.person, f"{spec.id}/override"
    tz = ZoneInfo(spec.timezone)
    for lay in reversed(spec.layers):
        if (person := ref_person(lay, tz, t)) is not None:
            return person, f"{spec.id}/{lay.name}"
    return None, None


HANDOFFS = ["0 9 * * *", "30 2 * * *", "30 1 * * 0", "0 9 * * 1", "0 9,21 * * *", "0 9 1 * *", "0 2 * * 0",
            "30 2 1,15,29 3,10,11 *", "0 9 * * 5#1"]
RESTRICTIONS = [(), WEEKDAYS_9_TO_6, (ActiveWindow("0 22 * * *", 10 * H),), (ActiveWindow("30 2 * * 0", 2 * H),)]
TRANSITIONS = [utc(2026, 3, 8, 7), utc(2026, 3, 29, 1), utc(2026, 10, 25, 1), utc(2026, 11, 1, 6)]


@st.composite
def layers(draw: st.DrawFn, tz: str, name: str) -> Layer:
    start = draw(st.datetimes(datetime(2024, 7, 1), datetime(2026, 6, 30))).replace(second=0, microsecond=0)
    ends = draw(st.booleans())
    return Layer(
        name,
        tuple(draw(st.lists(st.sampled_from(["alice", "bob", "carol", "dave"]), min_size=1, max_size=4))),
        start.replace(tzinfo=ZoneInfo(tz)),
        draw(st.sampled_from(HANDOFFS)),
        draw(st.integers(1, 3)),
        draw(st.sampled_from(RESTRICTIONS)),
        datetime(2026, 11, 1, 2, 30, tzinfo=ZoneInfo(tz)) if ends else None,
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[ScheduleSpec, float]:
    tz = draw(st.sampled_from([BERLIN, NEW_YORK, SHANGHAI]))
    base = draw(layers(tz, "base"))
    stack = (base, draw(layers(tz, "top"))) if draw(st.booleans()) else (base,)
    overrides: tuple[Override, ...] = ()
    if draw(st.booleans()):
        start = draw(st.floats(utc(2026, 1, 1), utc(2027, 1, 1)))
        overrides = (Override("erin", datetime.fromtimestamp(start, UTC),
                              datetime.fromtimestamp(start + 3 * 86400, UTC)),)
    near = draw(st.sampled_from(TRANSITIONS)) + draw(st.integers(-26 * H, 26 * H))
    t = draw(st.one_of(st.just(float(near)), st.floats(utc(2026, 1, 1), utc(2027, 1, 1))))
    return ScheduleSpec("p", tz, stack, overrides), t


@settings(max_examples=100, deadline=None)
@given(cases())
def test_who_equals_brute_force_reference(case: tuple[ScheduleSpec, float]) -> None:
    spec, t = case
    assert Schedule.compile(spec).who(t) == ref_who(spec, t)


CRON_FIELDS = st.tuples(
    st.sampled_from(["0", "30", "*/15", "0,45", "*", "5-10"]),
    st.sampled_from(["9", "*", "0-6", "9,21", "*/4"]),
    st.sampled_from(["*", "1", "1,15", "31", "10-20", "L", "15W"]),
    st.sampled_from(["*", "2", "11,12", "1-6"]),
    st.sampled_from(["*", "1", "1-5", "0", "7", "sun", "mon-fri", "1#2"]),
)


@settings(max_examples=400, deadline=None)
@given(fields=CRON_FIELDS, at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)),
       seconds=st.sampled_from([0, 0, 0, 30]))
def test_on_cron_is_croniter_match(fields: tuple[str, ...], at: datetime, seconds: int) -> None:
    """The roster check's fast cron test gives croniter's own answer, plain crons or not."""
    from engine.timecalc.cron import on_cron

    expr = " ".join(fields)
    wall = at.replace(second=seconds, microsecond=0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert on_cron(expr, wall) is bool(croniter.match(expr, wall))
