"""Modes.placed (a created ticket's one search) against `at` and `window_name`."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.timecalc.modes import Modes

# Windows that touch, overlap in time order, and leave gaps; some named, one not.
WINDOWS = [(100.0, 200.0, "promotion"), (200.0, 300.0, "freeze"), (400.0, 500.0, "promotion")]
NAMED = Modes.build(("daily", "promotion", "freeze"), "daily", "keep", WINDOWS, ["double11", "", "618"])
UNNAMED = Modes.build(("daily", "promotion", "freeze"), "daily", "keep", WINDOWS)


def test_placed_reads_the_window_and_its_name() -> None:
    assert NAMED.placed(150.0) == ("promotion", "double11")
    assert NAMED.placed(250.0) == ("freeze", None)       # a window without a name
    assert NAMED.placed(300.0) == ("daily", None)        # windows are half-open
    assert NAMED.placed(450.0, "freeze") == ("freeze", None)  # the host's explicit mode
    assert UNNAMED.placed(450.0) == ("promotion", None)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0.0, max_value=600.0), st.sampled_from([None, "daily", "freeze"]))
def test_placed_is_at_and_window_name(ts: float, mode: str | None) -> None:
    for modes in (NAMED, UNNAMED):
        assert modes.placed(ts, mode) == (modes.at(ts, mode), modes.window_name(ts, mode))
