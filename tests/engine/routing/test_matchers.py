"""The matcher language (docs/semantics.md#matchers) on hand-built tickets, and the rule index's anchors."""
from __future__ import annotations

import json
from typing import Any

import pytest

from engine.routing.index import anchors_of, residual, second_anchor
from engine.routing.matchers import OPERATORS, compile_matcher
from helpers import REPO, ts
from routing_reference import OFFICE_CALENDARS

BASE: dict[str, Any] = {
    "category": "trade/order/create-failed",
    "severity": "P3",
    "tags": ["资损", "大促"],
    "source": "web",
    "submitter": "alice",
    "title": "部分用户下单失败",
    "fields": {
        "region": "cn-hangzhou", "amount": 100, "ratio": 0.5, "flag": True, "one": 1,
        "code": "1", "nums": [1, 2, 3], "labels": ["a", "b"], "nothing": None,
        "order": {"type": "presale", "items": 3, "buyer": {"level": "gold"}},
    },
    "at": ts("2026-11-02T10:00:00+08:00"),  # a Monday, inside office hours
}
BARE: dict[str, Any] = {  # only what the evaluator always sets
    "category": "trade", "severity": "P3", "tags": [], "source": None, "submitter": None,
    "title": None, "fields": {}, "at": ts("2026-11-02T10:00:00+08:00"),
}


def matches(when: dict[str, Any], ticket: dict[str, Any] | None = None, **changes: Any) -> bool:
    return compile_matcher(when, OFFICE_CALENDARS)({**(ticket or BASE), **changes})


