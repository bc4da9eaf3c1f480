"""The holiday checks that need a clock: a calendar with no holiday data for a year the
next --gap-days reach (the reference config stays clean from 2026-11-01)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import engine
from engine.diagnostics import render_text
from helpers import REPO


@pytest.mark.parametrize("now, days, expected", [
    pytest.param("2026-11-01T00:00:00+08:00", 28, "", id="the-window-stays-in-2026"),
    pytest.param("2026-12-10T00:00:00+08:00", 28, (
        "sla_profiles.yaml:17:3: warning[calendar.no-holidays]: calendar 'cn-office' has no holidays or make-up "
        "days in 2027, which the next 28 days reach: its public holidays would count as working days "
        "(gongdan calendar import --country CODE --year 2027 writes them)\n"), id="the-window-reaches-2027"),
    pytest.param("2027-03-01T00:00:00+08:00", 1, (
        "sla_profiles.yaml:17:3: warning[calendar.no-holidays]: calendar 'cn-office' has no holidays or make-up "
        "days in 2027, which the next 1 days reach: its public holidays would count as working days "
        "(gongdan calendar import --country CODE --year 2027 writes them)\n"), id="inside-2027"),
])
def test_a_year_without_holidays_is_a_warning(now: str, days: int, expected: str) -> None:
    """cs-extended keeps no holidays at all (it works through them): never warned about."""
    diags = engine.check(REPO, now=datetime.fromisoformat(now), gap_days=days)
    assert render_text([d for d in diags if d.code == "calendar.no-holidays"]) == expected


def test_a_country_calendar_without_any_dates_is_warned(minimal: Path) -> None:
    sla = minimal / "sla_profiles.yaml"
    sla.write_text(sla.read_text().replace(
        "    holidays: [2026-10-01, 2026-10-02]\n    workdays: {2026-10-10: [\"09:00-18:00\"]}\n",
        "    country: DE\n"))
    diags = engine.check(minimal, now=datetime.fromisoformat("2026-11-02T09:00:00+08:00"), gap_days=28)
    assert render_text(diags) == (
        "sla_profiles.yaml:4:3: warning[calendar.no-holidays]: calendar 'office' has no holidays or make-up days "
        "in 2026, which the next 28 days reach: its public holidays would count as working days "
        "(gongdan calendar import --country DE --year 2026 writes them)\n")
