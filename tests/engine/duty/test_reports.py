"""Duty reports across mode windows: the timeline is what `Engine.oncall` says at each instant."""
from __future__ import annotations

from itertools import pairwise

import pytest

import engine
from helpers import ts


@pytest.mark.parametrize("at", [
    pytest.param("2026-11-10T08:00:00+08:00", id="into-the-double-11-window"),
    pytest.param("2026-11-11T12:00:00+08:00", id="out-of-the-window"),
    pytest.param("2026-11-09T08:00:00+08:00", id="across-the-whole-window"),
])
@pytest.mark.parametrize("team", ["trade-order", "payment-gateway", "goc-desk"])
def test_the_timeline_is_oncall_at_every_instant(reference: engine.Engine, team: str, at: str) -> None:
    report = reference.duty_report(team, ts(at), days=4)
    assert report.timeline[0].start == ts(at) and report.timeline[-1].end == report.until
    for before, after in pairwise(report.timeline):
        assert before.end == after.start and (before.person, before.source) != (after.person, after.source)
    for segment in report.timeline:
        for instant in (segment.start, (segment.start + segment.end) / 2):
            now = reference.oncall(team, instant)
            assert (now.primary, now.source) == (segment.person, segment.source), instant


def test_the_modes_of_a_report_across_the_window(reference: engine.Engine) -> None:
    report = reference.duty_report("trade-order", ts("2026-11-10T08:00:00+08:00"), days=3)
    assert report.modes == [
        (ts("2026-11-10T08:00:00+08:00"), ts("2026-11-10T20:00:00+08:00"), "daily"),
        (ts("2026-11-10T20:00:00+08:00"), ts("2026-11-12T02:00:00+08:00"), "promotion"),
        (ts("2026-11-12T02:00:00+08:00"), ts("2026-11-13T08:00:00+08:00"), "daily"),
    ]
    assert report.mode == "daily" and report.mode_of(ts("2026-11-11T00:00:00+08:00")) == "promotion"


def test_a_forced_mode_holds_for_the_whole_report(reference: engine.Engine) -> None:
    report = reference.duty_report("trade-order", ts("2026-11-11T12:00:00+08:00"), days=1, mode="promotion")
    assert report.modes == [(ts("2026-11-11T12:00:00+08:00"), ts("2026-11-12T12:00:00+08:00"), "promotion")]
    assert {s.source.split("/")[0] for s in report.timeline if s.source} == {"trade-order-d11"}