@pytest.mark.parametrize("when, changes, expected", [
    # scalar equals
    pytest.param({"source": "web"}, {}, True, id="equals-string"),
    pytest.param({"source": "app"}, {}, False, id="equals-other-string"),
    pytest.param({"category": "trade/order"}, {}, False, id="equals-is-not-prefix"),
    pytest.param({"fields.amount": 100}, {}, True, id="equals-int"),
    pytest.param({"fields.amount": 100.0}, {}, True, id="equals-int-as-float"),
    pytest.param({"fields.ratio": 0.5}, {}, True, id="equals-float"),
    pytest.param({"fields.flag": True}, {}, True, id="equals-true"),
    pytest.param({"fields.flag": 1}, {}, False, id="true-never-equals-1"),
    pytest.param({"fields.one": True}, {}, False, id="1-never-equals-true"),
    pytest.param({"fields.code": 1}, {}, False, id="string-1-never-equals-number-1"),
    pytest.param({"fields.amount": "100"}, {}, False, id="number-never-equals-its-string"),
    pytest.param({"fields.labels": "a"}, {}, True, id="scalar-on-a-list-field-matches-any-element"),
    pytest.param({"fields.labels": "z"}, {}, False, id="scalar-on-a-list-field-needs-an-equal-element"),
    # a list means `in`
    pytest.param({"severity": ["P1", "P3"]}, {}, True, id="list-in-hit"),
    pytest.param({"severity": ["P1", "P2"]}, {}, False, id="list-in-miss"),
    pytest.param({"fields.code": [1, 2]}, {}, False, id="list-in-is-type-strict"),
    pytest.param({"fields.one": [True]}, {}, False, id="list-in-true-is-not-1"),
    pytest.param({"fields.amount": [99, 100.0]}, {}, True, id="list-in-numbers"),
    # tags: scalar = contains, list = contains any
    pytest.param({"tags": "大促"}, {}, True, id="tags-scalar-contains"),
    pytest.param({"tags": "大"}, {}, False, id="tags-scalar-is-not-substring"),
    pytest.param({"tags": "安全"}, {}, False, id="tags-scalar-absent"),
    pytest.param({"tags": ["x", "资损"]}, {}, True, id="tags-list-contains-any"),
    pytest.param({"tags": ["x", "y"]}, {}, False, id="tags-list-contains-none"),
    # in / not_in
    pytest.param({"source": {"in": ["app", "web"]}}, {}, True, id="in-hit"),
    pytest.param({"source": {"in": ["app"]}}, {}, False, id="in-miss"),
    pytest.param({"tags": {"in": ["安全", "大促"]}}, {}, True, id="in-on-tags-any"),
    pytest.param({"fields.amount": {"in": [100, 200]}}, {}, True, id="in-numbers"),
    pytest.param({"fields.flag": {"in": [1]}}, {}, False, id="in-true-is-not-1"),
    pytest.param({"fields.nums": {"in": [3]}}, {}, True, id="in-on-a-list-field-any-element"),
    pytest.param({"source": {"not_in": ["app"]}}, {}, True, id="not-in-hit"),
    pytest.param({"source": {"not_in": ["web", "app"]}}, {}, False, id="not-in-miss"),
    pytest.param({"tags": {"not_in": ["x", "资损"]}}, {}, False, id="not-in-on-tags-one-is-listed"),
    pytest.param({"tags": {"not_in": ["x", "y"]}}, {}, True, id="not-in-on-tags-none-listed"),
    pytest.param({"fields.code": {"not_in": [1]}}, {}, True, id="not-in-is-type-strict"),
    # regex (full match)
    pytest.param({"title": {"regex": ".*下单.*"}}, {}, True, id="regex-full-match"),
    pytest.param({"title": {"regex": "下单"}}, {}, False, id="regex-partial-is-not-a-match"),
    pytest.param({"title": {"regex": "部分.*"}}, {}, True, id="regex-anchored-at-start-only-still-full"),
    pytest.param({"category": {"regex": "trade/(order|cart)/.+"}}, {}, True, id="regex-alternation"),
    pytest.param({"fields.amount": {"regex": "100"}}, {}, False, id="regex-on-a-number"),
    pytest.param({"tags": {"regex": "资.*"}}, {}, True, id="regex-on-tags-any"),
    # prefix
    pytest.param({"category": {"prefix": "trade/"}}, {}, True, id="prefix-hit"),
    pytest.param({"category": {"prefix": "trade/cart"}}, {}, False, id="prefix-miss"),
    pytest.param({"fields.amount": {"prefix": "1"}}, {}, False, id="prefix-on-a-number"),
    pytest.param({"tags": {"prefix": "大"}}, {}, True, id="prefix-on-tags-any"),
    # contains: substring on strings, element on lists
    pytest.param({"title": {"contains": "下单"}}, {}, True, id="contains-substring"),
    pytest.param({"title": {"contains": "支付"}}, {}, False, id="contains-substring-absent"),
    pytest.param({"tags": {"contains": "资损"}}, {}, True, id="contains-tag"),
    pytest.param({"tags": {"contains": "资"}}, {}, False, id="contains-tag-is-element-not-substring"),
    pytest.param({"fields.labels": {"contains": "b"}}, {}, True, id="contains-on-a-list-field"),
    pytest.param({"fields.nums": {"contains": 2}}, {}, True, id="contains-number-element"),
    pytest.param({"fields.nums": {"contains": 2.0}}, {}, True, id="contains-number-as-float"),
    pytest.param({"fields.nums": {"contains": True}}, {}, False, id="contains-true-is-not-1"),
    pytest.param({"fields.nums": {"contains": "2"}}, {}, False, id="contains-string-is-not-number"),
    pytest.param({"fields.amount": {"contains": "1"}}, {}, False, id="contains-on-a-number"),
    # comparisons on numbers
    pytest.param({"fields.amount": {"gte": 100}}, {}, True, id="gte-equal"),
    pytest.param({"fields.amount": {"gte": 100.5}}, {}, False, id="gte-below"),
    pytest.param({"fields.amount": {"gt": 100}}, {}, False, id="gt-equal"),
    pytest.param({"fields.amount": {"gt": 99.5}}, {}, True, id="gt-above"),
    pytest.param({"fields.amount": {"lte": 100}}, {}, True, id="lte-equal"),
    pytest.param({"fields.amount": {"lte": 99}}, {}, False, id="lte-above"),
    pytest.param({"fields.amount": {"lt": 100}}, {}, False, id="lt-equal"),
    pytest.param({"fields.ratio": {"lt": 1}}, {}, True, id="lt-float-below-int"),
    pytest.param({"fields.amount": {"gte": 50, "lt": 100}}, {}, False, id="operators-anded-miss"),
    pytest.param({"fields.amount": {"gte": 50, "lt": 101}}, {}, True, id="operators-anded-hit"),
    # comparisons on strings, and never across types
    pytest.param({"submitter": {"gte": "alice"}}, {}, True, id="gte-string-equal"),
    pytest.param({"submitter": {"gt": "alice"}}, {}, False, id="gt-string-equal"),
    pytest.param({"submitter": {"lt": "bob"}}, {}, True, id="lt-string"),
    pytest.param({"severity": {"lte": "P2"}}, {}, False, id="lte-string-above"),
    pytest.param({"severity": {"gte": "P2"}}, {}, True, id="gte-string-above"),
    pytest.param({"fields.code": {"gte": 0}}, {}, False, id="string-gte-number-is-false"),
    pytest.param({"fields.code": {"lt": 5}}, {}, False, id="string-lt-number-is-false"),
    pytest.param({"fields.amount": {"gte": "1"}}, {}, False, id="number-gte-string-is-false"),
    pytest.param({"fields.flag": {"gte": 0}}, {}, False, id="bool-is-not-a-number"),
    pytest.param({"fields.nums": {"gt": 2}}, {}, True, id="gt-on-a-list-field-any-element"),
    # exists
    pytest.param({"title": {"exists": True}}, {}, True, id="exists-true-present"),
    pytest.param({"title": {"exists": False}}, {}, False, id="exists-false-present"),
    pytest.param({"title": {"exists": True}}, {"title": None}, False, id="exists-true-missing"),
    pytest.param({"title": {"exists": False}}, {"title": None}, True, id="exists-false-missing"),
    pytest.param({"title": {"exists": True}}, {"title": ""}, True, id="empty-string-is-present"),
    pytest.param({"tags": {"exists": False}}, {"tags": []}, True, id="no-tags-is-missing"),
    pytest.param({"tags": {"exists": True}}, {"tags": []}, False, id="no-tags-does-not-exist"),
    pytest.param({"fields.nothing": {"exists": False}}, {}, True, id="null-field-is-missing"),
    pytest.param({"fields.nope": {"exists": False}}, {}, True, id="absent-field-is-missing"),
    pytest.param({"fields.region": {"exists": True}}, {}, True, id="field-exists"),
    # fields.a.b
    pytest.param({"fields.order.type": "presale"}, {}, True, id="nested-equals"),
    pytest.param({"fields.order.items": {"gte": 3}}, {}, True, id="nested-compare"),
    pytest.param({"fields.order.buyer.level": ["gold", "vip"]}, {}, True, id="three-levels-deep"),
    pytest.param({"fields.order.nope": {"exists": False}}, {}, True, id="nested-absent"),
    pytest.param({"fields.region.sub": {"exists": True}}, {}, False, id="path-through-a-string"),
    pytest.param({"fields.region.sub": {"exists": False}}, {}, True, id="path-through-a-string-is-missing"),
    pytest.param({"fields.nums.0": 1}, {}, False, id="no-list-indexing"),
    # several keys ANDed
    pytest.param({"source": "web", "severity": "P3"}, {}, True, id="and-both"),
    pytest.param({"source": "web", "severity": "P1"}, {}, False, id="and-one-fails"),
    pytest.param({"fields.region": "cn-hangzhou", "category": {"prefix": "trade/"}, "tags": "资损"},
                 {}, True, id="and-three"),
    # any / not
    pytest.param({"any": [{"source": "app"}, {"tags": "资损"}]}, {}, True, id="any-second"),
    pytest.param({"any": [{"source": "web"}, {"tags": "x"}]}, {}, True, id="any-first"),
    pytest.param({"any": [{"source": "app"}, {"tags": "x"}]}, {}, False, id="any-none"),
    pytest.param({"any": [{"title": {"exists": False}}]}, {}, False, id="any-single-branch"),
    pytest.param({"not": {"source": "app"}}, {}, True, id="not-of-a-miss"),
    pytest.param({"not": {"source": "web"}}, {}, False, id="not-of-a-hit"),
    pytest.param({"not": {"source": "web", "severity": "P1"}}, {}, True, id="not-of-an-and"),
    pytest.param({"not": {"any": [{"source": "app"}, {"tags": "x"}]}}, {}, True, id="not-of-an-any"),
    pytest.param({"any": [{"not": {"tags": "资损"}}, {"severity": "P1"}]}, {}, False, id="any-of-nots"),
    pytest.param({"source": "web", "not": {"tags": "安全"}}, {}, True, id="key-and-not"),
])
def test_matcher(when: dict[str, Any], changes: dict[str, Any], expected: bool) -> None:
    assert matches(when, **changes) is expected


