"""`format_ts` memoises each zone's texts in a dict of its own, which `formatted_in` hands
to a caller formatting many instants of one zone: both give `isoformat()` of the instant
in the zone, for integer and float seconds alike."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from engine.config.values import format_ts, formatted_in

ZONES = [UTC, timezone(timedelta(hours=8)), ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"),
         ZoneInfo("Europe/Berlin")]


@given(st.one_of(st.integers(0, 4_000_000_000), st.floats(0, 4e9).map(lambda x: round(x, 6))),
       st.sampled_from(ZONES))
def test_format_ts_is_isoformat_in_the_zone(ts: float, tz: timezone) -> None:
    want = datetime.fromtimestamp(ts, tz).isoformat()
    assert format_ts(ts, tz) == want
    assert formatted_in(tz)[ts] == want      # the memo the fast readers take
    assert format_ts(float(ts), tz) == want  # 5 and 5.0 are one instant


def test_the_same_instant_in_two_zones_keeps_both_texts() -> None:
    ts = 1_794_355_200.0   # 2026-11-11T00:00:00Z
    assert (format_ts(ts, UTC), format_ts(ts, ZONES[1]), format_ts(ts, ZoneInfo("America/New_York"))) == (
        "2026-11-11T00:00:00+00:00", "2026-11-11T08:00:00+08:00", "2026-11-10T19:00:00-05:00")
    assert (formatted_in(UTC).get(ts), formatted_in(ZONES[1]).get(ts)) == (
        "2026-11-11T00:00:00+00:00", "2026-11-11T08:00:00+08:00")
