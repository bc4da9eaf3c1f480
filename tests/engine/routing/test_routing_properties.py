"""Routing invariants (STYLE "Tests"), by hypothesis: every ticket is routed to a real team at a real
level, evaluation is deterministic, and a rule changes nothing for tickets it does not match."""
from __future__ import annotations

import copy
import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.config.source import load_yaml
from helpers import MINIMAL, REPO
from routing_reference import Reference, routed

PROPERTY = settings(max_examples=200, deadline=None)


def read(path: Path) -> Any:
    doc, diags = load_yaml(path, path.name)
    assert doc is not None and diags == []
    return doc.data


def category_ids(root: Path, routed_only: bool = False) -> frozenset[str]:
    """Every category id of a config (or those that declare routes), read without the engine."""
    found: set[str] = set()

    def walk(nodes: list[Any], parent: str) -> None:
        for node in nodes:
            cid = f"{parent}/{node['key']}" if parent else node["key"]
            if node.get("routes") or not routed_only:
                found.add(cid)
            walk(node.get("children", []), cid)
    walk(read(root / "categories.yaml")["categories"], "")
    return frozenset(found)


def longest_known_prefix(category: str, known: frozenset[str]) -> str | None:
    parts = category.split("/")
    for n in range(len(parts), 0, -1):
        prefix = "/".join(parts[:n])
        if prefix in known:
            return prefix
    return None


KNOWN = category_ids(REPO)
TEAMS = frozenset(team["id"] for team in read(REPO / "rosters.yaml")["teams"])
LEVELS = tuple(level["id"] for level in read(REPO / "sla_profiles.yaml")["levels"])
MINIMAL_KNOWN = category_ids(MINIMAL)

SLUG = "abcdefghijklmnopqrstuvwxyz/-"
TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")   # what events may carry
WORDS = st.text(TEXT, min_size=0, max_size=12)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False), WORDS)


def categories(known: frozenset[str], routed: frozenset[str]) -> st.SearchStrategy[str]:
    ids = sorted(known)
    prefixes = st.sampled_from(ids).flatmap(lambda c: st.integers(0, len(c)).map(lambda n: c[:n]))
    return st.one_of(
        st.sampled_from(ids),
        st.sampled_from(sorted(routed)).flatmap(  # a category with routes, or one below it
            lambda c: st.sampled_from([c] + [k for k in ids if k.startswith(c + "/")])),
        st.builds(lambda p, s: p + s, prefixes, st.text(SLUG, max_size=12)).filter(bool),
        st.text(SLUG, min_size=1, max_size=20),
    )


def times() -> st.SearchStrategy[str]:
    zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])
    return st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=zones).map(lambda d: d.isoformat())


