"""The compiled matcher against a plain reading of docs/semantics.md#matchers, on random `when`s and tickets.

`compile_matcher` turns a `when` into the source of one Python function with inline fast
paths per value type; this reference walks the `when` directly, so the two can only agree
if every fast path means what the operator means.
"""
from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.routing.matchers import compile_matcher
from helpers import ts
from routing_reference import OFFICE_CALENDARS

ABSENT = object()
KEYS = ("title", "source", "severity", "tags", "fields.a", "fields.b.c")
SCALARS = st.sampled_from(["x", "y", "P1", "P2", "资损", "", 0, 1, 2.5, 100, -3, True, False])
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.none(),
                   st.dictionaries(st.sampled_from(["c", "d"]), SCALARS, max_size=2))
PATTERNS = st.sampled_from(["x", "P.", ".*", "资.*", "1", "[xy]+"])
OPERATOR = st.one_of(
    st.tuples(st.sampled_from(["in", "not_in"]), st.lists(SCALARS, max_size=3)),
    st.tuples(st.just("regex"), PATTERNS),
    st.tuples(st.just("prefix"), st.sampled_from(["", "x", "P", "资"])),  # the schema: a string
    st.tuples(st.sampled_from(["contains", "gte", "gt", "lte", "lt"]), SCALARS),
    st.tuples(st.just("exists"), st.booleans()),
)
CONDITIONS = st.one_of(SCALARS, st.lists(SCALARS, min_size=1, max_size=3),
                       st.lists(OPERATOR, min_size=1, max_size=2).map(dict))


def whens(depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    plain = st.dictionaries(st.sampled_from(KEYS), CONDITIONS, min_size=1, max_size=3)
    if depth == 0:
        return plain
    inner = whens(depth - 1)
    return st.one_of(
        plain,
        st.builds(lambda w, a: {**w, "any": a}, plain, st.lists(inner, min_size=1, max_size=2)),
        st.builds(lambda w, n: {**w, "not": n}, plain, inner),
        st.builds(lambda w, c: {**w, c: "office"}, plain, st.sampled_from(["during", "outside"])))


def tickets() -> st.SearchStrategy[dict[str, Any]]:
    nested = st.fixed_dictionaries({}, optional={"c": VALUES})
    fields = st.fixed_dictionaries({}, optional={"a": VALUES, "b": st.one_of(VALUES, nested)})
    return st.fixed_dictionaries({
        "category": st.just("trade/order"),
        "severity": st.sampled_from(["P1", "P2", "P3"]),
        "tags": st.lists(st.sampled_from(["x", "资损", "P1"]), max_size=3),
        "source": st.one_of(st.none(), SCALARS), "submitter": st.none(),
        "title": st.one_of(st.none(), SCALARS),
        "fields": fields,
        "at": st.sampled_from([ts("2026-11-02T10:00:00+08:00"), ts("2026-11-07T10:00:00+08:00")]),
    })


# ---- the reference: docs/semantics.md#matchers read literally

def value(ticket: dict[str, Any], key: str) -> Any:
    if not key.startswith("fields."):
        found = ticket.get(key)
        return ABSENT if found is None or found == [] else found
    found = ticket["fields"]
    for part in key.split(".")[1:]:
        if type(found) is not dict or part not in found:
            return ABSENT
        found = found[part]
    return ABSENT if found is None else found


def same(a: Any, b: Any) -> bool:
    """Scalars are equal only within a kind: true is not 1, "1" is not 1, 1 is 1.0."""
    kinds = [("bool" if type(x) is bool else "number" if type(x) in (int, float) else type(x).__name__)
             for x in (a, b)]
    return kinds[0] == kinds[1] and kinds[0] in ("bool", "number", "str") and a == b


def any_element(found: Any, test: Any) -> bool:
    return any(test(x) for x in found) if type(found) in (list, tuple) else bool(test(found))


def comparable(a: Any, b: Any) -> bool:
    return (type(a) is str and type(b) is str) or (type(a) in (int, float) and type(b) in (int, float))


OPERATORS: dict[str, Any] = {
    "in": lambda found, arg: any_element(found, lambda x: any(same(x, a) for a in arg)),
    "not_in": lambda found, arg: not any_element(found, lambda x: any(same(x, a) for a in arg)),
    "regex": lambda found, arg: any_element(found, lambda x: type(x) is str and re.fullmatch(arg, x)),
    "prefix": lambda found, arg: any_element(found, lambda x: type(x) is str and x.startswith(arg)),
    "contains": lambda found, arg: (arg in found if type(found) is str and type(arg) is str else
                                    type(found) in (list, tuple) and any(same(x, arg) for x in found)),
    "gte": lambda found, arg: any_element(found, lambda x: comparable(x, arg) and x >= arg),
    "gt": lambda found, arg: any_element(found, lambda x: comparable(x, arg) and x > arg),
    "lte": lambda found, arg: any_element(found, lambda x: comparable(x, arg) and x <= arg),
    "lt": lambda found, arg: any_element(found, lambda x: comparable(x, arg) and x < arg),
    "exists": lambda found, arg: arg,
}


def holds(key: str, condition: Any, ticket: dict[str, Any]) -> bool:
    found = value(ticket, key)
    if isinstance(condition, dict):
        if found is ABSENT:
            return condition == {"exists": False}
        return all(OPERATORS[op](found, arg) for op, arg in condition.items())
    if found is ABSENT:
        return False
    if isinstance(condition, list):
        return OPERATORS["in"](found, condition)
    if key == "tags":
        return OPERATORS["contains"](found, condition)
    return any_element(found, lambda x: same(x, condition))


def reference(when: dict[str, Any], ticket: dict[str, Any]) -> bool:
    for key, condition in when.items():
        if key == "any":
            ok = any(reference(sub, ticket) for sub in condition)
        elif key == "not":
            ok = not reference(condition, ticket)
        elif key in ("during", "outside"):
            ok = OFFICE_CALENDARS[condition].is_open(ticket["at"]) is (key == "during")
        else:
            ok = holds(key, condition, ticket)
        if not ok:
            return False
    return True


@settings(max_examples=600, deadline=None)
@given(when=whens(), ticket=tickets())
def test_the_compiled_matcher_is_the_language(when: dict[str, Any], ticket: dict[str, Any]) -> None:
    assert compile_matcher(when, OFFICE_CALENDARS)(ticket) is reference(when, ticket)


def test_deep_nesting_compiles() -> None:
    """Python caps how deeply one expression nests; a deep `not`/`any` chain still compiles."""
    when: dict[str, Any] = {"source": "web"}
    for _ in range(60):
        when = {"not": {"not": when}}
    assert compile_matcher(when, OFFICE_CALENDARS)({"source": "web", "fields": {}}) is True
    assert compile_matcher(when, OFFICE_CALENDARS)({"source": "app", "fields": {}}) is False
