"""Events at the boundary (docs/api.md): exact EventError messages and fields, and good events."""
from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import engine
from engine.config.values import DATETIME_PATTERN
from engine.errors import EventError
from engine.runtime.events import EVENT_TYPES, parse_event
from helpers import REPO

AT = "2026-11-02T10:00:00+08:00"
AT_TS = 1793584800.0  # 2026-11-02T02:00:00Z
CREATED: dict[str, Any] = {"type": "created", "ticket": "T-1", "at": AT, "category": "trade/order"}
TYPES = ", ".join(EVENT_TYPES)
ID = "expected an id (letters, digits, '_' or '-'), got"


def without(event: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != key}


def event(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "ticket": "T-1", "at": AT, **extra}


BAD = [
    pytest.param([CREATED], "an event is a JSON object, got list", None, id="a-list"),
    pytest.param("created", "an event is a JSON object, got str", None, id="a-string"),
    pytest.param(None, "an event is a JSON object, got NoneType", None, id="null"),
    pytest.param(without(CREATED, "type"),
                 f"type: expected one of {TYPES}, got None", "type", id="missing-type"),
    pytest.param({**CREATED, "type": "opened"},
                 f"type: expected one of {TYPES}, got 'opened'", "type", id="unknown-type"),
    pytest.param({**CREATED, "type": 1}, f"type: expected one of {TYPES}, got 1", "type", id="type-not-a-string"),
    pytest.param({**CREATED, "type": "Created"},
                 f"type: expected one of {TYPES}, got 'Created'", "type", id="type-is-case-sensitive"),
    pytest.param(without(CREATED, "ticket"), "ticket: is required", "ticket", id="missing-ticket"),
    pytest.param({**CREATED, "ticket": ""}, "ticket: expected a non-empty string, got ''", "ticket",
                 id="empty-ticket"),
    pytest.param({**CREATED, "ticket": 17}, "ticket: expected a non-empty string, got 17", "ticket",
                 id="numeric-ticket"),
    pytest.param(without(CREATED, "at"), "at: is required", "at", id="missing-at"),
    pytest.param({**CREATED, "at": "2026-11-02T10:00:00"},
                 "at: '2026-11-02T10:00:00' has no UTC offset (add +08:00 or Z)", "at", id="naive-at"),
    pytest.param({**CREATED, "at": "2026-11-02"}, "at: '2026-11-02' is not an RFC 3339 datetime", "at",
                 id="date-only-at"),
    pytest.param({**CREATED, "at": 1793584800},
                 "at: expected an RFC 3339 datetime string, got int", "at", id="numeric-at"),
    pytest.param({**CREATED, "at": None},
                 "at: expected an RFC 3339 datetime string, got NoneType", "at", id="null-at"),
    pytest.param({**CREATED, "at": "tomorrow"}, "at: 'tomorrow' is not an RFC 3339 datetime", "at",
                 id="unparseable-at"),
    pytest.param({**CREATED, "at": "2026-11-31T10:00:00+08:00"},
                 "at: '2026-11-31T10:00:00+08:00' is not an RFC 3339 datetime", "at", id="no-such-day"),
    pytest.param({**CREATED, "status": "open"}, "status: not a field of a 'created' event", "status",
                 id="unknown-field-for-created"),
    pytest.param(event("resolved", category="x"), "category: not a field of a 'resolved' event", "category",
                 id="unknown-field-for-resolved"),
    pytest.param(without(CREATED, "category"), "category: is required", "category",
                 id="created-without-category"),
    pytest.param({**CREATED, "category": 5}, "category: expected a non-empty string, got 5", "category",
                 id="category-not-a-string"),
    pytest.param({**CREATED, "category": ""}, "category: expected a non-empty string, got ''", "category",
                 id="empty-category"),
    pytest.param({**CREATED, "category": None}, "category: expected a non-empty string, got None",
                 "category", id="null-category"),
    pytest.param({**CREATED, "tags": "资损"}, "tags: expected a list of non-empty strings, got '资损'", "tags",
                 id="tags-a-string"),
    pytest.param({**CREATED, "tags": ["a", 1]}, "tags: expected a list of non-empty strings, got ['a', 1]", "tags",
                 id="tags-with-a-number"),
    pytest.param({**CREATED, "tags": ["a", ""]}, "tags: expected a list of non-empty strings, got ['a', '']",
                 "tags", id="tags-with-an-empty-tag"),
    pytest.param({**CREATED, "severity": "P 1"}, f"severity: {ID} 'P 1'", "severity",
                 id="severity-not-an-id"),
    pytest.param(event("transferred", to={"person": "alice smith"}), f"to.person: {ID} 'alice smith'",
                 "to.person", id="transferred-to-a-name-not-an-id"),
    pytest.param({**CREATED, "at": "2026-02-29T10:00:00+08:00"},
                 "at: '2026-02-29T10:00:00+08:00' is not an RFC 3339 datetime", "at", id="no-leap-day-in-2026"),
    pytest.param({**CREATED, "title": "x" * 65_537}, "title: longer than 65,536 characters (65,537)", "title",
                 id="title-too-long"),
    pytest.param({**CREATED, "tags": ["t"] * 257}, "tags: at most 256 tags of at most 256 characters each", "tags",
                 id="too-many-tags"),
    pytest.param({**CREATED, "category": "a/" * 32 + "b"},
                 "category: a category id has at most 1024 characters and 32 parts, got 65 characters", "category",
                 id="category-too-deep"),
    pytest.param({**CREATED, "ticket": "T" * 257}, "ticket: longer than 256 characters (257)", "ticket",
                 id="ticket-id-too-long"),
    pytest.param({**CREATED, "at": "0000-01-01T10:00:00Z"},
                 "at: '0000-01-01T10:00:00Z' is not an RFC 3339 datetime", "at", id="year-zero"),
    pytest.param({**CREATED, "at": "2026-11-02T10:00:00+24:00"},
                 "at: '2026-11-02T10:00:00+24:00' is not an RFC 3339 datetime", "at", id="offset-of-a-day"),
    pytest.param({**CREATED, "fields": ["region"]}, "fields: expected an object, got list", "fields",
                 id="fields-not-an-object"),
    pytest.param({**CREATED, "fields": "x"}, "fields: expected an object, got str", "fields",
                 id="fields-a-string"),
    pytest.param({**CREATED, "title": 5}, "title: expected a string, got 5", "title", id="title-not-a-string"),
    pytest.param({**CREATED, "severity": ""}, "severity: expected an id (letters, digits, '_' or '-'), got ''", "severity",
                 id="empty-severity"),
    pytest.param({**CREATED, "submitter": ["ceo"]}, "submitter: expected a string, got ['ceo']", "submitter",
                 id="submitter-a-list"),
    pytest.param({**CREATED, "at": "never", "category": 5},
                 "category: expected a non-empty string, got 5", "category", id="fields-before-at"),
    pytest.param(event("transferred"), "to: is required", "to", id="transferred-without-to"),
    pytest.param(event("transferred", to={"person": "alice", "team": "desk"}),
                 "to: expected {person: id} or {team: id}", "to", id="transferred-to-both"),
    pytest.param(event("transferred", to={}), "to: expected {person: id} or {team: id}", "to",
                 id="transferred-to-nobody"),
    pytest.param(event("transferred", to="alice"), "to: expected {person: id} or {team: id}", "to",
                 id="transferred-to-a-string"),
    pytest.param(event("transferred", to={"group": "x"}), "to: expected {person: id} or {team: id}", "to",
                 id="transferred-to-a-group"),
    pytest.param(event("transferred", to={"person": ""}), "to.person: expected an id (letters, digits, '_' or '-'), got ''",
                 "to.person", id="transferred-to-empty-person"),
    pytest.param(event("transferred", to={"team": 3}), "to.team: expected an id (letters, digits, '_' or '-'), got 3",
                 "to.team", id="transferred-to-numeric-team"),
    pytest.param(event("status_changed"), "status: is required", "status", id="status-changed-without-status"),
    pytest.param(event("status_changed", status=""), "status: expected a non-empty string, got ''", "status",
                 id="status-changed-empty-status"),
    pytest.param(event("updated"), "changes: is required", "changes", id="updated-without-changes"),
    pytest.param(event("updated", changes={}),
                 "changes: expected a non-empty object of changed attributes", "changes",
                 id="updated-empty-changes"),
    pytest.param(event("updated", changes=["severity"]),
                 "changes: expected a non-empty object of changed attributes", "changes",
                 id="updated-changes-a-list"),
    pytest.param(event("updated", changes={"status": "closed"}),
                 "changes.status: cannot be changed (changeable: category, severity, title, tags, source, "
                 "fields, supervisors_remove)", "changes.status", id="updated-unchangeable-key"),
    pytest.param(event("updated", changes={"submitter": "ceo"}),
                 "changes.submitter: cannot be changed (changeable: category, severity, title, tags, source, "
                 "fields, supervisors_remove)", "changes.submitter", id="updated-submitter"),
    pytest.param(event("updated", changes={"tags": "x"}), "changes.tags: expected a list of non-empty strings, got 'x'",
                 "changes.tags", id="updated-bad-tags"),
    pytest.param(event("updated", changes={"category": ""}),
                 "changes.category: expected a non-empty string, got ''", "changes.category",
                 id="updated-empty-category"),
    pytest.param(event("acknowledged", by=7), "by: expected a string, got 7", "by", id="acknowledged-by-number"),
    pytest.param(event("transferred", to={"person": "carol"}, supervise="yes"),
                 "supervise: expected true or false, got 'yes'", "supervise", id="supervise-not-a-boolean"),
    pytest.param(event("acknowledged", supervise=True), "supervise: not a field of a 'acknowledged' event",
                 "supervise", id="supervise-on-an-acknowledgement"),
    pytest.param(event("resolved", resolution={}),
                 "resolution: expected {code: id, text: string} (either or both), got {}", "resolution",
                 id="resolution-empty"),
    pytest.param(event("resolved", resolution={"code": "fixed", "why": "x"}),
                 "resolution: expected {code: id, text: string} (either or both), got {'code': 'fixed', 'why': 'x'}",
                 "resolution", id="resolution-unknown-key"),
    pytest.param(event("resolved", resolution={"code": "fixed it"}),
                 f"resolution.code: {ID} 'fixed it'", "resolution.code", id="resolution-code-not-an-id"),
    pytest.param(event("resolved", resolution={"code": None}),
                 f"resolution.code: {ID} None", "resolution.code", id="resolution-code-null"),
    pytest.param(event("resolved", resolution={"text": 3}), "resolution.text: expected a string, got 3",
                 "resolution.text", id="resolution-text-a-number"),
    pytest.param(event("resolved", resolution="fixed"),
                 "resolution: expected {code: id, text: string} (either or both), got 'fixed'", "resolution",
                 id="resolution-a-string"),
    pytest.param(event("closed", resolution={"code": "fixed"}), "resolution: not a field of a 'closed' event",
                 "resolution", id="resolution-on-close"),
    pytest.param(event("updated", changes={"supervisors_remove": []}),
                 "changes.supervisors_remove: expected a list of 1 to 256 person ids, got []",
                 "changes.supervisors_remove", id="supervisors-remove-empty"),
    pytest.param(event("updated", changes={"supervisors_remove": "alice"}),
                 "changes.supervisors_remove: expected a list of 1 to 256 person ids, got 'alice'",
                 "changes.supervisors_remove", id="supervisors-remove-a-string"),
    pytest.param(event("updated", changes={"supervisors_remove": ["alice smith"]}),
                 f"changes.supervisors_remove[0]: {ID} 'alice smith'", "changes.supervisors_remove[0]",
                 id="supervisors-remove-not-an-id"),
    pytest.param(event("closed", note=["x"]), "note: expected a string, got ['x']", "note",
                 id="closed-note-a-list"),
]


