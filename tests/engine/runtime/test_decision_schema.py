"""schemas/decision.schema.json and `Decision.to_dict` are twins: every decision the golden
cases make (views, solutions, supervisors, resolutions and every notification kind among
them) is valid against the schema, and the schema lists exactly the keys to_dict writes."""
from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import engine
from engine.cases import load_cases
from helpers import REPO

SCHEMA = json.loads((REPO / "schemas" / "decision.schema.json").read_text(encoding="utf-8"))
CHECK = Draft202012Validator(SCHEMA)
CASES = [case for path in sorted((REPO / "tests" / "cases").glob("*.yaml"))
         for case in load_cases(path, path.name)[0] if case.error is None]


def decision_of(eng: engine.Engine, case: Any) -> dict[str, Any]:
    state = None
    for event in case.given:
        state = eng.evaluate(event, state, mode=case.mode).state
    decision = eng.evaluate(case.event, state, mode=case.mode)
    return (eng.due(decision.state, case.due) if case.due is not None else decision).to_dict()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.where.file}:{c.where.line}" for c in CASES])
def test_every_golden_decision_is_valid(reference: engine.Engine, case: Any) -> None:
    assert [e.message for e in CHECK.iter_errors(decision_of(reference, case))] == []


def test_the_schema_lists_the_keys_in_order(reference: engine.Engine) -> None:
    decision = decision_of(reference, CASES[0])
    assert list(SCHEMA["properties"]) == list(decision)


def test_every_notification_kind_is_in_the_schema() -> None:
    from engine.notify.render import KINDS
    assert SCHEMA["$defs"]["notification"]["properties"]["kind"]["enum"] == list(KINDS)
