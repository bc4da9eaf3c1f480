"""Reading case files: every key and shape problem is a diagnostic at its line, an unknown
key lists the valid ones (a `want` by the decision schema, at any depth)."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.cases import load_cases
from helpers import DATA

MALFORMED = DATA / "cases" / "malformed.yaml"


def test_every_problem_of_a_malformed_file_at_its_line() -> None:
    cases, problems = load_cases(MALFORMED, "malformed.yaml")
    assert cases == []
    rendered = "".join(p.render() + "\n" for p in problems)
    assert rendered == (DATA / "cases" / "malformed.expected.txt").read_text(encoding="utf-8")
    assert rendered.splitlines()[:3] == [
        ("malformed.yaml:3:36: error[case.unknown-key]: unknown key 'wnat' in a case (valid keys: due, error, event, "
        "given, mode, name, steps, want) (did you mean 'want'?)"),
        "malformed.yaml:4:5: error[case.shape]: a case needs `steps`, or `event` and `want` (or `error`)",
        ("malformed.yaml:8:25: error[case.unknown-key]: unknown key 'asignee' in want (valid keys: assignee, at, "
        "category, config_version, event, flags, mode, next_wakeup, notifications, notified, planned, resolution, "
        "severity, sla, solution, state, supervisors, tags, team, ticket, timers, trace, views) "
        "(did you mean 'assignee'?)"),
    ]


@pytest.mark.parametrize("text, rendered", [
    pytest.param("case: []\n", ["x.yaml:1:1: error[case.shape]: a case file is a mapping with a `cases:` list"],
                 id="no-cases"),
    pytest.param("cases: []\nextra: 1\n",
                 ["x.yaml:2:1: error[case.unknown-key]: unknown key 'extra' in a case file (valid keys: cases)"],
                 id="file-key"),
    pytest.param("cases: [1]\n",
                 ["x.yaml:1:9: error[case.shape]: a case is a mapping with `name` and `steps` (or `event` and `want`)"],
                 id="case-not-a-mapping"),
    pytest.param("cases:\n  - steps: [1]\n",
                 ["x.yaml:2:13: error[case.shape]: a step is a mapping with `event` or `due`"], id="step-not-a-mapping"),
    pytest.param("cases:\n  - steps: [{event: {}, want: {}, error: x}]\n",
                 ["x.yaml:2:42: error[case.shape]: a step has `want` or `error`, not both"], id="want-and-error"),
    pytest.param("cases:\n  - {event: {}, want: [team]}\n",
                 ["x.yaml:2:23: error[case.shape]: `want` is a mapping: the parts of the decision to check"],
                 id="want-a-list"),
    pytest.param("cases:\n  - {event: {}, want: {notified: {kind: x}}}\n",
                 ["x.yaml:2:34: error[case.shape]: `notified` is a list of mappings"], id="notified-a-mapping"),
    pytest.param("cases:\n  - {event: {}, want: {state: {anything: 1}, solution: {runbook: x}}}\n", [], id="free-state"),
])
def test_shapes(tmp_path: Path, text: str, rendered: list[str]) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    assert [p.render() for p in load_cases(path, "x.yaml")[1]] == rendered


def test_a_yaml_error_is_the_loaders_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("cases:\n  - {name: a, name: b}\n", encoding="utf-8")
    assert [p.render() for p in load_cases(path, "x.yaml")[1]] == [
        "x.yaml:2:15: error[yaml.duplicate-key]: duplicate key 'name' (first defined at line 2)"]