@pytest.mark.parametrize("raw, message, field", BAD)
def test_bad_event(raw: Any, message: str, field: str | None) -> None:
    with pytest.raises(EventError) as caught:
        parse_event(raw)
    assert (str(caught.value), caught.value.field) == (message, field)


@pytest.mark.parametrize("raw, message, field", BAD)
def test_bad_event_is_refused_by_evaluate(reference: engine.Engine, raw: Any, message: str, field: str | None) -> None:
    with pytest.raises(EventError) as caught:
        reference.evaluate(raw)
    assert (str(caught.value), caught.value.field) == (message, field)


@pytest.mark.parametrize("at", [
    pytest.param("2026-W45-1T10:00:00+08:00", id="iso-week-date"),
    pytest.param("20261102T100000+0800", id="iso-basic-format"),
])
def test_iso_8601_forms_that_are_not_rfc_3339_are_refused(at: str) -> None:
    with pytest.raises(EventError) as caught:
        parse_event({**CREATED, "at": at})
    assert (str(caught.value), caught.value.field) == (f"at: {at!r} is not an RFC 3339 datetime", "at")


GOOD = [
    pytest.param(CREATED, "created", AT_TS, id="created-minimal"),
    pytest.param({**CREATED, "title": "下单失败", "severity": "P1", "tags": ["资损"], "source": "web",
                  "submitter": "alice", "fields": {"region": "cn-hangzhou", "n": {"a": [1]}},
                  "note": "from the app", "by": "alice"}, "created", AT_TS, id="created-full"),
    pytest.param({**CREATED, "title": None, "severity": None, "tags": None, "source": None,
                  "submitter": None, "fields": None}, "created", AT_TS, id="created-nulls"),
    pytest.param({**CREATED, "tags": [], "fields": {}}, "created", AT_TS, id="created-empty-tags-and-fields"),
    pytest.param({**CREATED, "at": "2026-11-02T02:00:00Z"}, "created", AT_TS, id="created-utc-z"),
    pytest.param({**CREATED, "at": "2026-11-02T02:00:00+00:00"}, "created", AT_TS, id="created-utc-offset"),
    pytest.param({**CREATED, "at": "2026-11-02T10:00:00.250+08:00"}, "created", AT_TS + 0.25,
                 id="created-fraction"),
    pytest.param(event("acknowledged", by="alice"), "acknowledged", AT_TS, id="acknowledged"),
    pytest.param(event("transferred", to={"person": "carol"}), "transferred", AT_TS, id="transferred-to-person"),
    pytest.param(event("transferred", to={"team": "desk"}, note="wrong team"), "transferred", AT_TS,
                 id="transferred-to-team"),
    pytest.param(event("updated", changes={"severity": "P1", "tags": ["x"], "fields": {"a": 1},
                                           "category": "shop", "title": "t", "source": "s"}),
                 "updated", AT_TS, id="updated-every-changeable"),
    pytest.param(event("status_changed", status="pending"), "status_changed", AT_TS, id="status-changed"),
    pytest.param(event("resolved"), "resolved", AT_TS, id="resolved"),
    pytest.param(event("resolved", resolution={"code": "order-recreated", "text": "补单"}), "resolved", AT_TS,
                 id="resolved-with-a-resolution"),
    pytest.param(event("resolved", resolution={"text": None}), "resolved", AT_TS, id="resolved-with-text-null"),
    pytest.param(event("resolved", resolution=None), "resolved", AT_TS, id="resolved-resolution-null"),
    pytest.param(event("transferred", to={"person": "carol"}, supervise=True), "transferred", AT_TS,
                 id="transferred-supervised"),
    pytest.param(event("transferred", to={"team": "desk"}, supervise=None), "transferred", AT_TS,
                 id="transferred-supervise-null"),
    pytest.param(event("updated", changes={"supervisors_remove": ["alice"]}), "updated", AT_TS,
                 id="updated-supervisors-remove"),
    pytest.param(event("reopened", by="bob"), "reopened", AT_TS, id="reopened"),
    pytest.param(event("closed"), "closed", AT_TS, id="closed"),
]


