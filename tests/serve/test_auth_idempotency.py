"""Bearer tokens (or loopback only without them) and Idempotency-Key semantics."""
from __future__ import annotations

import json

import pytest
from starlette.requests import Request

from engine.serve.api.http import authorize, parse_tokens
from engine.serve.keys import sha256_hex
from engine.serve.problems import Problem
from serving import Start

CREATED = {"type": "created", "ticket": "T-1", "at": "2026-11-10T12:02:25+08:00",
           "category": "infrastructure/security/data-leak", "source": "monitor"}
RAW = json.dumps(CREATED).encode()
P = "https://gongdan.dev/problems/"
UNAUTHORIZED = {"type": P + "unauthorized", "title": "Missing or wrong bearer token", "status": 401,
                "detail": "send Authorization: Bearer <token> with a configured token"}
TOKENS = {"crm": "s3cret-crm", "ops": "s3cret-ops"}


@pytest.mark.parametrize("header", [
    pytest.param({}, id="missing"), pytest.param({"authorization": "Bearer nope"}, id="wrong"),
    pytest.param({"authorization": "Basic s3cret-crm"}, id="wrong-scheme"),
])
def test_a_bad_token_is_401_and_nothing_is_stored(start: Start, header: dict[str, str]) -> None:
    s = start(tokens=TOKENS)
    r = s.post(RAW, **header)
    assert (r.status_code, r.headers["www-authenticate"], r.json()) == (401, "Bearer", UNAUTHORIZED)
    assert s.client.get("/v1/tickets/T-1", headers=header).json() == UNAUTHORIZED
    assert s.counts()["decisions"] == 0


def test_a_configured_token_is_accepted_and_probes_need_none(start: Start) -> None:
    s = start(tokens=TOKENS)
    assert s.post(RAW, authorization="Bearer s3cret-ops").status_code == 200
    assert [s.client.get(p).status_code for p in ("/-/healthy", "/-/ready", "/metrics")] == [200, 200, 200]


def _request(host: str, headers: list[tuple[bytes, bytes]] | None = None) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers or [],
                    "client": (host, 40000)})


def test_without_tokens_only_loopback_clients_are_accepted() -> None:
    assert [authorize(_request(h), {}) for h in ("127.0.0.1", "127.8.9.1", "::1")] == ["loopback"] * 3
    with pytest.raises(Problem) as refused:
        authorize(_request("192.0.2.7"), {})
    assert (refused.value.status, refused.value.slug) == (403, "forbidden")
    assert authorize(_request("192.0.2.7", [(b"authorization", b"Bearer s3cret-crm")]), TOKENS) == "crm"


def test_tokens_are_read_from_the_environment_format() -> None:
    assert parse_tokens("crm:a, ops:b:c") == {"crm": "a", "ops": "b:c"}
    assert parse_tokens("") == {}
    with pytest.raises(ValueError, match="expected host:token, got 'crm'"):
        parse_tokens("crm")


def test_a_retry_with_the_same_key_replays_the_stored_answer(start: Start) -> None:
    s = start()
    first = s.post(RAW, **{"idempotency-key": "k1"})
    again = s.post(RAW, **{"idempotency-key": "k1"})
    assert (again.status_code, again.json(), again.headers["idempotent-replayed"]) == (200, first.json(), "true")
    assert s.rows("SELECT key, status, response_status FROM idempotency") == [("loopback:k1", "done", 200)]
    assert s.counts()["decisions"] == 1


def test_the_same_key_with_another_body_is_422(start: Start) -> None:
    s = start()
    s.post(RAW, **{"idempotency-key": "k1"})
    r = s.post({**CREATED, "ticket": "T-2"}, **{"idempotency-key": "k1"})
    assert (r.status_code, r.json()) == (422, {
        "type": P + "idempotency-key-reused", "title": "Idempotency-Key reused with a different request",
        "status": 422, "detail": "this Idempotency-Key was used with another request body"})
    assert s.counts()["tickets"] == 1


def _in_flight(s: object, age: float) -> None:
    service = s.service  # type: ignore[attr-defined]
    h = sha256_hex(b"POST /v1/events\n" + RAW)
    service.store.submit(lambda tx: tx.claim_idempotency("loopback:k1", h, service.clock.wall() - age)).result()


def test_a_key_still_in_flight_is_409(start: Start) -> None:
    s = start()
    _in_flight(s, 1.0)
    r = s.post(RAW, **{"idempotency-key": "k1"})
    assert (r.status_code, r.json()) == (409, {
        "type": P + "idempotency-in-flight",
        "title": "A request with this Idempotency-Key is still being processed", "status": 409,
        "detail": "a request with this Idempotency-Key is being processed; retry later"})
    assert s.counts()["decisions"] == 0


def test_an_abandoned_in_flight_key_is_taken_over(start: Start) -> None:
    s = start()
    _in_flight(s, 61.0)
    assert s.post(RAW, **{"idempotency-key": "k1"}).status_code == 200
    assert s.rows("SELECT status, response_status FROM idempotency") == [("done", 200)]


def test_a_refusal_is_replayed_too_and_keys_are_per_host(start: Start) -> None:
    s = start(tokens=TOKENS)
    ack = {"type": "acknowledged", "ticket": "T-1", "at": "2026-11-10T12:05:00+08:00"}
    crm = {"authorization": "Bearer s3cret-crm", "idempotency-key": "k1"}
    assert s.post(ack, **crm).status_code == 404
    assert s.post(RAW, **{"authorization": "Bearer s3cret-ops", "idempotency-key": "k1"}).status_code == 200
    again = s.post(ack, **crm)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (404, "true")
    assert sorted(s.rows("SELECT key, response_status FROM idempotency")) == [("crm:k1", 404), ("ops:k1", 200)]
