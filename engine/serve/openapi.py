"""The OpenAPI 3.1 document of the service. The event and decision schemas are the files
in schemas/, served unchanged at /schemas/{name} and referenced from the document (their
inner `#/$defs/...` references resolve inside each file, as their authors wrote them)."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import engine

_PACKAGE = Path(engine.__file__).resolve().parent
# in a wheel the schemas sit inside the package; in a source checkout beside it
SCHEMA_DIRS = (_PACKAGE / "schemas", _PACKAGE.parent / "schemas")


def load_schema(name: str) -> dict[str, Any]:
    for folder in SCHEMA_DIRS:
        path = folder / name
        if path.exists():
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
    raise FileNotFoundError(f"{name} not found in {', '.join(map(str, SCHEMA_DIRS))}")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


PROBLEM = {
    "type": "object", "description": "RFC 9457 problem details.",
    "properties": {"type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "field": {"type": ["string", "null"], "description": "The event field at fault."}},
    "required": ["type", "title", "status", "detail"],
}
BATCH_RESULT = {
    "type": "object", "properties": {
        "results": {"type": "array", "items": {"type": "object", "properties": {
            "status": {"type": "integer"}, "decision": _ref("Decision"), "problem": _ref("Problem"),
            "duplicate": {"type": "boolean"}}, "required": ["status"]}}},
    "required": ["results"],
}
ANY_OBJECT = {"type": "object"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    out = {str(s): {"description": "problem", "content": {"application/problem+json": {"schema": _ref("Problem")}}}
           for s in statuses}
    return out


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _param(name: str, where: str, description: str, required: bool = True,
           schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema or {"type": "string"}}


INSTANT = {"type": "string", "format": "date-time"}
EPOCH = {"type": "number", "minimum": -62135596800, "maximum": 253402214400}


def _only(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An object body with one required field."""
    return {"type": "object", "properties": {name: schema}, "required": [name], "additionalProperties": False}


CLOCK_BODY = _only("now", {"oneOf": [INSTANT, EPOCH]})
NULLABLE_TEXT = {"type": ["string", "null"]}