MISSING_TITLE_ARGS = [
    pytest.param("in", ["x"], id="in"),
    pytest.param("not_in", ["x"], id="not-in"),
    pytest.param("regex", ".*", id="regex"),
    pytest.param("prefix", "", id="prefix"),
    pytest.param("contains", "", id="contains"),
    pytest.param("gte", "", id="gte"),
    pytest.param("gt", "", id="gt"),
    pytest.param("lte", "\uffff", id="lte"),
    pytest.param("lt", "\uffff", id="lt"),
    pytest.param("exists", True, id="exists-true"),
]


@pytest.mark.parametrize("op, arg", MISSING_TITLE_ARGS)
def test_a_missing_attribute_matches_no_operator(op: str, arg: Any) -> None:
    assert matches({"title": {op: arg}}, title=None) is False
    assert matches({"fields.title": {op: arg}}, BARE) is False


@pytest.mark.parametrize("op, arg", MISSING_TITLE_ARGS)
def test_not_of_a_missing_attribute_matches(op: str, arg: Any) -> None:
    assert matches({"not": {"title": {op: arg}}}, title=None) is True


def test_the_missing_attribute_table_covers_every_operator() -> None:
    assert {p.values[0] for p in MISSING_TITLE_ARGS} | {"exists"} == set(OPERATORS)


