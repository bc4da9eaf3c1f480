"""Events at the boundary: checked field by field, naive times refused, EventError naming the field."""
from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from engine.config.values import LOCAL_DATETIME, RANGE_TEXT, seconds_in_range
from engine.errors import EventError
from engine.runtime.event_fast import fast_checks

EVENT_TYPES = ("created", "acknowledged", "transferred", "updated", "status_changed",
               "resolved", "reopened", "closed")
CHANGEABLE = ("category", "severity", "title", "tags", "source", "fields", "supervisors_remove")
FieldCheck = Callable[[Any, str], None]


class Event(NamedTuple):
    """A checked event; `raw` is the mapping as the host sent it."""

    type: str
    ticket: str
    at: datetime
    ts: float
    iso: str             # `at` as isoformat() writes it, what decisions and notifications show
    raw: Mapping[str, Any]


# RFC 3339 (the offset optional here, so that a naive time gets its own message); fromisoformat
# alone would also take ISO 8601's week dates and basic format.
_RFC3339 = LOCAL_DATETIME
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")   # the schemas' `id`


def parse_time(value: Any, field: str) -> datetime:
    """An RFC 3339 datetime string with its UTC offset, in the supported range."""
    return _parse_time(value, field)[0]


def _parse_time(value: Any, field: str) -> tuple[datetime, float]:
    """`parse_time` and the instant's POSIX seconds, worked out once."""
    if type(value) is not str:
        raise EventError(f"expected an RFC 3339 datetime string, got {type(value).__name__}", field)
    if len(value) > 64 or not _RFC3339.fullmatch(value):
        raise EventError(f"{value[:64]!r} is not an RFC 3339 datetime", field)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise EventError(f"{value!r} is not an RFC 3339 datetime", field) from None
    if at.tzinfo is None:
        raise EventError(f"{value!r} has no UTC offset (add +08:00 or Z)", field)
    ts = seconds_in_range(at)
    if ts is None:
        raise EventError(f"{value!r} is outside the supported range ({RANGE_TEXT})", field)
    return at, ts


def check_instant(at: datetime, field: str, text: str | None = None) -> None:
    """Refuse an instant outside the supported range (docs/limits.md)."""
    if seconds_in_range(at) is None:
        shown = text if text is not None else at.isoformat()
        raise EventError(f"{shown!r} is outside the supported range ({RANGE_TEXT})", field)


# Sizes an event may not exceed (docs/limits.md): every per-event cost is linear in the
# event's size, and these keep that size, and a ticket's stored state, bounded.
MAX_TEXT = 65_536          # characters of a title, note, source, submitter, status, by
MAX_NAME = 256             # characters of a ticket id, a tag, a person or team id
MAX_CATEGORY = 1_024       # characters of a category id ...
MAX_SEGMENTS = 32          # ... and its `/`-separated parts
MAX_TAGS = 256
MAX_FIELDS_DEPTH = 16      # nesting of `fields`
MAX_FIELDS_NODES = 4_096   # values in `fields`, all levels together


def describe(value: Any) -> str:
    """A value as an error message shows it: its repr, cut to 80 characters (an integer
    too long to print is named by its size)."""
    try:
        text = repr(value)
    except ValueError:
        return f"an integer of more than {sys.get_int_max_str_digits():,} digits"
    return text if len(text) <= 80 else text[:77] + "..."


def unicode_text(value: str) -> bool:
    """Whether a string can be written out as UTF-8 and stored as text anywhere (JSON can
    carry half a surrogate pair, which no output can hold, and NUL, which PostgreSQL text
    and jsonb refuse): the ASCII case costs two C calls."""
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_NOT_TEXT = "holds NUL or half a surrogate pair (not text)"


def _unicode(value: str, field: str) -> None:
    if not unicode_text(value):
        raise EventError(_NOT_TEXT, field)


def _text(value: Any, field: str) -> None:
    if type(value) is not str:
        raise EventError(f"expected a string, got {describe(value)}", field)
    if len(value) > MAX_TEXT:
        raise EventError(f"longer than {MAX_TEXT:,} characters ({len(value):,})", field)
    if not unicode_text(value):  # `_unicode` inline: one call less for a non-ASCII text
        raise EventError(_NOT_TEXT, field)


def _name(value: Any, field: str) -> None:
    if type(value) is not str or not value:
        raise EventError(f"expected a non-empty string, got {describe(value)}", field)
    if len(value) > MAX_NAME:
        raise EventError(f"longer than {MAX_NAME} characters ({len(value):,})", field)
    if not unicode_text(value):  # `_unicode` inline: one call less for a non-ASCII text
        raise EventError(_NOT_TEXT, field)


