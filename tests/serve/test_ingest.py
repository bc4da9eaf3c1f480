"""POST /v1/events through a real server: decisions equal the in-process engine's; every
refusal an exact problem+json with nothing stored."""
from __future__ import annotations

import json
from typing import Any

import pytest

import engine
from serving import Start, stream

CREATED = {"type": "created", "ticket": "T-1", "at": "2026-11-10T12:02:25+08:00",
           "category": "infrastructure/security/data-leak", "source": "monitor", "severity": "P2"}
ACK = {"type": "acknowledged", "ticket": "T-1", "at": "2026-11-10T12:05:00+08:00", "by": "on-duty"}
P = "https://gongdan.dev/problems/"


def test_created_decision_equals_the_engine(start: Start, reference: engine.Engine) -> None:
    s = start()
    r = s.post(CREATED)
    assert (r.status_code, r.headers["content-type"]) == (200, "application/json")
    assert r.json() == reference.evaluate(CREATED).to_dict()
    assert s.counts() == {"tickets": 1, "decisions": 1, "events_seen": 1, "outbox": 1, "idempotency": 0}


def test_an_event_continues_the_stored_state(start: Start, reference: engine.Engine) -> None:
    s = start()
    s.post(CREATED)
    r = s.post(ACK)
    first = reference.evaluate(CREATED)
    assert r.json() == reference.evaluate(ACK, first.state).to_dict()
    assert s.rows("SELECT seq, event, at FROM decisions ORDER BY seq") == [
        (1, "created", "2026-11-10T12:02:25+08:00"), (2, "acknowledged", "2026-11-10T12:05:00+08:00")]


def test_due_steps_fire_before_a_later_event_at_their_own_time(start: Start, reference: engine.Engine) -> None:
    s = start()
    s.post(CREATED)
    late_ack = {**ACK, "at": "2026-11-10T12:20:00+08:00"}
    r = s.post(late_ack)
    created = reference.evaluate(CREATED)
    reminded = reference.due(created.state, created.next_wakeup)
    breached = reference.due(reminded.state, reminded.next_wakeup)
    assert breached.next_wakeup > late_ack["at"]
    assert r.json() == reference.evaluate(late_ack, breached.state).to_dict()
    assert s.rows("SELECT event, at FROM decisions ORDER BY seq") == [
        ("created", "2026-11-10T12:02:25+08:00"), ("due", "2026-11-10T12:09:55+08:00"),
        ("due", "2026-11-10T12:17:25+08:00"), ("acknowledged", "2026-11-10T12:20:00+08:00")]


