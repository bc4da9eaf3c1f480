"""Tests for engine.runtime.event_fast: a plain event's yes-or-no check says yes only where
`parse_event`'s field-by-field loop accepts, and says it for the events hosts send."""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import EventError
from engine.jsonio import loads
from engine.runtime import events
from engine.runtime.events import EVENT_TYPES, parse_event
from helpers import REPO

TEXT = st.one_of(st.text(max_size=8), st.sampled_from(["", "a/b", "页面打不开", "x\ty", "\x00", "\ud800"]),
                 st.text(min_size=30, max_size=40))
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT,
                   st.lists(TEXT, max_size=3), st.dictionaries(TEXT, st.one_of(TEXT, st.integers()), max_size=3))
KEYS = st.sampled_from(["ticket", "at", "category", "severity", "title", "tags", "source", "fields",
                        "submitter", "note", "by", "status", "resolution", "to", "supervise", "changes", "other"])


@st.composite
def near_events(draw: st.DrawFn) -> dict[str, Any]:
    """Events of every type, mostly well formed, with a field or two replaced by anything."""
    kind = draw(st.sampled_from(EVENT_TYPES))
    event: dict[str, Any] = {"type": kind, "ticket": "T-1", "at": "2026-11-11T00:00:00+08:00"}
    if kind == "created":
        event["category"] = "a/b"
    if kind == "status_changed":
        event["status"] = "waiting"
    for key, value in draw(st.dictionaries(KEYS, VALUES, max_size=3)).items():
        event[key] = value
    if draw(st.booleans()):
        event.pop(draw(st.sampled_from(sorted(event))))
    return event


def _loop_accepts(event: dict[str, Any]) -> bool:
    try:
        events._check_fields(event, event["type"], events._SPECS[event["type"]])
    except EventError:
        return False
    return True


@settings(max_examples=2000, deadline=None)
@given(near_events())
def test_a_fast_yes_is_a_yes_of_the_loop(event: dict[str, Any]) -> None:
    fast = events._FAST.get(event.get("type"))  # type: ignore[arg-type]
    if fast is not None and fast(event):
        assert _loop_accepts(event), event


def test_which_event_types_have_a_fast_check() -> None:
    """`transferred` and `updated` need their `to` and `changes` checked every time."""
    assert sorted(events._FAST) == ["acknowledged", "closed", "created", "reopened", "resolved", "status_changed"]


def test_every_event_of_the_example_stream_of_those_types_takes_the_fast_answer() -> None:
    lines = (REPO / "examples" / "double11-events.jsonl").read_bytes().splitlines()
    seen = dict.fromkeys(events._FAST, 0)
    for line in lines:
        event = loads(line)
        fast = events._FAST.get(event["type"])
        if fast is not None and "resolution" not in event:  # a resolution goes to its check
            assert fast(event), event
            seen[event["type"]] += 1
    assert all(seen.values()), seen


@pytest.mark.parametrize("event, error", [
    ({"type": "created", "ticket": "T-1", "at": "2026-11-11T00:00:00+08:00", "category": "a", "title": 5,
      "tags": "x"}, "title: expected a string, got 5"),
    ({"type": "created", "ticket": "", "at": "2026-11-11T00:00:00+08:00", "category": "a", "title": 5},
     "ticket: expected a non-empty string, got ''"),
    ({"type": "acknowledged", "ticket": "T-1", "at": "2026-11-11T00:00:00+08:00", "note": "a\x00"},
     "note: holds NUL or half a surrogate pair (not text)"),
    ({"type": "closed", "ticket": "T-1", "at": "2026-11-11T00:00:00", "by": 3}, "by: expected a string, got 3"),
])
def test_a_fast_no_leaves_the_first_wrong_field_to_the_loop(event: dict[str, Any], error: str) -> None:
    with pytest.raises(EventError) as raised:
        parse_event(event)
    assert str(raised.value) == error



class _Lying(dict):  # type: ignore[type-arg]
    """A host's mapping whose `get` says one thing and `items()` another."""

    def get(self, key: Any, default: Any = None) -> Any:
        return "a fine title" if key == "title" else super().get(key, default)


def test_a_dict_subclass_goes_to_the_loop() -> None:
    event = _Lying({"type": "created", "ticket": "T-1", "at": "2026-11-11T00:00:00+08:00", "category": "a",
                    "title": 5})
    with pytest.raises(EventError) as raised:
        parse_event(event)
    assert str(raised.value) == "title: expected a string, got 5"
