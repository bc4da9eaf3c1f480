"""The mode override, on-call lookups, the replay clock endpoint and readiness."""
from __future__ import annotations

from datetime import datetime

import engine
from serving import Start

CREATED = {"type": "created", "ticket": "T-1", "at": "2026-11-10T12:02:25+08:00",
           "category": "infrastructure/security/data-leak", "source": "monitor"}
P = "https://gongdan.dev/problems/"
AT = "2026-11-11T00:05:00+08:00"


def test_the_mode_override_applies_to_evaluate_and_survives_a_restart(start: Start, reference: engine.Engine) -> None:
    s = start()
    assert s.client.get("/v1/mode").json() == {"mode": None, "modes": ["daily", "promotion"], "in_force": "daily"}
    r = s.client.put("/v1/mode", json={"mode": "promotion"})
    assert r.json() == {"mode": "promotion", "modes": ["daily", "promotion"], "in_force": "promotion"}
    assert s.post(CREATED).json() == reference.evaluate(CREATED, mode="promotion").to_dict()
    s.close()
    again = start()
    assert again.client.get("/v1/mode").json()["mode"] == "promotion"
    assert again.client.put("/v1/mode", json={"mode": None}).json()["mode"] is None
    assert again.rows("SELECT value FROM settings WHERE name = 'mode'") == [("",)]


def test_an_unknown_mode_is_refused(start: Start) -> None:
    s = start()
    r = s.client.put("/v1/mode", json={"mode": "holiday"})
    assert (r.status_code, r.json()) == (422, {"type": P + "invalid-parameter", "title": "Invalid parameter",
                                               "status": 422, "detail": "expected null or one of daily, promotion",
                                               "field": "mode"})
    assert s.client.put("/v1/mode", json={"mode": None, "x": 1}).json()["detail"] == "unknown field 'x'"


def test_oncall_answers_what_the_engine_answers(start: Start, reference: engine.Engine) -> None:
    s = start()
    found = reference.oncall("trade-order", AT)
    assert s.client.get("/v1/oncall/trade-order", params={"at": AT}).json() == {
        "team": "trade-order", "at": AT, "mode": "promotion", "primary": found.primary, "backup": found.backup,
        "source": found.source}
    daily = s.client.get("/v1/oncall/trade-order", params={"at": AT, "mode": "daily"}).json()
    assert (daily["mode"], daily["primary"]) == ("daily", reference.oncall("trade-order", AT, "daily").primary)


def test_oncall_refusals(start: Start) -> None:
    s = start()
    assert s.client.get("/v1/oncall/trade-ordr", params={"at": AT}).json() == {
        "type": P + "unknown-team", "title": "Unknown team", "status": 404,
        "detail": "unknown team 'trade-ordr' (did you mean 'trade-order'?)", "field": "team"}
    assert s.client.get("/v1/oncall/trade-order", params={"at": "tomorrow"}).json()["status"] == 400
    assert s.client.get("/v1/oncall/trade-order", params={"mode": "x"}).json()["detail"] == (
        "unknown mode 'x' (modes: daily, promotion)")


def test_the_replay_clock_moves_only_forward_and_only_when_replaying(start: Start) -> None:
    s = start()
    assert s.client.post("/v1/clock", json={"now": AT}).json() == {
        "now": datetime.fromisoformat(AT).timestamp(), "fired": 0}
    assert s.client.post("/v1/clock", json={"now": 0}).json()["now"] == datetime.fromisoformat(AT).timestamp()
    assert s.client.post("/v1/clock", json={"now": "soon"}).json()["detail"] == (
        "`now` must be an RFC 3339 time with its offset, or epoch seconds in years 1 to 9999")
    wall = start(clock="wall", db=s.db.with_name("wall.db"))
    r = wall.client.post("/v1/clock", json={"now": AT})
    assert (r.status_code, r.json()["detail"]) == (409, "POST /v1/clock needs --clock replay")


def test_unknown_routes_and_methods_are_problems(start: Start) -> None:
    s = start()
    assert s.client.get("/v2/nothing").json()["status"] == 404
    r = s.client.delete("/v1/mode")
    assert (r.status_code, set(r.headers["allow"].split(", ")), r.headers["content-type"]) == (
        405, {"GET", "HEAD", "PUT"}, "application/problem+json")
