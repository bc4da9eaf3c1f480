"""`runtime/state_fast.sound` and `runtime/state._check_shape` are twins: the one-pass
answer says yes only where the field-by-field reference passes, and says yes to every
state a decision writes (or the fast path would never be taken)."""
from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.replay.stream import replay
from engine.runtime.state import _check_shape
from engine.runtime.state_fast import sound
from helpers import REPO, data_paths


def _states(eng: engine.Engine) -> list[dict[str, Any]]:
    lines = (REPO / "examples" / "double11-events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(json.dumps(d.state)) for d in replay(eng, lines[:4000])]


@pytest.fixture(scope="module")
def states(reference: engine.Engine) -> list[dict[str, Any]]:
    return _states(reference)


def test_every_state_a_decision_writes_is_sound(states: list[dict[str, Any]]) -> None:
    assert len(states) == 5116
    assert all(sound(state) for state in states)
    kinds = {(s["closed"], s.get("resolution") is not None, bool(s.get("supervisors")),
              s["clocks"]["response"]["stopped"] is not None) for s in states}
    assert len(kinds) >= 6  # closed, resolved, supervised, stopped clocks among them




ODD = st.sampled_from([None, True, False, 0, -1, 1.5, 1e300, math.nan, math.inf, 2**70, "", "x", "\x00",
                       "\ud800", "met", "breached", "x" * 70_000, [], {}, [[1.0e9, 1.0e9 + 5]], [[5, 1]],
                       ["a"], [1], {"a": 1}, {"code": 1}, {"text": None}, "<delete>"])


@settings(max_examples=1500, deadline=None)
@given(pick=st.integers(min_value=0), where=st.integers(min_value=0), value=ODD, again=ODD)
def test_a_state_sound_says_yes_to_passes_the_reference(states: list[dict[str, Any]], pick: int, where: int,
                                                        value: Any, again: Any) -> None:
    state = copy.deepcopy(states[pick % len(states)])
    for n, odd in enumerate((value, again)):
        paths = data_paths(state)
        path = paths[(where + n * 7) % len(paths)]
        here = state
        for key in path[:-1]:
            here = here[key]
        if odd == "<delete>":
            del here[path[-1]]
        else:
            here[path[-1]] = copy.deepcopy(odd)
    if sound(state):
        _check_shape(state)  # raises EventError where the twins part
