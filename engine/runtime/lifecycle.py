"""The ticket lifecycle: a new ticket's state, and each later event type's effect on it.

The state is a JSON-ready dict the host stores between calls; every handler works on a
deep copy, so a host's stored state is never changed and a failed call loses nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.compile.compiled import Compiled
from engine.errors import EventError
from engine.runtime.events import Event
from engine.runtime.state import checked_state
from engine.runtime.supervision import hand_over, keep_apart
from engine.runtime.ticket import (
    STATE_VERSION,
    State,
    assign_on_duty,
    attributes,
    format_time,
    mode_in_force,
    mode_text,
    retarget,
    retarget_for_team,
)
from engine.runtime.timers import Pending, opening
from engine.runtime.updates import apply_changes
from engine.sla import clocks as sla


def created(compiled: Compiled, event: Event, mode: str | None, explain: list[str] | None
            ) -> tuple[State, list[str], list[Pending]]:
    """A new ticket's state and trace, and its timer plan (worked out with its deadlines)."""
    attrs, ticket = attributes(event.raw, event.ts)
    proposed = attrs["proposed"]
    if proposed is not None and proposed not in compiled.router.ranks:
        raise EventError(f"unknown level {proposed!r} (levels: {', '.join(compiled.levels)})", "severity")
    routing = compiled.router.route(ticket, proposed, explain)
    the_mode, window = compiled.modes.placed(event.ts, mode)
    state: State = {
        "v": STATE_VERSION, "config_version": compiled.config_version, "ticket": event.ticket,
        "start": event.ts, "last": event.ts, "status": "open", "closed": False,
        "mode": the_mode, "attrs": attrs,
        "category": {"id": routing.category, "matched": routing.matched, "fallback": routing.fallback},
        "severity": routing.severity, "team": routing.team, "tags": ticket["tags"], "flags": [],
        "fired": [], "until": event.ts, "explicit_mode": mode,
    }
    trace = list(routing.trace)
    routed = len(trace)
    if window:  # as `mode_text` writes it
        trace.append(f"mode {the_mode} (window {window})")
    assign_on_duty(compiled, state, event.ts, the_mode, trace)
    profile = compiled.profiles[the_mode]  # no overrides: `Profile.target`'s first answer, no call
    target = profile.target(ticket, routing.severity, routing.team) if profile.overrides else \
        profile.targets[routing.severity]
    state["policy"] = target.policy
    response_due, resolve_due, waiting = opening(compiled, state, target, event.ts)
    state["clocks"] = sla.start_clocks(target, event.ts, response_due, resolve_due)
    trace.append(target.trace_line)
    if explain is not None:
        explain.extend(trace[routed:])  # the explain view goes on past routing too
    return state, trace, waiting


# --- later events ------------------------------------------------------------------------

def continue_ticket(compiled: Compiled, event: Event, state: Any, mode: str | None, trusted: bool = False
                    ) -> tuple[State, list[str]]:
    """Checks the stored state against the event, then applies the event to a copy."""
    current = checked_state(compiled, event.type, state, event.ts, event.ticket, trusted)
    trace: list[str] = []
    current["explicit_mode"] = mode      # the host's explicit mode holds until it changes it
    if event.ts > current["until"] or mode is not None:  # a late event meets no new window
        follow_mode(compiled, current, event.ts, trace)
    HANDLERS[event.type](compiled, current, event, trace)
    keep_apart(current, trace)
    current["last"] = event.ts
    current["until"] = max(current["until"], event.ts)
    return current, trace


def follow_mode(compiled: Compiled, state: State, ts: float, trace: list[str]) -> None:
    """`on_switch: recompute`: an open ticket takes the targets of the mode in force at
    `ts`, measured from its start, with no deadline and no step before the switch."""
    if compiled.modes.on_switch != "recompute" or state["closed"]:
        return
    explicit = state.get("explicit_mode")
    new_mode = compiled.modes.at(ts, explicit)
    if new_mode == state["mode"]:
        return
    switch = compiled.modes.switch_between(state["until"], ts) if explicit is None else ts
    state["mode"] = new_mode
    retarget(compiled, state, ts, trace, not_before=switch)
    trace.append(f"mode {mode_text(compiled, new_mode, ts, explicit)} since {format_time(switch)}: "
                 "targets recomputed")


