"""The router (docs/semantics.md) on the minimal config: decisions, trace lines, explain, and the rule index
checked against a reference that tries every rule in file order."""
from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import pytest

import engine
from engine.cases import load_cases
from engine.routing.tables import Routing
from helpers import MINIMAL, REPO
from routing_reference import Reference, routed

ENGINE = engine.load(MINIMAL)
AT = "2026-11-02T10:00:00+08:00"
SKIPPED = "the index shows this ticket lacks what each of them requires"


def created(category: str, **extra: Any) -> dict[str, Any]:
    return {"type": "created", "ticket": "T-1", "at": AT, "category": category, **extra}


def _ts(event: Mapping[str, Any]) -> float:
    return datetime.fromisoformat(event["at"]).timestamp()


class Routed(NamedTuple):
    """What the routing stage decided, with the ticket's tags as the rule pass left them."""

    team: str
    severity: str
    tags: list[str]
    trace: list[str]
    routing: Routing


def route(eng: engine.Engine, event: Mapping[str, Any], explain: bool = False
          ) -> tuple[Routed, list[str] | None]:
    """The routing stage alone, on the ticket docs/semantics.md describes (later decision stages add their
    own trace lines; these tests are about the router's)."""
    ticket = {"category": event["category"], "severity": event.get("severity"),
              "tags": list(event.get("tags") or ()), "source": event.get("source"),
              "submitter": event.get("submitter"), "title": event.get("title"),
              "fields": event.get("fields") or {}, "at": _ts(event)}
    notes: list[str] | None = [] if explain else None
    routing = eng.compiled.router.route(ticket, event.get("severity"), notes)
    assert routing.severity == ticket["severity"], "the ticket carries the level the pass reached"
    return Routed(routing.team, routing.severity, ticket["tags"], list(routing.trace), routing), notes