@pytest.mark.parametrize("when", [
    pytest.param({"title": "x"}, id="equals"),
    pytest.param({"source": ["web", "app"]}, id="list"),
    pytest.param({"submitter": {"regex": ".*"}}, id="regex"),
    pytest.param({"tags": "资损"}, id="tags-scalar"),
    pytest.param({"tags": {"not_in": ["x"]}}, id="tags-not-in"),
    pytest.param({"fields.region": {"not_in": ["x"]}}, id="field-not-in"),
])
def test_a_bare_ticket_matches_nothing(when: dict[str, Any]) -> None:
    assert matches(when, BARE) is False


@pytest.mark.parametrize("at, during", [
    pytest.param("2026-11-02T10:00:00+08:00", True, id="monday-morning"),
    pytest.param("2026-11-02T09:00:00+08:00", True, id="at-opening"),
    pytest.param("2026-11-02T08:59:59+08:00", False, id="just-before-opening"),
    pytest.param("2026-11-02T17:59:59+08:00", True, id="just-before-closing"),
    pytest.param("2026-11-02T18:00:00+08:00", False, id="at-closing"),
    pytest.param("2026-11-02T20:00:00+08:00", False, id="monday-evening"),
    pytest.param("2026-11-07T10:00:00+08:00", False, id="saturday"),
    pytest.param("2026-11-02T02:00:00Z", True, id="utc-offset-same-instant"),
    pytest.param("2026-11-02T10:00:00Z", False, id="utc-ten-is-shanghai-six-pm"),
])
def test_during_and_outside_a_calendar(at: str, during: bool) -> None:
    assert matches({"during": "office"}, at=ts(at)) is during
    assert matches({"outside": "office"}, at=ts(at)) is (not during)


