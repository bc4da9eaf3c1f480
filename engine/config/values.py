"""Parsers for the value formats shared by all config files (docs/formats.md#value-formats).

Each parser takes the string the schema already shaped and returns the typed value, or
raises ValueError with a message fit for a diagnostic.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.timecalc.wallclock import local_instant

_DURATION = re.compile(r"(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")
# RFC 3339 on a day that exists, seconds optional. DATETIME_PATTERN (offset required) is the
# `datetime` of the JSON Schemas (a test pins them together); LOCAL_DATETIME also takes
# the naive times that schedules read in their own zone.
_LEAP_YEAR = r"(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_DATE = (r"(?:(?!0000)\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
         r"|02-(?:0[1-9]|1\d|2[0-8]))|" + _LEAP_YEAR + r"-02-29)")
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?"
_OFFSET = r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)"
DATETIME_PATTERN = "^" + _DATE + "T" + _TIME + _OFFSET + "$"
LOCAL_DATETIME = re.compile(_DATE + "T" + _TIME + _OFFSET + "?")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# The limits every value is held to (docs/limits.md): instants a deadline can be computed
# for without leaving the calendar's years, and durations that keep them there.
EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
EARLIEST_TS, LATEST_TS = EARLIEST.timestamp(), LATEST.timestamp()
MAX_DURATION_S = 3650 * 86400
RANGE_TEXT = "1970-01-02 to 9000-01-01"


def in_range(ts: float) -> bool:
    """Whether an instant lies in the supported range (not NaN, not infinite)."""
    return EARLIEST_TS <= ts < LATEST_TS


def seconds_in_range(at: datetime) -> float | None:
    """An aware datetime's POSIX seconds when it lies in the supported range, else None
    (the year is looked at first: a timestamp of year 1 or 9999 can overflow)."""
    if not EARLIEST.year <= at.year < LATEST.year:
        return None
    ts = at.timestamp()
    return ts if in_range(ts) else None


def parse_duration(text: str) -> int:
    """`1h30m` -> 5400 seconds; plain numbers, empty strings and more than 3650d are rejected."""
    match = _DURATION.fullmatch(text) if isinstance(text, str) and len(text) <= 40 else None
    if not match:
        raise ValueError(f"{text!r} is not a duration (like 90s, 15m, 4h, 2d, 1h30m)")
    d, h, m, s = (int(g) if g else 0 for g in match.groups())
    seconds = ((d * 24 + h) * 60 + m) * 60 + s
    if seconds > MAX_DURATION_S:
        raise ValueError(f"{text!r} is longer than the longest supported duration, 3650d")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest duration text for whole seconds: 5400 -> `1h30m`."""
    rest = int(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def parse_percentage(text: str) -> float:
    """`50%` -> 50.0 (percent of a target's budget)."""
    match = _PERCENT.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a percentage (like 50%, 150%)")
    return float(match.group(1))


def _clock_minutes(text: str) -> int:
    if not _CLOCK.fullmatch(text):
        raise ValueError(f"{text!r} is not a clock time HH:MM")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def parse_window(text: str) -> tuple[int, int]:
    """`09:00-12:00` -> (540, 720) minutes since local midnight; end must follow start."""
    start_text, sep, end_text = text.partition("-")
    if not sep:
        raise ValueError(f"{text!r} is not a window HH:MM-HH:MM")
    start, end = _clock_minutes(start_text), _clock_minutes(end_text)
    if start_text == "24:00":
        raise ValueError(f"{text!r}: 24:00 may only end a window")
    if end <= start:
        raise ValueError(f"window {text!r} ends before it starts")
    return start, end


def parse_weekdays(key: str) -> tuple[int, ...]:
    """`mon-fri` -> (0, 1, 2, 3, 4); a range may wrap (`fri-mon`)."""
    first, _, last = key.partition("-")
    try:
        a = WEEKDAYS.index(first)
        b = WEEKDAYS.index(last or first)
    except ValueError:
        raise ValueError(f"{key!r} is not a day (mon..sun) or range (mon-fri)") from None
    return tuple((a + i) % 7 for i in range((b - a) % 7 + 1))


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD") from None


@cache
def zone(name: str) -> ZoneInfo:
    """An IANA timezone by name; ValueError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown timezone {name!r}") from None


def _fromisoformat(text: str) -> datetime:
    if not isinstance(text, str) or not LOCAL_DATETIME.fullmatch(text):
        raise ValueError(f"{text!r} is not an RFC 3339 datetime (like 2026-11-11T00:05:00+08:00)")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid datetime") from None


def parse_datetime(text: str) -> datetime:
    """An RFC 3339 datetime that must carry its offset, in the supported range."""
    value = _fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset (add +08:00 or Z)")
    _check_range(text, value)
    return value


def _check_range(text: str, value: datetime) -> None:
    if seconds_in_range(value) is None:
        raise ValueError(f"{text!r} is outside the supported range ({RANGE_TEXT})")


def parse_local_datetime(text: str, tz: ZoneInfo) -> datetime:
    """A datetime read in `tz` unless it carries its own offset; a local time that a DST
    change skips or repeats is read by the one wall-clock rule (engine.timecalc.wallclock).

    Memoised: rosters repeat a few starts in many layers, and the checks and compile both
    read each one (a refused text raises again each time: lru_cache keeps no exception)."""
    if isinstance(text, str):
        return _local_datetime(text, tz)
    return _read_local_datetime(text, tz)   # raises: not a datetime text


@lru_cache(maxsize=8192)
def _local_datetime(text: str, tz: ZoneInfo) -> datetime:
    return _read_local_datetime(text, tz)


def _read_local_datetime(text: str, tz: ZoneInfo) -> datetime:
    value = _fromisoformat(text)
    if not EARLIEST.year <= value.year < LATEST.year:   # before the zone arithmetic can overflow
        raise ValueError(f"{text!r} is outside the supported range ({RANGE_TEXT})")
    if value.tzinfo is None:
        value = datetime.fromtimestamp(local_instant(value, tz), tz)
    _check_range(text, value)
    return value


_FORMATTED: dict[tzinfo | None, dict[float, str]] = {}   # zone -> instant -> text
_FORMATTED_MAX = 200_000   # instants per zone before its memo starts again


def formatted_in(tz: tzinfo | None) -> dict[float, str]:
    """`format_ts`'s memo for one zone, for a caller formatting many instants of it (a
    decision's timers): `formatted_in(tz).get(ts) or format_ts(ts, tz)` is `format_ts`
    without a call on a hit. Read only; a miss goes through `format_ts`."""
    texts = _FORMATTED.get(tz)
    if texts is None:
        texts = _FORMATTED.setdefault(tz, {})
    return texts


def format_ts(ts: float, tz: tzinfo | None) -> str:
    """RFC 3339 text of an instant in `tz`; memoised, since a ticket's deadlines and timer
    times repeat in every decision about it (the memo is bounded)."""
    texts = _FORMATTED.get(tz)
    if texts is None:
        texts = _FORMATTED.setdefault(tz, {})
    text = texts.get(ts)
    if text is None:
        if len(texts) > _FORMATTED_MAX:
            texts.clear()
        text = texts[ts] = datetime.fromtimestamp(ts, tz).isoformat()
    return text
