"""JSON Schemas under schemas/: well-formed, accept the documented examples, and report
invalid input as precise (validator keyword, instance path) pairs — the engine turns
those into `schema.*` diagnostics, so the shapes below are part of the contract."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).parents[3] / "schemas"

SCHEMA_FILES = [
    "categories.schema.json",
    "rosters.schema.json",
    "sla_profiles.schema.json",
    "rules.schema.json",
    "views.schema.json",
    "event.schema.json",
    "decision.schema.json",
]

# The value formats of docs/formats.md#value-formats that must exist as $defs, each with title/description/examples.
FORMAT_DEFS = {
    "id",
    "category_key",
    "duration",
    "percentage",
    "clock_window",
    "date",
    "datetime",
    "local_datetime",
    "timezone",
    "weekday_range",
    "cron",
    "channel",
    "recipient",
}

OPERATORS = {"in", "not_in", "regex", "prefix", "contains", "gte", "gt", "lte", "lt", "exists"}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
class _SpecLoader(yaml.SafeLoader):
    """Approximates the engine's strict YAML typing (docs/formats.md#value-formats): only true/false are
    booleans, only plain decimal numbers are numbers; dates, times, `yes`, `017` stay strings."""


_SpecLoader.yaml_implicit_resolvers = {}
for _tag, _rx, _first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|false)$", "tf"),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"^[-+]?(?:0|[1-9][0-9]*)\.[0-9]+$", "-+0123456789"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|)$", ["~", "n", ""]),
]:
    _SpecLoader.add_implicit_resolver(_tag, re.compile(_rx), list(_first))


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_SpecLoader)


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def def_validator(name: str, def_name: str) -> Draft202012Validator:
    root = schema(name)
    registry = Registry().with_resource(root["$id"], Resource.from_contents(root))
    return Draft202012Validator({"$ref": f"{root['$id']}#/$defs/{def_name}"}, registry=registry)


def error_pairs(name: str, instance: Any) -> list[tuple[str, list[Any]]]:
    pairs = [(e.validator, list(e.absolute_path)) for e in validator(name).iter_errors(instance)]
    return sorted(pairs, key=repr)


def _walk(node: Any, path: str = "#"):
    """Yield (json-pointer-ish path, subschema) for every subschema dict, skipping `if` tests."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in ("if", "examples", "default", "const", "enum"):
                continue
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


# ---------------------------------------------------------------------------
# The examples of docs/formats.md and docs/api.md, `{...}` placeholders filled in
# ---------------------------------------------------------------------------
DOC_SLA_PROFILES = """
version: 1
levels: [P1, P2, P3, P4]            # most urgent first; or [{id: P1, name: 紧急}, ...]
calendars:                           # `24x7` is built in
  cn-office:
    timezone: Asia/Shanghai
    week: {mon-fri: ["09:00-12:00", "13:30-18:30"]}    # day keys: mon..sun, ranges like mon-fri
    holidays: [2026-10-01, 2026-10-02]                  # whole local dates with no working time
    workdays: {2026-10-10: ["09:00-18:00"]}             # make-up working days (调休), override the weekday
modes:
  default: daily
  on_switch: keep                    # keep | recompute  (what open tickets do when the mode changes)
  windows:
    - {name: double11-2026, mode: promotion, start: 2026-11-10T20:00:00+08:00, end: 2026-11-12T02:00:00+08:00}
profiles:                            # one profile per mode name
  daily:
    calendar: cn-office              # default calendar for targets in this profile
    pause_when: [pending]            # ticket statuses that stop the running clocks
    targets:                         # every level must have a target
      P1: {response: 15m, resolve: 4h, calendar: 24x7, policy: critical}
      P2: {response: 30m, resolve: 8h}
      P3: {response: 4h, resolve: 3d}
      P4: {response: 1d, resolve: 10d, policy: gentle}
    policy: standard                 # default escalation policy
    overrides:                       # ordered; first whose `when` matches replaces the level target
      - when: {category: {prefix: payment/}, severity: P1}
        target: {response: 5m, resolve: 1h, calendar: 24x7}
  promotion:
    extends: daily                   # inherit everything, override what is listed
    calendar: 24x7
    targets: {P1: {response: 5m, resolve: 1h}, P2: {response: 10m, resolve: 2h}}
escalation_policies:
  standard:
    response:                        # steps on the response (first reaction) clock
      - {at: 50%, notify: [assignee], channels: [dingtalk]}
      - {at: 100%, notify: [assignee, team_group], channels: [dingtalk, dingtalk_group]}
      - {after: 10m, notify: [team_lead], channels: [dingtalk, sms]}
      - {after: 15m, notify: [manager], climb: true, channels: [dingtalk, phone]}
    resolve:
      - {at: 80%, notify: [assignee], channels: [dingtalk]}
      - {at: 100%, notify: [team_lead], channels: [dingtalk, email]}
      - {after: 1h, notify: [manager], climb: true, channels: [email, phone]}
"""