@pytest.mark.parametrize("when, at, expected", [
    pytest.param({"during": "office", "tags": "资损"}, "2026-11-02T10:00:00+08:00", True, id="during-and-tag"),
    pytest.param({"during": "office", "tags": "资损"}, "2026-11-07T10:00:00+08:00", False, id="weekend-and-tag"),
    pytest.param({"any": [{"outside": "office"}, {"severity": "P1"}]}, "2026-11-07T10:00:00+08:00", True,
                 id="any-outside"),
    pytest.param({"not": {"during": "office"}}, "2026-11-02T10:00:00+08:00", False, id="not-during"),
])
def test_calendar_keys_combine(when: dict[str, Any], at: str, expected: bool) -> None:
    assert matches(when, at=ts(at)) is expected


@pytest.mark.parametrize("kind", [
    pytest.param("rules", id="rules"),
    pytest.param("categories", id="categories"),
    pytest.param("sla_profiles", id="sla-profiles"),
])
def test_schema_operators_are_the_registry(kind: str) -> None:
    schema = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]["operators"]["properties"]) == set(OPERATORS)


@pytest.mark.parametrize("when, anchors", [
    pytest.param({"category": "trade/order"}, (("eq", "category", "trade/order"),), id="category-equals"),
    pytest.param({"category": ["a", "b/c"]}, (("eq", "category", "a"), ("eq", "category", "b/c")),
                 id="category-list"),
    pytest.param({"category": {"in": ["a"]}}, (("eq", "category", "a"),), id="category-in"),
    pytest.param({"category": {"prefix": "trade/"}}, (("prefix", "category", "trade/"),), id="category-prefix"),
    pytest.param({"category": {"prefix": "trade/", "regex": ".*x"}}, None, id="category-prefix-and-more"),
    pytest.param({"severity": "P1"}, (("eq", "severity", "P1"),), id="severity-equals"),
    pytest.param({"severity": {"lte": "P2"}}, None, id="severity-compare"),
    pytest.param({"source": {"in": ["a", "b"]}}, (("eq", "source", "a"), ("eq", "source", "b")),
                 id="source-in"),
    pytest.param({"fields.amount": 5}, (("eq", "fields.amount", 5),), id="field-equals-number"),
    pytest.param({"fields.a.b": True}, (("eq", "fields.a.b", True),), id="nested-field-equals"),
    pytest.param({"tags": "资损"}, (("tag", "tags", "资损"),), id="tag-scalar"),
    pytest.param({"tags": ["a", "b"]}, (("tag", "tags", "a"), ("tag", "tags", "b")), id="tags-list"),
    pytest.param({"tags": {"contains": "a"}}, (("tag", "tags", "a"),), id="tags-contains"),
    pytest.param({"tags": {"in": ["a"]}}, (("tag", "tags", "a"),), id="tags-in"),
    pytest.param({"tags": {"not_in": ["a"]}}, None, id="tags-not-in"),
    pytest.param({"fields.error_code": {"prefix": "RISK_"}}, (("has", "fields", "error_code"),),
                 id="field-prefix-needs-the-field"),
    pytest.param({"fields.order.amount": {"gte": 1}}, (("has", "fields", "order"),),
                 id="nested-field-needs-its-top"),
    pytest.param({"fields.region": {"exists": True}}, (("has", "fields", "region"),), id="field-exists"),
    pytest.param({"title": {"regex": ".*x.*"}}, (("has", "title", ""),), id="title-present"),
    pytest.param({"submitter": {"prefix": "a"}}, (("has", "submitter", ""),), id="submitter-present"),
    pytest.param({"fields.region": {"exists": False}}, None, id="exists-false"),
    pytest.param({"title": {"exists": False}}, None, id="title-exists-false"),
    pytest.param({"not": {"category": "a"}}, None, id="not-only"),
    pytest.param({"not": {"category": "a"}, "source": "web"}, (("eq", "source", "web"),), id="not-is-ignored"),
    pytest.param({"during": "office"}, None, id="during-only"),
    pytest.param({"outside": "office", "tags": "x"}, (("tag", "tags", "x"),), id="outside-is-ignored"),
    pytest.param({"fields.merchant_tier": "KA", "category": "trade"},
                 (("eq", "category", "trade"),), id="category-equality-beats-field-equality"),
    pytest.param({"fields.merchant_tier": "KA", "category": {"prefix": "trade/"}},
                 (("prefix", "category", "trade/"),), id="category-prefix-beats-field-equality"),
    pytest.param({"fields.merchant_tier": "KA", "tags": "x"},
                 (("eq", "fields.merchant_tier", "KA"),), id="field-equality-beats-tag"),
    pytest.param({"title": {"regex": ".*"}, "tags": "x"}, (("tag", "tags", "x"),), id="tag-beats-presence"),
    pytest.param({"category": {"prefix": "a/"}, "fields.x": {"gt": 1}}, (("prefix", "category", "a/"),),
                 id="category-prefix-beats-presence"),
    pytest.param({"any": [{"tags": ["监管", "舆情"]}, {"source": "regulator"}]},
                 (("tag", "tags", "监管"), ("tag", "tags", "舆情"), ("eq", "source", "regulator")),
                 id="any-all-branches-anchored"),
    pytest.param({"any": [{"tags": "x"}, {"severity": {"lte": "P2"}}]}, None, id="any-unanchored-branch"),
    pytest.param({"any": [{"tags": "x"}, {"not": {"source": "a"}}]}, None, id="any-not-branch"),
    pytest.param({"any": [{"tags": "x"}, {"severity": {"lte": "P2"}}], "source": "web"},
                 (("eq", "source", "web"),), id="unanchored-any-beside-a-key"),
    pytest.param({"any": [{"category": "a"}, {"fields.x": {"exists": True}}], "tags": "t"},
                 (("tag", "tags", "t"),), id="any-ranked-by-its-weakest-branch"),
    pytest.param({"any": [{"category": "a"}, {"source": "b"}], "tags": "t"},
                 (("eq", "category", "a"), ("eq", "source", "b")), id="equality-any-beats-tag"),
])
def test_anchors_of(when: dict[str, Any], anchors: tuple[Any, ...] | None) -> None:
    assert anchors_of(when) == anchors


