"""SLA overrides that name the team and the mode: a ticket handled by a team runs on that
team's targets whatever its category, chosen at `created` and again after a transfer."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import engine

OVERRIDES = """    overrides:
      - when: {category: {prefix: pay/}, severity: P1}
        target: {response: 5m, resolve: 1h, calendar: 24x7}
      - when: {team: shop-sre, mode: daily}
        target: {calendar: 24x7}
      - when: {team: [shop-sre], mode: promotion}
        target: {response: 20m}
"""


@pytest.fixture
def team_targets(minimal: Path) -> engine.Engine:
    sla = minimal / "sla_profiles.yaml"
    text = sla.read_text()
    start = text.index("    overrides:")
    end = text.index("  promotion:")
    sla.write_text(text[:start] + OVERRIDES + text[end:])
    return engine.load(minimal)


def play(eng: engine.Engine, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    decisions, state = [], None
    for given in events:
        decision = eng.evaluate({"ticket": "T-1", **given}, state).to_dict()
        state = json.loads(json.dumps(decision["state"]))
        decisions.append(decision)
    return decisions


def dues(decision: dict[str, Any]) -> tuple[str, str, str, str]:
    sla = decision["sla"]
    return (decision["team"], sla["response"]["calendar"], sla["response"]["due"], sla["resolve"]["due"])


@pytest.mark.parametrize("category, at, expected", [
    pytest.param("shop/refund", "2026-11-07T10:00:00+08:00",
                 ("shop-sre", "24x7", "2026-11-07T14:00:00+08:00", "2026-11-10T10:00:00+08:00"),
                 id="routed-to-sre-runs-round-the-clock"),
    pytest.param("shop/order", "2026-11-07T10:00:00+08:00",
                 ("shop-order", "office", "2026-11-09T14:30:00+08:00", "2026-11-19T18:30:00+08:00"),
                 id="other-team-keeps-office-hours"),
    pytest.param("shop/refund", "2026-11-11T10:00:00+08:00",
                 ("shop-sre", "24x7", "2026-11-11T10:20:00+08:00", "2026-11-14T10:00:00+08:00"),
                 id="promotion-mode-takes-its-own-override"),
    pytest.param("shop/order", "2026-11-11T10:00:00+08:00",
                 ("shop-order", "24x7", "2026-11-11T14:00:00+08:00", "2026-11-14T10:00:00+08:00"),
                 id="promotion-other-team-level-target"),
])
def test_an_override_can_name_the_team_and_the_mode(team_targets: engine.Engine, category: str, at: str,
                                                    expected: tuple[str, str, str, str]) -> None:
    [d] = play(team_targets, [{"type": "created", "category": category, "at": at}])
    assert (d["severity"], dues(d)) == ("P3", expected)


def test_a_transfer_to_the_named_team_retargets_from_the_start(team_targets: engine.Engine) -> None:
    created, moved = play(team_targets, [
        {"type": "created", "category": "shop/order", "at": "2026-11-06T17:00:00+08:00"},
        {"type": "transferred", "to": {"team": "shop-sre"}, "at": "2026-11-06T18:00:00+08:00"},
    ])
    assert dues(created) == ("shop-order", "office", "2026-11-09T11:30:00+08:00", "2026-11-19T17:00:00+08:00")
    assert dues(moved) == ("shop-sre", "24x7", "2026-11-06T21:00:00+08:00", "2026-11-09T17:00:00+08:00")
    assert "targets daily override 1 (P3): response 4h, resolve 3d on 24x7" in moved["trace"]


def test_a_transfer_between_teams_no_override_names_keeps_the_target(team_targets: engine.Engine) -> None:
    _, moved = play(team_targets, [
        {"type": "created", "category": "shop/order", "at": "2026-11-06T17:00:00+08:00"},
        {"type": "transferred", "to": {"team": "desk"}, "at": "2026-11-06T18:00:00+08:00"},
    ])
    assert dues(moved) == ("desk", "office", "2026-11-09T11:30:00+08:00", "2026-11-19T17:00:00+08:00")
    assert not any(line.startswith("targets ") for line in moved["trace"])
