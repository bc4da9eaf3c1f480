"""A stored state's shape answered yes or no in one pass, for the common case: a state
as a decision wrote it. The field-by-field check in `state.py` stays the reference and
the one that says what is wrong; this only lets a sound state skip it (twins:
docs/architecture.md, pinned by tests/engine/runtime/test_state_fast.py)."""
from __future__ import annotations

from typing import Any

from engine.config.values import EARLIEST_TS, LATEST_TS, MAX_DURATION_S
from engine.runtime.events import MAX_TEXT, check_json_value, unicode_text
from engine.runtime.supervision import MAX_SUPERVISORS

_REQUIRED = ("config_version", "ticket", "start", "last", "status", "closed", "mode", "attrs",
             "category", "severity", "team", "assignee", "clocks")
_TEXTS = ("config_version", "ticket", "status", "mode", "severity", "team")
_LISTS = ("tags", "flags", "fired", "supervisors")
_ATTR_TEXTS = ("title", "source", "submitter", "proposed", "severity_set")
_CLOCK_KEYS = ("calendar", "budget", "runs", "since", "due", "stopped", "outcome")
_NUMBER = (int, float)


_REQUIRED_KEYS = frozenset(_REQUIRED)
_CLOCK_KEY_SET = frozenset(_CLOCK_KEYS)
_OPTIONAL_TEXTS = ("policy", "explicit_mode")


def _text(value: Any) -> bool:
    return type(value) is str and (("\x00" not in value and value.isascii()) or unicode_text(value))


def _instant(value: Any) -> bool:
    return type(value) in _NUMBER and EARLIEST_TS <= value < LATEST_TS


def _strings(value: Any) -> bool:
    if type(value) is not list:
        return False
    for item in value:  # noqa: SIM110 (a loop: `all()` over a generator costs a frame per list)
        if type(item) is not str:
            return False
    return True


# The checks below read `_text`, `_instant` and `_strings` inline where a state has many
# values (its texts, its lists): the usual ASCII text answers without a call.
_ABSENT: list[str] = []   # a missing list reads as this empty one (never changed)


def sound(state: dict[str, Any]) -> bool:
    """True only where `state._check_shape(state)` passes (False: let it look)."""
    try:
        return _sound_top(state) and _sound_attrs(state["attrs"]) and _sound_parts(state) \
            and _sound_clocks(state["clocks"])
    except Exception:  # anything odd: the reference check says what
        return False


def _sound_top(state: dict[str, Any]) -> bool:
    """The state's own fields: present, texts, instants, lists of strings, the resolution."""
    if not state.keys() >= _REQUIRED_KEYS:
        return False
    for key in _TEXTS:
        value = state[key]
        if (type(value) is not str or "\x00" in value or not value.isascii()) and not _text(value):
            return False
    for key in _LISTS:
        value = state.get(key, _ABSENT)
        if type(value) is not list:
            return False
        for item in value:
            if type(item) is not str:
                return False
    for key in _OPTIONAL_TEXTS:
        value = state.get(key)
        if value is not None and not ((type(value) is str and "\x00" not in value and value.isascii())
                                      or _text(value)):
            return False
    start, last, steps_from = state["start"], state["last"], state.get("steps_from")
    until = state.get("until", last)
    return (type(start) in _NUMBER and EARLIEST_TS <= start < LATEST_TS
            and type(last) in _NUMBER and EARLIEST_TS <= last < LATEST_TS
            and type(until) in _NUMBER and EARLIEST_TS <= until < LATEST_TS
            and (steps_from is None or _instant(steps_from))
            and type(state["closed"]) is bool
            and len(state.get("supervisors", ())) <= MAX_SUPERVISORS
            and (state.get("resolution") is None or _sound_resolution(state["resolution"])))


def _sound_resolution(resolution: Any) -> bool:
    if resolution is None:
        return True
    if type(resolution) is not dict:
        return False
    code, text = resolution.get("code"), resolution.get("text")
    return (code is None or _text(code)) and (text is None or (_text(text) and len(text) <= MAX_TEXT))


def _sound_attrs(attrs: Any) -> bool:
    if type(attrs) is not dict or not _text(attrs.get("category")):
        return False
    for key in _ATTR_TEXTS:
        value = attrs.get(key)
        if value is not None and not (
                ((type(value) is str and "\x00" not in value and value.isascii()) or _text(value))
                and len(value) <= MAX_TEXT):
            return False
    fields = attrs.get("fields", _NO_FIELDS)
    if not _strings(attrs.get("tags", _ABSENT)) or type(fields) is not dict:
        return False
    check_json_value(fields, "state.attrs.fields")  # its fast path is the flat object; raises otherwise
    return True


_NO_FIELDS: dict[str, Any] = {}   # missing `fields` read as this empty object (never changed)


def _sound_parts(state: dict[str, Any]) -> bool:
    category, assignee = state["category"], state["assignee"]
    if type(category) is not dict or type(assignee) is not dict or type(category.get("fallback")) is not bool:
        return False
    for value in (category.get("id"), assignee.get("source")):
        if not ((type(value) is str and "\x00" not in value and value.isascii()) or _text(value)):
            return False
    for value in (category.get("matched"), assignee.get("person")):
        if value is not None and not ((type(value) is str and "\x00" not in value and value.isascii())
                                      or _text(value)):
            return False
    return True


def _sound_clocks(clocks: Any) -> bool:
    if type(clocks) is not dict or len(clocks) != 2 or "response" not in clocks or "resolve" not in clocks:
        return False
    return _sound_clock(clocks["response"]) and _sound_clock(clocks["resolve"])


def _sound_clock(clock: Any) -> bool:
    if type(clock) is not dict or not clock.keys() >= _CLOCK_KEY_SET:
        return False
    budget, since, due, stopped = clock["budget"], clock["since"], clock["due"], clock["stopped"]
    calendar = clock["calendar"]
    if not (((type(calendar) is str and "\x00" not in calendar and calendar.isascii()) or _text(calendar))
            and type(budget) in _NUMBER and 0 <= budget <= MAX_DURATION_S):
        return False
    for value in (since, due, stopped, clock.get("floor")):
        if value is not None and not (type(value) in _NUMBER and EARLIEST_TS <= value < LATEST_TS):
            return False
    if clock["outcome"] not in ((None,) if stopped is None else ("met", "breached")):
        return False
    if ((since is not None or stopped is not None) and due is None) or (since is not None and stopped is not None):
        return False
    runs = clock["runs"]
    if type(runs) is not list:
        return False
    for run in runs:
        if not (type(run) is list and len(run) == 2 and _instant(run[0]) and _instant(run[1]) and run[1] >= run[0]):
            return False
    return True