@pytest.mark.parametrize("when, second, rest", [
    pytest.param({"category": {"prefix": "trade/"}, "fields.region": "eu-west-1"},
                 (("eq", "fields.region", "eu-west-1"),), {}, id="prefix-and-field"),
    pytest.param({"category": {"prefix": "trade/"}, "fields.tier": ["KA", "SMB"], "title": {"regex": "x.*"}},
                 (("eq", "fields.tier", "KA"), ("eq", "fields.tier", "SMB")), {"title": {"regex": "x.*"}},
                 id="an-in-list-and-what-is-left"),
    pytest.param({"source": "web", "submitter": "ceo"}, (("eq", "submitter", "ceo"),), {}, id="two-fixed-attributes"),
    pytest.param({"category": "trade", "severity": "P1"}, None, {"severity": "P1"}, id="a-level-can-change"),
    pytest.param({"category": "trade", "tags": "x"}, None, {"tags": "x"}, id="tags-grow"),
    pytest.param({"tags": "x", "fields.region": "eu"}, None, {"tags": "x"}, id="the-field-first-a-tag-left"),
    pytest.param({"category": "trade", "fields.n": {"gte": 3}}, None, {"fields.n": {"gte": 3}},
                 id="a-range-is-no-anchor"),
])
def test_second_anchor_and_what_is_left(when: dict[str, Any], second: tuple[Any, ...] | None,
                                        rest: dict[str, Any]) -> None:
    """A rule anchored on its category or a fixed attribute gets a second necessary
    condition when it has an equality on another fixed attribute or field; the candidate
    then tests neither."""
    first = anchors_of(when)
    assert second_anchor(when, first) == second
    assert residual(when, first, second) == rest
