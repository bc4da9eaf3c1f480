"""Operations: mode override, on-call lookup, status, health, readiness, reload, metrics."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

import engine
from engine.serve.api.http import (
    authorize,
    json_response,
    only_field,
    parse_instant,
    problem_response,
    read_json,
    service_of,
)
from engine.serve.openapi import document, load_schema
from engine.serve.problems import Problem
from engine.serve.store import Reader, StoreUnavailable


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _mode_view(request: Request) -> dict[str, Any]:
    service = service_of(request)
    eng = service.ctx.engine
    try:
        in_force: str | None = eng.mode_at(service.clock.now(), service.ctx.mode)
    except engine.EventError:   # a replay clock not started yet (before the engine's range)
        in_force = None
    return {"mode": service.ctx.mode, "modes": list(eng.modes), "in_force": in_force}


async def mode(request: Request) -> Response:
    """GET the mode override, or PUT it (one route, so a 405 lists both methods)."""
    if request.method == "PUT":
        return await put_mode(request)
    try:
        authorize(request, service_of(request).options.tokens)
    except Problem as p:
        return problem_response(p)
    return json_response(_mode_view(request))


async def put_mode(request: Request) -> Response:
    """Set (a mode id) or clear (null) the host's mode override, applied to every evaluate."""
    service = service_of(request)
    try:
        authorize(request, service.options.tokens)
        body, _ = await read_json(request, 4096)
        mode = only_field(body, "mode")
        if mode is not None and mode not in service.ctx.engine.modes:
            raise Problem(422, "invalid-parameter", f"expected null or one of {', '.join(service.ctx.engine.modes)}",
                          "mode")
        await service.set_mode(mode)
    except Problem as p:
        return problem_response(p)
    return json_response(_mode_view(request))


async def get_oncall(request: Request) -> Response:
    service = service_of(request)
    try:
        authorize(request, service.options.tokens)
        at = _at(request.query_params.get("at"), service.clock.now())
        mode = request.query_params.get("mode") or service.ctx.mode
        eng = service.ctx.engine
        if mode is not None and mode not in eng.modes:
            raise Problem(400, "invalid-parameter", f"unknown mode {mode!r} (modes: {', '.join(eng.modes)})", "mode")
        try:
            found = eng.oncall(request.path_params["team"], at, mode)
        except engine.EventError as exc:   # an instant outside the engine's range
            raise Problem(400, "invalid-parameter", str(exc), exc.field) from None
        except LookupError as exc:
            raise Problem(404, "unknown-team", str(exc.args[0]), "team") from None
    except Problem as p:
        return problem_response(p)
    return json_response({"team": request.path_params["team"], "at": at.isoformat(),
                          "mode": eng.mode_at(at, mode), "primary": found.primary,
                          "backup": found.backup, "source": found.source})


def _at(text: str | None, now: float) -> datetime:
    if not text:
        return datetime.fromtimestamp(now, UTC)
    at = parse_instant(text)
    if at is None:
        raise Problem(400, "invalid-parameter", f"{text!r} is not an RFC 3339 time with its offset", "at")
    return at


async def get_status(request: Request) -> Response:
    service = service_of(request)
    try:
        authorize(request, service.options.tokens)
    except Problem as p:
        return problem_response(p)
    seen_since = service.clock.wall() - 3 * service.options.heartbeat
    try:
        backlog, oldest, replicas, database = await service.read(lambda r: (
            *r.backlog(), r.replicas(seen_since), r.database()))
    except StoreUnavailable as exc:
        return problem_response(Problem(503, "unavailable", f"the store cannot be reached: {exc}"))
    last = service.reloader.last
    return json_response({
        "config_version": service.ctx.engine.config_version, "config_dir": str(service.options.config_dir),
        "last_reload": last.to_dict() if last else None,
        "replica": service.replica,
        "replicas": [{"id": r.id, "host": r.host, "pid": r.pid, "started_at": _iso(r.started_at),
                      "last_seen": _iso(r.last_seen)} for r in replicas],
        "store": {"url": service.store.url, "shared": service.store.shared, **database},
        "clock": {"kind": "replay" if service.clock.replay else "wall", "now": _iso(service.clock.now())},
        "mode": service.ctx.mode,
        "outbox": {"backlog": backlog, "oldest_age_s": max(0.0, service.clock.wall() - oldest) if oldest else 0.0}})


async def healthy(request: Request) -> Response:
    return PlainTextResponse("OK")


async def ready(request: Request) -> Response:
    """Ready when the engine is loaded and the store answers."""
    service = service_of(request)
    try:
        if not service.ready.is_set():
            raise RuntimeError("starting")
        await service.read(lambda r: r.setting("mode"))
    except Exception as exc:  # any fault of the store means not ready
        return problem_response(Problem(503, "unavailable", f"not ready: {exc}"))
    return PlainTextResponse("OK")


async def reload(request: Request) -> Response:
    """Load the config again; 200 with the result, or 500 with the diagnostics (the old
    engine keeps serving)."""
    service = service_of(request)
    try:
        authorize(request, service.options.tokens)
    except Problem as p:
        return problem_response(p)
    result = await service.reloader.reload()
    service.tell_workers("reload")
    return json_response(result.to_dict(), 200 if result.ok else 500)


async def metrics(request: Request) -> Response:
    service = service_of(request)
    backlog, oldest = await service.read(_backlog)
    service.metrics.backlog.set(backlog)
    service.metrics.writer_queue.set(service.store.queued())
    service.metrics.oldest_age.set(max(0.0, service.clock.wall() - oldest) if oldest else 0.0)
    return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)


def _backlog(r: Reader) -> tuple[int, float | None]:
    return r.backlog()


ROUTES = [
    Route("/v1/mode", mode, methods=["GET", "PUT"]),
    Route("/v1/oncall/{team}", get_oncall, methods=["GET"]), Route("/v1/status", get_status, methods=["GET"]),
    Route("/-/healthy", healthy, methods=["GET"]), Route("/-/ready", ready, methods=["GET"]),
    Route("/-/reload", reload, methods=["POST"]), Route("/metrics", metrics, methods=["GET"]),
]


async def openapi(request: Request) -> Response:
    return json_response(document(tuple(service_of(request).ctx.engine.modes)))


async def json_schema(request: Request) -> Response:
    """The files of schemas/ as they are (the OpenAPI document refers to them)."""
    name = request.path_params["name"]
    if name not in SCHEMAS:
        return problem_response(Problem(404, "not-found", f"no schema {name!r}"))
    return json_response(load_schema(name))


SCHEMAS = ("event.schema.json", "decision.schema.json")
ROUTES += [Route("/openapi.json", openapi, methods=["GET"]), Route("/schemas/{name}", json_schema, methods=["GET"])]
