"""The outcome diff: the shortcuts for probe ladders (replay only where a ladder can differ,
once per group of equal states) give exactly the rows of replaying every probe in full;
event files are compared ticket by ticket, a line one side refuses is a row of its own."""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from engine.diff import outcomes
from engine.diff.courses import Course
from engine.diff.model import Outcomes
from engine.diff.plan import Options, Stages, diff
from engine.diff.sides import Source
from engine.loader import build_config
from engine.replay.stream import replay
from helpers import MINIMAL, REPO

AT = datetime.fromisoformat("2026-11-02T00:00:00+08:00")
Edit = tuple[str, str, str]


def copy(source: Path, into: Path, *edits: Edit) -> Path:
    shutil.copytree(source, into, ignore=shutil.ignore_patterns("tests", "engine", "docs", "benchmarks",
                                                                "examples", "schemas", ".*", "*.md", "*.toml"))
    for name, old, new in edits:
        text = (into / name).read_text(encoding="utf-8")
        assert text.count(old) == 1, (name, old)
        (into / name).write_text(text.replace(old, new), encoding="utf-8")
    return into


def run(a: Path, b: Path, events: tuple[tuple[str, list[str]], ...] = ()) -> Outcomes:
    report = diff(Source("a", a), Source("b", b), Options(AT, events), Stages(build_config, replay))
    assert report.outcomes is not None
    return report.outcomes


CHANGES = [
    pytest.param(MINIMAL, [("sla_profiles.yaml", "holidays: [2026-10-01, 2026-10-02]", "holidays: [2026-11-13]")],
                 id="holiday"),
    pytest.param(MINIMAL, [("rosters.yaml", "handoff: \"0 9,21 * * *\"", "handoff: \"0 8,20 * * *\"")], id="shifts"),
    pytest.param(MINIMAL, [("rosters.yaml", "{id: bob, name: Bob, manager: cto,", "{id: bob, name: Bob, manager: ceo,")],
                 id="people"),
    pytest.param(MINIMAL, [("rules/10-grading.yaml", "then: {severity: P2}", "then: {severity: P1}")], id="rule"),
    pytest.param(REPO, [("categories.yaml", "    team: trade-sre\n    severity: P3\n", "    team: trade-order\n    severity: P3\n")],
                 id="reference-team"),
    pytest.param(REPO, [("sla_profiles.yaml", "P3: {response: 1h, resolve: 8h}", "P3: {response: 30m, resolve: 8h}")],
                 id="reference-promotion-target"),
]


@pytest.mark.parametrize(("source", "edits"), CHANGES)
def test_the_ladder_shortcuts_change_no_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: Path,
                                            edits: list[Edit]) -> None:
    a, b = copy(source, tmp_path / "a"), copy(source, tmp_path / "b", *edits)
    fast = run(a, b)
    every: Callable[..., Callable[[Course, Course], bool]] = lambda *_: lambda x, y: True  # noqa: E731
    alone: Callable[..., Callable[[Course, Course], Any]] = lambda *_: lambda x, y: (x.state["ticket"], "")  # noqa: E731
    monkeypatch.setattr(outcomes, "_ladder_scope", every)
    monkeypatch.setattr(outcomes, "_grouper", alone)
    assert run(a, b) == fast
    assert fast.rows


def events(*lines: dict[str, Any]) -> tuple[tuple[str, list[str]], ...]:
    return (("events.jsonl", [json.dumps(line, ensure_ascii=False) for line in lines]),)


def test_event_files_are_compared_ticket_by_ticket_and_refusals_are_rows(tmp_path: Path) -> None:
    """HEAD adds a team: the transfer to it is refused by BASE only. The other ticket is
    acknowledged in time on both sides and does not change."""
    new_team = ("  - id: shop-ops\n    name: 运维\n    lead: bob\n    members: [alice]\n"
                "    duty:\n      daily: {primary: order-backup}\n")
    a = copy(MINIMAL, tmp_path / "a")
    b = copy(MINIMAL, tmp_path / "b", ("rosters.yaml", "  - id: desk\n", new_team + "  - id: desk\n"))
    found = run(a, b, events(
        {"type": "created", "ticket": "T-1", "at": "2026-11-10T10:00:00+08:00", "category": "shop/order"},
        {"type": "transferred", "ticket": "T-1", "at": "2026-11-10T10:05:00+08:00", "to": {"team": "shop-ops"}},
        {"type": "created", "ticket": "T-2", "at": "2026-11-10T10:06:00+08:00", "category": "pay"},
        {"type": "acknowledged", "ticket": "T-2", "at": "2026-11-10T10:07:00+08:00"}))
    assert found.event_tickets == 2
    rows = [(r.ticket, r.field, r.before, r.after, r.why) for r in found.rows if not r.ticket.startswith("probe ")]
    assert rows == [
        ("T-1", "team", "shop-order", "shop-ops", "transferred to team shop-ops (event at 2026-11-10T10:05:00+08:00)"),
        ("T-1", "assignee", "carol", "dave", "team: transferred to team shop-ops (event at 2026-11-10T10:05:00+08:00)"),
        ("T-1", "events", "refused: to.team: unknown team 'shop-ops'", "accepted", "line 2"),
    ]