DOC_ROSTERS = """
version: 1
people:
  - {id: ceo, name: 张三, contacts: {dingtalk: "0001", email: ceo@example.com, phone: "+8613800000000"}}
  - {id: cto, name: 李四, manager: ceo, contacts: {dingtalk: "0002", email: cto@example.com}}
  - {id: alice, name: Alice, manager: bob, timezone: Asia/Shanghai, contacts: {dingtalk: "0003", phone: "+8613800000003"}}
schedules:
  trade-order-primary:
    timezone: Asia/Shanghai
    layers:                          # later layers win where they have someone on duty
      - name: weekly
        members: [alice, carol, dave]       # rotation order
        start: 2026-11-02T09:00             # members[0]'s turn starts here
        handoff: "0 9 * * 1"                # cron (5 fields, schedule timezone): each occurrence starts the next turn
        turn_length: 1                      # handoff occurrences per turn (default 1)
        active: [{cron: "0 9 * * 1-5", for: 9h}]   # optional restriction windows; the turn counter keeps running
        end: 2027-01-01T00:00               # optional
    overrides:                       # beat every layer
      - {person: erin, start: 2026-11-05T09:00:00+08:00, end: 2026-11-06T09:00:00+08:00, reason: swap}
teams:
  - id: trade-order
    name: 交易-下单
    lead: bob
    members: [alice, carol, dave, erin]
    group: {dingtalk_group: trade-order-robot}     # names of channel endpoints; secrets never in YAML
    duty:
      daily:     {primary: trade-order-primary, backup: trade-order-backup}
      promotion: {primary: trade-order-d11}        # a mode without an entry falls back to the default mode's
"""

DOC_CATEGORIES = """
version: 1
default: {team: goc-desk, severity: P3}      # catch-all: nothing is ever unrouted
categories:
  - key: trade
    name: 交易
    team: trade-sre                          # inherited by descendants unless overridden
    severity: P3                             # default level, inherited
    children:
      - key: order
        name: 下单
        team: trade-order
        children:
          - key: create-failed
            name: 下单失败
            severity: P2
            routes:                          # ordered, first match wins; ancestors' routes are tried after own
              - {id: hz-region, when: {fields.region: cn-hangzhou}, team: trade-order-hz}
"""

DOC_RULES = """
version: 1
rules:
  - id: capital-loss
    description: 资损 is always P1
    when: {tags: {contains: 资损}}
    then: {severity: P1, tags: [capital-loss]}
  - id: ka-merchant
    when: {fields.merchant_tier: KA, category: {prefix: trade/}}
    then: {team: ka-support}
    stop: true
"""

DOC_EVENT = """
{type: created, ticket: T-1, at: 2026-11-11T00:05:00+08:00,
 category: trade/order/create-failed, tags: [资损]}
"""

DOC_DECISION = {
    "ticket": "T-1",
    "event": "created",
    "at": "2026-11-11T00:05:00+08:00",
    "config_version": "sha256:" + "0123456789abcdef" * 4,
    "mode": "promotion",
    "category": {"id": "trade/order/create-failed", "matched": "trade/order/create-failed", "fallback": False},
    "severity": "P1",
    "team": "trade-order",
    "tags": ["资损", "capital-loss"],
    "assignee": {"person": "alice", "source": "trade-order-primary/weekly"},
    "sla": {
        "profile": "promotion",
        "response": {"due": "2026-11-11T00:10:00+08:00", "calendar": "24x7", "state": "running"},
        "resolve": {"due": "2026-11-11T01:05:00+08:00", "calendar": "24x7", "state": "running"},
    },
    "timers": [
        {"at": "2026-11-11T00:07:30+08:00", "clock": "response", "kind": "remind", "step": 0,
         "notify": ["assignee"], "channels": ["dingtalk"]},
    ],
    "notifications": [
        {"at": "2026-11-11T00:10:00+08:00", "clock": "response", "kind": "breach", "step": 1, "level": 0,
         "channel": "dingtalk", "to": {"person": "alice", "address": "0003"},
         "subject": "[P1] T-1 response breached", "body": "T-1 交易/下单/下单失败"},
        {"at": "2026-11-11T00:10:00+08:00", "clock": "response", "kind": "breach", "step": 1, "level": 0,
         "channel": "dingtalk_group", "to": {"group": "trade-order-robot"},
         "subject": "[P1] T-1 response breached", "body": "T-1 交易/下单/下单失败"},
    ],
    "flags": ["roster_gap"],
    "next_wakeup": "2026-11-11T00:07:30+08:00",
    "trace": ["rule capital-loss → P1", "category trade/order/create-failed → trade-order"],
    "state": {"anything": ["the", "engine", {"keeps": 1}]},
}

BASES: dict[str, Callable[[], Any]] = {
    "sla": lambda: load_yaml(DOC_SLA_PROFILES),
    "rosters": lambda: load_yaml(DOC_ROSTERS),
    "categories": lambda: load_yaml(DOC_CATEGORIES),
    "rules": lambda: load_yaml(DOC_RULES),
    "event": lambda: load_yaml(DOC_EVENT),
    "decision": lambda: copy.deepcopy(DOC_DECISION),
}
BASE_SCHEMA = {
    "sla": "sla_profiles.schema.json",
    "rosters": "rosters.schema.json",
    "categories": "categories.schema.json",
    "rules": "rules.schema.json",
    "event": "event.schema.json",
    "decision": "decision.schema.json",
}

DELETE = object()


