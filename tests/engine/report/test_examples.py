"""The example streams come out of benchmarks/stream.py's behavioural model byte for byte,
and the report of Double 11 against the daily week tells the model's story."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.report.build import make_report
from helpers import REPO


@pytest.mark.parametrize(("args", "example"), [
    pytest.param([], "double11-events.jsonl", id="double11-window"),
    pytest.param(["--daily-week"], "daily-week.jsonl", id="daily-week"),
])
def test_the_examples_are_the_models_output(args: list[str], example: str, tmp_path: Path) -> None:
    out = tmp_path / example
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "stream.py"), *args, "-o", str(out)],
                   cwd=REPO, check=True, timeout=300)
    assert out.read_bytes() == (REPO / "examples" / example).read_bytes()


def test_double11_against_a_daily_week_tells_the_story(example_decisions: Path, daily_decisions: Path) -> None:
    report = make_report([example_decisions], [daily_decisions])
    c = report.comparison
    assert c is not None
    b, n = c.baseline.headline, c.current.headline
    assert (b.tickets, b.hours, b.per_day, n.tickets, n.hours, n.per_day) == (5250, 168, 750.0, 3000, 48, 1500.0)
    assert c.ratios.volume_x == 2.0, "the promotion doubles the volume"
    # What the model's staffing, office hours and reminders come to (a golden: regenerate the
    # daily week and review these when the model changes).
    assert (c.ratios.respond_speed_x, c.ratios.resolve_speed_x, c.ratios.share_in_30m_points) == (6.2, 3.9, 15.1)
    assert (b.resolved_in_30m, n.resolved_in_30m, b.respond.median_s, n.respond.median_s) == (156, 543, 3145.0, 507.0)
    assert {r.mode for r in make_report([daily_decisions]).figures.hours} == {"daily"}, "a daily week stays daily"