def events(known: frozenset[str], routed: frozenset[str], tags: list[str], submitters: list[str], sources: list[str],
           fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    payload = st.builds(lambda named, extra: {**extra, **named},
                        st.fixed_dictionaries({}, optional=fields),
                        st.dictionaries(st.text(TEXT, max_size=6), SCALARS, max_size=3))
    return st.fixed_dictionaries(
        {"type": st.just("created"), "ticket": st.just("T-1"), "at": times(), "category": categories(known, routed),
         "fields": st.one_of(payload, payload, payload, st.none())},
        optional={
            "tags": st.lists(st.one_of(st.sampled_from(tags), WORDS.filter(bool)), max_size=4),
            "title": st.one_of(st.none(), WORDS, st.sampled_from(["全站下单失败", "大面积超时", "部分用户"])),
            "submitter": st.one_of(st.none(), st.sampled_from(submitters), WORDS),
            "source": st.one_of(st.none(), st.sampled_from(sources), WORDS),
            "severity": st.one_of(st.none(), st.sampled_from(LEVELS)),
        })


def one_of_or_any(*values: Any) -> st.SearchStrategy[Any]:
    """Mostly the values the config tests for, sometimes anything."""
    return st.one_of(st.sampled_from(values), st.sampled_from(values), st.sampled_from(values), SCALARS)


REFERENCE_EVENTS = events(
    KNOWN, category_ids(REPO, routed_only=True),
    tags=["资损", "安全", "重大故障", "监管", "舆情", "大促", "capital-loss"],
    submitters=["ceo", "wang-jianguo", "liu-xiaomei", "xu-ying"],
    sources=["hotline", "regulator", "web", "monitor"],
    fields={
        "region": one_of_or_any("cn-hangzhou", "cn-hongkong", "eu-central-1", "us-west-1", "cn-beijing"),
        "merchant_tier": one_of_or_any("KA", "ka", "SMB"),
        "gmv_loss_cny": one_of_or_any(100000, 99999.5, 10000, "250000", 0),
        "affected_users": one_of_or_any(1000, 999, "1000"),
        "customer_level": one_of_or_any("diamond", "black-card", "gold"),
        "order_type": one_of_or_any("presale", "normal"),
        "error_code": one_of_or_any("RISK_BLOCKED", "NET_TIMEOUT", "RISK"),
        "refund_to": one_of_or_any("wallet", "card"),
        "shipment_type": one_of_or_any("international", "domestic"),
        "stage": one_of_or_any("pay", "claim"),
        "db_cluster": one_of_or_any("pay-core-03", "trade-core-01"),
    },
)


@PROPERTY
@given(REFERENCE_EVENTS)
def test_every_ticket_gets_a_real_team_and_level(reference: engine.Engine, event: dict[str, Any]) -> None:
    decision = reference.evaluate(event)
    category = event["category"]
    assert decision.team in TEAMS
    assert decision.severity in LEVELS
    assert decision.category == {"id": category, "matched": longest_known_prefix(category, KNOWN),
                                 "fallback": category not in KNOWN}
    assert decision.mode in ("daily", "promotion")
    submitted = event.get("severity")
    if submitted is not None:
        assert LEVELS.index(decision.severity) <= LEVELS.index(submitted), "a proposal is never lowered"
    assert decision.tags[:len(event.get("tags") or ())] == list(event.get("tags") or ()), \
        "the host's tags come first, in order"


@pytest.fixture(scope="module")
def try_every_rule(reference: engine.Engine) -> Reference:
    return Reference(REPO, reference.compiled.calendars)


@PROPERTY
@given(REFERENCE_EVENTS)
def test_the_rule_index_agrees_with_trying_every_rule(reference: engine.Engine, try_every_rule: Reference,
                                                      event: dict[str, Any]) -> None:
    ts = datetime.fromisoformat(event["at"]).timestamp()
    assert routed(reference, event) == try_every_rule.route(event, ts)


@PROPERTY
@given(REFERENCE_EVENTS)
def test_the_same_event_gives_the_same_decision(reference: engine.Engine, event: dict[str, Any]) -> None:
    sent = copy.deepcopy(event)
    first = reference.evaluate(event).to_dict()
    second = reference.evaluate(event).to_dict()
    assert first == second
    assert event == sent, "evaluate leaves the event as it was"


CANARY_RULE = """  - id: canary
    description: never matched by the generated tickets
    when: {fields.canary: yes-this}
    then: {team: desk, severity: P1}
"""


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> tuple[engine.Engine, engine.Engine]:
    root = tmp_path_factory.mktemp("canary") / "minimal"
    shutil.copytree(MINIMAL, root)
    routing = root / "rules" / "20-routing.yaml"
    routing.write_text(routing.read_text(encoding="utf-8") + CANARY_RULE, encoding="utf-8")
    return engine.load(MINIMAL), engine.load(root)


MINIMAL_EVENTS = events(
    MINIMAL_KNOWN, category_ids(MINIMAL, routed_only=True),
    tags=["资损", "capital-loss"],
    submitters=["ceo", "cto", "bob"],
    sources=["web"],
    fields={
        "region": one_of_or_any("cn-hangzhou", "cn-beijing"),
        "merchant_tier": one_of_or_any("KA", "ka"),
        "canary": one_of_or_any("yes", "yes-that", "yes-this-too", "YES-THIS", ["yes-that"]),
        "order": one_of_or_any({"type": "presale"}, {"type": ["normal", "presale"]}, {"type": None}, "presale"),
    },
)


def without_version(decision: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in decision.items() if k != "config_version"}
    out["state"] = {k: v for k, v in decision["state"].items() if k != "config_version"}
    return out


def test_the_canary_rule_is_live(engines: tuple[engine.Engine, engine.Engine]) -> None:
    base, canary = engines
    event = {"type": "created", "ticket": "T-1", "at": "2026-11-02T10:00:00+08:00", "category": "shop/order/slow",
             "fields": {"canary": "yes-this"}}
    assert (base.evaluate(event).team, base.evaluate(event).severity) == ("shop-order", "P4")
    decision = canary.evaluate(event)
    assert (decision.team, decision.severity) == ("desk", "P1")
    assert decision.trace[1] == "rule canary (rules/20-routing.yaml:7) → team desk, severity P1"
    assert base.config_version != canary.config_version


@PROPERTY
@given(MINIMAL_EVENTS)
def test_a_rule_changes_nothing_for_tickets_it_does_not_match(
        engines: tuple[engine.Engine, engine.Engine], event: dict[str, Any]) -> None:
    base, canary = engines
    before = base.evaluate(event).to_dict()
    after = canary.evaluate(event).to_dict()
    assert (before["config_version"], after["config_version"]) == (base.config_version, canary.config_version)
    assert without_version(after) == without_version(before)


# ---- random rule packs: the index, the memoised plans and the per-rule fast paths (pure grading
# rules, kept levels, rules that wake later ones) against trying every rule in file order

PACK_WHENS = st.sampled_from([
    {"tags": {"contains": "资损"}}, {"tags": "capital-loss"}, {"tags": ["x", "vip"]},
    {"severity": "P1"}, {"severity": ["P1", "P2"]}, {"severity": {"lte": "P2"}},
    {"severity": "P3"}, {"severity": ["P3", "P4"]}, {"severity": {"in": ["P2", "P3"]}},
    {"category": {"prefix": "shop/"}}, {"category": "shop/order/slow"}, {"category": ["pay", "hr"]},
    {"submitter": ["ceo", "cto"]}, {"source": "web"}, {"title": {"exists": True}},
    {"fields.region": "cn-hangzhou"}, {"fields.merchant_tier": {"in": ["KA", "ka"]}},
    {"fields.region": "cn-hangzhou", "category": {"prefix": "shop/order"}},
    {"any": [{"tags": "vip"}, {"source": "web"}]}, {"not": {"tags": "x"}},
    {"fields.order.type": "presale"}, {"fields.order.type": ["presale", "normal"]},
    # Second anchors: a category or fixed attribute with a field or another fixed attribute.
    {"category": "shop/order/slow", "source": "web"},
    {"category": {"prefix": "shop/"}, "fields.region": ["cn-hangzhou", "eu-west-1"], "title": {"exists": True}},
    {"submitter": "ceo", "fields.order.type": "presale"},
    {"source": ["web", "app"], "tags": "vip", "fields.region": "cn-hangzhou"},
])
PACK_RULES = st.lists(st.fixed_dictionaries(
    {"when": PACK_WHENS,
     "then": st.fixed_dictionaries({}, optional={
         "team": st.sampled_from(["desk", "shop-sre", "shop-order"]),
         "severity": st.sampled_from(["P1", "P2", "P3", "P4"]),
         "tags": st.lists(st.sampled_from(["capital-loss", "vip", "x", "资损"]), min_size=1, max_size=2,
                          unique=True)}).filter(bool)},
    optional={"stop": st.booleans()}), min_size=1, max_size=8)


@settings(max_examples=80, deadline=None)
@given(rules=PACK_RULES, batch=st.lists(MINIMAL_EVENTS, min_size=10, max_size=10))
def test_random_rule_packs_agree_with_trying_every_rule(
        tmp_path_factory: pytest.TempPathFactory, rules: list[dict[str, Any]],
        batch: list[dict[str, Any]]) -> None:
    root = tmp_path_factory.mktemp("pack") / "minimal"
    shutil.copytree(MINIMAL, root)
    for old in (root / "rules").glob("*.yaml"):
        old.unlink()
    pack = [{"id": f"r{i}", **rule} for i, rule in enumerate(rules)]
    (root / "rules" / "10-pack.yaml").write_text(json.dumps({"version": 1, "rules": pack}), encoding="utf-8")
    eng = engine.load(root)
    reference = Reference(root, eng.compiled.calendars)
    for event in batch:
        ts = datetime.fromisoformat(event["at"]).timestamp()
        assert routed(eng, event) == reference.route(event, ts)

