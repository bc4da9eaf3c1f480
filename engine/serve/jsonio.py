"""The service's JSON on its hot path (bodies, stored rows), through orjson, with the
standard library behind it for what orjson refuses, so the results are those of `json`.

orjson is several times faster than `json` at both ends and writes the same compact UTF-8
text (`ensure_ascii=False, separators=(",", ":")`). It differs on a few inputs: it reads an
integer past 64 bits as a float, refuses a byte-order mark and an infinite number, and
cannot write big integers, lone surrogates or non-string keys. Those go to `json` (a body
with a run of 19 digits anywhere is read by `json`), so what is accepted, refused and stored
does not change with the library. (Hashes that must never change, the natural key's, keep `json`.)
"""
from __future__ import annotations

import json
import re
from typing import Any

import orjson

# a run of 19 digits may be an integer orjson would read as a float
_LONG_NUMBER, _LONG_NUMBER_TEXT = re.compile(rb"[0-9]{19}"), re.compile(r"[0-9]{19}")
_std_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(raw: bytes | str) -> Any:
    """Parse JSON text; ValueError (or UnicodeDecodeError) when it is not JSON. NaN and
    Infinity are refused, as orjson does."""
    long_number = _LONG_NUMBER_TEXT.search(raw) if isinstance(raw, str) else _LONG_NUMBER.search(raw)
    if not long_number:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw, parse_constant=_reject_constant)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return _std_dump(value).encode()


def dumps_text(value: Any) -> str:
    """Compact JSON as text (a column)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _std_dump(value)
