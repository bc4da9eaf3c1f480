"""POST /v1/events (one event or a batch, with Idempotency-Key) and POST /v1/clock."""
from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.jsonio import dumps
from engine.serve.api.http import (
    authorize,
    finite,
    only_field,
    parse_instant,
    problem_response,
    read_json,
    service_of,
    to_response,
)
from engine.serve.idempotency import Answer, once
from engine.serve.ingest import Outcome
from engine.serve.keys import sha256_hex
from engine.serve.problems import Problem

if TYPE_CHECKING:
    from engine.serve.service import Service


async def _one(service: Service, event: Any) -> Answer:
    return await _answer(service.ingest(event))


async def _answer(pending: Awaitable[Outcome]) -> Answer:
    try:
        outcome = await pending
    except Problem as p:
        return Answer(p.status, p.to_dict(), "application/problem+json")
    # the log keeps no state: a duplicate's answer carries the ticket's state as it is now
    body = {**outcome.body, "state": outcome.state}
    raw = outcome.encoded.answer() if outcome.encoded is not None else None
    return Answer(200, body, headers={"Gongdan-Duplicate": "true"} if outcome.duplicate else {}, raw=raw)


async def _batch(service: Service, events: list[Any]) -> Answer:
    results: list[dict[str, Any]] = []
    encoded: list[bytes] = []
    outcomes = service.ingest_many(events)   # queued together, applied in order
    try:
        for pending in outcomes:
            item, raw = await _item(pending)
            results.append(item)
            encoded.append(raw)
    finally:   # the store failed (a 503 for the whole batch): the outcomes not awaited are dropped
        for pending in outcomes[len(results):]:
            if inspect.iscoroutine(pending):
                pending.close()
    return Answer(200, {"results": results}, raw=b'{"results":[' + b",".join(encoded) + b"]}")


async def _item(pending: Awaitable[Outcome]) -> tuple[dict[str, Any], bytes]:
    """One result of a batch, and its encoding (from the decision's own, when it has one)."""
    answer = await _answer(pending)
    item: dict[str, Any] = {"status": answer.status}
    item["decision" if answer.status == 200 else "problem"] = answer.body
    if answer.headers.get("Gongdan-Duplicate"):
        item["duplicate"] = True
        return item, dumps(item)
    if answer.raw is not None:
        return item, b'{"status":200,"decision":' + answer.raw + b"}"
    return item, dumps(item)


async def post_events(request: Request) -> Response:
    service = service_of(request)
    opts = service.options
    try:
        host = authorize(request, opts.tokens)
        body, raw = await read_json(request, max(opts.max_body, opts.max_batch_body))
        if isinstance(body, list) and len(body) > opts.max_batch:
            raise Problem(413, "payload-too-large", f"{len(body)} events in a batch; the limit is {opts.max_batch}")
        if not isinstance(body, list) and len(raw) > opts.max_body:
            raise Problem(413, "payload-too-large", f"the event is {len(raw)} bytes; the limit is {opts.max_body}")
        service.admit()   # before the Idempotency-Key is claimed (a write job itself)
    except Problem as p:
        return problem_response(p)

    async def produce() -> Answer:
        return await (_batch(service, body) if isinstance(body, list) else _one(service, body))

    key = request.headers.get("idempotency-key")
    if key is None:
        return to_response(await produce())
    try:
        answer = await once(service.write, f"{host}:{key}", sha256_hex(b"POST /v1/events\n" + raw),
                            service.clock.wall(), opts.idempotency_lease, produce)
    except Problem as p:
        return problem_response(p)
    return to_response(answer)


async def post_clock(request: Request) -> Response:
    """Advance the replay clock to `now` (RFC 3339 or epoch seconds), firing what falls due."""
    service = service_of(request)
    try:
        authorize(request, service.options.tokens)
        body, _ = await read_json(request, 4096)
        if not service.clock.replay:
            raise Problem(409, "not-replay-clock", "POST /v1/clock needs --clock replay")
        until = _instant(only_field(body, "now"))
        recorded = await service.advance(until)
    except Problem as p:
        return problem_response(p)
    return to_response(Answer(200, {"now": service.clock.now(), "fired": len(recorded)}))


def _instant(value: Any) -> float:
    if finite(value) and MIN_TS <= value <= MAX_TS:
        return float(value)
    at = parse_instant(value) if isinstance(value, str) else None
    if at is not None:   # four-digit years: printable (an earlier instant never moves the clock)
        return at.timestamp()
    raise Problem(422, "invalid-parameter",
                  "`now` must be an RFC 3339 time with its offset, or epoch seconds in years 1 to 9999", "now")


# 0001-01-01 .. 9999-12-31 UTC: the instants Python can print
MIN_TS, MAX_TS = -62135596800.0, 253402214400.0
ROUTES = [Route("/v1/events", post_events, methods=["POST"]), Route("/v1/clock", post_clock, methods=["POST"])]
