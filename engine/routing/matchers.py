"""The matcher language (docs/semantics.md#matchers), compiled once into predicates over a ticket's attributes.

A ticket is a dict: `category`, `severity`, `tags` (tuple), `source`, `submitter`, `title`,
`fields` (dict) and `at` (POSIX seconds of the event). One registry, OPERATORS, holds every
operator; the JSON Schema's `$defs.operators` is pinned to its keys by a test. A `regex` is
RE2 (`regex_fullmatch`), so no pattern can make matching a host's text slower than linear.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

import re2

from engine.routing.codegen import Namespace

Ticket = Mapping[str, Any]
Predicate = Callable[[Ticket], bool]
ValueTest = Callable[[Any], bool]

ATTRIBUTES = ("category", "severity", "tags", "source", "submitter", "title")
LIST_ATTRIBUTES = frozenset({"tags"})
# Keys of a matcher that are not ticket attributes: combinators and calendar tests.
NON_ATTRIBUTES = ("any", "not", "during", "outside")
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


class RegexError(ValueError):
    """A `regex` that RE2 does not compile; the message is RE2's."""


_BINDING: Any = re2   # its private names for an anchored match are not in the stubs


class _RE2:
    ANCHOR_BOTH: Any = _BINDING._Anchor.ANCHOR_BOTH
    NO_MATCH: Any = _BINDING._NULL_SPAN


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False   # the checks report the error at its YAML line; RE2 would also print it
_RE2_OPTIONS.never_capture = True  # only "does it match" is asked: no group spans to work out


def regex_fullmatch(pattern: str) -> Callable[[str], bool]:
    """Whether a string matches `pattern` in full, in RE2 syntax: time linear in the text
    whatever the pattern (Python's backtracking `re` takes seconds on `(a+)+b` and a title
    of thirty characters). RegexError for a pattern RE2 does not support."""
    try:
        compiled = re2.compile(pattern.encode("utf-8", "surrogatepass"), _RE2_OPTIONS)
    except re2.error as exc:
        raise RegexError(_re2_message(exc)) from None
    # The binding's own fullmatch works out offsets for a match object in Python; asking
    # the compiled RE2 object for the whole-text span alone costs a third (pinned <2).
    native: Any = compiled
    match, both, no_match = native._regexp.Match, _RE2.ANCHOR_BOTH, _RE2.NO_MATCH

    def matches(text: str) -> bool:
        # surrogatepass: JSON can carry a lone surrogate, which strict UTF-8 refuses to encode
        data = text.encode("utf-8", "surrogatepass")
        return bool(match(both, data, 0, len(data))[0] != no_match)
    return matches


def _re2_message(exc: Exception) -> str:
    message = exc.args[0] if exc.args else exc
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def _regex(arg: Any) -> ValueTest:
    matches = regex_fullmatch(arg)
    return _each(lambda v: isinstance(v, str) and matches(v))


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
    """One predicate for a whole `when`: keys ANDed, `any` ORed, `not` negated.

    The `when` becomes the source of one Python function (engine.routing.codegen), so a rule costs
    one call, not a call per key and operator.
    """
    source = _Expressions(calendars)
    body = source.all_of(spec, 0)
    predicate: Predicate = source.function("t", [f"return {body}"], "matcher")
    return predicate


# Inline forms of single operators, for the value type on which each equals the operator's
# ValueTest exactly; any other value (lists, other types, missing) goes to the ValueTest.
_INLINE = {"equals": "v == {c}", "in": "v in {c}", "not_in": "v not in {c}",
           "regex": "{c}(v)", "prefix": "v.startswith({c})", "contains": "{c} in v",
           "gte": "v >= {c}", "gt": "v > {c}", "lte": "v <= {c}", "lt": "v < {c}"}
_NUMBERS = (int, float)
_MAX_NESTING = 16  # deeper `any`/`not` go into functions of their own: Python caps nesting


