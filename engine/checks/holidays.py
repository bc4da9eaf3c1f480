"""Holiday checks: `extends` chains and holiday sets that exist, their dates, calendars
that disagree with their declared country's public holidays (where the `holidays` extra
is installed), and calendars with no holiday data for a year the checks look ahead to."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from engine.checks.common import CheckOptions, unknown, warning
from engine.config.calendars import effective_calendar
from engine.config.chains import extends_chain
from engine.config.holiday_sources import MissingExtra, UnknownCountry, holiday_year, years_of
from engine.config.model import CalendarDef, Config, Loc
from engine.config.values import parse_date, parse_weekdays
from engine.diagnostics import Diagnostic


def check_holiday_refs(config: Config) -> Iterator[Diagnostic]:
    """Calendars extend calendars that exist, without a loop; holiday sets named exist,
    hold real dates, each once, and are named by some calendar."""
    sets = set(config.holiday_sets)
    for cal in config.calendars.values():
        if cal.extends is not None and cal.extends not in config.calendars:
            yield unknown(config.span(cal.loc, "extends"), "calendar", cal.extends, config.calendars)
        chain, loops = extends_chain(config.calendars, cal.id)
        if loops and cal.id == min(chain):
            yield Diagnostic(config.span(cal.loc, "extends"), "calendar.extends-cycle",
                             "calendars extend each other in a loop: " + " → ".join([*chain, cal.id]))
        for i, sid in enumerate(cal.holiday_sets):
            if sid not in sets:
                yield unknown(config.span(cal.loc, "holiday_sets", i), "holiday-set", sid, sets, "holiday set")
    named = {sid for cal in config.calendars.values() for sid in cal.holiday_sets}
    for holiday_set in config.holiday_sets.values():
        if holiday_set.id not in named:
            yield warning(config.span(holiday_set.loc, key=True), "calendar.unused-holiday-set",
                          f"no calendar names holiday set {holiday_set.id!r}: its dates count nowhere",
                          f"add `holiday_sets: [{holiday_set.id}]` to the calendars that keep them")
        for field in ("holidays", "workdays"):
            dates = getattr(holiday_set, field)
            yield from _set_dates(config, holiday_set.id, holiday_set.loc, field, dates)


def _set_dates(config: Config, sid: str, loc: Loc, field: str, dates: tuple[str, ...]) -> Iterator[Diagnostic]:
    """Each date of a holiday set is real and listed once."""
    first: dict[date, int] = {}
    for i, text in enumerate(dates):
        try:
            day = parse_date(text)
        except ValueError as exc:
            yield Diagnostic(config.span(loc, field, i), "value.date", str(exc))
            continue
        if day in first:
            yield warning(config.span(loc, field, i), f"calendar.duplicate-{field[:-1]}",
                          f"holiday set {sid!r}: {text} is listed twice "
                          f"(first at {config.span(loc, field, first[day])})")
        first.setdefault(day, i)


def check_countries(config: Config) -> Iterator[Diagnostic]:
    """`calendar.country-mismatch`: a calendar that declares a country, against that
    country's public holidays for each year of its dates the library has published. Only
    days the calendar works on count. Without the extra nothing is compared (the CLI says so)."""
    for cal in config.calendars.values():
        if cal.country is None:
            continue
        try:
            yield from _compare_country(config, cal)
        except MissingExtra:
            return
        except UnknownCountry as exc:
            yield warning(config.span(cal.loc, "country"), "calendar.country-unknown", str(exc))


def _compare_country(config: Config, cal: CalendarDef) -> Iterator[Diagnostic]:
    assert cal.country is not None
    effective = effective_calendar(config, cal.id)
    working = {day for key, windows in effective.week.items() if windows for day in parse_weekdays(key)}
    for year in sorted(years_of([*effective.holidays, *effective.workdays])):
        known = holiday_year(cal.country, year)
        if known is None:
            continue
        ours = {d for d in _in_year(effective.holidays, year) if d.weekday() in working}
        theirs = {d: n for d, n in known.holidays if d.weekday() in working}
        ours_w, theirs_w = set(_in_year(list(effective.workdays), year)), dict(known.workdays)
        parts = _differences(ours, theirs, "holidays") + _differences(ours_w, theirs_w, "make-up days")
        if parts:
            yield warning(config.span(cal.loc, "country"), "calendar.country-mismatch",
                          f"calendar {cal.id!r} differs from {cal.country} {year} in {known.source.split()[0]}: "
                          + "; ".join(parts),
                          f"gongdan calendar import --country {cal.country} --year {year} writes that year")


def _in_year(dates: list[str] | tuple[str, ...], year: int) -> list[date]:
    found = []
    for text in dates:
        try:
            day = parse_date(text)
        except ValueError:
            continue
        if day.year == year:
            found.append(day)
    return found


def _differences(ours: set[date], theirs: dict[date, str], what: str) -> list[str]:
    missing = [f"{d} ({theirs[d]})" for d in sorted(set(theirs) - ours)]
    extra = [d.isoformat() for d in sorted(ours - set(theirs))]
    return ([f"{what} missing here: {_some(missing)}"] if missing else []) + \
        ([f"{what} the library does not have: {_some(extra)}"] if extra else [])


def _some(items: list[str], shown: int = 4) -> str:
    """The first few of a list, and how many more there are."""
    more = len(items) - shown
    return ", ".join(items[:shown]) + (f" and {more} more" if more > 0 else "")


def check_coming_year(config: Config, options: CheckOptions) -> Iterator[Diagnostic]:
    """`calendar.no-holidays`: a calendar that keeps holidays (or declares a country) but
    has none, and no make-up day, in a year the next `gap_days` days from `now` reach: the
    coming year's schedule was never added, so its holidays would count as working days."""
    assert options.now is not None  # run_checks only calls timed checks with a clock
    start = options.now.date()
    years = sorted({start.year, (start + timedelta(days=options.gap_days)).year})
    for cal in config.calendars.values():
        effective = effective_calendar(config, cal.id)
        covered = years_of([*effective.holidays, *effective.workdays])
        if not covered and effective.country is None:
            continue    # a calendar that keeps no holidays at all (it works through them)
        for year in (y for y in years if y not in covered):
            country = effective.country or "CODE"
            yield warning(config.span(cal.loc, key=True), "calendar.no-holidays",
                          f"calendar {cal.id!r} has no holidays or make-up days in {year}, which the next "
                          f"{options.gap_days} days reach: its public holidays would count as working days",
                          f"gongdan calendar import --country {country} --year {year} writes them")
