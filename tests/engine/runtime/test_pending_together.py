"""`timers.pending` answers a ticket whose clocks run together (one start, one calendar,
never paused, no floor) from one calendar walk in a new ticket's layout; clock by clock
(`pending_walked`) is the reference: the example stream's states and hypothesis subsets
of fired steps give the same plan, in the same order."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.replay.stream import Replay
from engine.runtime.state import copy_state
from engine.runtime.timers import next_step, pending, pending_walked
from helpers import REPO


def together(state: dict[str, Any]) -> bool:
    r, q = state["clocks"]["response"], state["clocks"]["resolve"]
    return (r["since"] is not None and r["since"] == q["since"] and not r["runs"] and not q["runs"]
            and r["calendar"] == q["calendar"] and not state["closed"] and state.get("steps_from") is None
            and "floor" not in r and "floor" not in q)


def example_states(reference: engine.Engine) -> Iterator[dict[str, Any]]:
    """The state of every decision of the example stream, replayed in order."""
    replay = Replay(reference)
    for line in (REPO / "examples" / "double11-events.jsonl").read_text(encoding="utf-8").splitlines():
        for decision in replay.feed(json.loads(line)):
            yield decision.state


def test_every_state_of_the_example_stream_has_the_walked_plan(reference: engine.Engine) -> None:
    fast = 0
    for state in example_states(reference):
        assert pending(reference.compiled, state) == pending_walked(reference.compiled, state)
        fast += together(state)
    assert fast == 5163


EVENTS = [json.loads(line) for line in
          (REPO / "examples" / "double11-events.jsonl").read_text(encoding="utf-8").splitlines()
          if '"created"' in line][:300]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EVENTS), st.data())
def test_any_fired_steps_leave_the_walked_plan(reference: engine.Engine, event: dict[str, Any],
                                               data: st.DataObject) -> None:
    state = copy_state(reference.evaluate(event).state)
    keys = [t.key for _, t in pending_walked(reference.compiled, state)]
    state["fired"] = data.draw(st.lists(st.sampled_from(keys), unique=True) if keys else st.just([]))
    assert together(state)
    assert pending(reference.compiled, state) == pending_walked(reference.compiled, state)


def test_the_first_step_of_the_plan_is_the_next_step(reference: engine.Engine) -> None:
    """A decision's `next_wakeup` reads the plan's first time; `next_step` finds it with one
    lookup per clock: every state of the example stream gives the same instant."""
    some = 0
    for state in example_states(reference):
        plan = pending(reference.compiled, state)
        assert next_step(reference.compiled, state) == (plan[0][0] if plan else None)
        some += bool(plan)
    assert some == 10485
