"""Public holidays from maintained libraries, the optional `holidays` extra: China from
`chinesecalendar` (with its 调休 make-up working days, for the years it has published),
other countries from `holidays` (rule-based, without make-up days). `gongdan calendar
import` writes them as YAML; `validate` compares calendars that declare a country."""
from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass
from datetime import date
from typing import Any

EXTRA = "holidays"
INSTALL_HINT = "pip install 'gongdan[holidays]'"


class MissingExtra(ImportError):
    """The libraries of the `holidays` extra are not installed. (Not a GongdanError: the
    config stage sits below `engine.errors`; the CLI turns it into a message.)"""

    def __init__(self, module: str) -> None:
        super().__init__(f"{module} is not installed: it comes with the `{EXTRA}` extra ({INSTALL_HINT})")


class UnknownCountry(LookupError):
    """A country (or subdivision) the library does not cover."""


@dataclass(frozen=True, slots=True)
class HolidayYear:
    """One year of a country's public holidays, as a library gives them."""

    country: str
    year: int
    source: str                                  # library and version: `chinesecalendar 1.11.0`
    holidays: tuple[tuple[date, str], ...]       # date, name (Mon-Fri only unless asked for weekends)
    workdays: tuple[tuple[date, str], ...]       # make-up working days and the holiday they make up for


def _module(name: str, distribution: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise MissingExtra(distribution) from None


def available() -> bool:
    """Whether both libraries of the extra can be imported."""
    try:
        _module("chinese_calendar", "chinesecalendar")
        _module("holidays", "holidays")
    except MissingExtra:
        return False
    return True


def holiday_year(country: str, year: int, *, weekends: bool = False, chinese: bool = False) -> HolidayYear | None:
    """`country` (`CN`, `DE`, `DE-BY`) in `year`; None for a year the library has not
    published (chinesecalendar knows the years the State Council announced). Holidays on
    a Saturday or Sunday are left out unless `weekends`: there is no working time to take."""
    if country == "CN":
        return _china(year, weekends, chinese)
    return _other(country, year, weekends)


def _china(year: int, weekends: bool, chinese: bool) -> HolidayYear | None:
    cc = _module("chinese_calendar", "chinesecalendar")
    try:
        cc.is_holiday(date(year, 1, 1))
    except NotImplementedError:   # "no available data for year ..."
        return None

    def name(text: str) -> str:
        return str(cc.Holiday(text).chinese) if chinese else text
    holidays = tuple((d, name(n)) for d, n in sorted(cc.holidays.items())
                     if d.year == year and (weekends or d.weekday() < 5))
    workdays = tuple((d, name(n)) for d, n in sorted(cc.workdays.items()) if d.year == year)
    return HolidayYear("CN", year, f"chinesecalendar {importlib.metadata.version('chinesecalendar')}",
                       holidays, workdays)


def _other(country: str, year: int, weekends: bool) -> HolidayYear:
    lib = _module("holidays", "holidays")
    code, _, subdiv = country.partition("-")
    try:
        found = lib.country_holidays(code, subdiv=subdiv or None, years=year)
    except NotImplementedError as exc:
        raise UnknownCountry(f"the holidays library has no country {country!r}: {exc}") from None
    days = sorted((d, str(n)) for d, n in found.items() if d.year == year)
    return HolidayYear(country, year, f"holidays {importlib.metadata.version('holidays')}",
                       tuple((d, n) for d, n in days if weekends or d.weekday() < 5), ())


def years_of(dates: list[str]) -> set[int]:
    """The years a list of `YYYY-MM-DD` dates falls in (dates that do not parse ignored)."""
    found = set()
    for text in dates:
        try:
            found.add(date.fromisoformat(text).year)
        except ValueError:
            continue
    return found

