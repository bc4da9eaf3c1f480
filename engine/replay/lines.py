"""Events as a host sends them: a byte stream split into lines at "\\n" only, each line
bounded in size, decoded and parsed on its own, so that one bad line is reported with its
number and never ends the stream; one event's JSON read as strictly as JSON itself."""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from engine.jsonio import fast_loads

# One event, a line of a stream or a file (`gongdan route`), is a few hundred bytes; the
# limit bounds what reading one costs, far above what an event may usefully hold.
MAX_EVENT_BYTES = 1 << 20
# How deep an event's JSON may nest. Parsing, checking and writing a decision recurse
# once per level, so a line nested a thousand deep would end the replay, not the line.
MAX_DEPTH = 64
_SKIP = 1 << 16           # bytes read at a time while skipping the rest of a long line
_BOM = b"\xef\xbb\xbf"    # an encoding mark some editors put first, not content
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class NotAnEvent(ValueError):
    """A line or file that does not hold one JSON value; the message says why."""


class NotJSON(NotAnEvent):
    """Text that is not JSON at all."""


@dataclass(frozen=True, slots=True)
class Overlong:
    """A line of more than `limit` bytes, skipped without being held in memory."""

    limit: int


Line = str | bytes | Overlong


def split_lines(stream: IO[bytes], limit: int = MAX_EVENT_BYTES) -> Iterator[bytes | Overlong]:
    """The lines of a byte stream without their "\\n" (or "\\r\\n"), split at b"\\n" only:
    U+2028, U+2029, U+0085 and the other characters `str.splitlines` splits at are legal
    inside a JSON string."""
    first = True
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if first and line.startswith(_BOM):
            line = line[len(_BOM):]
        first = False
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = stream.readline(_SKIP)
            yield Overlong(limit)
        else:
            yield line[:-2] if line.endswith(b"\r\n") else line[:-1] if line.endswith(b"\n") else line


def is_blank(line: Line) -> bool:
    return not isinstance(line, Overlong) and not line.strip()


def read_line(line: Line) -> Any:
    """The JSON value of one line of a stream; NotAnEvent says why there is none."""
    if isinstance(line, Overlong):
        raise NotAnEvent(f"longer than {line.limit:,} bytes, the limit for one event (skipped unread)")
    read, value = fast_loads(line)
    if read:
        return _shallow(line, value)
    text = line if isinstance(line, str) else decode_utf8(line)
    try:
        return _parse_standard(text)
    except NotJSON:
        if text.lstrip().startswith("["):  # a JSON array written over several lines
            raise NotAnEvent("one event per line (JSON Lines), got the start of a list") from None
        raise


def decode_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotAnEvent(f"not UTF-8 at byte {exc.start + 1}: {exc.reason}") from None


def strip_bom(raw: bytes) -> bytes:
    return raw[len(_BOM):] if raw.startswith(_BOM) else raw


def _constant(name: str) -> Any:
    raise NotAnEvent(f"not JSON: {name} (JSON has no NaN or Infinity)")


def _finite(text: str) -> float:
    value = float(text)
    if value - value != 0:  # inf - inf is NaN: the literal overflowed a double
        raise NotAnEvent(f"the number {text[:40]} is out of range")
    return value


# Built once: json.loads with hooks would build a decoder per call.
_decode = json.JSONDecoder(parse_constant=_constant, parse_float=_finite).decode


def parse_json(text: str) -> Any:
    """One JSON value, as strictly as JSON: no NaN or Infinity, no number a double cannot
    hold, at most MAX_DEPTH levels, no half of a UTF-16 surrogate pair in a string."""
    read, value = fast_loads(text)
    return _shallow(text, value) if read else _parse_standard(text)


def _parse_standard(text: str) -> Any:
    """`parse_json` by the standard library: the reference, and what says why a line is not JSON."""
    try:
        value = _decode(text)
    except NotAnEvent:
        raise
    except json.JSONDecodeError as exc:
        raise NotJSON(f"not JSON: {exc}") from None
    except ValueError:  # the only other one: an integer longer than Python converts
        raise NotAnEvent(f"a number with more than {sys.get_int_max_str_digits():,} digits") from None
    except RecursionError:
        raise NotAnEvent(f"nested more than {MAX_DEPTH} levels deep") from None
    _shallow(text, value)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        _check_text(value)
    return value


def _shallow(text: str | bytes, value: Any) -> Any:
    """`value`, unless it nests more than MAX_DEPTH levels (counted only when the text
    has that many brackets at all). A value orjson read holds no half surrogate pair."""
    brackets = text.count("[") + text.count("{") if isinstance(text, str) else text.count(b"[") + text.count(b"{")
    if brackets > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise NotAnEvent(f"nested more than {MAX_DEPTH} levels deep")
    return value


def _depth(value: Any) -> int:
    """How deep a JSON value nests (a scalar 0, `{}` 1), looked at up to MAX_DEPTH + 1."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_DEPTH:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            stack += [(child, level + 1) for child in children]
    return deepest


def _check_text(value: Any) -> None:
    """An escaped surrogate that is not half of a pair decodes to a str that is not text:
    no UTF-8 can write it, so the decision for it could not be written."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(exc.object[exc.start])
        raise NotAnEvent(f"not text: a string holds \\u{code:04x}, half of a UTF-16 surrogate pair") from None
