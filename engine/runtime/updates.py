"""`updated` events: changed attributes re-grade the ticket and, with a new category,
re-route it; targets are recomputed from the original start (SPEC §6, JSM-style)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.errors import EventError
from engine.runtime.events import Event

if TYPE_CHECKING:
    from engine.runtime.engine import Engine
    from engine.runtime.lifecycle import State


def apply_changes(engine: Engine, state: State, event: Event, mode: str | None, trace: list[str]) -> None:
    from engine.runtime.lifecycle import assign_on_duty, matcher_ticket, retarget

    changes: dict[str, Any] = dict(event.raw["changes"])
    explicit = changes.pop("severity", None)
    if explicit is not None and explicit not in engine.router.ranks:
        raise EventError(f"unknown level {explicit!r} (levels: {', '.join(engine.levels)})",
                         "changes.severity")
    attrs = state["attrs"]
    for key, value in changes.items():
        attrs[key] = {**attrs["fields"], **(value or {})} if key == "fields" else value
    if changes:
        trace.append("updated " + ", ".join(sorted(changes)))
    ticket = matcher_ticket(attrs, attrs["proposed"], list(attrs["tags"]), event.ts)
    routing = engine.router.route(ticket, attrs["proposed"])
    old_severity, old_team = state["severity"], state["team"]
    state["tags"] = ticket["tags"]
    state["category"] = {"id": routing.category, "matched": routing.matched, "fallback": routing.fallback}
    if explicit is not None:
        state["severity"] = attrs["severity_set"] = explicit
        trace.append(f"severity {explicit} set by the update" + (f" (by {event.raw['by']})" if event.raw.get("by") else ""))
    elif attrs.get("severity_set") and "category" not in changes:
        trace.append(f"severity {old_severity} kept: set by an earlier update")
    elif routing.severity != old_severity:
        state["severity"] = routing.severity
        trace.append(f"severity re-graded {old_severity} → {routing.severity}")
    if "category" in changes:
        attrs.pop("severity_set", None)  # a new category is graded afresh
    if "category" in changes and routing.team != old_team:
        state["team"] = routing.team
        trace.append(f"re-routed to team {routing.team} for category {routing.category}")
        assign_on_duty(engine, state, event.ts, engine.mode_at(event.ts, mode), trace)
    if state["severity"] != old_severity or "category" in changes:
        retarget(engine, state, event.ts, trace)