def _calendar(compiled: Compiled, clock: sla.Clock) -> Any:
    return compiled.calendars[clock["calendar"]]


def _acknowledged(compiled: Compiled, state: State, event: Event, trace: list[str]) -> None:
    clock = state["clocks"]["response"]
    if clock["stopped"] is not None:
        trace.append("response clock already stopped")
        return
    sla.stop(clock, event.ts, _calendar(compiled, clock))
    state["status"] = "acknowledged" if state["status"] == "open" else state["status"]
    trace.append(f"acknowledged by {event.raw.get('by') or 'someone'}: response {clock['outcome']}")


def _status_changed(compiled: Compiled, state: State, event: Event, trace: list[str]) -> None:
    status = event.raw["status"]
    pause_when = compiled.profiles[state["mode"]].pause_when
    was_paused, now_paused = state["status"] in pause_when, status in pause_when
    state["status"] = status
    if now_paused and not was_paused:
        for clock in state["clocks"].values():
            sla.pause(clock, event.ts)
        trace.append(f"status {status}: clocks paused")
    elif was_paused and not now_paused:
        for clock in state["clocks"].values():
            sla.resume(clock, event.ts, _calendar(compiled, clock))
        trace.append(f"status {status}: clocks resumed")
    else:
        trace.append(f"status {status}")


def _resolved(compiled: Compiled, state: State, event: Event, trace: list[str]) -> None:
    for name in sla.CLOCKS:  # resolving is also the first reaction, if none came before
        clock = state["clocks"][name]
        if clock["stopped"] is None:
            sla.stop(clock, event.ts, _calendar(compiled, clock))
            trace.append(f"{name} clock stopped: {clock['outcome']}")
    state["status"] = "resolved"
    _resolution(compiled, state, event.raw.get("resolution"), trace)


def _resolution(compiled: Compiled, state: State, given: Any, trace: list[str]) -> None:
    """The state keeps how the ticket was solved; a code must be one of its category's."""
    if given is None:
        state.pop("resolution", None)
        return
    code = given.get("code")
    if code is not None:
        category = state["category"].get("matched")
        solution = compiled.solutions.get(category or "")
        codes = solution.codes_in_order if solution is not None else ()
        if code not in codes:
            known = f"codes: {', '.join(codes)}" if codes else "it has no resolution codes"
            raise EventError(f"unknown resolution code {code!r} for category "
                             f"{category or 'default'} ({known})", "resolution.code")
    state["resolution"] = {"code": code, "text": given.get("text")}
    trace.append(f"resolution {code or '(no code)'}")


def _reopened(compiled: Compiled, state: State, event: Event, trace: list[str]) -> None:
    clock = state["clocks"]["resolve"]
    if clock["stopped"] is None:
        trace.append("resolve clock was not stopped")
        return
    sla.reopen(clock, event.ts, _calendar(compiled, clock))
    state["status"] = "open"
    state.pop("resolution", None)   # what solved it did not hold
    trace.append("reopened: resolve clock resumes with its remaining budget")


def _closed(compiled: Compiled, state: State, event: Event, trace: list[str]) -> None:
    for clock in state["clocks"].values():
        sla.stop(clock, event.ts, _calendar(compiled, clock))
    state["status"], state["closed"] = "closed", True
    trace.append("closed")


def _transferred(compiled: Compiled, state: State, event: Event, trace: list[str]) -> None:
    to = event.raw["to"]
    before, from_team = state["assignee"]["person"], state["team"]
    if "person" in to:
        state["assignee"] = {"person": to["person"], "source": "transfer"}
        trace.append(f"transferred to {to['person']}")
    else:
        team = to["team"]
        if team not in compiled.teams:
            raise EventError(f"unknown team {team!r}", "to.team")
        state["team"] = team
        trace.append(f"transferred to team {team}")
        assign_on_duty(compiled, state, event.ts, mode_in_force(compiled, state, event.ts), trace)
        retarget_for_team(compiled, state, from_team, event.ts, trace)
    hand_over(compiled, state, event, before, from_team, trace)


HANDLERS: dict[str, Callable[[Compiled, State, Event, list[str]], None]] = {
    "acknowledged": _acknowledged, "status_changed": _status_changed, "resolved": _resolved,
    "reopened": _reopened, "closed": _closed, "transferred": _transferred, "updated": apply_changes,
}