def _set(doc: Any, path: list[Any], value: Any) -> Any:
    *parents, last = path
    node = doc
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return doc


# ---------------------------------------------------------------------------
# schema files themselves
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", [pytest.param(n, id=n.removesuffix(".schema.json").replace("_", "-")) for n in SCHEMA_FILES])
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    text = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    doc = json.loads(text)
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == f"https://gongdan.dev/schemas/{name}"
    assert doc["title"] and doc["description"]
    # pretty-printed with 2-space indentation
    assert text == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", [pytest.param(n, id=n.removesuffix(".schema.json").replace("_", "-")) for n in SCHEMA_FILES])
def test_schema_is_self_contained_and_documented(name: str) -> None:
    doc = schema(name)
    for path, node in _walk(doc):
        ref = node.get("$ref")
        if ref is not None:
            assert ref.startswith("#/$defs/"), f"{path}: cross-file $ref {ref}"
            assert ref.removeprefix("#/$defs/") in doc["$defs"], f"{path}: dangling $ref {ref}"
        for key in ("properties", "patternProperties"):
            for prop, sub in node.get(key, {}).items():
                assert sub.get("description"), f"{path}/{key}/{prop} has no description"
        strict = (node.get("type") == "object" and "properties" in node and path != "#/properties/fields"
                  and not path.endswith("/state") and "oneOf" not in node)
        if strict:
            assert node.get("additionalProperties") is False, f"{path} is not strict"
    for def_name, sub in doc["$defs"].items():
        assert sub.get("title") and sub.get("description"), f"$defs/{def_name} needs title and description"


@pytest.mark.parametrize("name", [pytest.param(n, id=n.removesuffix(".schema.json").replace("_", "-")) for n in SCHEMA_FILES])
def test_format_defs_have_examples_that_validate(name: str) -> None:
    doc = schema(name)
    for def_name in FORMAT_DEFS & doc["$defs"].keys():
        examples = doc["$defs"][def_name].get("examples")
        assert examples and 1 <= len(examples) <= 3, f"$defs/{def_name} needs 1-3 examples"
        for example in examples:
            assert def_validator(name, def_name).is_valid(example), (def_name, example)
    for def_name, sub in doc["$defs"].items():
        for example in sub.get("examples", []):
            assert def_validator(name, def_name).is_valid(example), (def_name, example)


def test_shared_defs_are_identical_across_files() -> None:
    seen: dict[str, tuple[str, Any]] = {}
    for name in SCHEMA_FILES:
        for def_name, sub in schema(name)["$defs"].items():
            if def_name in seen:
                assert sub == seen[def_name][1], f"$defs/{def_name} differs between {seen[def_name][0]} and {name}"
            else:
                seen[def_name] = (name, sub)


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, id=n.removesuffix(".schema.json").replace("_", "-"))
     for n in ("categories.schema.json", "rules.schema.json", "sla_profiles.schema.json")],
)
def test_matcher_and_operators_shape(name: str) -> None:
    defs = schema(name)["$defs"]
    ops = defs["operators"]
    assert set(ops["properties"]) == OPERATORS
    assert ops["additionalProperties"] is False and ops["minProperties"] == 1
    matcher = defs["matcher"]
    assert set(matcher["properties"]) == {
        "category", "severity", "tags", "source", "submitter", "title", "any", "not", "during", "outside",
    }
    assert list(matcher["patternProperties"]) == ["^fields\\.[A-Za-z0-9_][A-Za-z0-9_.-]*$"]
    assert matcher["additionalProperties"] is False and matcher["minProperties"] == 1


def test_the_view_matcher_is_the_rule_matcher_and_team() -> None:
    """Views match in the rule language (the shared `matcher`), with `team` besides."""
    view, rule = schema("views.schema.json")["$defs"]["view_matcher"], schema("categories.schema.json")["$defs"]["matcher"]
    assert {k: v for k, v in view["properties"].items() if k not in ("team", "any", "not")} == \
        {k: v for k, v in rule["properties"].items() if k not in ("any", "not")}
    assert (view["properties"]["team"]["$ref"], view["patternProperties"]) == ("#/$defs/condition", rule["patternProperties"])
    assert (view["properties"]["any"]["items"], view["properties"]["not"]["$ref"]) == \
        ({"$ref": "#/$defs/view_matcher"}, "#/$defs/view_matcher")


def test_the_sla_override_matcher_is_the_rule_matcher_with_team_and_mode() -> None:
    """SLA overrides match in the rule language (the shared `matcher`), with `team` and
    `mode` besides, and their `when` uses it."""
    defs = schema("sla_profiles.schema.json")["$defs"]
    target, rule = defs["target_matcher"], defs["matcher"]
    assert {k: v for k, v in target["properties"].items() if k not in ("team", "mode", "any", "not")} == \
        {k: v for k, v in rule["properties"].items() if k not in ("any", "not")}
    assert (target["properties"]["team"]["$ref"], target["properties"]["mode"]["$ref"]) == \
        ("#/$defs/condition", "#/$defs/condition")
    assert (target["properties"]["any"]["items"], target["properties"]["not"]["$ref"]) == \
        ({"$ref": "#/$defs/target_matcher"}, "#/$defs/target_matcher")
    assert defs["profile_override"]["properties"]["when"]["$ref"] == "#/$defs/target_matcher"


