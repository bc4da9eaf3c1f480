"""The ticket lifecycle (SPEC §6, §7): each event type's effect on the ticket state.

The state is a JSON-ready dict the host stores between calls; every handler works on a
deep copy, so a host's stored state is never changed and a failed call loses nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from engine.sla import clocks as sla
from engine.errors import EventError
from engine.runtime.events import Event
from engine.runtime.timers import Pending, opening

if TYPE_CHECKING:
    from engine.runtime.engine import Engine

STATE_VERSION = 1
State = dict[str, Any]


def attributes(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The ticket attributes routing reads, as the host gave them."""
    return {"category": raw["category"], "title": raw.get("title"), "tags": list(raw.get("tags") or ()),
            "source": raw.get("source"), "submitter": raw.get("submitter"),
            "fields": raw.get("fields") or {}, "proposed": raw.get("severity")}


def matcher_ticket(attrs: dict[str, Any], severity: str | None, tags: list[str], ts: float
                   ) -> dict[str, Any]:
    return {"category": attrs["category"], "severity": severity, "tags": tags,
            "source": attrs["source"], "submitter": attrs["submitter"], "title": attrs["title"],
            "fields": attrs["fields"], "at": ts}


def created(engine: Engine, event: Event, mode: str | None, explain: list[str] | None
            ) -> tuple[State, list[str], list[Pending]]:
    """A new ticket's state and trace, and its timer plan (worked out with its deadlines)."""
    attrs = attributes(event.raw)
    proposed = attrs["proposed"]
    if proposed is not None and proposed not in engine.router.ranks:
        raise EventError(f"unknown level {proposed!r} (levels: {', '.join(engine.levels)})", "severity")
    ticket = matcher_ticket(attrs, proposed, list(attrs["tags"]), event.ts)
    routing = engine.router.route(ticket, proposed, explain)
    the_mode = engine.mode_at(event.ts, mode)
    state: State = {
        "v": STATE_VERSION, "config_version": engine.config_version, "ticket": event.ticket,
        "start": event.ts, "last": event.ts, "status": "open", "closed": False,
        "mode": the_mode, "attrs": attrs,
        "category": {"id": routing.category, "matched": routing.matched, "fallback": routing.fallback},
        "severity": routing.severity, "team": routing.team, "tags": ticket["tags"], "flags": [],
        "fired": [],
    }
    trace = list(routing.trace)
    routed = len(trace)
    assign_on_duty(engine, state, event.ts, the_mode, trace)
    target = engine.profiles[the_mode].target(ticket, routing.severity)
    state["policy"] = target.policy
    response_due, resolve_due, waiting = opening(engine, state, target, event.ts)
    state["clocks"] = sla.start_clocks(target, event.ts, response_due, resolve_due)
    trace.append(target.trace_line)
    if explain is not None:
        explain.extend(trace[routed:])  # the explain view goes on past routing too
    return state, trace, waiting


def assign_on_duty(engine: Engine, state: State, ts: float, mode: str, trace: list[str]) -> None:
    taker = engine.teams[state["team"]].assignee(ts, mode, engine.default_mode)
    state["assignee"] = {"person": taker.person, "source": taker.source}
    if taker.gap:
        if "roster_gap" not in state["flags"]:
            state["flags"].append("roster_gap")
        trace.append(f"roster gap: nobody on duty for {state['team']} → {taker.source} "
                     f"{taker.person or '(none)'}")
    else:
        trace.append(f"on duty {taker.person} ({taker.source})")


# --- later events ------------------------------------------------------------------------

def continue_ticket(engine: Engine, event: Event, state: Any, mode: str | None
                    ) -> tuple[State, list[str]]:
    """Checks the stored state against the event, then applies the event to a copy."""
    current = checked_state(engine, event.type, state, event.ts, event.ticket)
    trace: list[str] = []
    follow_mode(engine, current, event.ts, mode, trace)
    HANDLERS[event.type](engine, current, event, mode, trace)
    current["last"] = event.ts
    return current, trace


def checked_state(engine: Engine, kind: str, state: Any, ts: float, ticket: str | None = None) -> State:
    """A private copy of a stored state, after checking it fits the call."""
    if state is None:
        raise EventError(f"a {kind!r} event needs the ticket's state from its last decision", "state")
    if not isinstance(state, dict) or state.get("v") != STATE_VERSION or "clocks" not in state:
        raise EventError("not a state from a Gongdan decision", "state")
    if ticket is not None and state["ticket"] != ticket:
        raise EventError(f"the state is for ticket {state['ticket']!r}, the event for {ticket!r}",
                         "ticket")
    if state["closed"] and kind != "due":
        raise EventError(f"ticket {state['ticket']!r} is closed", "type")
    if ts < state["last"] and kind != "due":
        raise EventError("the event is older than the ticket's last event", "at")
    current = copy_state(state)
    if current["config_version"] != engine.config_version:
        _adopt(engine, current)
    return current


def copy_state(state: State) -> State:
    """A copy deep enough that no handler changes the host's stored state (the parts
    handlers mutate in place are copied; the rest is only ever replaced)."""
    current = dict(state)
    current["attrs"] = dict(state["attrs"])
    for key in ("flags", "fired", "tags"):
        current[key] = list(state.get(key, ()))
    current["clocks"] = {name: {**clock, "runs": list(clock["runs"])}
                         for name, clock in state["clocks"].items()}
    return current