@pytest.mark.parametrize("raw, kind, ts", GOOD)
def test_good_event(raw: dict[str, Any], kind: str, ts: float) -> None:
    parsed = parse_event(raw)
    assert (parsed.type, parsed.ticket, parsed.ts) == (kind, "T-1", ts)
    assert parsed.at.timestamp() == ts
    assert parsed.raw is raw


def test_every_event_type_has_a_good_example() -> None:
    assert {p.values[1] for p in GOOD} == set(EVENT_TYPES)


def test_an_unknown_mode_is_refused(reference: engine.Engine) -> None:
    with pytest.raises(EventError) as caught:
        reference.evaluate(CREATED, mode="peak")
    assert (str(caught.value), caught.value.field) == (
        "mode: unknown mode 'peak' (modes: daily, promotion)", "mode")


def test_a_bad_event_is_reported_before_a_bad_mode(reference: engine.Engine) -> None:
    with pytest.raises(EventError) as caught:
        reference.evaluate(without(CREATED, "at"), mode="peak")
    assert (str(caught.value), caught.value.field) == ("at: is required", "at")


@pytest.mark.parametrize("state", [
    pytest.param({}, id="empty-state"),
    pytest.param({"v": 1, "ticket": "T-1"}, id="some-state"),
])
def test_a_created_event_with_a_state_is_refused(reference: engine.Engine, state: dict[str, Any]) -> None:
    with pytest.raises(EventError) as caught:
        reference.evaluate(CREATED, state=state)
    assert (str(caught.value), caught.value.field) == (
        "type: ticket 'T-1' already exists (a state was passed)", "type")