def _category(value: Any, field: str) -> None:
    if type(value) is not str or not value:
        raise EventError(f"expected a non-empty string, got {describe(value)}", field)
    if len(value) > MAX_CATEGORY or value.count("/") >= MAX_SEGMENTS:
        raise EventError(f"a category id has at most {MAX_CATEGORY} characters and {MAX_SEGMENTS} "
                         f"parts, got {len(value):,} characters", field)
    if not (value.isascii() and "\x00" not in value):  # the common ASCII id: no call
        _unicode(value, field)


def _id(value: Any, field: str) -> None:
    if type(value) is not str or len(value) > MAX_NAME or not _ID.fullmatch(value):
        raise EventError(f"expected an id (letters, digits, '_' or '-'), got {describe(value)}", field)


def _tags(value: Any, field: str) -> None:
    if type(value) is not list:
        raise EventError(f"expected a list of non-empty strings, got {describe(value)}", field)
    for tag in value:
        if type(tag) is not str or not tag:
            raise EventError(f"expected a list of non-empty strings, got {describe(value)}", field)
        if len(tag) > MAX_NAME:
            raise EventError(f"at most {MAX_TAGS} tags of at most {MAX_NAME} characters each", field)
        _unicode(tag, field)
    if len(value) > MAX_TAGS:
        raise EventError(f"at most {MAX_TAGS} tags of at most {MAX_NAME} characters each", field)


def _fields(value: Any, field: str) -> None:
    if type(value) is dict and len(value) <= 64 and _flat(value):
        return       # the common flat object of short texts: one loop, no walk
    if not isinstance(value, dict):
        raise EventError(f"expected an object, got {type(value).__name__}", field)
    check_json_value(value, field)


def check_json_value(value: Any, field: str) -> None:
    """`fields` as the host may send them: JSON values only, bounded (docs/limits.md). The
    common flat object of short texts is answered by one loop; anything else gets the
    walk that names the offending path."""
    if type(value) is dict and len(value) <= 64 and _flat(value):
        return
    _json_value(value, field, [MAX_FIELDS_NODES], 0)


_INT_RANGE = range(-(2 ** 63), 2 ** 64)


def _flat(value: dict[Any, Any]) -> bool:
    for key, item in value.items():
        kind = type(item)
        # `unicode_text` inlined for ASCII (its own first answer): most keys and values are
        if type(key) is not str or not ((key.isascii() and "\x00" not in key) or unicode_text(key)) or not (
                (kind is str and len(item) <= MAX_TEXT
                 and ((item.isascii() and "\x00" not in item) or item.isprintable() or unicode_text(item)))
                or item is None or kind is bool or (kind is int and item in _INT_RANGE)):
            return False
    return True


def _json_value(value: Any, field: str, budget: list[int], depth: int) -> None:
    """A JSON value as the host could have sent it: no NaN or infinity, no sets, bytes or
    objects, keys that are strings, bounded in depth, count and text size."""
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_FIELDS_DEPTH:
        raise EventError(f"more than {MAX_FIELDS_NODES:,} values or {MAX_FIELDS_DEPTH} levels", field)
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not unicode_text(key):
                raise EventError(f"object keys are Unicode strings, got {describe(key)}", field)
            _json_value(item, f"{field}.{key}", budget, depth + 1)
    elif kind is list:
        for i, item in enumerate(value):
            _json_value(item, f"{field}[{i}]", budget, depth + 1)
    elif kind is str:
        if len(value) > MAX_TEXT:
            raise EventError(f"longer than {MAX_TEXT:,} characters ({len(value):,})", field)
        _unicode(value, field)
    elif kind is float:
        if not math.isfinite(value):
            raise EventError(f"{value!r} is not a JSON number", field)
    elif kind is int and not -(2 ** 63) <= value < 2 ** 64:
        raise EventError(f"{describe(value)} is beyond the integers JSON tools keep exactly", field)
    elif value is not None and kind not in (int, bool):
        raise EventError(f"not a JSON value ({kind.__name__})", field)


def _time(value: Any, field: str) -> None:
    parse_time(value, field)


def _optional(check: FieldCheck) -> FieldCheck:
    def allow_null(value: Any, field: str) -> None:
        if value is not None:
            check(value, field)
    return allow_null


def _flag(value: Any, field: str) -> None:
    if type(value) is not bool:
        raise EventError(f"expected true or false, got {describe(value)}", field)


def _people(value: Any, field: str) -> None:
    if type(value) is not list or not value or len(value) > MAX_TAGS:
        raise EventError(f"expected a list of 1 to {MAX_TAGS} person ids, got {describe(value)}", field)
    for i, person in enumerate(value):
        _id(person, f"{field}[{i}]")