def test_config_files_accept_version_1_only() -> None:
    for name in ("categories.schema.json", "rosters.schema.json", "sla_profiles.schema.json", "rules.schema.json",
                 "views.schema.json"):
        assert schema(name)["properties"]["version"]["const"] == 1
        assert "version" not in schema(name)["required"]


# ---------------------------------------------------------------------------
# The documented examples are valid
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "base",
    [
        pytest.param("sla", id="spec-sla-profiles"),
        pytest.param("rosters", id="spec-rosters"),
        pytest.param("categories", id="spec-categories"),
        pytest.param("rules", id="spec-rule-pack"),
        pytest.param("event", id="spec-golden-case-event"),
        pytest.param("decision", id="spec-decision"),
    ],
)
def test_spec_examples_validate(base: str) -> None:
    assert error_pairs(BASE_SCHEMA[base], BASES[base]()) == []


VALID_VARIANTS = [
    pytest.param("sla", ["levels"], [{"id": "P1", "name": "紧急"}, "P2", {"id": "P3", "description": "minor"}], id="levels-mixed-ids-and-objects"),
    pytest.param("sla", ["calendars", "cn-office", "week"], {"mon-fri": ["09:00-12:00"], "sat": [], "sun": ["00:00-24:00"]}, id="week-single-days-and-24-00-end"),
    pytest.param("sla", ["profiles", "daily", "targets", "P2"], {"policy": "gentle"}, id="target-with-one-field"),
    pytest.param("sla", ["modes", "on_switch"], "recompute", id="on-switch-recompute"),
    pytest.param("sla", ["escalation_policies", "standard", "resolve", 0, "at"], "150%", id="percentage-over-100"),
    pytest.param("sla", ["escalation_policies", "standard", "resolve", 0, "notify"], ["alice", "on_duty", "submitter"], id="recipient-person-id-and-roles"),
    pytest.param("rules", ["rules", 0, "when"], {
        "any": [{"severity": ["P1", "P2"]}, {"not": {"source": "test"}}],
        "title": {"regex": ".*超时.*", "exists": True},
        "fields.order.amount": {"gte": 1000, "lt": 5000.5},
        "fields.vip": True,
        "during": "cn-office",
    }, id="matcher-every-construct"),
    pytest.param("rules", ["rules", 0, "when"], {"fields.x": {"in": [1, "a", False], "not_in": ["b"], "contains": 3, "gt": "2026", "lte": 9, "prefix": "p"}}, id="operators-every-kind"),
    pytest.param("rules", ["version"], DELETE, id="rule-pack-without-version"),
    pytest.param("rosters", ["schedules", "trade-order-primary", "layers", 0, "end"], DELETE, id="layer-without-end"),
    pytest.param("rosters", ["schedules", "trade-order-primary", "layers", 0, "start"], "2026-11-02T09:00:00.5Z", id="layer-start-with-offset-and-fraction"),
    pytest.param("event", ["at"], "2026-11-11T00:05Z", id="event-at-utc-without-seconds"),
    pytest.param("event", ["fields"], {"region": "cn-hangzhou", "nested": {"a": [1, None]}}, id="event-free-fields"),
    pytest.param("decision", ["next_wakeup"], None, id="decision-no-wakeup"),
    pytest.param("decision", ["assignee"], {"person": None, "source": None}, id="decision-nobody-on-duty"),
]


@pytest.mark.parametrize(("base", "path", "value"), VALID_VARIANTS)
def test_valid_variants(base: str, path: list[Any], value: Any) -> None:
    doc = _set(BASES[base](), path, value)
    assert error_pairs(BASE_SCHEMA[base], doc) == []


@pytest.mark.parametrize(
    ("base", "doc"),
    [
        pytest.param("event", {"type": "acknowledged", "ticket": "T-1", "at": "2026-11-11T00:06:00+08:00", "by": "alice"}, id="acknowledged"),
        pytest.param("event", {"type": "transferred", "ticket": "T-1", "at": "2026-11-11T00:07:00+08:00", "to": {"person": "carol"}}, id="transferred-to-person"),
        pytest.param("event", {"type": "updated", "ticket": "T-1", "at": "2026-11-11T00:08:00+08:00", "changes": {"severity": "P1", "fields": {"x": 1}}}, id="updated"),
        pytest.param("event", {"type": "status_changed", "ticket": "T-1", "at": "2026-11-11T00:09:00+08:00", "status": "pending", "note": "waiting"}, id="status-changed"),
        pytest.param("event", {"type": "resolved", "ticket": "T-1", "at": "2026-11-11T01:00:00+08:00"}, id="resolved"),
        pytest.param("event", {"type": "reopened", "ticket": "T-1", "at": "2026-11-11T02:00:00+08:00"}, id="reopened"),
        pytest.param("event", {"type": "closed", "ticket": "T-1", "at": "2026-11-12T02:00:00+08:00"}, id="closed"),
        pytest.param("decision", {"ticket": "T-1", "event": "acknowledged", "at": "2026-11-11T00:06:00+08:00",
                                  "config_version": "sha256:" + "f" * 64, "trace": [], "state": {}}, id="minimal-decision"),
    ],
)
def test_other_valid_documents(base: str, doc: Any) -> None:
    assert error_pairs(BASE_SCHEMA[base], doc) == []


