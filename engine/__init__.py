"""Gongdan: ticket routing and SLA rules as code.

    import engine
    eng = engine.load("path/to/config")     # raises engine.ConfigError(.diagnostics)
    diags = engine.check("path/to/config")  # never raises on a bad config
    decision = eng.evaluate(event)          # raises engine.EventError on a bad event

Scheduled broadcasts (reports.yaml), for hosts that send them (`gongdan serve`):
`broadcasts(eng)`, `broadcast_instants(b, after, until)`, `broadcast_following(b, after)`, and `compose_broadcast(b,
decisions, at, mode)`, which says what `b` sends at `at` (docs/api.md#broadcasts).
"""
from __future__ import annotations

from engine.diagnostics import Diagnostic, Severity, Span
from engine.duty.teams import OnCall
from engine.errors import ConfigError, EventError, GongdanError, InternalError
from engine.loader import check, load
from engine.report.broadcasts import Broadcast, broadcasts_of
from engine.report.broadcasts import following as broadcast_following
from engine.report.broadcasts import instants as broadcast_instants
from engine.report.messages import Message as BroadcastMessage
from engine.report.sending import ATTACHMENT as BROADCAST_ATTACHMENT
from engine.report.sending import Sending as BroadcastSending
from engine.report.sending import sending as compose_broadcast
from engine.runtime.decision import Decision
from engine.runtime.engine import Engine

__all__ = [
    "BROADCAST_ATTACHMENT", "Broadcast", "BroadcastMessage", "BroadcastSending", "ConfigError", "Decision",
    "Diagnostic", "Engine", "EventError", "GongdanError", "InternalError", "OnCall", "Severity", "Span",
    "broadcast_following", "broadcast_instants", "broadcasts", "check", "compose_broadcast", "load",
]


def broadcasts(eng: Engine) -> tuple[Broadcast, ...]:
    """The scheduled broadcasts of the engine's config (reports.yaml), in file order."""
    return broadcasts_of(eng.compiled.broadcasts)
