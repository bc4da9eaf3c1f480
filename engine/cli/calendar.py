"""`gongdan calendar import`: a year's public holidays and make-up working days from a
maintained library, written as a holiday set for review (see docs/calendars.md)."""
from __future__ import annotations

import sys

import click

from engine.cli.common import Exit, warn
from engine.cli.streams import out
from engine.config.holiday_sources import HolidayYear, MissingExtra, UnknownCountry, holiday_year


def holiday_set_yaml(found: HolidayYear, name: str, command: str) -> str:
    """The `holiday_sets:` entry for one year, each date with its holiday's name."""
    lines = [f"# {command}",
             f"# from {found.source}; review it against the official announcement, then put the set",
             f"# under `holiday_sets:` in sla_profiles.yaml and name it in a calendar: holiday_sets: [{name}]",
             "holiday_sets:",
             f"  {name}:",
             f"    country: {found.country}",
             f"    description: {found.country} {found.year} public holidays ({found.source})",
             "    holidays:" + ("" if found.holidays else " []")]
    lines += [f"      - {day.isoformat()}   # {holiday}" for day, holiday in found.holidays]
    lines.append("    workdays:" + (" " * 24 + "# make-up working days (调休)" if found.workdays else " []"))
    lines += [f"      - {day.isoformat()}   # {holiday} ({day.strftime('%a')})" for day, holiday in found.workdays]
    return "\n".join(lines) + "\n"


@click.group()
def calendar() -> None:
    """Business calendars: import a year's public holidays."""


@calendar.command("import")
@click.option("--country", required=True, help="ISO 3166 code, optionally with a subdivision: CN, DE, DE-BY")
@click.option("--year", type=click.IntRange(1970, 2100), required=True, help="the year to import")
@click.option("--name", default=None, help="the holiday set's id (default: <country>-<year>, lower case)")
@click.option("--weekends", is_flag=True, help="also list holidays on a Saturday or Sunday")
def import_command(country: str, year: int, name: str | None, weekends: bool) -> None:
    """A year's public holidays and make-up working days as a holiday set (YAML on stdout):
    China from chinesecalendar (with 调休), other countries from the holidays package."""
    code = country.upper()
    try:
        found = holiday_year(code, year, weekends=weekends, chinese=code == "CN")
    except MissingExtra as exc:
        warn(f"gongdan: calendar import: {exc}")
        sys.exit(Exit.PROBLEMS)
    except UnknownCountry as exc:
        raise click.BadParameter(str(exc), param_hint="--country") from None
    if found is None:
        warn(f"gongdan: calendar import: chinesecalendar has no schedule for {year} yet (it has the years "
             "the State Council has announced): upgrade it once the year is announced, or write the dates by hand")
        sys.exit(Exit.PROBLEMS)
    flags = " --weekends" if weekends else ""
    set_name = name or f"{code.lower()}-{year}"
    command = f"gongdan calendar import --country {code} --year {year}" + \
        (f" --name {name}" if name else "") + flags
    out(holiday_set_yaml(found, set_name, command), nl=False)
