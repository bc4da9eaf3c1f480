"""The golden decision cases run through the same runner `gongdan test` uses."""
from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.cases import Case, Step, differences, load_cases, run_case
from engine.config.source import load_yaml
from engine.diagnostics import Span
from helpers import REPO

CASE_FILES = sorted((REPO / "tests" / "cases").glob("*.yaml"))
CASES = [case for path in CASE_FILES for case in load_cases(path, str(path.relative_to(REPO)))[0]]


def test_the_case_files() -> None:
    assert [path.name for path in CASE_FILES] == ["duty.yaml", "escalation.yaml", "routing.yaml", "sla.yaml", "solutions.yaml",
                                                "supervision.yaml", "views.yaml", "walkthrough.yaml"]


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
    assert [[step.event if step.due is None else step.due for step in case.steps] for case in cases] == [
        [s.get("event", s.get("due")) for s in item["steps"]] if "steps" in item
        else [*item.get("given", []), item["event"], *([item["due"]] if "due" in item else [])]
        for item in doc.data["cases"]]
    assert len({case.name for case in cases}) == len(cases), "names tell the cases apart"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.where.file}:{c.where.line}" for c in CASES])
def test_golden_case(reference: engine.Engine, case: Case) -> None:
    assert run_case(reference, case).problems == []


HERE = Span("x.yaml", 1, 1)
CREATED = {"type": "created", "ticket": "T-1", "at": "2026-11-02T10:00:00+08:00", "category": "trade/order/create-failed"}


def _case(want: object = None, error: str | None = None, **event: object) -> Case:
    return Case("c", HERE, (Step(HERE, ("cases", 0), {**CREATED, **event}, None, want, error),))


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


def test_a_given_event_that_is_refused_is_reported(reference: engine.Engine) -> None:
    case = Case("c", HERE, (Step(HERE, ("cases", 0, "given", 0), {**CREATED, "at": "2026-11-02T10:00:00"}),
                            Step(HERE, ("cases", 0), {"type": "resolved", "ticket": "T-1",
                                                      "at": "2026-11-02T11:00:00+08:00"}, want={})))
    assert run_case(reference, case).problems == [
        "given[0]: event error: at: '2026-11-02T10:00:00' has no UTC offset (add +08:00 or Z)"]


def test_due_compares_the_decision_of_the_due_call(reference: engine.Engine) -> None:
    """trade/order/create-failed is P2, daily: 30m on cn-office from 10:00, its 50% reminder at 10:15."""
    want = {"event": "due", "notifications": [{"kind": "remind", "at": "2026-11-02T10:15:00+08:00"}]}
    def case(due: str) -> Case:
        return Case("c", HERE, (Step(HERE, ("cases", 0), CREATED), Step(HERE, ("cases", 0), due=due, want=want)))
    assert run_case(reference, case("2026-11-02T10:14:59+08:00")).problems == [
        'notifications: want [{"kind": "remind", "at": "2026-11-02T10:15:00+08:00"}], got []']
    assert run_case(reference, case("2026-11-02T10:15:00+08:00")).problems == []


def _steps(*steps: dict[str, object]) -> Case:
    return Case("c", HERE, tuple(Step(HERE, ("cases", 0, "steps", j), s.get("event"), s.get("due"),  # type: ignore[arg-type]
                                      s.get("want"), s.get("error")) for j, s in enumerate(steps)))  # type: ignore[arg-type]


PAYMENT = {**CREATED, "at": "2026-11-09T10:00:00+08:00", "category": "payment/gateway/charge-failed"}


@pytest.mark.parametrize("want, problems", [
    pytest.param({"notified": [{"kind": "escalate", "level": 3, "to": "ceo", "channel": "sms"}]}, [], id="found"),
    pytest.param({"notified": [{"kind": "escalate", "level": 3, "to": "ceo"},
                               {"kind": "escalate", "level": 3, "to": "ceo"}]}, [], id="two-entries-two-notifications"),
    pytest.param({"notified": [{"kind": "escalate", "level": 3, "to": "ceo"}] * 3},
                 [('steps[1]: notified[2]: want {"kind": "escalate", "level": 3, "to": "ceo"}, no such notification '
                  'among 13, closest {"kind": "escalate", "level": 3, "to": "ceo"}')], id="each-entry-its-own"),
    pytest.param({"notified": [{"kind": "escalate", "level": 4, "to": {"person": "ceo"}}]},
                 [('steps[1]: notified[0]: want {"kind": "escalate", "level": 4, "to": {"person": "ceo"}}, no such '
                  'notification among 13, closest {"kind": "escalate", "level": 3, "to": {"person": "ceo", '
                  '"address": "+8613843954681"}}')], id="no-level-4"),
    pytest.param({"notified": [{"to": "payment-gateway-robot", "at": "2026-11-09T02:05:00Z"}]}, [], id="group-and-instant"),
    pytest.param({"planned": [{"clock": "resolve", "kind": "escalate", "level": 3, "at": "2026-11-09T12:30:00+08:00"}]},
                 [], id="planned"),
    pytest.param({"planned": [{"clock": "response"}]},
                 ['steps[1]: planned[0]: want {"clock": "response"}, no such timer among 4, closest {"clock": "resolve"}'],
                 id="planned-none-left"),
])
def test_subsets_of_notifications_and_timers(reference: engine.Engine, want: object, problems: list[str]) -> None:
    """The P1 payment ladder (tests/cases/escalation.yaml): by 10:40, 13 notifications up to the CEO."""
    case = _steps({"event": PAYMENT}, {"due": "2026-11-09T10:40:00+08:00", "want": want})
    assert run_case(reference, case).problems == problems


def test_a_step_that_errors_as_wanted_leaves_the_state(reference: engine.Engine) -> None:
    refused = {"type": "acknowledged", "ticket": "T-1", "at": "2026-11-02T10:05:00"}
    case = _steps({"event": CREATED}, {"event": refused, "error": "at: '2026-11-02T10:05:00' has no UTC offset (add +08:00 or Z)"},
                  {"event": {**refused, "at": "2026-11-02T10:05:00+08:00"}, "want": {"sla": {"response": {"state": "met"}}}})
    outcome = run_case(reference, case)
    assert (outcome.problems, outcome.errored, [r.raised is None for r in outcome.results]) == ([], False, [True, False, True])


def test_an_unexpected_error_stops_the_case(reference: engine.Engine) -> None:
    case = _steps({"event": CREATED}, {"event": {"type": "acknowledged", "ticket": "T-2", "at": "2026-11-02T10:05:00+08:00"}},
                  {"due": "2026-11-02T12:00:00+08:00", "want": {}})
    outcome = run_case(reference, case)
    assert (outcome.problems, outcome.errored, len(outcome.results)) == (
        ["steps[1]: event error: ticket: the state is for ticket 'T-1', the event for 'T-2'"], True, 2)


def test_a_refused_due_call_is_named_as_such(reference: engine.Engine) -> None:
    outcome = run_case(reference, _steps({"due": "2026-11-02T10:00:00+08:00", "want": {}}))
    assert (outcome.problems, outcome.errored) == (
        ["steps[0]: due error: state: a 'due' event needs the ticket's state from its last decision"], True)