def _resolution(value: Any, field: str) -> None:
    """`{code, text}`, at least one: a code of the category (checked against the config
    later, by the lifecycle) and free text."""
    if type(value) is not dict or not value or not set(value) <= {"code", "text"}:
        raise EventError(f"expected {{code: id, text: string}} (either or both), got {describe(value)}", field)
    if "code" in value:
        _id(value["code"], f"{field}.code")
    _maybe_text(value.get("text"), f"{field}.text")


def _transfer_target(to: Any, field: str) -> None:
    if not isinstance(to, dict) or len(to) != 1 or not set(to) <= {"person", "team"}:
        raise EventError("expected {person: id} or {team: id}", field)
    key = next(iter(to))
    _id(to[key], f"{field}.{key}")


_maybe_text, _maybe_id = _optional(_text), _optional(_id)
_maybe_tags, _maybe_fields = _optional(_tags), _optional(_fields)
_maybe_flag, _maybe_resolution = _optional(_flag), _optional(_resolution)
# The checks a field's value goes to when it is not plain (null is plain for these).
_DIRECT: dict[FieldCheck, FieldCheck] = {_maybe_tags: _tags, _maybe_fields: _fields, _maybe_id: _id,
                                         _maybe_text: _text, _maybe_flag: _flag,
                                         _maybe_resolution: _resolution}
_ATTRIBUTES: dict[str, FieldCheck] = {
    "category": _category, "severity": _maybe_id, "title": _maybe_text,
    "tags": _maybe_tags, "source": _maybe_text, "fields": _maybe_fields,
}


_CHANGES: dict[str, FieldCheck] = {**_ATTRIBUTES, "supervisors_remove": _people}


def _changes(changes: Any, field: str) -> None:
    if not isinstance(changes, dict) or not changes:
        raise EventError("expected a non-empty object of changed attributes", field)
    for key, value in changes.items():
        check = _CHANGES.get(key)
        if check is None:
            raise EventError(f"cannot be changed (changeable: {', '.join(CHANGEABLE)})", f"{field}.{key}")
        check(value, f"{field}.{key}")


_COMMON: dict[str, FieldCheck] = {"type": _text, "ticket": _name, "at": _time,
                                  "note": _maybe_text, "by": _maybe_text}
_FIELDS: dict[str, dict[str, FieldCheck]] = {
    "created": {**_COMMON, **_ATTRIBUTES, "submitter": _maybe_text},
    "acknowledged": _COMMON,
    "transferred": {**_COMMON, "to": _transfer_target, "supervise": _maybe_flag},
    "updated": {**_COMMON, "changes": _changes},
    "status_changed": {**_COMMON, "status": _name},
    "resolved": {**_COMMON, "resolution": _maybe_resolution},
    "reopened": _COMMON,
    "closed": _COMMON,
}
# Values a field takes without a closer look (the common, valid case costs no call); any
# other value goes to the field's check, which accepts it or names what is wrong.
_PLAIN: dict[FieldCheck, tuple[type, ...]] = {
    _maybe_id: (type(None),), _maybe_tags: (type(None),), _maybe_fields: (type(None),),
    _maybe_text: (type(None),), _maybe_flag: (type(None), bool), _maybe_resolution: (type(None),),
}
# Texts a field takes without a call, by length (-1: always checked): a plain string in
# bounds, the common case, costs a length test and a C test of its characters (ASCII
# without NUL, or printable: `isprintable()` is false for NUL and half surrogate pairs, so
# it implies `unicode_text`; a text with a newline or a tab gets the full check).
_TEXT_BOUNDS: dict[FieldCheck, tuple[int, int]] = {
    _text: (0, MAX_TEXT), _maybe_text: (0, MAX_TEXT), _name: (1, MAX_NAME),
    # A category of fewer characters than MAX_SEGMENTS cannot have too many parts.
    _category: (1, MAX_SEGMENTS - 1),
}
# Per event type: each field's plain types, text bounds and check; `at` is checked when it
# is parsed.
_SPECS = {kind: {key: (_PLAIN.get(check, ()) if key != "at" else (str,),
                       *_TEXT_BOUNDS.get(check, (0, -1)), _DIRECT.get(check, check))
                 for key, check in fields.items()} for kind, fields in _FIELDS.items()}
_REQUIRED = {kind: ("ticket", "at") + {"created": ("category",), "transferred": ("to",),
                                        "updated": ("changes",), "status_changed": ("status",)
                                        }.get(kind, ()) for kind in EVENT_TYPES}


