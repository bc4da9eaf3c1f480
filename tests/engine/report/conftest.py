"""The example stream's decisions, replayed once per session through the one replay."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.replay.lines import split_lines
from engine.replay.shards import decision_line
from engine.replay.stream import replay_keyed
from helpers import REPO, reference_engine

EXAMPLE = REPO / "examples" / "double11-events.jsonl"
DAILY = REPO / "examples" / "daily-week.jsonl"


def _replayed(events_file: Path, into: Path) -> Path:
    with events_file.open("rb") as events, into.open("wb") as out:
        for _, (_, line) in replay_keyed(reference_engine(), split_lines(events), output=decision_line(False, True)):
            out.write(line)
    return into


@pytest.fixture(scope="session")
def example_decisions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/double11-events.jsonl replayed as `gongdan evaluate -o` writes it."""
    return _replayed(EXAMPLE, tmp_path_factory.mktemp("report") / "double11-decisions.jsonl")


@pytest.fixture(scope="session")
def daily_decisions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/daily-week.jsonl replayed as `gongdan evaluate -o` writes it."""
    return _replayed(DAILY, tmp_path_factory.mktemp("report") / "daily-decisions.jsonl")
