"""Compiling the router's tables: each distinct route condition compiled once."""
from __future__ import annotations

from typing import Any

import engine
from engine.compile.routing import _Matchers
from helpers import REPO
from routing_reference import OFFICE_CALENDARS

TICKET: dict[str, Any] = {"category": "trade", "severity": "P3", "tags": [], "source": None,
                          "submitter": None, "title": None, "at": 0.0,
                          "fields": {"n": 1, "flag": True, "region": "cn-hangzhou"}}


def test_a_condition_written_again_is_compiled_once() -> None:
    matchers = _Matchers(OFFICE_CALENDARS)
    first = matchers({"fields.region": "cn-hangzhou", "fields.n": 1})
    assert matchers({"fields.region": "cn-hangzhou", "fields.n": 1}) is first
    assert len(matchers.compiled) == 1


def test_conditions_that_differ_in_type_or_order_are_compiled_apart() -> None:
    """1, 1.0, true and "1" are four conditions (YAML gives each its own type); key order
    makes another function with the same answers."""
    matchers = _Matchers(OFFICE_CALENDARS)
    whens = [{"fields.n": 1}, {"fields.n": 1.0}, {"fields.n": True}, {"fields.n": "1"},
             {"fields.flag": True}, {"fields.flag": 1},
             {"fields.region": "cn-hangzhou", "fields.n": 1}, {"fields.n": 1, "fields.region": "cn-hangzhou"}]
    predicates = [matchers(w) for w in whens]
    assert len({id(p) for p in predicates}) == len(whens)
    assert [p(TICKET) for p in predicates] == [True, True, False, False, True, False, True, True]


def test_routes_with_one_condition_share_one_matcher() -> None:
    """In the reference config, routes whose `when` is written alike answer through one
    compiled matcher, and routes whose `when` differs through different ones."""
    from engine.loader import build_config

    config, _ = build_config(REPO)
    assert config is not None
    eng = engine.load(REPO)
    written = {(c.id, r.id): repr(r.when) for c in config.categories for r in c.routes}
    compiled = {(r.owner, r.id): r.predicate for c in eng.compiled.categories.values() for r in c.routes}
    assert set(compiled) == set(written) and len(written) > 1
    by_when: dict[str, set[int]] = {}
    for key, when in written.items():
        by_when.setdefault(when, set()).add(id(compiled[key]))
    assert all(len(ids) == 1 for ids in by_when.values())
    assert len({next(iter(ids)) for ids in by_when.values()}) == len(by_when)