def test_a_whole_created_decision() -> None:
    version = ENGINE.config_version
    decision = ENGINE.evaluate(created("shop/order/create-failed", tags=["资损"], submitter="alice",
                                       fields={"region": "cn-hangzhou"}, title="下单失败")).to_dict()
    assert version.startswith("sha256:") and len(version) == len("sha256:") + 64
    state = decision.pop("state")
    assert decision == {
        "ticket": "T-1",
        "event": "created",
        "at": "2026-11-02T10:00:00+08:00",
        "config_version": version,
        "mode": "daily",
        "category": {"id": "shop/order/create-failed", "matched": "shop/order/create-failed",
                     "fallback": False},
        "severity": "P1",
        "team": "shop-sre",
        "tags": ["资损", "capital-loss"],
        "assignee": {"person": "carol", "source": "order-backup/weekly"},
        "supervisors": [],
        "sla": {"profile": "daily",
                "response": {"due": "2026-11-02T10:15:00+08:00", "calendar": "24x7", "state": "running",
                             "elapsed_s": 0, "remaining_s": 900},
                "resolve": {"due": "2026-11-02T14:00:00+08:00", "calendar": "24x7", "state": "running",
                            "elapsed_s": 0, "remaining_s": 14400}},
        "views": [],
        "solution": None,
        "resolution": None,
        "timers": [
            {"at": "2026-11-02T10:15:00+08:00", "clock": "response", "kind": "breach", "policy": "critical", "step": 0,
             "level": 0, "notify": ["assignee", "team_group"], "channels": ["phone", "dingtalk_group"]},
            {"at": "2026-11-02T10:20:00+08:00", "clock": "response", "kind": "escalate", "policy": "critical", "step": 1,
             "level": 1, "notify": ["manager"], "channels": ["phone"]},
            {"at": "2026-11-02T10:25:00+08:00", "clock": "response", "kind": "escalate", "policy": "critical", "step": 1,
             "level": 2, "notify": ["manager"], "channels": ["phone"]},
            {"at": "2026-11-02T14:00:00+08:00", "clock": "resolve", "kind": "breach", "policy": "critical", "step": 0,
             "level": 0, "notify": ["team_lead"], "channels": ["phone"]},
        ],
        "notifications": [
            {"at": "2026-11-02T10:00:00+08:00", "clock": "response", "kind": "assign", "level": 0,
             "channel": "dingtalk", "to": {"person": "carol", "address": "0005"},
             "subject": "【P1 紧急】新工单 T-1: 下单失败",
             "body": "### 【P1 紧急】新工单 T-1\n**下单失败** · 下单失败\n\n- 处理人: Carol (商城-SRE)\n"
                     "- 响应截止: 11-02 10:15 (还剩 15 分钟)"},
        ],
        "flags": [],
        "next_wakeup": "2026-11-02T10:15:00+08:00",
        "trace": [
            "category shop/order/create-failed (categories.yaml:13)",
            "rule capital-loss (rules/10-grading.yaml:3) → severity P1, tags +capital-loss",
            "route hz-region of shop/order/create-failed (categories.yaml:17) → team shop-sre",
            "severity P1 (raised by rules)",
            "on duty carol (order-backup/weekly)",
            "targets daily P1 target: response 15m, resolve 4h on 24x7",
        ],
    }
    assert [*decision, "state"] == ["ticket", "event", "at", "config_version", "mode", "category",
                                          "severity", "team", "tags", "assignee", "supervisors", "sla",
                                          "views", "solution", "resolution", "timers",
                                          "notifications", "flags", "next_wakeup", "trace", "state"]
    # The state is the host's opaque blob; what routing put in it is pinned, the clocks are not.
    routed_part = {key: state[key] for key in
                   ("v", "config_version", "ticket", "mode", "category", "severity", "team", "tags", "assignee")}
    assert routed_part == {
        "v": 2, "config_version": version, "ticket": "T-1", "mode": "daily",
        "category": {"id": "shop/order/create-failed", "matched": "shop/order/create-failed", "fallback": False},
        "severity": "P1", "team": "shop-sre", "tags": ["资损", "capital-loss"],
        "assignee": {"person": "carol", "source": "order-backup/weekly"},
    }


@pytest.mark.parametrize("event, mode, at", [
    pytest.param(created("shop", at="2026-11-11T00:05:00+08:00"), "promotion", "2026-11-11T00:05:00+08:00",
                 id="inside-the-window"),
    pytest.param(created("shop", at="2026-11-10T12:00:00Z"), "promotion", "2026-11-10T12:00:00+00:00",
                 id="window-start-in-utc"),
    pytest.param(created("shop", at="2026-11-12T02:00:00+08:00"), "daily", "2026-11-12T02:00:00+08:00",
                 id="window-end-is-exclusive"),
])
def test_mode_and_time_of_a_decision(event: dict[str, Any], mode: str, at: str) -> None:
    decision = ENGINE.evaluate(event).to_dict()
    assert (decision["mode"], decision["at"]) == (mode, at)


