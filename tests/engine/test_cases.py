"""The golden decision cases run through the same runner `gongdan test` uses."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import engine
from engine.cases import Case, differences, load_cases, run_case
from engine.config.source import load_yaml
from engine.diagnostics import Span
from helpers import REPO

CASE_FILES = sorted((REPO / "tests" / "cases").glob("*.yaml"))
CASES = [case for path in CASE_FILES for case in load_cases(path, str(path.relative_to(REPO)))[0]]


def test_the_case_files() -> None:
    assert [path.name for path in CASE_FILES] == ["duty.yaml", "escalation.yaml", "routing.yaml", "sla.yaml", "solutions.yaml",
                                                "supervision.yaml", "views.yaml"]


@pytest.mark.parametrize("path", CASE_FILES, ids=[path.stem for path in CASE_FILES])
def test_every_case_in_a_file_is_run(path: Path) -> None:
    """The runner takes exactly the cases the file lists, in order and each named: a case
    dropped as malformed (load_cases reports it, CASES above ignores the report) would
    otherwise pass unnoticed."""
    doc, diagnostics = load_yaml(path, path.name)
    assert doc is not None and diagnostics == []
    cases, problems = load_cases(path, path.name)
    assert problems == []
    assert [case.name for case in cases] == [item["name"] for item in doc.data["cases"]]
    assert [case.event for case in cases] == [item["event"] for item in doc.data["cases"]]
    assert [list(case.given) for case in cases] == [item.get("given", []) for item in doc.data["cases"]]
    assert len({case.name for case in cases}) == len(cases), "names tell the cases apart"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.where.file}:{c.where.line}" for c in CASES])
def test_golden_case(reference: engine.Engine, case: Case) -> None:
    assert run_case(reference, case).problems == []


def _case(want: object = None, error: str | None = None, **event: object) -> Case:
    base = {"type": "created", "ticket": "T-1", "at": "2026-11-02T10:00:00+08:00",
            "category": "trade/order/create-failed"}
    return Case("c", Span("x.yaml", 1, 1), {**base, **event}, None, want, error)


def test_a_wrong_want_is_reported_field_by_field(reference: engine.Engine) -> None:
    outcome = run_case(reference, _case({"team": "trade-cart", "severity": "P2",
                                      "category": {"fallback": True}, "nope": 1}))
    assert outcome.problems == [
        'team: want "trade-cart", got "trade-order"',
        "category.fallback: want true, got false",
        "nope: want 1, missing from the decision",
    ]


def test_an_expected_error_that_does_not_come(reference: engine.Engine) -> None:
    assert run_case(reference, _case(error="at: boom")).problems == [
        "error: want 'at: boom', got a decision"]


def test_an_unexpected_error(reference: engine.Engine) -> None:
    assert run_case(reference, _case({"team": "x"}, at="2026-11-02T10:00:00")).problems == [
        "event error: at: '2026-11-02T10:00:00' has no UTC offset (add +08:00 or Z)"]


@pytest.mark.parametrize("want, got, problems", [
    pytest.param("2026-11-11T00:10:00+08:00", "2026-11-10T16:10:00Z", [], id="same-instant-other-offset"),
    pytest.param("2026-11-11T00:10:00+08:00", "2026-11-11T00:10:01+08:00",
                 ['decision: want "2026-11-11T00:10:00+08:00", got "2026-11-11T00:10:01+08:00"'],
                 id="one-second-off"),
    pytest.param([1, 2], [1, 2, 3], ["decision: want [1, 2], got [1, 2, 3]"], id="list-length"),
    pytest.param(1, True, ["decision: want 1, got true"], id="bool-is-not-int"),
    pytest.param({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, [], id="subset"),
])
def test_differences(want: object, got: object, problems: list[str]) -> None:
    assert list(differences(want, got)) == problems


def test_malformed_case_files_are_diagnosed(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("cases:\n  - {name: x, event: {}, want: {}, wnat: 1}\n  - {name: y}\n")
    cases, problems = load_cases(path, "bad.yaml")
    assert cases == []
    assert [p.render() for p in problems] == [
        "bad.yaml:2:36: error[case.unknown-key]: unknown key 'wnat' in a case",
        "bad.yaml:3:5: error[case.shape]: a case needs `name`, `event` and `want` (or `error`)",
    ]


def test_a_given_event_that_is_refused_is_reported(reference: engine.Engine) -> None:
    case = Case("c", Span("x.yaml", 1, 1), {"type": "resolved", "ticket": "T-1", "at": "2026-11-02T11:00:00+08:00"},
                None, {}, None, given=({"type": "created", "ticket": "T-1", "at": "2026-11-02T10:00:00",
                                        "category": "trade"},))
    assert run_case(reference, case).problems == [
        "given[0]: event error: at: '2026-11-02T10:00:00' has no UTC offset (add +08:00 or Z)"]


def test_due_compares_the_decision_of_the_due_call(reference: engine.Engine) -> None:
    """trade/order/create-failed is P2, daily: 30m on cn-office from 10:00, its 50% reminder at 10:15."""
    want = {"event": "due", "notifications": [{"kind": "remind", "at": "2026-11-02T10:15:00+08:00"}]}
    case = Case("c", Span("x.yaml", 1, 1), _case().event, None, want, None, due="2026-11-02T10:14:59+08:00")
    assert run_case(reference, case).problems == [('notifications: want [{"kind": "remind", "at": '
                                                  '"2026-11-02T10:15:00+08:00"}], got []')]
    assert run_case(reference, dataclasses.replace(case, due="2026-11-02T10:15:00+08:00")).problems == []


def test_given_must_be_a_list(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("cases:\n  - {name: x, given: {type: created}, event: {}, want: {}}\n")
    assert [p.render() for p in load_cases(path, "bad.yaml")[1]] == [
        "bad.yaml:2:22: error[case.shape]: `given` is a list of events"]
