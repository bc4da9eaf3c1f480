"""JSON in and out of Gongdan, in one place (the replay's streams, the service's bodies and
stored rows): orjson (a compiled codec, 3-5x the standard
library's speed here) wherever it gives the standard library's exact value or bytes, and
the standard library itself wherever it would not, so that what Gongdan reads and writes
is what `json` with the settings below reads and writes (docs/performance.md, "JSON").

The differences found, each routed to the standard library: orjson reads an integer
outside 64 bits as a float; it refuses what `json` reads or refuses with another message
(the standard library's message is the one reported); it writes floats below 1e-4 in
another form (`0.00001`, `1e-7` for `1e-05`, `1e-07`) and cannot write an integer
outside 64 bits or a non-string key. One documented change: a NaN or infinity in a
decision (none can get there: events refuse them and clocks work on finite seconds)
would be written as `null` where `json` raised.
"""
from __future__ import annotations

import json
import re
from typing import Any

import orjson

# The standard library's settings, the reference: compact, UTF-8 as is (no \u escapes
# for non-ASCII), no NaN. Decisions are trees the engine builds afresh, so the
# circular-reference check has nothing to find.
standard_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False,
                                   allow_nan=False).encode

# A datetime or a dataclass is written by orjson but refused by `json`: passed through to
# `_refuse`, they fail orjson too, and the standard library then says what it says.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# A float orjson writes unlike `repr`: a one-digit negative exponent (`1e-7`), or a plain
# decimal below 1e-4 (`0.00001`). Found in a string instead, it costs a slower write only.
_SHORT_EXPONENT = re.compile(rb"e-[0-9](?![0-9])")
# 19 digits in a row may be an integer outside 64 bits, which orjson reads as a float.
_LONG_DIGITS = re.compile(rb"[0-9]{19}")
_LONG_TEXT = re.compile(r"[0-9]{19}")


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def dumps(value: Any) -> bytes:
    """`standard_encode(value)` in UTF-8; the same exceptions for what it cannot write
    (UnicodeEncodeError for half of a surrogate pair, TypeError, ValueError)."""
    return _dumps(value, _OPTIONS)


def dumps_line(value: Any) -> bytes:
    """`dumps(value)` and a newline: one line of JSON Lines."""
    return _dumps(value, _OPTIONS | orjson.OPT_APPEND_NEWLINE)


def _dumps(value: Any, options: int) -> bytes:
    try:
        out = orjson.dumps(value, default=_refuse, option=options)
    except orjson.JSONEncodeError:
        out = None
    if out is None or b"0.0000" in out or (b"e-" in out and _SHORT_EXPONENT.search(out)):
        out = standard_encode(value).encode("utf-8")
        return out + b"\n" if options & orjson.OPT_APPEND_NEWLINE else out
    return out


def dumps_text(value: Any) -> str:
    """`dumps(value)` as text (a database column); what only the standard library can
    write stays its text, as `json` would give it."""
    try:
        return _dumps(value, _OPTIONS).decode("utf-8")
    except UnicodeEncodeError:
        return standard_encode(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_strict_decode = json.JSONDecoder(parse_constant=_reject_constant).decode


def loads(raw: bytes | str) -> Any:
    """The value of JSON text as `json` reads it, but NaN and Infinity refused (ValueError
    with `json`'s words, or UnicodeDecodeError for bytes that are not UTF-8)."""
    read, value = fast_loads(raw)
    if read:
        return value
    if isinstance(raw, bytes):
        raw = raw.decode(json.detect_encoding(raw), "surrogatepass")   # as json.loads does
    return _strict_decode(raw)


def fast_loads(text: str | bytes) -> tuple[bool, Any]:
    """(True, value) where orjson reads `text` as the standard library's decoder would;
    (False, None) where only the standard library can say (its value or its error)."""
    if (_LONG_TEXT if isinstance(text, str) else _LONG_DIGITS).search(text):  # type: ignore[arg-type]
        return False, None
    try:
        return True, orjson.loads(text)
    except orjson.JSONDecodeError:
        return False, None
