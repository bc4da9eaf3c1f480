"""Gongdan: ticket routing and SLA rules as code.

    import engine
    eng = engine.load("path/to/config")     # raises engine.ConfigError(.diagnostics)
    diags = engine.check("path/to/config")  # never raises on a bad config
    decision = eng.evaluate(event)          # raises engine.EventError on a bad event
"""
from __future__ import annotations

from engine.diagnostics import Diagnostic, Severity, Span
from engine.duty.teams import OnCall
from engine.errors import ConfigError, EventError, GongdanError, InternalError
from engine.loader import check, load
from engine.runtime.decision import Decision
from engine.runtime.engine import Engine

__all__ = [
    "ConfigError", "Decision", "Diagnostic", "Engine", "EventError", "GongdanError",
    "InternalError", "OnCall", "Severity", "Span", "check", "load",
]