class _Expressions(Namespace):
    """Matcher conditions as Python expressions over the ticket `t`, with the names they use."""

    def __init__(self, calendars: Mapping[str, OpenCalendar]) -> None:
        super().__init__(MISSING=MISSING)
        self.calendars = calendars

    def all_of(self, spec: Mapping[str, Any], depth: int) -> str:
        if depth > _MAX_NESTING:
            return f"{self.bind(compile_matcher(spec, self.calendars))}(t)"
        parts = [self.key(key, value, depth) for key, value in spec.items()]
        return "(" + " and ".join(parts) + ")" if parts else "True"

    def key(self, key: str, value: Any, depth: int) -> str:
        if key == "any":
            return "(" + " or ".join(self.all_of(sub, depth + 1) for sub in value) + ")"
        if key == "not":
            return f"(not {self.all_of(value, depth + 1)})"
        if key in ("during", "outside"):
            is_open = self.bind(self.calendars[value].is_open)  # the checks vouch for it
            return f"{'' if key == 'during' else 'not '}{is_open}(t['at'])"
        return self.condition(key, value)

    def condition(self, key: str, condition: Any) -> str:
        """`key: condition` as one expression that reads the attribute once, into `v`."""
        if key.startswith("fields.") and key.count(".") == 1:
            read, present = f"t['fields'].get({self.bind(key[7:])})", "{v} is not None"
        elif key.startswith("fields."):
            read, present = f"{self.bind(getter(key))}(t)", "{v} is not MISSING"
        else:  # a missing attribute is None; no tags at all counts as missing too
            read, present = f"t.get({self.bind(key)})", "{v} is not None and v != []"
        test, on_missing = condition_test(key, condition)
        inline = self.inline(key, condition)
        if inline is None:
            return f"({self.bind(test)}(v) if {present.format(v=f'(v := {read})')} else {on_missing})"
        expression, kinds = inline
        guard = f"type(v := {read}) {'in' if isinstance(kinds, tuple) else 'is'} {self.bind(kinds)}"
        general = f"({self.bind(test)}(v) if {present.format(v='v')} else {on_missing})"
        return f"({expression} if {guard} else {general})"

    def inline(self, key: str, condition: Any) -> tuple[str, type | tuple[type, ...]] | None:
        """The fast form of a condition and the value types it is exact for, if it has one."""
        if isinstance(condition, dict):
            if len(condition) != 1:
                return None
            ((op, arg),) = condition.items()
        elif isinstance(condition, list):
            op, arg = "in", condition
        else:
            op, arg = ("contains" if key in LIST_ATTRIBUTES else "equals"), condition
        if op == "regex":
            return _INLINE[op].format(c=self.bind(regex_fullmatch(arg))), str
        if op in ("in", "not_in"):
            if all(type(a) is str for a in arg):
                return _INLINE[op].format(c=self.bind(frozenset(arg))), str
            return None
        kinds: type | tuple[type, ...] | None = (
            str if type(arg) is str else _NUMBERS if type(arg) in _NUMBERS else None)
        if kinds is None or op not in _INLINE or (op in ("prefix", "contains") and kinds is not str):
            return None
        if op == "contains" and key in LIST_ATTRIBUTES:
            kinds = list
        return _INLINE[op].format(c=self.bind(arg)), kinds


def conditions(spec: Mapping[str, Any], path: tuple[str | int, ...] = ()
               ) -> Iterator[tuple[str, Any, tuple[str | int, ...]]]:
    """(key, condition, data path) of every condition of a matcher, through `any` and
    `not`: the one walker that checks, the index and compile share."""
    for key, value in spec.items():
        here = (*path, key)
        if key == "any":
            for i, sub in enumerate(value):
                yield from conditions(sub, (*here, i))
        elif key == "not":
            yield from conditions(value, here)
        else:
            yield key, value, here


def matcher_keys(spec: Mapping[str, Any]) -> set[str]:
    """Every key a matcher's conditions use (attributes, `during`, `outside`)."""
    return {key for key, _, _ in conditions(spec)}
