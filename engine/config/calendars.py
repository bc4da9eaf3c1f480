"""Calendar inheritance: `extends` and `holiday_sets` resolved into one effective calendar,
shared by the checks and compile."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.config.chains import extends_chain
from engine.config.model import Config
from engine.config.values import parse_weekdays


@dataclass(frozen=True, slots=True)
class EffectiveCalendar:
    """A calendar with what it inherits filled in: the nearest `timezone` and `week` in
    its chain; the holidays and make-up days of the chain and of every holiday set it (or
    an ancestor) names, its own written dates winning."""

    id: str
    chain: tuple[str, ...]                       # the calendar and its ancestors, nearest first
    timezone: str
    week: Mapping[str, tuple[str, ...]]
    holidays: tuple[str, ...]
    workdays: Mapping[str, tuple[str, ...]]
    country: str | None



def first_working_windows(week: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The windows of the first weekday from Monday with working time: what a holiday
    set's make-up day works in a calendar."""
    by_day = {day: windows for key, windows in week.items() if windows for day in parse_weekdays(key)}
    return by_day[min(by_day)] if by_day else ()


def effective_calendar(config: Config, cid: str) -> EffectiveCalendar:
    """Resolve one calendar (a looping or broken chain stops where it breaks; the checks
    report it, and compile only sees checked configs)."""
    chain, _ = extends_chain(config.calendars, cid)
    timezone: str = "UTC"
    week: Mapping[str, tuple[str, ...]] = {}
    country: str | None = None
    holidays: dict[str, None] = {}
    workdays: dict[str, tuple[str, ...]] = {}
    for ancestor in reversed(chain):
        cal = config.calendars[ancestor]
        timezone, week = cal.timezone or timezone, cal.week if cal.week is not None else week
        country = cal.country or country
        for sid in cal.holiday_sets:
            found = config.holiday_sets.get(sid)
            if found is not None:
                holidays.update(dict.fromkeys(found.holidays))
                workdays.update(dict.fromkeys(found.workdays, ()))   # windows once the week is known
        holidays.update(dict.fromkeys(cal.holidays))
        workdays.update(cal.workdays)
    standard = first_working_windows(week)
    return EffectiveCalendar(cid, tuple(chain), timezone, week, tuple(holidays),
                             {day: windows or standard for day, windows in workdays.items()}, country)