@pytest.mark.parametrize("severity, message", [
    pytest.param("P9", "severity: unknown level 'P9' (levels: P1, P2, P3, P4)", id="unknown-level"),
    pytest.param("p1", "severity: unknown level 'p1' (levels: P1, P2, P3, P4)", id="level-is-case-sensitive"),
])
def test_an_unknown_submitted_level_is_refused(reference: engine.Engine, severity: str, message: str) -> None:
    with pytest.raises(EventError) as caught:
        reference.evaluate({**CREATED, "severity": severity})
    assert (str(caught.value), caught.value.field) == (message, "severity")


@pytest.mark.parametrize("mode", [
    pytest.param(None, id="from-the-windows"),
    pytest.param("daily", id="daily"),
    pytest.param("promotion", id="promotion"),
])
def test_a_known_mode_is_taken(reference: engine.Engine, mode: str | None) -> None:
    decision = reference.evaluate(CREATED, mode=mode)
    assert (decision.mode, decision.state["mode"]) == (mode or "daily", mode or "daily")


def test_evaluate_does_not_change_the_event(reference: engine.Engine) -> None:
    raw = {**CREATED, "tags": ["资损"], "fields": {"merchant_tier": "KA"}}
    reference.evaluate(raw)
    assert raw == {**CREATED, "tags": ["资损"], "fields": {"merchant_tier": "KA"}}


