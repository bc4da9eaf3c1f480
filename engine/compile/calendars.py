"""Business calendars compiled from their definitions, plus the built-in `24x7`."""
from __future__ import annotations

from collections.abc import Mapping

from engine.config.calendars import EffectiveCalendar, effective_calendar
from engine.config.model import Config
from engine.config.values import parse_date, parse_weekdays, parse_window
from engine.timecalc.calendar import TWENTY_FOUR_SEVEN, Calendar, CalendarSpec


def window_map(week: Mapping[str, tuple[str, ...]]) -> dict[int, tuple[tuple[int, int], ...]]:
    """Weekday (0=Mon) -> sorted windows in minutes, for compiling a checked calendar."""
    result: dict[int, tuple[tuple[int, int], ...]] = {}
    for key, windows in week.items():
        for day in parse_weekdays(key):
            result[day] = tuple(sorted(parse_window(w) for w in windows))
    return result


def compile_calendar(cal: EffectiveCalendar) -> Calendar:
    """One calendar, `extends` and holiday sets resolved; its windows and dates parse
    because the `calendars` check read them."""
    workdays = {parse_date(day): tuple(parse_window(w) for w in windows)
                for day, windows in cal.workdays.items()}
    spec = CalendarSpec(cal.id, cal.timezone, window_map(cal.week),
                        frozenset(parse_date(d) for d in cal.holidays), workdays)
    return Calendar.compile(spec)


def compile_calendars(config: Config) -> dict[str, Calendar]:
    calendars = {cid: compile_calendar(effective_calendar(config, cid)) for cid in config.calendars}
    calendars.setdefault(TWENTY_FOUR_SEVEN.spec.id, TWENTY_FOUR_SEVEN)
    return calendars
