"""The compiled matcher against a plain reading of docs/semantics.md#matchers, on random `when`s and tickets.

`compile_matcher` turns a `when` into the source of one Python function with inline fast
paths per value type; this reference walks the `when` directly, so the two can only agree
if every fast path means what the operator means.
"""
from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.routing.matchers import compile_matcher
from helpers import ts
from routing_reference import OFFICE_CALENDARS, literal_match

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


@settings(max_examples=600, deadline=None)
@given(when=whens(), ticket=tickets())
def test_the_compiled_matcher_is_the_language(when: dict[str, Any], ticket: dict[str, Any]) -> None:
    assert compile_matcher(when, OFFICE_CALENDARS)(ticket) is literal_match(when, ticket)


def test_deep_nesting_compiles() -> None:
    """Python caps how deeply one expression nests; a deep `not`/`any` chain still compiles."""
    when: dict[str, Any] = {"source": "web"}
    for _ in range(60):
        when = {"not": {"not": when}}
    assert compile_matcher(when, OFFICE_CALENDARS)({"source": "web", "fields": {}}) is True
    assert compile_matcher(when, OFFICE_CALENDARS)({"source": "app", "fields": {}}) is False
