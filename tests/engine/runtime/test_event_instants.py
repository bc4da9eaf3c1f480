"""An event's `at` is shown as `isoformat()` writes it; where the text already is that
(seconds, no fraction, an offset other than -00:00) it is kept instead of written again:
the fast path pinned to `isoformat()` on texts hypothesis makes."""
from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import EventError
from engine.runtime.events import _instant


def _text(date: datetime, seconds: bool, fraction: str, offset: str) -> str:
    base = date.strftime("%Y-%m-%dT%H:%M") + (date.strftime(":%S") + fraction if seconds else "")
    return base + offset


texts = st.builds(_text, st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(2999, 12, 30)),
                  st.booleans(), st.sampled_from(["", ".0", ".000000", ".123", ".123456", ".5"]),
                  st.sampled_from(["Z", "+08:00", "-05:30", "+00:00", "-00:00", "+23:59", "-23:59"]))


@settings(max_examples=500, deadline=None)
@given(texts)
def test_an_events_time_is_shown_as_isoformat_writes_it(text: str) -> None:
    try:
        at, _, shown = _instant(text)
    except EventError:  # outside the supported range: refused either way
        return
    assert shown == datetime.fromisoformat(text).isoformat() == at.isoformat()


@pytest.mark.parametrize(("text", "shown"), [
    pytest.param("2026-11-10T12:00:03+08:00", "2026-11-10T12:00:03+08:00", id="kept"),
    pytest.param("2026-11-10T12:00:03Z", "2026-11-10T12:00:03+00:00", id="z"),
    pytest.param("2026-11-10T12:00:03-00:00", "2026-11-10T12:00:03+00:00", id="minus-zero"),
    pytest.param("2026-11-10T12:00+08:00", "2026-11-10T12:00:00+08:00", id="no-seconds"),
    pytest.param("2026-11-10T12:00:03.000000+08:00", "2026-11-10T12:00:03+08:00", id="zero-fraction"),
    pytest.param("2026-11-10T12:00:03.5+08:00", "2026-11-10T12:00:03.500000+08:00", id="short-fraction"),
])
def test_the_forms_isoformat_writes_otherwise(text: str, shown: str) -> None:
    assert _instant(text)[2] == shown