# ---------------------------------------------------------------------------
# invalid instances -> exact (validator, absolute_path) pairs
# ---------------------------------------------------------------------------
P1 = ["profiles", "daily", "targets", "P1"]
STEP0 = ["escalation_policies", "standard", "response", 0]
OFFICE = ["calendars", "cn-office"]
LAYER0 = ["schedules", "trade-order-primary", "layers", 0]
CREATE_FAILED = ["categories", 0, "children", 0, "children", 0]

INVALID = [
    # --- sla_profiles.yaml ---------------------------------------------------
    pytest.param("sla", [*P1, "response"], 15, [("type", [*P1, "response"])], id="duration-plain-integer"),
    pytest.param("sla", [*P1, "response"], "15", [("pattern", [*P1, "response"])], id="duration-bare-number-string"),
    pytest.param("sla", [*P1, "resolve"], "30m1h", [("pattern", [*P1, "resolve"])], id="duration-units-ascending"),
    pytest.param("sla", [*P1, "resolve"], "1 h", [("pattern", [*P1, "resolve"])], id="duration-with-space"),
    pytest.param("sla", [*P1, "resolve"], "", [("pattern", [*P1, "resolve"])], id="duration-empty"),
    pytest.param("sla", [*P1, "resolve"], "2w", [("pattern", [*P1, "resolve"])], id="duration-unknown-unit"),
    pytest.param("sla", [*P1, "respond"], "5m", [("additionalProperties", P1)], id="target-misspelt-key"),
    pytest.param("sla", ["profiles", "daily", "targets", "P2"], {}, [("minProperties", ["profiles", "daily", "targets", "P2"])], id="target-empty"),
    pytest.param("sla", ["profiles", "daily", "targets", "P 1"], {"response": "5m"}, [("pattern", ["profiles", "daily", "targets"])], id="target-level-key-not-an-id"),
    pytest.param("sla", ["profiles", "daily", "pause_when"], "pending", [("type", ["profiles", "daily", "pause_when"])], id="pause-when-not-a-list"),
    pytest.param("sla", ["profiles", "daily", "overrides", 0, "target"], DELETE, [("required", ["profiles", "daily", "overrides", 0])], id="override-without-target"),
    pytest.param("sla", ["profiles", "daily", "overrides", 0, "when"], {"category": {"startswith": "payment/"}}, [("additionalProperties", ["profiles", "daily", "overrides", 0, "when", "category"])], id="override-unknown-operator"),
    pytest.param("sla", [*STEP0, "after"], "5m", [("oneOf", STEP0)], id="step-both-at-and-after"),
    pytest.param("sla", [*STEP0, "at"], DELETE, [("oneOf", STEP0)], id="step-neither-at-nor-after"),
    pytest.param("sla", [*STEP0, "at"], "50", [("pattern", [*STEP0, "at"])], id="step-percentage-without-sign"),
    pytest.param("sla", [*STEP0, "at"], 0.5, [("type", [*STEP0, "at"])], id="step-percentage-as-number"),
    pytest.param("sla", [*STEP0, "channels"], ["wechat"], [("enum", [*STEP0, "channels", 0])], id="step-unknown-channel"),
    pytest.param("sla", [*STEP0, "channels"], [], [("minItems", [*STEP0, "channels"])], id="step-no-channels"),
    pytest.param("sla", [*STEP0, "notify"], DELETE, [("required", STEP0)], id="step-without-notify"),
    pytest.param("sla", [*STEP0, "notify"], ["team lead"], [("pattern", [*STEP0, "notify", 0])], id="step-recipient-with-space"),
    pytest.param("sla", [*STEP0, "climb"], "yes", [("type", [*STEP0, "climb"])], id="step-climb-not-boolean"),
    pytest.param("sla", ["escalation_policies", "standard", "respond"], [], [("additionalProperties", ["escalation_policies", "standard"])], id="policy-misspelt-clock"),
    pytest.param("sla", [*OFFICE, "week", "mon-fri", 0], "24:00-09:00", [("pattern", [*OFFICE, "week", "mon-fri", 0])], id="window-starting-at-24-00"),
    pytest.param("sla", [*OFFICE, "week", "mon-fri", 0], "9:00-12:00", [("pattern", [*OFFICE, "week", "mon-fri", 0])], id="window-single-digit-hour"),
    pytest.param("sla", [*OFFICE, "week", "mon-fri", 1], "13:30-24:30", [("pattern", [*OFFICE, "week", "mon-fri", 1])], id="window-ending-after-24-00"),
    pytest.param("sla", [*OFFICE, "week"], {"monday": ["09:00-18:00"]}, [("pattern", [*OFFICE, "week"])], id="week-key-full-day-name"),
    pytest.param("sla", [*OFFICE, "week"], DELETE, [("required", OFFICE)], id="calendar-without-week"),
    pytest.param("sla", [*OFFICE, "holidays", 0], "2026/10/01", [("pattern", [*OFFICE, "holidays", 0])], id="holiday-bad-date"),
    pytest.param("sla", [*OFFICE, "workdays"], {"10-10": ["09:00-18:00"]}, [("pattern", [*OFFICE, "workdays"])], id="workday-key-not-a-date"),
    pytest.param("sla", [*OFFICE, "timezone"], "Asia Shanghai", [("pattern", [*OFFICE, "timezone"])], id="timezone-with-space"),
    pytest.param("sla", ["modes", "on_switch"], "reset", [("enum", ["modes", "on_switch"])], id="on-switch-unknown"),
    pytest.param("sla", ["modes", "windows", 0, "start"], "2026-11-10T20:00:00", [("pattern", ["modes", "windows", 0, "start"])], id="mode-window-naive-start"),
    pytest.param("sla", ["modes", "windows", 0, "name"], DELETE, [("required", ["modes", "windows", 0])], id="mode-window-without-name"),
    pytest.param("sla", ["modes"], DELETE, [("required", [])], id="sla-without-modes"),
    pytest.param("sla", ["levels"], [], [("minItems", ["levels"])], id="levels-empty"),
    pytest.param("sla", ["levels", 0], 1, [("type", ["levels", 0])], id="level-number"),
    pytest.param("sla", ["levels", 0], {"name": "紧急"}, [("required", ["levels", 0])], id="level-object-without-id"),
    pytest.param("sla", ["levels", 0], {"id": "P1", "label": "紧急"}, [("additionalProperties", ["levels", 0])], id="level-object-unknown-key"),
    pytest.param("sla", ["version"], 2, [("const", ["version"])], id="version-2"),
    # --- categories.yaml -----------------------------------------------------
    pytest.param("categories", ["categories", 0, "children", 0, "tem"], "trade-order", [("additionalProperties", ["categories", 0, "children", 0])], id="category-misspelt-team"),
    pytest.param("categories", [*CREATE_FAILED, "key"], "order/create-failed", [("pattern", [*CREATE_FAILED, "key"])], id="category-key-with-slash"),
    pytest.param("categories", [*CREATE_FAILED, "key"], "Create", [("pattern", [*CREATE_FAILED, "key"])], id="category-key-upper-case"),
    pytest.param("categories", ["categories", 0, "key"], DELETE, [("required", ["categories", 0])], id="category-without-key"),
    pytest.param("categories", ["default"], DELETE, [("required", [])], id="categories-without-default"),
    pytest.param("categories", ["default", "severity"], DELETE, [("required", ["default"])], id="default-without-severity"),
    pytest.param("categories", [*CREATE_FAILED, "routes", 0, "when"], DELETE, [("required", [*CREATE_FAILED, "routes", 0])], id="route-without-when"),
    pytest.param("categories", [*CREATE_FAILED, "routes", 0, "when"], {"catgory": "trade/order"}, [("additionalProperties", [*CREATE_FAILED, "routes", 0, "when"])], id="route-matcher-misspelt-key"),
    pytest.param("categories", [*CREATE_FAILED, "routes", 0, "team"], "trade order", [("pattern", [*CREATE_FAILED, "routes", 0, "team"])], id="route-team-not-an-id"),
    # --- rules/*.yaml --------------------------------------------------------
    pytest.param("rules", ["rules", 1, "when"], {"catgory": {"prefix": "trade/"}}, [("additionalProperties", ["rules", 1, "when"])], id="matcher-misspelt-category"),
    pytest.param("rules", ["rules", 0, "when"], {"title": {"regexp": ".*"}}, [("additionalProperties", ["rules", 0, "when", "title"])], id="operator-regexp"),
    pytest.param("rules", ["rules", 0, "when"], {"title": {}}, [("minProperties", ["rules", 0, "when", "title"])], id="operator-map-empty"),
    pytest.param("rules", ["rules", 0, "when"], {}, [("minProperties", ["rules", 0, "when"])], id="matcher-empty"),
    pytest.param("rules", ["rules", 0, "when"], {"source": None}, [("type", ["rules", 0, "when", "source"])], id="condition-null"),
    pytest.param("rules", ["rules", 0, "when"], {"severity": []}, [("minItems", ["rules", 0, "when", "severity"])], id="condition-empty-list"),
    pytest.param("rules", ["rules", 0, "when"], {"severity": [["P1"]]}, [("type", ["rules", 0, "when", "severity", 0])], id="condition-nested-list"),
    pytest.param("rules", ["rules", 0, "when"], {"fields.": "x"}, [("additionalProperties", ["rules", 0, "when"])], id="fields-key-without-path"),
    pytest.param("rules", ["rules", 0, "when"], {"any": [{"severty": "P1"}]}, [("additionalProperties", ["rules", 0, "when", "any", 0])], id="any-branch-misspelt-key"),
    pytest.param("rules", ["rules", 0, "when"], {"any": []}, [("minItems", ["rules", 0, "when", "any"])], id="any-empty"),
    pytest.param("rules", ["rules", 0, "when"], {"not": {"tags": {"exists": "no"}}}, [("type", ["rules", 0, "when", "not", "tags", "exists"])], id="not-exists-not-boolean"),
    pytest.param("rules", ["rules", 0, "when"], {"tags": {"in": "资损"}}, [("type", ["rules", 0, "when", "tags", "in"])], id="operator-in-not-a-list"),
    pytest.param("rules", ["rules", 0, "when"], {"fields.amount": {"gte": True}}, [("type", ["rules", 0, "when", "fields.amount", "gte"])], id="operator-gte-boolean"),
    pytest.param("rules", ["rules", 0, "then"], {}, [("minProperties", ["rules", 0, "then"])], id="then-empty"),
    pytest.param("rules", ["rules", 0, "then", "assign"], "alice", [("additionalProperties", ["rules", 0, "then"])], id="then-unknown-key"),
    pytest.param("rules", ["rules", 1, "stop"], "yes", [("type", ["rules", 1, "stop"])], id="stop-not-boolean"),
    pytest.param("rules", ["rules", 0, "id"], DELETE, [("required", ["rules", 0])], id="rule-without-id"),
    pytest.param("rules", ["rules"], DELETE, [("required", [])], id="pack-without-rules"),
    # --- rosters.yaml --------------------------------------------------------
    pytest.param("rosters", ["people", 1, "name"], DELETE, [("required", ["people", 1])], id="person-without-name"),
    pytest.param("rosters", ["people", 0, "contacts", "wechat"], "x", [("additionalProperties", ["people", 0, "contacts"])], id="contacts-unknown-channel"),
    pytest.param("rosters", ["people", 0, "contacts", "dingtalk"], 1, [("type", ["people", 0, "contacts", "dingtalk"])], id="contacts-unquoted-number"),
    pytest.param("rosters", ["schedules", "trade-order primary"], {"timezone": "UTC", "layers": [{"name": "a", "members": ["x"], "start": "2026-01-01T00:00", "handoff": "0 9 * * 1"}]}, [("pattern", ["schedules"])], id="schedule-id-with-space"),
    pytest.param("rosters", ["schedules", "trade-order-primary", "layers"], [], [("minItems", ["schedules", "trade-order-primary", "layers"])], id="schedule-without-layers"),
    pytest.param("rosters", ["schedules", "trade-order-primary", "timezone"], DELETE, [("required", ["schedules", "trade-order-primary"])], id="schedule-without-timezone"),
    pytest.param("rosters", [*LAYER0, "members"], [], [("minItems", [*LAYER0, "members"])], id="layer-no-members"),
    pytest.param("rosters", [*LAYER0, "handoff"], "0 9 * *", [("pattern", [*LAYER0, "handoff"])], id="layer-cron-four-fields"),
    pytest.param("rosters", [*LAYER0, "handoff"], DELETE, [("required", LAYER0)], id="layer-without-handoff"),
    pytest.param("rosters", [*LAYER0, "turn_length"], 0, [("minimum", [*LAYER0, "turn_length"])], id="layer-turn-length-zero"),
    pytest.param("rosters", [*LAYER0, "start"], "2026-11-02 09:00", [("pattern", [*LAYER0, "start"])], id="layer-start-with-space"),
    pytest.param("rosters", [*LAYER0, "active", 0, "for"], DELETE, [("required", [*LAYER0, "active", 0])], id="active-window-without-for"),
    pytest.param("rosters", [*LAYER0, "active", 0, "for"], 9, [("type", [*LAYER0, "active", 0, "for"])], id="active-window-integer-duration"),
    pytest.param("rosters", ["schedules", "trade-order-primary", "overrides", 0, "end"], DELETE, [("required", ["schedules", "trade-order-primary", "overrides", 0])], id="override-without-end"),
    pytest.param("rosters", ["teams", 0, "duty", "promotion"], {"backup": "trade-order-d11"}, [("required", ["teams", 0, "duty", "promotion"])], id="duty-without-primary"),
    pytest.param("rosters", ["teams", 0, "group", "wechat_group"], "x", [("additionalProperties", ["teams", 0, "group"])], id="team-group-unknown-endpoint"),
    pytest.param("rosters", ["teams", 0, "leader"], "bob", [("additionalProperties", ["teams", 0])], id="team-misspelt-lead"),
    pytest.param("rosters", ["teams"], DELETE, [("required", [])], id="rosters-without-teams"),
    # --- events --------------------------------------------------------------
    pytest.param("event", ["at"], "2026-11-11T00:05:00", [("pattern", ["at"])], id="event-naive-at"),
    pytest.param("event", ["category"], DELETE, [("required", [])], id="created-without-category"),
    pytest.param("event", ["type"], "assigned", [("enum", ["type"])], id="event-unknown-type"),
    pytest.param("event", ["ticket"], "", [("minLength", ["ticket"])], id="event-empty-ticket"),
    # The base is a `created` event: its category and tags are not fields of the other
    # types, so each `enum` below is a field the new type does not take (propertyNames).
    pytest.param("event", ["ticket"], DELETE, [("required", [])], id="event-without-ticket"),
    pytest.param("event", ["priority"], "P1", [("additionalProperties", []), ("enum", [])], id="event-unknown-key"),
    pytest.param("event", ["tags"], "资损", [("type", ["tags"])], id="event-tags-not-a-list"),
    pytest.param("event", ["type"], "transferred", [("enum", []), ("enum", []), ("required", [])], id="transferred-without-to"),
    pytest.param("event", ["to"], {"person": "carol", "team": "trade-order"}, [("enum", []), ("maxProperties", ["to"])], id="transfer-to-person-and-team"),
    pytest.param("event", ["to"], {"group": "x"}, [("additionalProperties", ["to"]), ("enum", [])], id="transfer-to-unknown-kind"),
    pytest.param("event", ["type"], "status_changed", [("enum", []), ("enum", []), ("required", [])], id="status-changed-without-status"),
    pytest.param("event", ["type"], "updated", [("enum", []), ("enum", []), ("required", [])], id="updated-without-changes"),
    pytest.param("event", ["changes"], {}, [("enum", []), ("minProperties", ["changes"])], id="updated-empty-changes"),
    pytest.param("event", ["changes"], {"status": "pending"}, [("additionalProperties", ["changes"]), ("enum", [])], id="changes-unknown-attribute"),
    # --- decisions -----------------------------------------------------------
    pytest.param("decision", ["config_version"], "sha256:abc", [("pattern", ["config_version"])], id="decision-short-config-version"),
    pytest.param("decision", ["trace"], DELETE, [("required", [])], id="decision-without-trace"),
    pytest.param("decision", ["state"], None, [("type", ["state"])], id="decision-state-null"),
    pytest.param("decision", ["sla", "response", "state"], "late", [("enum", ["sla", "response", "state"])], id="decision-clock-unknown-state"),
    pytest.param("decision", ["timers", 0, "kind"], "urge", [("enum", ["timers", 0, "kind"])], id="decision-timer-unknown-kind"),
    pytest.param("decision", ["notifications", 0, "to"], {"person": "alice", "group": "g"}, [("oneOf", ["notifications", 0, "to"])], id="decision-notification-to-person-and-group"),
    pytest.param("decision", ["notifications", 0, "channel"], "wechat", [("enum", ["notifications", 0, "channel"])], id="decision-notification-unknown-channel"),
    pytest.param("decision", ["at"], "2026-11-11 00:05:00+08:00", [("pattern", ["at"])], id="decision-at-with-space"),
    pytest.param("decision", ["verdict"], "ok", [("additionalProperties", [])], id="decision-unknown-key"),
]