@pytest.mark.parametrize("event, team, severity, tags, trace", [
    pytest.param(created("shop/order/slow", tags=["资损"]), "shop-order", "P1", ["资损", "capital-loss"], [
        "category shop/order/slow (categories.yaml:18)",
        "rule capital-loss (rules/10-grading.yaml:3) → severity P1, tags +capital-loss",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P1 (raised by rules)",
    ], id="rule-match"),
    pytest.param(created("shop/order/create-failed", fields={"region": "cn-hangzhou"}), "shop-sre", "P2", [], [
        "category shop/order/create-failed (categories.yaml:13)",
        "route hz-region of shop/order/create-failed (categories.yaml:17) → team shop-sre",
        "severity P2 (default of shop/order/create-failed (categories.yaml:13))",
    ], id="route-match"),
    pytest.param(created("shop/order/slow"), "shop-order", "P4", [], [
        "category shop/order/slow (categories.yaml:18)",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P4 (default of shop/order/slow (categories.yaml:18))",
    ], id="inherited-team"),
    pytest.param(created("pay"), "shop-sre", "P3", [], [
        "category pay (categories.yaml:21)",
        "team shop-sre from pay (categories.yaml:21)",
        "severity P3 (default of default (categories.yaml:2))",
    ], id="own-team-default-level"),
    pytest.param(created("shop/order/nope"), "shop-order", "P3", [], [
        "category shop/order/nope unknown → shop/order (categories.yaml:9)",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P3 (default of shop (categories.yaml:4))",
    ], id="fallback-to-a-prefix"),
    pytest.param(created("shop/order/create-failed/x/y", fields={"region": "cn-hangzhou"}), "shop-sre", "P2", [], [
        "category shop/order/create-failed/x/y unknown → shop/order/create-failed (categories.yaml:13)",
        "route hz-region of shop/order/create-failed (categories.yaml:17) → team shop-sre",
        "severity P2 (default of shop/order/create-failed (categories.yaml:13))",
    ], id="fallback-keeps-the-routes"),
    pytest.param(created("hr/payroll"), "desk", "P3", [], [
        "category hr/payroll unknown → default (categories.yaml:2)",
        "team desk from default (categories.yaml:2)",
        "severity P3 (default of default (categories.yaml:2))",
    ], id="fallback-to-the-default"),
    pytest.param(created("shopping"), "desk", "P3", [], [
        "category shopping unknown → default (categories.yaml:2)",
        "team desk from default (categories.yaml:2)",
        "severity P3 (default of default (categories.yaml:2))",
    ], id="a-shared-prefix-is-not-a-parent"),
    pytest.param(created("shop/order/create-failed", fields={"merchant_tier": "KA", "region": "cn-hangzhou"}),
                 "shop-sre", "P2", [], [
        "category shop/order/create-failed (categories.yaml:13)",
        "rule ka-merchant (rules/20-routing.yaml:3) → team shop-sre; stop",
        "severity P2 (default of shop/order/create-failed (categories.yaml:13))",
    ], id="rule-team-and-stop-before-routes"),
    pytest.param(created("shop/order/create-failed", submitter="ceo"), "shop-order", "P2", [], [
        "category shop/order/create-failed (categories.yaml:13)",
        "rule vip (rules/10-grading.yaml:7) → severity P2 kept P2",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P2 (default of shop/order/create-failed (categories.yaml:13))",
    ], id="rule-severity-kept"),
    pytest.param(created("shop", severity="P1"), "shop-sre", "P1", [], [
        "category shop (categories.yaml:4)",
        "severity P1 proposed by the submitter",
        "team shop-sre from shop (categories.yaml:4)",
        "severity P1 (the submitter's proposal)",
    ], id="submitter-proposal"),
    pytest.param(created("shop/order/create-failed", severity="P4"), "shop-order", "P2", [], [
        "category shop/order/create-failed (categories.yaml:13)",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P2 (default of shop/order/create-failed (categories.yaml:13))",
    ], id="submitter-cannot-lower"),
    pytest.param(created("shop/order/slow", severity="P2", tags=["资损"]), "shop-order", "P1",
                 ["资损", "capital-loss"], [
        "category shop/order/slow (categories.yaml:18)",
        "severity P2 proposed by the submitter",
        "rule capital-loss (rules/10-grading.yaml:3) → severity P1, tags +capital-loss",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P1 (raised by rules)",
    ], id="rules-beat-the-submitter"),
    pytest.param(created("shop/order/slow", severity="P1", tags=["资损", "capital-loss"]), "shop-order", "P1",
                 ["资损", "capital-loss"], [
        "category shop/order/slow (categories.yaml:18)",
        "severity P1 proposed by the submitter",
        "rule capital-loss (rules/10-grading.yaml:3) → severity P1 kept P1",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P1 (the submitter's proposal)",
    ], id="rule-tags-already-there"),
])
def test_trace(event: dict[str, Any], team: str, severity: str, tags: list[str], trace: list[str]) -> None:
    routing, _ = route(ENGINE, event)
    assert (routing.team, routing.severity, routing.tags, routing.trace) == (team, severity, tags, trace)
    decision = ENGINE.evaluate(event)
    assert (decision.team, decision.severity, decision.tags) == (team, severity, tags)
    assert decision.trace[:len(trace)] == trace, "the decision's trace opens with the routing steps"


def overlay(tmp_path: Path, files: Mapping[str, str]) -> Path:
    """A copy of the minimal config with extra or replaced files."""
    root = tmp_path / "config"
    shutil.copytree(MINIMAL, root)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


MORE_RULES = """version: 1
rules:
  - id: to-desk
    when: {tags: 资损}
    then: {team: desk}
  - id: to-order
    when: {tags: {contains: 资损}}
    then: {team: shop-order, severity: P4, tags: [capital-loss, late]}
  - id: nothing-new
    when: {tags: 资损}
    then: {tags: [late]}
"""


def test_trace_of_a_second_team_and_a_rule_without_effect(tmp_path: Path) -> None:
    eng = engine.load(overlay(tmp_path, {"rules/30-more.yaml": MORE_RULES}))
    routing, _ = route(eng, created("shop/order/slow", tags=["资损"]))
    assert (routing.team, routing.severity, routing.tags) == ("desk", "P1", ["资损", "capital-loss", "late"])
    assert routing.trace == [
        "category shop/order/slow (categories.yaml:18)",
        "rule capital-loss (rules/10-grading.yaml:3) → severity P1, tags +capital-loss",
        "rule to-desk (rules/30-more.yaml:3) → team desk",
        ("rule to-order (rules/30-more.yaml:6) → team shop-order ignored (team desk already set), "
        "severity P4 kept P1, tags +late"),
        "rule nothing-new (rules/30-more.yaml:9) → matched",
        "severity P1 (raised by rules)",
    ]


# `--explain` reports how many rules the index skipped, which depends on the anchor each rule is
# indexed by. So that the expected lines follow from docs/semantics.md alone, the explain config keeps the
# minimal categories and gives every rule at most one condition the index can use.
EXPLAIN_ROUTING = """version: 1
rules:
  - id: web-only
    when: {source: web}
    then: {team: desk}
  - id: lowest
    when: {severity: {gte: P4}}
    then: {tags: [low]}
"""


@pytest.fixture(scope="module")
def explain_engine(tmp_path_factory: pytest.TempPathFactory) -> engine.Engine:
    return engine.load(overlay(tmp_path_factory.mktemp("explain"), {"rules/20-routing.yaml": EXPLAIN_ROUTING}))


@pytest.mark.parametrize("event, explain, trace", [
    pytest.param(created("shop/order/create-failed", source="app", fields={"region": "cn-beijing"}), [
        "category shop/order/create-failed (categories.yaml:13)",
        f"3 of 4 rules skipped: {SKIPPED}",
        "rule lowest (rules/20-routing.yaml:6): no match",
        "route hz-region of shop/order/create-failed (categories.yaml:17): no match",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P2 (default of shop/order/create-failed (categories.yaml:13))",
    ], [
        "category shop/order/create-failed (categories.yaml:13)",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P2 (default of shop/order/create-failed (categories.yaml:13))",
    ], id="a-rule-and-a-route-that-do-not-match"),
    pytest.param(created("shop/order/slow", source="web", submitter="ceo"), [
        "category shop/order/slow (categories.yaml:18)",
        f"1 of 4 rules skipped: {SKIPPED}",
        "rule vip (rules/10-grading.yaml:7) → severity P2",
        "rule web-only (rules/20-routing.yaml:3) → team desk",
        "rule lowest (rules/20-routing.yaml:6): no match",
        "severity P2 (raised by rules)",
    ], [
        "category shop/order/slow (categories.yaml:18)",
        "rule vip (rules/10-grading.yaml:7) → severity P2",
        "rule web-only (rules/20-routing.yaml:3) → team desk",
        "severity P2 (raised by rules)",
    ], id="no-match-between-matches"),
    pytest.param(created("shop/order/slow", source="web", submitter="cto", tags=["资损"]), [
        "category shop/order/slow (categories.yaml:18)",
        "rule capital-loss (rules/10-grading.yaml:3) → severity P1, tags +capital-loss",
        "rule vip (rules/10-grading.yaml:7) → severity P2 kept P1",
        "rule web-only (rules/20-routing.yaml:3) → team desk",
        "rule lowest (rules/20-routing.yaml:6): no match",
        "severity P1 (raised by rules)",
    ], [
        "category shop/order/slow (categories.yaml:18)",
        "rule capital-loss (rules/10-grading.yaml:3) → severity P1, tags +capital-loss",
        "rule vip (rules/10-grading.yaml:7) → severity P2 kept P1",
        "rule web-only (rules/20-routing.yaml:3) → team desk",
        "severity P1 (raised by rules)",
    ], id="no-rule-skipped"),
    pytest.param(created("shop/order/slow", source="app"), [
        "category shop/order/slow (categories.yaml:18)",
        f"3 of 4 rules skipped: {SKIPPED}",
        "rule lowest (rules/20-routing.yaml:6) → tags +low",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P4 (default of shop/order/slow (categories.yaml:18))",
    ], [
        "category shop/order/slow (categories.yaml:18)",
        "rule lowest (rules/20-routing.yaml:6) → tags +low",
        "team shop-order from shop/order (categories.yaml:9)",
        "severity P4 (default of shop/order/slow (categories.yaml:18))",
    ], id="only-matches"),
])
def test_explain(explain_engine: engine.Engine, event: dict[str, Any], explain: list[str],
                 trace: list[str]) -> None:
    routing, notes = route(explain_engine, event, explain=True)
    assert (notes, routing.trace) == (explain, trace)
    assert route(explain_engine, event)[0] == routing, "explaining changes nothing but the notes"
    explained, plain = explain_engine.evaluate(event, explain=True), explain_engine.evaluate(event)
    assert (explained.explain[:len(explain)], plain.explain) == (explain, None)
    # past routing, the explain view goes on with the decision's own steps (on duty, targets)
    assert explained.explain[len(explain):] == explained.trace[len(trace):]
    assert explained.to_dict() == plain.to_dict()


def test_explain_on_the_minimal_config() -> None:
    event = created("hr", severity="P2", submitter="ceo", tags=["资损"])
    explained = ENGINE.evaluate(event, explain=True)
    routing, _ = route(ENGINE, event)
    assert explained.explain == [
        "category hr unknown → default (categories.yaml:2)",
        "severity P2 proposed by the submitter",
        f"1 of 3 rules skipped: {SKIPPED}",
        "rule capital-loss (rules/10-grading.yaml:3) → severity P1, tags +capital-loss",
        "rule vip (rules/10-grading.yaml:7) → severity P2 kept P1",
        "team desk from default (categories.yaml:2)",
        "severity P1 (raised by rules)",
        "on duty alice (order-primary/weekly)",
        "targets daily P1 target: response 15m, resolve 4h on 24x7",
    ]
    assert routing.trace == [line for i, line in enumerate(explained.explain[:7]) if i != 2]
    assert explained.to_dict() == ENGINE.evaluate(event).to_dict()


# ---- the rule index against a reference that tries every rule (tests/routing_reference.py)

MINIMAL_REFERENCE = Reference(MINIMAL, ENGINE.compiled.calendars)


@pytest.mark.parametrize("event", [
    pytest.param(created("shop/order/create-failed"), id="plain-leaf"),
    pytest.param(created("shop/order/create-failed", tags=["资损"]), id="tag-rule"),
    pytest.param(created("shop/order/create-failed", tags=["资损", "资损"]), id="repeated-tag"),
    pytest.param(created("shop/order/create-failed", fields={"region": "cn-hangzhou"}), id="route"),
    pytest.param(created("shop/order/create-failed", fields={"region": "cn-beijing"}), id="route-miss"),
    pytest.param(created("shop/order/slow", fields={"merchant_tier": "KA"}), id="ka-in-shop"),
    pytest.param(created("pay", fields={"merchant_tier": "KA"}), id="ka-outside-shop"),
    pytest.param(created("shop/order/slow", fields={"merchant_tier": ["KA"]}), id="ka-as-a-list"),
    pytest.param(created("shop/order/slow", fields={"merchant_tier": "ka"}), id="ka-lower-case"),
    pytest.param(created("shop/order/create-failed", tags=["资损"], submitter="ceo",
                         fields={"merchant_tier": "KA", "region": "cn-hangzhou"}), id="everything"),
    pytest.param(created("shop", submitter="cto"), id="vip-cto"),
    pytest.param(created("shop", submitter="bob"), id="not-vip"),
    pytest.param(created("shop", submitter="ceo", severity="P1"), id="vip-with-a-proposal"),
    pytest.param(created("shop/order/create-failed/x", fields={"region": "cn-hangzhou"}), id="fallback-route"),
    pytest.param(created("shop/x", fields={"merchant_tier": "KA"}), id="fallback-ka"),
    pytest.param(created("shop/", fields={"merchant_tier": "KA"}), id="trailing-slash"),
    pytest.param(created("shop//order", tags=["资损"]), id="double-slash"),
    pytest.param(created("/shop"), id="leading-slash"),
    pytest.param(created("hr", tags=["资损"], submitter="ceo"), id="default-with-rules"),
    pytest.param(created("shopping", fields={"merchant_tier": "KA"}), id="shared-prefix-not-a-parent"),
])
def test_index_agrees_with_trying_every_rule(event: dict[str, Any]) -> None:
    assert routed(ENGINE, event) == MINIMAL_REFERENCE.route(event, _ts(event))


@pytest.fixture(scope="module")
def repo_reference(reference: engine.Engine) -> Reference:
    return Reference(REPO, reference.compiled.calendars)


REFERENCE_CASES = [case for path in sorted((REPO / "tests" / "cases").glob("*.yaml"))
                   for case in load_cases(path, str(path.relative_to(REPO)))[0] if case.error is None]


@pytest.mark.parametrize("case", REFERENCE_CASES,
                         ids=[f"{c.where.file}:{c.where.line}" for c in REFERENCE_CASES])
def test_index_agrees_with_trying_every_rule_on_the_reference_config(
        reference: engine.Engine, repo_reference: Reference, case: Any) -> None:
    created = case.given[0] if case.given else case.event   # a case with earlier events opens with them
    assert routed(reference, created) == repo_reference.route(created, _ts(created))


# Later rules that read what earlier ones wrote (the level, the tags): the index must not hide them.
CHAINED_RULES = """version: 1
rules:
  - id: p1-by-equality
    when: {severity: P1}
    then: {tags: [p1-eq]}
  - id: p1-by-regex
    when: {severity: {regex: P1}}
    then: {tags: [p1-regex]}
  - id: capital-loss-by-tag
    when: {tags: capital-loss}
    then: {tags: [cl-tag]}
  - id: capital-loss-by-regex
    when: {tags: {regex: capital-loss}}
    then: {tags: [cl-regex]}
"""


@pytest.mark.parametrize("event, tags", [
    pytest.param(created("shop"), [], id="nothing-to-chain"),
    pytest.param(created("shop", severity="P1"), ["p1-eq", "p1-regex"], id="submitted-p1"),
    pytest.param(created("shop", tags=["capital-loss"]), ["capital-loss", "cl-tag", "cl-regex"],
                 id="tag-given-by-the-host"),
    pytest.param(created("shop", tags=["资损"]),
                 ["资损", "capital-loss", "p1-eq", "p1-regex", "cl-tag", "cl-regex"],
                 id="level-and-tag-written-by-an-earlier-rule"),
])
def test_index_agrees_with_trying_every_rule_when_rules_chain(
        tmp_path: Path, event: dict[str, Any], tags: list[str]) -> None:
    root = overlay(tmp_path, {"rules/30-chained.yaml": CHAINED_RULES})
    eng = engine.load(root)
    assert Reference(root, eng.compiled.calendars).route(event, _ts(event))[4] == tags
    assert routed(eng, event) == Reference(root, eng.compiled.calendars).route(event, _ts(event))


@pytest.mark.parametrize("indexed, unindexed", [
    pytest.param("{severity: P1}", "{severity: {regex: P1}}", id="level-equality-vs-regex"),
    pytest.param("{severity: [P1]}", "{severity: {gte: P1, lte: P1}}", id="level-list-vs-range"),
    pytest.param("{tags: capital-loss}", "{tags: {regex: capital-loss}}", id="tag-vs-regex"),
])
def test_equivalent_matchers_give_the_same_decision(tmp_path: Path, indexed: str, unindexed: str) -> None:
    decisions = []
    for i, when in enumerate((indexed, unindexed)):
        rule = f"version: 1\nrules:\n  - id: follow-up\n    when: {when}\n    then: {{tags: [follow-up]}}\n"
        eng = engine.load(overlay(tmp_path / str(i), {"rules/30-follow-up.yaml": rule}))
        routing, _ = route(eng, created("shop/order/slow", tags=["资损"]))
        decisions.append((routing.severity, routing.tags, routing.trace))
    assert decisions[0] == decisions[1]


GRADE_THEN_STOP = """version: 1
rules:
  - id: p2-and-stop
    when: {category: {prefix: shop/}}
    then: {severity: P2}
    stop: true
  - id: never-reached
    when: {category: {prefix: shop/}}
    then: {severity: P1, team: desk}
"""


@pytest.mark.parametrize("category, severity, line", [
    pytest.param("shop/order/slow", "P2", "rule p2-and-stop (rules/30-stop.yaml:3) → severity P2; stop",
                 id="raises-then-stops"),
    pytest.param("shop/order/create-failed", "P2",
                 "rule p2-and-stop (rules/30-stop.yaml:3) → severity P2 kept P2; stop", id="keeps-then-stops"),
])
def test_a_grading_rule_that_stops_ends_the_pass(tmp_path: Path, category: str, severity: str,
                                                 line: str) -> None:
    eng = engine.load(overlay(tmp_path, {"rules/30-stop.yaml": GRADE_THEN_STOP}))
    routing, _ = route(eng, created(category))
    assert (routing.team, routing.severity) == ("shop-order", severity)
    assert routing.trace[1] == line and "never-reached" not in "".join(routing.trace)


WAS_P3 = """version: 1
rules:
  - id: was-p3
    when: {severity: P3}
    then: {tags: [low]}
"""


def test_a_level_anchor_is_tested_against_the_level_the_pass_has_reached(tmp_path: Path) -> None:
    """`was-p3` was a candidate when the pass began (pay defaults to P3), but capital-loss
    raised the level to P1 first: it no longer matches."""
    eng = engine.load(overlay(tmp_path, {"rules/30-was-p3.yaml": WAS_P3}))
    routing, _ = route(eng, created("pay", tags=["资损"]))
    assert (routing.severity, routing.tags) == ("P1", ["资损", "capital-loss"])
    assert routing.trace == [
        "category pay (categories.yaml:21)",
        "rule capital-loss (rules/10-grading.yaml:3) → severity P1, tags +capital-loss",
        "team shop-sre from pay (categories.yaml:21)",
        "severity P1 (raised by rules)",
    ]
    assert route(eng, created("pay"))[0].tags == ["low"]
