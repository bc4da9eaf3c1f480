"""The HTTP API (Starlette): routes, request and response shapes, problem+json errors.
Handlers reach the running `Service` through `request.app.state.service`; they hold no
state of their own. May import: the rest of `engine.serve` (never the other way)."""
from __future__ import annotations

from starlette.routing import Route

from engine.serve.api import admin, events, tickets


def routes() -> list[Route]:
    """Every route of the service."""
    return [*events.ROUTES, *tickets.ROUTES, *admin.ROUTES]