@pytest.mark.parametrize(("base", "path", "value", "expected"), INVALID)
def test_invalid_instances(base: str, path: list[Any], value: Any, expected: list[tuple[str, list[Any]]]) -> None:
    doc = _set(BASES[base](), path, value)
    assert error_pairs(BASE_SCHEMA[base], doc) == sorted(expected, key=repr)


# ---------------------------------------------------------------------------
# value formats one by one
# ---------------------------------------------------------------------------
FORMAT_CASES = [
    ("duration", ["90s", "15m", "4h", "2d", "1h30m", "1d2h3m4s", "0s"], ["", "15", "30m1h", "1h 30m", "1.5h", "h", "15M", 15]),
    ("percentage", ["50%", "100%", "150%", "12.5%"], ["50", "%", "-5%", "50 %", 50]),
    ("clock_window", ["09:00-12:00", "00:00-24:00", "23:59-24:00"], ["24:00-09:00", "9:00-12:00", "09:00-24:01", "09:60-10:00", "09:00"]),
    ("date", ["2026-10-01"], ["2026-10-1", "26-10-01", "2026-10-01T00:00"]),
    ("datetime", ["2026-11-11T00:05:00+08:00", "2026-11-11T00:05Z", "2026-11-11T00:05:00.123-05:00"], ["2026-11-11T00:05:00", "2026-11-11 00:05:00Z", "2026-11-11T00:05:00+0800"]),
    ("local_datetime", ["2026-11-02T09:00", "2026-11-02T09:00:00", "2026-11-02T09:00:00+08:00"], ["2026-11-02", "2026-11-02T9:00"]),
    ("timezone", ["Asia/Shanghai", "UTC", "Etc/GMT+8", "America/Argentina/Buenos_Aires"], ["Asia Shanghai", "/UTC", "Asia/", ""]),
    ("weekday_range", ["mon", "mon-fri", "sat-sun"], ["monday", "Mon", "mon-", "mon-fri-sat"]),
    ("cron", ["0 9 * * 1", "*/5 * * * *", "0  9 * * 1-5"], ["0 9 * *", "0 9 * * 1 2026", ""]),
    ("channel", ["dingtalk", "dingtalk_group", "email", "sms", "phone"], ["wechat", "DingTalk"]),
    ("recipient", ["assignee", "on_duty", "backup", "team_lead", "team_group", "manager", "submitter", "alice"], ["team lead", "", "@alice"]),
    ("id", ["P1", "trade-order", "a_b", "24x7"], ["-x", "a b", "a/b", "a.b", ""]),
    ("category_key", ["trade", "create-failed", "b2b"], ["Trade", "trade/order", "-x"]),
]


@pytest.mark.parametrize(
    ("def_name", "value", "ok"),
    [
        pytest.param(def_name, value, ok, id=f"{def_name.replace('_', '-')}-{'ok' if ok else 'bad'}-{value!r}")
        for def_name, good, bad in FORMAT_CASES
        for ok, values in ((True, good), (False, bad))
        for value in values
    ],
)
def test_value_formats(def_name: str, value: Any, ok: bool) -> None:
    name = next(n for n in SCHEMA_FILES if def_name in schema(n)["$defs"])
    assert def_validator(name, def_name).is_valid(value) is ok
