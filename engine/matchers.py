"""The matcher language (SPEC §5), compiled once into predicates over a ticket's attributes.

A ticket is a dict: `category`, `severity`, `tags` (tuple), `source`, `submitter`, `title`,
`fields` (dict) and `at` (POSIX seconds of the event). One registry, OPERATORS, holds every
operator; the JSON Schema's `$defs.operators` is pinned to its keys by a test.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

Ticket = Mapping[str, Any]
Predicate = Callable[[Ticket], bool]
ValueTest = Callable[[Any], bool]

ATTRIBUTES = ("category", "severity", "tags", "source", "submitter", "title")
LIST_ATTRIBUTES = frozenset({"tags"})
MISSING: Any = object()


class OpenCalendar(Protocol):
    """What `during`/`outside` need of a calendar."""

    def is_open(self, ts: float) -> bool: ...


def scalar_key(value: Any) -> Any:
    """A hashable key whose equality never confuses true with 1: strings stand for
    themselves (the common, fast case), other scalars are tagged with their kind."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return ("b", value)
    if kind is int or kind is float:
        return ("n", value)
    return ("o", value)


def _each(test: ValueTest) -> ValueTest:
    """Lift a scalar test to list attributes: any element passes."""
    def check(value: Any) -> bool:
        if type(value) is list or type(value) is tuple:
            return any(test(v) for v in value)
        return test(value)
    return check


def _in(arg: Any) -> ValueTest:
    if all(type(v) is str for v in arg):
        words = frozenset(arg)
        return _each(lambda v: type(v) is str and v in words)
    keys = frozenset(scalar_key(v) for v in arg)
    return _each(lambda v: _hashable(v) and scalar_key(v) in keys)


def _hashable(value: Any) -> bool:
    return type(value) in (str, int, float, bool)


def _not_in(arg: Any) -> ValueTest:
    member = _in(arg)
    return lambda v: not member(v)


def _regex(arg: Any) -> ValueTest:
    pattern = re.compile(arg)
    return _each(lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None)


def _prefix(arg: Any) -> ValueTest:
    return _each(lambda v: isinstance(v, str) and v.startswith(arg))


def _contains(arg: Any) -> ValueTest:
    if type(arg) is str:  # `in` on a list compares with ==, exact for strings
        return lambda v: arg in v if type(v) is list or type(v) is str else \
            type(v) is tuple and arg in v
    key = scalar_key(arg)
    return lambda v: (type(v) is list or type(v) is tuple) and any(
        _hashable(x) and scalar_key(x) == key for x in v)


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (isinstance(a, str) and isinstance(b, str))


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any], ValueTest]:
    def factory(arg: Any) -> ValueTest:
        return _each(lambda v: _comparable(v, arg) and op(v, arg))
    return factory


def _exists(arg: Any) -> ValueTest:
    # Only reached for present values; a missing attribute is handled by the caller.
    return lambda v: bool(arg)


OPERATORS: dict[str, Callable[[Any], ValueTest]] = {
    "in": _in,
    "not_in": _not_in,
    "regex": _regex,
    "prefix": _prefix,
    "contains": _contains,
    "gte": _compare(lambda a, b: a >= b),
    "gt": _compare(lambda a, b: a > b),
    "lte": _compare(lambda a, b: a <= b),
    "lt": _compare(lambda a, b: a < b),
    "exists": _exists,
}


def getter(key: str) -> Callable[[Ticket], Any]:
    """Reads one attribute (`fields.a.b` walks the payload); MISSING when absent or empty.

    The evaluator builds tickets itself, so `fields` is always a dict; the nested walk
    checks types because the payload below it is the host's.
    """
    if key.startswith("fields."):
        parts = tuple(key.split(".")[1:])
        if len(parts) == 1:
            name = parts[0]

            def top_field(ticket: Ticket) -> Any:
                value = ticket["fields"].get(name)
                return MISSING if value is None else value
            return top_field

        def field(ticket: Ticket) -> Any:
            value: Any = ticket["fields"]
            for part in parts:
                if type(value) is not dict or part not in value:
                    return MISSING
                value = value[part]
            return MISSING if value is None else value
        return field

    def attribute(ticket: Ticket) -> Any:
        value = ticket.get(key)
        return MISSING if value is None or value == [] else value  # no tags = tags missing
    return attribute


def condition_test(key: str, condition: Any) -> tuple[ValueTest, bool]:
    """(test for a present value, result for a missing one) of one `key: condition`."""
    is_list = key in LIST_ATTRIBUTES
    if isinstance(condition, dict):
        tests = [OPERATORS[op](arg) for op, arg in condition.items()]
        on_missing = condition.get("exists") is False and len(condition) == 1
        if len(tests) == 1:
            return tests[0], on_missing
        return (lambda v: all(t(v) for t in tests)), on_missing
    if isinstance(condition, list):
        return OPERATORS["in"](condition), False
    if is_list:
        return OPERATORS["contains"](condition), False
    # Like `in` and like tags, a value that is a list matches when any element does.
    if type(condition) is str:
        return _each(lambda v: v == condition), False
    key_ = scalar_key(condition)
    return _each(lambda v: _hashable(v) and scalar_key(v) == key_), False


def compile_matcher(spec: Mapping[str, Any], calendars: Mapping[str, OpenCalendar]) -> Predicate:
    """One predicate for a whole `when`: keys ANDed, `any` ORed, `not` negated."""
    return _all([_compile_key(key, value, calendars) for key, value in spec.items()])


def _all(parts: list[Predicate]) -> Predicate:
    """AND without a generator per call (the hot path of every rule)."""
    if len(parts) == 1:
        return parts[0]
    first, rest = parts[0], _all(parts[1:])
    return lambda ticket: first(ticket) and rest(ticket)


def _any(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    first, rest = parts[0], _any(parts[1:])
    return lambda ticket: first(ticket) or rest(ticket)


def _compile_key(key: str, value: Any, calendars: Mapping[str, OpenCalendar]) -> Predicate:
    if key == "any":
        return _any([compile_matcher(sub, calendars) for sub in value])
    if key == "not":
        inner = compile_matcher(value, calendars)
        return lambda ticket: not inner(ticket)
    if key in ("during", "outside"):
        calendar = calendars[value]  # the checks guarantee the calendar exists
        if key == "during":
            return lambda ticket: calendar.is_open(ticket["at"])
        return lambda ticket: not calendar.is_open(ticket["at"])
    read = getter(key)
    test, on_missing = condition_test(key, value)

    def predicate(ticket: Ticket) -> bool:
        found = read(ticket)
        return on_missing if found is MISSING else test(found)
    return predicate


def matcher_keys(spec: Mapping[str, Any]) -> set[str]:
    """Every attribute a matcher reads, through `any` and `not`."""
    keys: set[str] = set()
    for key, value in spec.items():
        if key == "any":
            for sub in value:
                keys |= matcher_keys(sub)
        elif key == "not":
            keys |= matcher_keys(value)
        else:
            keys.add(key)
    return keys