# --- the event schema and parse_event are twins: pinned together -------------------------

EVENT_SCHEMA = json.loads((REPO / "schemas" / "event.schema.json").read_text(encoding="utf-8"))
SCHEMA_CHECK = Draft202012Validator(EVENT_SCHEMA)
EXAMPLE_EVENTS = [json.loads(line) for line in
                  (REPO / "examples" / "double11-events.jsonl").read_text(encoding="utf-8").splitlines()[:400]]


def _parses(raw: Any) -> bool:
    try:
        parse_event(raw)
    except EventError:
        return False
    return True


@pytest.mark.parametrize("raw", [p.values[0] for p in BAD], ids=[p.id for p in BAD])
def test_the_schema_refuses_every_bad_event(raw: Any) -> None:
    assert not SCHEMA_CHECK.is_valid(raw)


@pytest.mark.parametrize("raw", [p.values[0] for p in GOOD], ids=[p.id for p in GOOD])
def test_the_schema_takes_every_good_event(raw: Any) -> None:
    assert SCHEMA_CHECK.is_valid(raw), list(SCHEMA_CHECK.iter_errors(raw))


def test_the_schema_and_parse_event_agree_on_the_example_stream() -> None:
    verdicts = {(SCHEMA_CHECK.is_valid(raw), _parses(raw)) for raw in EXAMPLE_EVENTS}
    assert verdicts == {(True, True)}


def test_the_schema_datetime_is_the_parsers_pattern() -> None:
    assert EVENT_SCHEMA["$defs"]["datetime"]["pattern"] == DATETIME_PATTERN