def _plain_tags(value: Any) -> bool:
    """`_tags` accepts `value`, answered without raising (the fast check's form)."""
    if type(value) is not list or len(value) > MAX_TAGS:
        return False
    for tag in value:
        if type(tag) is not str or not 0 < len(tag) <= MAX_NAME or not (
                (tag.isascii() and "\x00" not in tag) or tag.isprintable()):
            return False
    return True


# Each check's yes-or-no form for `event_fast` (true only where the check accepts).
_PLAIN_TEXT = "((v.isascii() and '\\x00' not in v) or v.isprintable())"
_FORMS: dict[FieldCheck, str] = {
    _text: f"type(v) is str and len(v) <= {MAX_TEXT} and {_PLAIN_TEXT}",
    _maybe_text: f"v is None or (type(v) is str and len(v) <= {MAX_TEXT} and {_PLAIN_TEXT})",
    _name: f"type(v) is str and 0 < len(v) <= {MAX_NAME} and {_PLAIN_TEXT}",
    _category: f"type(v) is str and 0 < len(v) <= {MAX_CATEGORY} and v.count('/') < {MAX_SEGMENTS} "
               f"and {_PLAIN_TEXT}",
    _maybe_id: f"v is None or (type(v) is str and len(v) <= {MAX_NAME} and id_match(v) is not None)",
    _maybe_tags: "v is None or plain_tags(v)",
    _maybe_fields: "v is None or (type(v) is dict and len(v) <= 64 and flat(v))",
    _maybe_flag: "v is None or type(v) is bool",
}
_FAST = fast_checks(_FIELDS, _REQUIRED, _FORMS,
                    {"id_match": _ID.fullmatch, "plain_tags": _plain_tags, "flat": _flat})


def parse_event(raw: Any) -> Event:
    """Check an event's shape; raises EventError naming the first wrong field."""
    if not isinstance(raw, dict):
        raise EventError(f"an event is a JSON object, got {type(raw).__name__}")
    kind = raw.get("type")
    specs = _SPECS.get(kind) if type(kind) is str else None
    if specs is None:
        raise EventError(f"expected one of {', '.join(EVENT_TYPES)}, got {describe(kind)}", "type")
    # The fast answer reads with `get`; a dict subclass could answer it and `items()` apart.
    fast = _FAST.get(kind) if type(raw) is dict else None  # type: ignore[arg-type]
    if fast is None or not fast(raw):
        _check_fields(raw, kind, specs)  # type: ignore[arg-type]
    at = raw["at"]  # `_instant`'s memo read here: one call less for a known `at`
    found = _INSTANTS.get(at) if type(at) is str else None
    return _event(Event, (kind, raw["ticket"], *(found or _instant(at)), raw))


def _check_fields(raw: dict[str, Any], kind: str, specs: Mapping[str, tuple[Any, ...]]) -> None:
    """Every field of the event, in its order: the first wrong one raises."""
    for key in _REQUIRED[kind]:
        if key not in raw:
            raise EventError("is required", key)
    for key, value in raw.items():
        spec = specs.get(key)
        if spec is None:
            raise EventError(f"not a field of a {kind!r} event", key)
        kind_of = type(value)
        if kind_of not in spec[0] and not (kind_of is str and spec[1] <= len(value) <= spec[2] and (
                (value.isascii() and "\x00" not in value) or value.isprintable())):
            spec[3](value, key)


# Events at peak share their second: each distinct `at` text is parsed once (bounded).
_INSTANTS: dict[Any, tuple[datetime, float, str]] = {}


def _instant(text: Any) -> tuple[datetime, float, str]:
    found = _INSTANTS.get(text) if type(text) is str else None
    if found is None:
        at, ts = _parse_time(text, "at")
        found = at, ts, text if _is_isoformat(text) else at.isoformat()
        if len(_INSTANTS) >= 4096:
            _INSTANTS.clear()
        _INSTANTS[text] = found
    return found


def _is_isoformat(text: str) -> bool:
    """Whether an RFC 3339 text `parse_time` took is what `isoformat()` writes for it, the
    common case that need not be written again: seconds and no fraction (isoformat drops
    a zero one), an offset other than -00:00 (which reads as UTC: +00:00)."""
    return len(text) == 25 and text[19] in "+-" and text[-6:] != "-00:00"


_event = tuple.__new__  # one C call, not the NamedTuple's generated Python __new__


def checked_elsewhere(raw: dict[str, Any]) -> Event:
    """The Event `parse_event(raw)` returned for the same JSON in another process (a
    `--jobs` reader hands its workers lines it checked): built without checking again."""
    return _event(Event, (raw["type"], raw["ticket"], *_instant(raw["at"]), raw))


def instant_of(text: str) -> datetime:
    """The `at` of an event whose `at` text `parse_event` accepted (kept as it read it)."""
    return _instant(text)[0]
