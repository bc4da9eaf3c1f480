"""The state a host stores between calls, checked on the way in: that it is a Gongdan
state for this ticket and call, and that what it names still exists in the config."""
from __future__ import annotations

from typing import Any

from engine.compile.compiled import Compiled
from engine.errors import EventError
from engine.runtime.ticket import STATE_VERSION, State


def checked_state(compiled: Compiled, kind: str, state: Any, ts: float, ticket: str | None = None) -> State:
    """A private copy of a stored state, after checking it fits the call."""
    if state is None:
        raise EventError(f"a {kind!r} event needs the ticket's state from its last decision", "state")
    if not isinstance(state, dict) or state.get("v") not in (1, STATE_VERSION) or "clocks" not in state:
        raise EventError("not a state from a Gongdan decision", "state")
    if ticket is not None and state["ticket"] != ticket:
        raise EventError(f"the state is for ticket {state['ticket']!r}, the event for {ticket!r}",
                         "ticket")
    if state["closed"] and kind != "due":
        raise EventError(f"ticket {state['ticket']!r} is closed", "type")
    if ts < state["last"] and kind != "due":
        raise EventError("the event is older than the ticket's last event", "at")
    current = copy_state(state)
    if current["v"] == 1:
        _upgrade_v1(current)
    if current["config_version"] != compiled.config_version:
        _adopt(compiled, current)
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


def _upgrade_v1(state: State) -> None:
    """Version 1 recorded fired steps without their policy and had no `until`: its steps
    belong to the policy it holds, and `due()` had run up to its `last`."""
    policy = state.get("policy") or ""
    state["fired"] = [f"{policy}:{key}" for key in state["fired"]]
    state["until"] = state["last"]
    state["v"] = STATE_VERSION


def _adopt(compiled: Compiled, state: State) -> None:
    """A state from another config version carries on where everything it names still
    exists; otherwise the event is refused, naming what is gone."""
    missing = []
    if state["team"] not in compiled.teams:
        missing.append(f"team {state['team']!r}")
    if state["severity"] not in compiled.router.ranks:
        missing.append(f"level {state['severity']!r}")
    if state["mode"] not in compiled.profiles:
        missing.append(f"profile {state['mode']!r}")
    missing += [f"calendar {c['calendar']!r}" for c in state["clocks"].values()
                if c["calendar"] not in compiled.calendars]
    if missing:
        raise EventError(f"the state comes from config {state['config_version']} and "
                         f"{', '.join(missing)} no longer exist in {compiled.config_version}", "state")
    state["config_version"] = compiled.config_version
