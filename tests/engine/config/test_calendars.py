"""Calendars that share a holiday set and extend each other: exact deadlines on the
compiled calendars, so a shared set counts exactly as the dates written out would."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

import engine
from helpers import REPO, run_cli

CALENDARS = """holiday_sets:
  cn-2026:
    country: CN
    holidays: [2026-10-01, 2026-10-02, 2026-10-05, 2026-10-06, 2026-10-07]
    workdays: [2026-10-10]
calendars:
  office:
    timezone: Asia/Shanghai
    week: {mon-fri: ["09:00-12:00", "13:30-18:30"]}
    holiday_sets: [cn-2026]
  shop:
    extends: office
    week: {mon-sat: ["10:00-16:00"]}
    holidays: [2026-10-08]
  berlin:
    extends: shop
    timezone: Europe/Berlin
"""


@pytest.fixture
def shared(minimal: Path) -> engine.Engine:
    sla = minimal / "sla_profiles.yaml"
    text = sla.read_text()
    start, end = text.index("calendars:"), text.index("modes:")
    sla.write_text(text[:start] + CALENDARS + text[end:])
    return engine.load(minimal)


def due(eng: engine.Engine, calendar: str, start: str, hours: float) -> str:
    cal = eng.compiled.calendars[calendar]
    at = datetime.fromisoformat(start)
    return datetime.fromtimestamp(cal.add(at.timestamp(), hours * 3600), at.tzinfo).isoformat()


@pytest.mark.parametrize("calendar, start, hours, expected", [
    # Fri 10-09 17:00 + 4h: 1h30 Friday, then the set's make-up Saturday works Monday's windows
    pytest.param("office", "2026-10-09T17:00:00+08:00", 4, "2026-10-10T11:30:00+08:00", id="set-make-up-day"),
    pytest.param("office", "2026-09-30T17:00:00+08:00", 4, "2026-10-08T11:30:00+08:00", id="set-holidays"),
    # shop: its own week (Saturdays too), the set's holidays and its own 10-08
    pytest.param("shop", "2026-09-30T15:00:00+08:00", 2, "2026-10-03T11:00:00+08:00", id="extends-own-week"),
    pytest.param("shop", "2026-10-07T15:00:00+08:00", 2, "2026-10-09T12:00:00+08:00", id="extends-adds-holidays"),
    # the make-up Saturday works shop's first working weekday's window, 10:00-16:00
    pytest.param("shop", "2026-10-10T15:00:00+08:00", 2, "2026-10-12T11:00:00+08:00", id="make-up-day-own-windows"),
    # berlin: shop in another zone, the same local dates
    pytest.param("berlin", "2026-10-07T15:00:00+02:00", 2, "2026-10-09T12:00:00+02:00", id="extends-twice-new-zone"),
])
def test_shared_holidays_and_extends_give_exact_deadlines(shared: engine.Engine, calendar: str, start: str,
                                                          hours: float, expected: str) -> None:
    assert due(shared, calendar, start, hours) == expected


def test_a_set_written_by_calendar_import_is_the_reference_calendar(tmp_path: Path) -> None:
    """The reference's cn-office, with its 2026 dates replaced by the imported set, compiles
    to the same calendar."""
    code, imported, _ = run_cli("calendar", "import", "--country", "CN", "--year", "2026")
    assert code == 0
    config = tmp_path / "config"
    shutil.copytree(REPO, config, ignore=shutil.ignore_patterns("tests", "docs", "benchmarks", "engine", ".*"))
    sla = config / "sla_profiles.yaml"
    text = sla.read_text()
    start = text.index("    holidays:\n      # 元旦")
    end = text.index("  # 客服延长服务时间")
    sla.write_text(text[:start] + "    holiday_sets: [cn-2026]\n\n" + text[end:] + imported)
    reference, rebuilt = engine.load(REPO).compiled.calendars, engine.load(config).compiled.calendars
    assert rebuilt["cn-office"].spec == reference["cn-office"].spec