def _adopt(engine: Engine, state: State) -> None:
    """A state from another config version carries on where everything it names still
    exists; otherwise the event is refused, naming what is gone."""
    missing = []
    if state["team"] not in engine.teams:
        missing.append(f"team {state['team']!r}")
    if state["severity"] not in engine.router.ranks:
        missing.append(f"level {state['severity']!r}")
    if state["mode"] not in engine.profiles:
        missing.append(f"profile {state['mode']!r}")
    missing += [f"calendar {c['calendar']!r}" for c in state["clocks"].values()
                if c["calendar"] not in engine.calendars]
    if missing:
        raise EventError(f"the state comes from config {state['config_version']} and "
                         f"{', '.join(missing)} no longer exist in {engine.config_version}", "state")
    state["config_version"] = engine.config_version


def follow_mode(engine: Engine, state: State, ts: float, mode: str | None, trace: list[str]) -> None:
    """`on_switch: recompute`: an open ticket takes the new mode's targets, measured from its
    start, but no deadline earlier than the switch."""
    if engine.on_switch != "recompute":
        return
    new_mode = engine.mode_at(ts, mode)
    if new_mode == state["mode"]:
        return
    switch = engine.mode_switch_between(state["last"], ts) if mode is None else ts
    state["mode"] = new_mode
    retarget(engine, state, ts, trace, not_before=switch)
    trace.append(f"mode {new_mode} since {engine.format_time(switch)}: targets recomputed")


def retarget(engine: Engine, state: State, ts: float, trace: list[str],
             not_before: float | None = None) -> None:
    ticket = matcher_ticket(state["attrs"], state["severity"], state["tags"], ts)
    target = engine.profiles[state["mode"]].target(ticket, state["severity"])
    state["policy"] = target.policy
    for name, clock in state["clocks"].items():
        sla.retarget(clock, target.budget(name), target.calendar, engine.calendars[target.calendar],
                     ts, not_before)
    trace.append(target.trace_line)


def _calendar(engine: Engine, clock: sla.Clock) -> Any:
    return engine.calendars[clock["calendar"]]


def _acknowledged(engine: Engine, state: State, event: Event, mode: str | None, trace: list[str]) -> None:
    clock = state["clocks"]["response"]
    if clock["stopped"] is not None:
        trace.append("response clock already stopped")
        return
    sla.stop(clock, event.ts, _calendar(engine, clock))
    state["status"] = "acknowledged" if state["status"] == "open" else state["status"]
    trace.append(f"acknowledged by {event.raw.get('by') or 'someone'}: response {clock['outcome']}")


def _status_changed(engine: Engine, state: State, event: Event, mode: str | None, trace: list[str]) -> None:
    status = event.raw["status"]
    pause_when = engine.profiles[state["mode"]].pause_when
    was_paused, now_paused = state["status"] in pause_when, status in pause_when
    state["status"] = status
    if now_paused and not was_paused:
        for clock in state["clocks"].values():
            sla.pause(clock, event.ts)
        trace.append(f"status {status}: clocks paused")
    elif was_paused and not now_paused:
        for clock in state["clocks"].values():
            sla.resume(clock, event.ts, _calendar(engine, clock))
        trace.append(f"status {status}: clocks resumed")
    else:
        trace.append(f"status {status}")


def _resolved(engine: Engine, state: State, event: Event, mode: str | None, trace: list[str]) -> None:
    for name in sla.CLOCKS:  # resolving is also the first reaction, if none came before
        clock = state["clocks"][name]
        if clock["stopped"] is None:
            sla.stop(clock, event.ts, _calendar(engine, clock))
            trace.append(f"{name} clock stopped: {clock['outcome']}")
    state["status"] = "resolved"


def _reopened(engine: Engine, state: State, event: Event, mode: str | None, trace: list[str]) -> None:
    clock = state["clocks"]["resolve"]
    if clock["stopped"] is None:
        trace.append("resolve clock was not stopped")
        return
    sla.reopen(clock, event.ts, _calendar(engine, clock))
    state["status"] = "open"
    trace.append("reopened: resolve clock resumes with its remaining budget")


def _closed(engine: Engine, state: State, event: Event, mode: str | None, trace: list[str]) -> None:
    for clock in state["clocks"].values():
        sla.stop(clock, event.ts, _calendar(engine, clock))
    state["status"], state["closed"] = "closed", True
    trace.append("closed")


def _transferred(engine: Engine, state: State, event: Event, mode: str | None, trace: list[str]) -> None:
    to = event.raw["to"]
    if "person" in to:
        state["assignee"] = {"person": to["person"], "source": "transfer"}
        trace.append(f"transferred to {to['person']}")
        return
    team = to["team"]
    if team not in engine.teams:
        raise EventError(f"unknown team {team!r}", "to.team")
    state["team"] = team
    trace.append(f"transferred to team {team}")
    assign_on_duty(engine, state, event.ts, engine.mode_at(event.ts, mode), trace)


def _updated(engine: Engine, state: State, event: Event, mode: str | None, trace: list[str]) -> None:
    from engine.runtime.updates import apply_changes
    apply_changes(engine, state, event, mode, trace)


HANDLERS: dict[str, Callable[[Engine, State, Event, str | None, list[str]], None]] = {
    "acknowledged": _acknowledged, "status_changed": _status_changed, "resolved": _resolved,
    "reopened": _reopened, "closed": _closed, "transferred": _transferred, "updated": _updated,
}
