"""Supervisors at their bounds: a long chain of supervised transfers keeps the most recent
32, and a stored state with more is refused naming the field."""
from __future__ import annotations

from typing import Any

import pytest

import engine
from engine.runtime.supervision import MAX_SUPERVISORS

CREATED = {"type": "created", "ticket": "T-1", "at": "2026-11-11T00:05:00+08:00",
           "category": "trade/order/create-failed"}


def transfer(n: int) -> dict[str, Any]:
    return {"type": "transferred", "ticket": "T-1", "at": f"2026-11-11T01:{n:02d}:00+08:00",
            "to": {"person": f"temp-{n}"}, "supervise": True}


def test_the_oldest_supervisor_gives_way_past_the_bound(reference: engine.Engine) -> None:
    decision = reference.evaluate(CREATED)
    for n in range(MAX_SUPERVISORS + 1):
        decision = reference.evaluate(transfer(n), decision.state)
    assert decision.supervisors == [f"temp-{n}" for n in range(MAX_SUPERVISORS)]
    assert decision.trace == [f"transferred to temp-{MAX_SUPERVISORS}",
                              "meng-tianyou no longer supervises the ticket (at most 32 supervisors)",
                              f"temp-{MAX_SUPERVISORS - 1} supervises the ticket"]


def test_a_stored_state_with_too_many_supervisors_is_refused(reference: engine.Engine) -> None:
    state = {**reference.evaluate(CREATED).state, "supervisors": [f"p{n}" for n in range(MAX_SUPERVISORS + 1)]}
    with pytest.raises(engine.EventError) as refused:
        reference.evaluate({"type": "acknowledged", "ticket": "T-1", "at": "2026-11-11T00:06:00+08:00"}, state)
    assert (str(refused.value), refused.value.field) == (
        "state.supervisors: expected at most 32 supervisors, got 33 (a damaged state)", "state.supervisors")