def _record(**properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these properties, each required."""
    return {"type": "object", "properties": properties, "required": list(properties)}


# the admin answers (api/admin.py), typed so clients and schemathesis check their shape
LOAD_RESULT = {**_record(ok={"type": "boolean"}, at={"type": "number", "description": "epoch seconds"},
                         config_version=NULLABLE_TEXT,
                         diagnostics={"type": "array", "items": {"type": "string"},
                                      "description": "file:line:col: error[code]: message"},
                         error=NULLABLE_TEXT), "additionalProperties": False}
REPLICA = {**_record(id={"type": "string"}, host={"type": "string"}, pid={"type": "integer"},
                     started_at=INSTANT, last_seen=INSTANT), "additionalProperties": False}
STORE_STATUS = {**_record(url={"type": "string"}, shared={"type": "boolean"},
                          kind={"enum": ["sqlite", "postgresql"]}, schema_version={"type": "integer"}),
                "description": "and per kind: sqlite_version; server_version, in_recovery, now, size_bytes, "
                               "database, connections"}
STATUS = {**_record(config_version={"type": "string"}, config_dir={"type": "string"},
                    last_reload={"oneOf": [_ref("LoadResult"), {"type": "null"}]}, replica={"type": "string"},
                    replicas={"type": "array", "items": REPLICA}, store=STORE_STATUS,
                    clock={**_record(kind={"enum": ["wall", "replay"]}, now=INSTANT), "additionalProperties": False},
                    mode=NULLABLE_TEXT,
                    outbox={**_record(backlog={"type": "integer", "minimum": 0},
                                      oldest_age_s={"type": "number", "minimum": 0}),
                            "additionalProperties": False}),
          "additionalProperties": False}


def _mode_view(modes: tuple[str, ...]) -> dict[str, Any]:
    return {**_record(mode={"enum": [*modes, None]}, modes={"type": "array", "items": {"enum": list(modes)}},
                      in_force={"type": ["string", "null"], "description": "the mode in force now"}),
            "additionalProperties": False}


AUTH = (401, 403)
STORE = 503   # the store cannot be reached: nothing of the request is known to be stored
EVENTS = {"post": {
    "summary": "Apply one event (a decision) or a batch in order (one result per item)",
    "parameters": [_param("Idempotency-Key", "header", "replays the stored answer on retry", False)],
    "requestBody": _body({"oneOf": [_ref("Event"), {"type": "array", "items": {
        "description": "an Event; each item is answered on its own, a refused one with its problem"}}]}),
    "responses": {"200": {"description": "the decision, or one result per batch item", "content": {
        "application/json": {"schema": {"oneOf": [_ref("Decision"), BATCH_RESULT]}}}},
        **_problems(*AUTH, 400, 404, 409, 413, 415, 422, STORE)}}}


def _paths(modes: tuple[str, ...]) -> dict[str, Any]:
    ticket = [_param("ticket", "path", "ticket id")]
    mode = {"enum": list(modes)}
    return {
        "/v1/events": EVENTS,
        "/v1/clock": {"post": {"summary": "Advance the replay clock, firing what falls due",
                               "requestBody": _body(CLOCK_BODY),
                               "responses": {"200": _json(ANY_OBJECT),
                                             **_problems(*AUTH, 400, 409, 413, 415, 422, STORE)}}},
        "/v1/tickets/{ticket}": {"get": {"summary": "Latest decision, timers, decision log, deliveries",
                                         "parameters": ticket,
                                         "responses": {"200": _json(ANY_OBJECT), **_problems(*AUTH, 404, STORE)}}},
        "/v1/tickets/{ticket}/explain": {"get": {"summary": "Stored traces; the created event explained again",
                                                 "parameters": ticket,
                                                 "responses": {"200": _json(ANY_OBJECT),
                                                               **_problems(*AUTH, 404, STORE)}}},
        "/v1/oncall/{team}": {"get": {"summary": "Who is on duty",
                                      "parameters": [_param("team", "path", "team id"),
                                                     _param("at", "query", "RFC 3339 time", False, INSTANT),
                                                     _param("mode", "query", "mode id", False, mode)],
                                      "responses": {"200": _json(ANY_OBJECT), **_problems(*AUTH, 400, 404)}}},
        "/v1/mode": {"get": {"summary": "The mode override",
                             "responses": {"200": _json(_ref("ModeView")), **_problems(*AUTH)}},
                     "put": {"summary": "Set or clear the mode override",
                             "requestBody": _body(_only("mode", {"enum": [*modes, None]})),
                             "responses": {"200": _json(_ref("ModeView")),
                                           **_problems(*AUTH, 400, 413, 415, 422, STORE)}}},
        "/v1/status": {"get": {"summary": "Config, reload, replicas, store, clock, outbox",
                               "responses": {"200": _json(_ref("Status")), **_problems(*AUTH, STORE)}}},
        "/-/healthy": {"get": {"summary": "Liveness", "responses": {"200": {"description": "OK"}}}},
        "/-/ready": {"get": {"summary": "Readiness", "responses": {"200": {"description": "OK"}, **_problems(503)}}},
        "/-/reload": {"post": {"summary": "Reload the config", "responses": {
            "200": _json(_ref("LoadResult")),
            "500": _json(_ref("LoadResult"), "the config did not load; the old one serves"),
            **_problems(*AUTH)}}},
        "/metrics": {"get": {"summary": "Prometheus metrics",
                             "responses": {"200": {"description": "OK"}, **_problems(STORE)}}},
    }


@cache
def document(modes: tuple[str, ...]) -> dict[str, Any]:
    """The OpenAPI document for a config with these modes (built once per set)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Gongdan service", "version": "1",
                 "description": "Ticket routing and SLA engine as a service (docs/serve.md)."},
        "paths": _paths(modes),
        "components": {"schemas": {"Event": {"$ref": "schemas/event.schema.json"},
                                   "Decision": {"$ref": "schemas/decision.schema.json"}, "Problem": PROBLEM,
                                   "Status": STATUS, "ModeView": _mode_view(modes), "LoadResult": LOAD_RESULT},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}, {}],
    }