def _problem(status: int, slug: str, title: str, detail: str, field: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": P + slug, "title": title, "status": status, "detail": detail}
    if field is not None:
        out["field"] = field
    return out


REFUSALS = [
    pytest.param(b'{"type": "created",', {}, 400, _problem(
        400, "invalid-json", "Request body is not valid JSON",
        "the body is not JSON: Expecting property name enclosed in double quotes: line 1 column 20 (char 19)"),
        id="malformed-json"),
    pytest.param(b'{"type": NaN}', {}, 400, _problem(
        400, "invalid-json", "Request body is not valid JSON", "the body is not JSON: NaN is not JSON"),
        id="nan-is-not-json"),
    pytest.param({**ACK, "type": 5}, {}, 422, _problem(
        422, "invalid-event", "Event refused by the engine",
        "type: expected one of created, acknowledged, transferred, updated, status_changed, resolved, "
        "reopened, closed, got 5", "type"), id="wrong-type"),
    pytest.param({**CREATED, "ticket": "T-2", "at": "2026-11-10T12:02:25"}, {}, 422, _problem(
        422, "invalid-event", "Event refused by the engine",
        "at: '2026-11-10T12:02:25' has no UTC offset (add +08:00 or Z)", "at"), id="naive-time"),
    pytest.param({**CREATED, "ticket": "T-2", "colour": "red"}, {}, 422, _problem(
        422, "invalid-event", "Event refused by the engine", "colour: not a field of a 'created' event",
        "colour"), id="unknown-field"),
    pytest.param([1, 2], {}, 200, None, id="batch-of-non-events"),
    pytest.param({**ACK, "ticket": "T-404"}, {}, 404, _problem(
        404, "unknown-ticket", "Unknown ticket", "ticket 'T-404' is not known: send its `created` event first",
        "ticket"), id="unknown-ticket"),
    pytest.param({**ACK, "at": "2026-11-10T12:00:00+08:00"}, {}, 409, _problem(
        409, "event-conflict", "Event conflicts with the ticket's state",
        "at: the event is older than the ticket's last event", "at"), id="event-too-old"),
    pytest.param({**CREATED, "title": "again"}, {}, 409, _problem(
        409, "event-conflict", "Event conflicts with the ticket's state", "ticket 'T-1' already exists", "type"),
        id="created-twice"),
    pytest.param({**ACK, "note": "x" * 1100}, {}, 413, _problem(
        413, "payload-too-large", "Request body too large", "the event is 1205 bytes; the limit is 1024"),
        id="oversized-event"),
    pytest.param(json.dumps(ACK).encode(), {"content-type": "text/plain"}, 415, _problem(
        415, "unsupported-media-type", "Content-Type must be application/json",
        "expected Content-Type application/json, got 'text/plain'"), id="wrong-content-type"),
]


@pytest.mark.parametrize(("body", "headers", "status", "problem"), REFUSALS)
def test_refusals_are_exact_problems_and_store_nothing(start: Start, body: Any, headers: dict[str, str],
                                                       status: int, problem: dict[str, Any] | None) -> None:
    s = start(max_body=1024)
    s.post(CREATED)
    before = s.counts()
    r = s.post(body, **headers)
    assert r.status_code == status
    if problem is not None:
        assert (r.headers["content-type"], r.json()) == ("application/problem+json", problem)
    assert s.counts() == before


def test_a_batch_answers_each_item_in_order(start: Start, reference: engine.Engine) -> None:
    s = start()
    r = s.post([CREATED, {**ACK, "ticket": "T-404"}, ACK])
    created = reference.evaluate(CREATED)
    assert r.status_code == 200
    assert r.json() == {"results": [
        {"status": 200, "decision": created.to_dict()},
        {"status": 404, "problem": _problem(404, "unknown-ticket", "Unknown ticket",
                                            "ticket 'T-404' is not known: send its `created` event first", "ticket")},
        {"status": 200, "decision": reference.evaluate(ACK, created.state).to_dict()}]}
    assert s.counts()["decisions"] == 2


def test_a_batch_over_the_item_limit_is_refused_whole(start: Start) -> None:
    s = start(max_batch=2)
    r = s.post([CREATED, ACK, ACK])
    assert r.json() == _problem(413, "payload-too-large", "Request body too large",
                                "3 events in a batch; the limit is 2")
    assert s.counts()["decisions"] == 0


def test_the_same_event_again_is_answered_from_the_log(start: Start) -> None:
    s = start()
    first = s.post(CREATED)
    again = s.post(CREATED)
    assert (again.status_code, again.headers["gongdan-duplicate"]) == (200, "true")
    assert again.json() == first.json()
    assert s.counts() == {"tickets": 1, "decisions": 1, "events_seen": 1, "outbox": 1, "idempotency": 0}
    s.post(ACK)
    assert s.post(ACK).headers["gongdan-duplicate"] == "true"
    assert s.counts()["decisions"] == 2


def test_ticket_view_shows_the_latest_decision_and_deliveries(start: Start, reference: engine.Engine) -> None:
    s = start()
    s.post(CREATED)
    s.post(ACK)
    view = s.client.get("/v1/tickets/T-1").json()
    ack = reference.evaluate(ACK, reference.evaluate(CREATED).state)
    assert view["decision"] == ack.to_dict()
    assert (view["closed"], view["version"], view["next_wakeup"]) == (False, 2, ack.next_wakeup)
    assert view["timers"] == ack.to_dict()["timers"]
    assert view["decisions"] == [{"seq": 1, "event": "created", "at": CREATED["at"], "notifications": 1},
                                 {"seq": 2, "event": "acknowledged", "at": ACK["at"], "notifications": 0}]
    [n] = view["notifications"]
    assert {k: n[k] for k in ("kind", "channel", "to", "at", "status", "attempts", "last_error")} == {
        "kind": "assign", "channel": "dingtalk", "to": {"person": "he-qiang", "address": "31002466"},
        "at": CREATED["at"], "status": "pending", "attempts": 0, "last_error": None}
    assert s.client.get("/v1/tickets/T-9").json() == _problem(404, "unknown-ticket", "Unknown ticket",
                                                              "ticket 'T-9' is not known", "ticket")


def test_explain_evaluates_the_created_event_again_without_storing(start: Start, reference: engine.Engine) -> None:
    s = start()
    s.post(CREATED)
    before = s.rows("SELECT state, version FROM tickets")
    r = s.client.get("/v1/tickets/T-1/explain").json()
    assert r["explain"] == reference.evaluate(CREATED, explain=True).explain
    assert r["decisions"] == [{"seq": 1, "event": "created", "at": CREATED["at"],
                               "config_version": reference.config_version,
                               "trace": reference.evaluate(CREATED).trace}]
    assert s.rows("SELECT state, version FROM tickets") == before


def test_the_first_events_of_the_example_stream_in_one_batch(start: Start) -> None:
    s = start()
    events = stream(50)
    r = s.post(events)
    assert [x["status"] for x in r.json()["results"]] == [200] * 50
