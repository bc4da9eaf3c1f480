"""Calendar checks: timezones, working windows, holidays and make-up days."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from itertools import pairwise

from engine.checks.common import warning
from engine.config.calendars import effective_calendar
from engine.config.model import CalendarDef, Config, Loc
from engine.config.values import parse_date, parse_weekdays, parse_window, zone
from engine.diagnostics import Diagnostic, Span


def check_calendars(config: Config) -> Iterator[Diagnostic]:
    for cal in config.calendars.values():
        out: list[Diagnostic] = []
        _check_calendar(config, cal, out)
        yield from out


def _check_calendar(config: Config, cal: CalendarDef, out: list[Diagnostic]) -> None:
    if cal.timezone is not None:
        try:
            zone(cal.timezone)
        except ValueError as exc:
            out.append(Diagnostic(config.span(cal.loc, "timezone"), "value.timezone", str(exc)))
    own_week = cal.week is not None
    open_days = _week(config, cal, cal.week, out) if cal.week is not None else \
        _week(config, cal, effective_calendar(config, cal.id).week, [])   # the ancestor's are checked there
    holidays = _dates(config, cal, "holidays", list(cal.holidays), out)
    for day, span in holidays.items():
        if day.weekday() not in open_days and day.isoformat() not in cal.workdays:
            out.append(warning(span, "calendar.holiday-on-day-off",
                               f"calendar {cal.id!r}: {day} is a {day.strftime('%A')}, already a day off"))
    workdays = _dates(config, cal, "workdays", list(cal.workdays), out, keys=True)
    for day, span in workdays.items():
        if day.weekday() in open_days and day.isoformat() not in cal.holidays:
            out.append(warning(span, "calendar.workday-on-working-day",
                               f"calendar {cal.id!r}: make-up day {day} is a {day.strftime('%A')}, "
                               "already a working day"))
        _windows(config, cal.loc, ("workdays", day.isoformat()), cal.workdays[day.isoformat()], out)
    if not open_days and own_week:
        why = (" only make-up days: after the last of them no deadline could fall" if workdays
               else " working time at all: no deadline could fall on it")
        out.append(Diagnostic(config.span(cal.loc, key=True), "calendar.no-working-time",
                              f"calendar {cal.id!r} has no weekly working time, {why.strip()}"
                              if workdays else f"calendar {cal.id!r} has no{why}",
                              hint="give `week` at least one window"))


def _week(config: Config, cal: CalendarDef, week: Mapping[str, Sequence[str]], out: list[Diagnostic]) -> set[int]:
    """Checks the weekly windows; returns the weekdays that have working time."""
    seen: dict[int, str] = {}
    open_days: set[int] = set()
    for key, windows in week.items():
        for day in parse_weekdays(key):
            if day in seen:
                out.append(Diagnostic(config.span(cal.loc, "week", key, key=True),
                                      "calendar.duplicate-day",
                                      f"{key!r} repeats a day already given by {seen[day]!r}"))
            seen[day] = key
        if _windows(config, cal.loc, ("week", key), windows, out):
            open_days.update(parse_weekdays(key))
    return open_days


def _windows(config: Config, loc: Loc, path: tuple[str, ...], windows: Sequence[str],
             out: list[Diagnostic]) -> bool:
    """Checks one day's windows; True when at least one is valid."""
    parsed: list[tuple[int, int, int]] = []
    for i, text in enumerate(windows):
        try:
            start, end = parse_window(text)
        except ValueError as exc:
            out.append(Diagnostic(config.span(loc, *path, i), "value.window", str(exc)))
            continue
        parsed.append((start, end, i))
    parsed.sort()
    for (_, end_a, _), (start_b, _, i) in pairwise(parsed):
        if start_b < end_a:
            out.append(Diagnostic(config.span(loc, *path, i), "calendar.overlapping-windows",
                                  f"window {windows[i]!r} overlaps another window of the same day"))
    return bool(parsed)


def _dates(config: Config, cal: CalendarDef, field: str, values: list[str], out: list[Diagnostic],
           *, keys: bool = False) -> dict[date, Span]:
    found: dict[date, Span] = {}
    for i, text in enumerate(values):
        span = config.span(cal.loc, field, text, key=True) if keys else config.span(cal.loc, field, i)
        try:
            day = parse_date(text)
        except ValueError as exc:
            out.append(Diagnostic(span, "value.date", str(exc)))
            continue
        if day in found:
            out.append(warning(span, f"calendar.duplicate-{field[:-1]}",
                               f"calendar {cal.id!r}: {text} is listed twice (first at {found[day]})"))
        found[day] = span
    return found
