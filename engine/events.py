"""Events at the boundary: checked field by field, naive times refused, EventError naming the field."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from engine.errors import EventError

EVENT_TYPES = ("created", "acknowledged", "transferred", "updated", "status_changed",
               "resolved", "reopened", "closed")
_COMMON = ("type", "ticket", "at", "note")
_ALLOWED = {
    "created": _COMMON + ("category", "title", "severity", "tags", "source", "submitter", "fields"),
    "acknowledged": _COMMON + ("by",),
    "transferred": _COMMON + ("to", "by"),
    "updated": _COMMON + ("changes", "by"),
    "status_changed": _COMMON + ("status", "by"),
    "resolved": _COMMON + ("by",),
    "reopened": _COMMON + ("by",),
    "closed": _COMMON + ("by",),
}
CHANGEABLE = ("category", "severity", "title", "tags", "source", "fields")
_STRINGS = ("title", "source", "submitter", "by", "note", "status")


@dataclass(frozen=True, slots=True)
class Event:
    """A checked event; `raw` is the mapping as the host sent it."""

    type: str
    ticket: str
    at: datetime
    ts: float
    raw: Mapping[str, Any]


def parse_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise EventError(f"expected an RFC 3339 datetime string, got {type(value).__name__}", field)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise EventError(f"{value!r} is not an RFC 3339 datetime", field) from None
    if at.tzinfo is None:
        raise EventError(f"{value!r} has no UTC offset (add +08:00 or Z)", field)
    return at


def _string(raw: Mapping[str, Any], field: str, *, required: bool = False, prefix: str = "") -> None:
    value = raw.get(field)
    if value is None:
        if required:
            raise EventError("is required", prefix + field)
        return
    if not isinstance(value, str) or (required and not value):
        raise EventError(f"expected a non-empty string, got {value!r}", prefix + field)


def _attributes(raw: Mapping[str, Any], prefix: str = "") -> None:
    """The ticket attributes shared by `created` and `updated.changes`."""
    for field in _STRINGS:
        _string(raw, field, prefix=prefix)
    if "category" in raw:
        _string(raw, "category", required=True, prefix=prefix)
    if "severity" in raw:
        _string(raw, "severity", required=True, prefix=prefix)
    tags = raw.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
        raise EventError(f"expected a list of strings, got {tags!r}", prefix + "tags")
    fields = raw.get("fields")
    if fields is not None and not isinstance(fields, dict):
        raise EventError(f"expected an object, got {type(fields).__name__}", prefix + "fields")


def parse_event(raw: Any) -> Event:
    """Check an event's shape; raises EventError naming the first wrong field."""
    if not isinstance(raw, Mapping):
        raise EventError(f"an event is a JSON object, got {type(raw).__name__}")
    kind = raw.get("type")
    if kind not in _ALLOWED:
        raise EventError(f"expected one of {', '.join(EVENT_TYPES)}, got {kind!r}", "type")
    _string(raw, "ticket", required=True)
    if "at" not in raw:
        raise EventError("is required", "at")
    at = parse_time(raw["at"], "at")
    unknown = [key for key in raw if key not in _ALLOWED[kind]]
    if unknown:
        raise EventError(f"not a field of a {kind!r} event", unknown[0])
    _attributes(raw)
    if kind == "created":
        _string(raw, "category", required=True)
    elif kind == "transferred":
        _transfer_target(raw.get("to"))
    elif kind == "status_changed":
        _string(raw, "status", required=True)
    elif kind == "updated":
        _changes(raw.get("changes"))
    return Event(kind, raw["ticket"], at, at.timestamp(), raw)


def _transfer_target(to: Any) -> None:
    if not isinstance(to, Mapping) or len(to) != 1 or not set(to) <= {"person", "team"}:
        raise EventError("expected {person: id} or {team: id}", "to")
    _string(to, next(iter(to)), required=True, prefix="to.")


def _changes(changes: Any) -> None:
    if not isinstance(changes, Mapping) or not changes:
        raise EventError("expected a non-empty object of changed attributes", "changes")
    unknown = [key for key in changes if key not in CHANGEABLE]
    if unknown:
        raise EventError(f"cannot be changed (changeable: {', '.join(CHANGEABLE)})",
                         f"changes.{unknown[0]}")
    _attributes(changes, prefix="changes.")
