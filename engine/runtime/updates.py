"""`updated` events: changed attributes re-grade the ticket and, with a new category,
re-route it; targets are recomputed from the original start (as Jira Service Management does)."""
from __future__ import annotations

from typing import Any

from engine.compile.compiled import Compiled
from engine.errors import EventError
from engine.runtime.events import Event
from engine.runtime.supervision import stop_supervising
from engine.runtime.ticket import State, assign_on_duty, matcher_ticket, mode_in_force, retarget


def apply_changes(compiled: Compiled, state: State, event: Event, trace: list[str]) -> None:
    changes: dict[str, Any] = dict(event.raw["changes"])
    leaving = changes.pop("supervisors_remove", None)
    if leaving is not None:
        stop_supervising(state, leaving, trace)
        if not changes:
            return   # no attribute changed: nothing to re-grade or re-route
    explicit = changes.pop("severity", None)
    if explicit is not None and explicit not in compiled.router.ranks:
        raise EventError(f"unknown level {explicit!r} (levels: {', '.join(compiled.levels)})",
                         "changes.severity")
    attrs = state["attrs"]
    _set_attributes(attrs, changes)
    if changes:
        trace.append("updated " + ", ".join(sorted(changes)))
    ticket = matcher_ticket(attrs, attrs["proposed"], list(attrs["tags"]), event.ts)
    routing = compiled.router.route(ticket, attrs["proposed"])
    old_severity, old_team = state["severity"], state["team"]
    state["tags"] = ticket["tags"]
    state["category"] = {"id": routing.category, "matched": routing.matched, "fallback": routing.fallback}
    if explicit is not None:
        state["severity"] = attrs["severity_set"] = explicit
        by = f" (by {event.raw['by']})" if event.raw.get("by") else ""
        trace.append(f"severity {explicit} set by the update{by}")
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
        assign_on_duty(compiled, state, event.ts, mode_in_force(compiled, state, event.ts), trace)
    if state["severity"] != old_severity or "category" in changes:
        retarget(compiled, state, event.ts, trace)


def _set_attributes(attrs: dict[str, Any], changes: dict[str, Any]) -> None:
    """`fields` merged key by key, `tags` the new list, the others replaced."""
    for key, value in changes.items():
        if key == "fields":
            attrs[key] = {**attrs["fields"], **(value or {})}
        elif key == "tags":
            attrs[key] = list(value or ())      # null clears the tags, as [] does
        else:
            attrs[key] = value
