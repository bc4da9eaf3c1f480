"""GET /v1/tickets/{id} (latest decision, pending timers, decision log, deliveries) and
GET /v1/tickets/{id}/explain."""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.serve.api.http import authorize, json_response, problem_response, service_of
from engine.serve.problems import Problem
from engine.serve.store import DecisionRow, OutboxRow, Reader, TicketRow

View = tuple[TicketRow | None, list[DecisionRow], list[OutboxRow]]


def _view(ticket: str) -> Any:
    def query(r: Reader) -> View:
        row = r.ticket(ticket)
        return (row, r.decisions(ticket), r.deliveries(ticket)) if row else (None, [], [])
    return query


def delivery_view(d: OutboxRow) -> dict[str, Any]:
    n = d.payload
    return {"id": d.id, "key": d.key, "kind": n.get("kind"), "clock": n.get("clock"), "step": n.get("step"),
            "level": n.get("level"), "channel": d.channel, "to": n.get("to"), "at": n.get("at"),
            "subject": n.get("subject"), "status": d.status, "attempts": d.attempts,
            "last_error": d.last_error, "sent_at": d.sent_at}


async def _found(request: Request) -> tuple[str, View]:
    service = service_of(request)
    authorize(request, service.options.tokens)
    ticket = request.path_params["ticket"]
    view = await service.read(_view(ticket))
    if view[0] is None:
        raise Problem(404, "unknown-ticket", f"ticket {ticket!r} is not known", "ticket")
    return ticket, view


async def get_ticket(request: Request) -> Response:
    try:
        ticket, (row, decisions, deliveries) = await _found(request)
    except Problem as p:
        return problem_response(p)
    assert row is not None
    latest = {**decisions[-1].body, "state": row.state}
    return json_response({
        "ticket": ticket, "closed": row.closed, "version": row.version,
        "next_wakeup": latest.get("next_wakeup"), "decision": latest, "timers": latest.get("timers", []),
        "decisions": [{"seq": d.seq, "event": d.event, "at": d.at,
                       "notifications": len(d.body.get("notifications", ()))} for d in decisions],
        "notifications": [delivery_view(d) for d in deliveries]})


async def get_explain(request: Request) -> Response:
    """The stored traces, and the `created` event evaluated again with explain=True on a
    copy by the engine in force now: nothing is stored, the ticket's state is untouched."""
    try:
        ticket, (_, decisions, _) = await _found(request)
    except Problem as p:
        return problem_response(p)
    service = service_of(request)
    created = decisions[0].source
    explain: list[str] | None = None
    if created is not None:
        try:
            explain = service.ctx.engine.evaluate(created, None, service.ctx.mode, explain=True).explain
        except Exception as exc:  # the current config may refuse what an older one took
            explain = [f"cannot evaluate the created event again: {exc}"]
    return json_response({"ticket": ticket, "config_version": service.ctx.engine.config_version,
                          "explain": explain or [],
                          "decisions": [{"seq": d.seq, "event": d.event, "at": d.at,
                                         "config_version": d.body.get("config_version"),
                                         "trace": d.body.get("trace", [])} for d in decisions]})


ROUTES = [Route("/v1/tickets/{ticket}", get_ticket, methods=["GET"]),
          Route("/v1/tickets/{ticket}/explain", get_explain, methods=["GET"])]
