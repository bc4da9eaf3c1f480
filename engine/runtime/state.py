"""The state a host stores between calls, checked on the way in: that it is a Gongdan
state for this ticket and call, and that what it names still exists in the config."""
from __future__ import annotations

from typing import Any

from engine.compile.compiled import Compiled
from engine.config.values import MAX_DURATION_S, RANGE_TEXT, in_range
from engine.errors import EventError
from engine.runtime.events import MAX_TEXT, check_json_value, describe, unicode_text
from engine.runtime.state_fast import sound
from engine.runtime.supervision import MAX_SUPERVISORS
from engine.runtime.ticket import STATE_VERSION, State, matcher_ticket


def checked_state(compiled: Compiled, kind: str, state: Any, ts: float, ticket: str | None = None,
                  trusted: bool = False) -> State:
    """A private copy of a stored state, after checking it fits the call: its shape (a host
    stores it, so it may come back damaged), then what it names in the config. A `trusted`
    state is one this engine's own decision returned, unchanged since (a replay keeps them):
    only what the call itself must meet is checked."""
    if state is None:
        raise EventError(f"a {kind!r} event needs the ticket's state from its last decision", "state")
    if not trusted:
        if not isinstance(state, dict) or state.get("v") not in (1, STATE_VERSION) or "clocks" not in state:
            raise EventError("not a state from a Gongdan decision", "state")
        if not sound(state):  # the common sound state in one pass; else every field, named
            _check_shape(state)
    if ticket is not None and state["ticket"] != ticket:
        raise EventError(f"the state is for ticket {state['ticket']!r}, the event for {ticket!r}",
                         "ticket")
    if state["closed"] and kind != "due":
        raise EventError(f"ticket {state['ticket']!r} is closed", "type")
    if ts < state["last"] and kind != "due":
        raise EventError("the event is older than the ticket's last event", "at")
    current = copy_state(state)
    if trusted:
        return current
    if current["v"] == 1:
        _upgrade_v1(current)
    _check_names(compiled, current)
    current["config_version"] = compiled.config_version
    return current


def copy_state(state: State) -> State:
    """A copy deep enough that no handler changes the host's stored state (the parts
    handlers mutate in place are copied; the rest is only ever replaced)."""
    current = dict(state)
    current["attrs"] = dict(state["attrs"])
    for key in ("flags", "fired", "tags"):
        current[key] = list(state.get(key, ()))
    if "supervisors" in state:
        current["supervisors"] = list(state["supervisors"])
    clocks = current["clocks"] = {}
    for name, clock in state["clocks"].items():   # a loop and a copy: no comprehension's frame, no merge
        clocks[name] = copied = clock.copy()
        copied["runs"] = [*clock["runs"]]
    return current


def _upgrade_v1(state: State) -> None:
    """Version 1 recorded fired steps without their policy and had no `until`: its steps
    belong to the policy it holds, and `due()` had run up to its `last`."""
    policy = state.get("policy") or ""
    state["fired"] = [f"{policy}:{key}" for key in state["fired"]]
    state["until"] = state["last"]
    state["v"] = STATE_VERSION


def _check_names(compiled: Compiled, state: State) -> None:
    """What the state names must exist in this config. A team, level, mode or calendar
    that is gone refuses the call, naming it; an escalation policy that is gone has a safe
    continuation (the level's policy in this config), taken and flagged."""
    missing = []
    if state["team"] not in compiled.teams:
        missing.append(f"team {state['team']!r}")
    if state["severity"] not in compiled.router.ranks:
        missing.append(f"level {state['severity']!r}")
    if state["mode"] not in compiled.profiles:
        missing.append(f"profile {state['mode']!r}")
    if state.get("explicit_mode") is not None and state["explicit_mode"] not in compiled.modes.ids:
        missing.append(f"mode {state['explicit_mode']!r}")
    missing += [f"calendar {c['calendar']!r}" for c in state["clocks"].values()
                if c["calendar"] not in compiled.calendars]
    if missing:
        where = ("no longer exist in " + compiled.config_version
                 if state["config_version"] != compiled.config_version else "do not exist in this config")
        raise EventError(f"the state comes from config {state['config_version']} and "
                         f"{', '.join(missing)} {where}", "state")
    if state["policy"] is not None and state["policy"] not in compiled.policies:
        _replace_policy(compiled, state)


def _replace_policy(compiled: Compiled, state: State) -> None:
    ticket = matcher_ticket(state["attrs"], state["severity"], state["tags"], state["until"])
    target = compiled.profiles[state["mode"]].target(ticket, state["severity"], state["team"])
    state["policy"] = target.policy
    state["steps_from"] = max(state.get("steps_from") or state["until"], state["until"])
    if "policy_replaced" not in state["flags"]:
        state["flags"].append("policy_replaced")


# --- the shape of a stored state --------------------------------------------------------------

def _fail(path: str, expected: str, value: Any) -> EventError:
    shown = describe(value)
    return EventError(f"expected {expected}, got {shown} (a damaged state)", f"state.{path}")


def _str(value: Any, path: str, optional: bool = False) -> None:
    if not ((type(value) is str and unicode_text(value)) or (optional and value is None)):
        raise _fail(path, "a string" + (" or null" if optional else ""), value)


def _number(value: Any, path: str, optional: bool = False) -> None:
    if value is None and optional:
        return
    if type(value) not in (int, float) or not -1e18 < value < 1e18:   # NaN fails too
        raise _fail(path, "a number" + (" or null" if optional else ""), value)


def _instant(value: Any, path: str, optional: bool = False) -> None:
    _number(value, path, optional)
    if value is not None and not in_range(value):
        raise _fail(path, f"an instant in {RANGE_TEXT}", value)


def _strings(value: Any, path: str) -> None:
    if type(value) is not list or not all(type(item) is str for item in value):
        raise _fail(path, "a list of strings", value)


def _dict(value: Any, path: str) -> dict[str, Any]:
    if type(value) is not dict:
        raise _fail(path, "an object", value)
    return value


def _check_shape(state: dict[str, Any]) -> None:
    """Every field the engine relies on, by type and range (never a KeyError later)."""
    _required(state, ("config_version", "ticket", "start", "last", "status", "closed", "mode", "attrs",
                      "category", "severity", "team", "assignee", "clocks"), "")
    for key in ("config_version", "ticket", "status", "mode", "severity", "team"):
        _str(state.get(key), key)
    for key in ("start", "last"):
        _instant(state.get(key), key)
    _instant(state.get("until", state.get("last")), "until")
    _instant(state.get("steps_from"), "steps_from", optional=True)
    if type(state.get("closed")) is not bool:
        raise _fail("closed", "true or false", state.get("closed"))
    for key in ("tags", "flags", "fired", "supervisors"):
        _strings(state.get(key, []), key)
    if len(state.get("supervisors", [])) > MAX_SUPERVISORS:
        raise _fail("supervisors", f"at most {MAX_SUPERVISORS} supervisors", len(state["supervisors"]))
    if state.get("resolution") is not None:
        _check_resolution(_dict(state["resolution"], "resolution"))
    _str(state.get("policy"), "policy", optional=True)
    _str(state.get("explicit_mode"), "explicit_mode", optional=True)
    _check_attrs(_dict(state.get("attrs"), "attrs"))
    category = _dict(state.get("category"), "category")
    _str(category.get("id"), "category.id")
    _str(category.get("matched"), "category.matched", optional=True)
    if type(category.get("fallback")) is not bool:
        raise _fail("category.fallback", "true or false", category.get("fallback"))
    assignee = _dict(state.get("assignee"), "assignee")
    _str(assignee.get("person"), "assignee.person", optional=True)
    _str(assignee.get("source"), "assignee.source")
    clocks = _dict(state.get("clocks"), "clocks")
    if sorted(clocks) != ["resolve", "response"]:
        raise _fail("clocks", "the response and resolve clocks", sorted(clocks))
    for name, clock in clocks.items():
        _check_clock(_dict(clock, f"clocks.{name}"), f"clocks.{name}")


def _check_attrs(attrs: dict[str, Any]) -> None:
    _required(attrs, ("category",), "attrs.")
    _str(attrs.get("category"), "attrs.category")
    for key in ("title", "source", "submitter", "proposed", "severity_set"):
        _str(attrs.get(key), f"attrs.{key}", optional=True)
        if len(attrs.get(key) or "") > MAX_TEXT:
            raise _fail(f"attrs.{key}", f"at most {MAX_TEXT:,} characters", f"{len(attrs[key]):,} characters")
    _strings(attrs.get("tags", []), "attrs.tags")
    check_json_value(_dict(attrs.get("fields", {}), "attrs.fields"), "state.attrs.fields")


def _check_resolution(resolution: dict[str, Any]) -> None:
    for key in ("code", "text"):
        _str(resolution.get(key), f"resolution.{key}", optional=True)
    if len(resolution.get("text") or "") > MAX_TEXT:
        raise _fail("resolution.text", f"at most {MAX_TEXT:,} characters", f"{len(resolution['text']):,} characters")


def _required(value: dict[str, Any], keys: tuple[str, ...], path: str) -> None:
    for key in keys:
        if key not in value:
            raise EventError("is missing (a damaged state)", f"state.{path}{key}")


def _check_clock(clock: dict[str, Any], path: str) -> None:
    _required(clock, ("calendar", "budget", "runs", "since", "due", "stopped", "outcome"), f"{path}.")
    _str(clock.get("calendar"), f"{path}.calendar")
    budget: float = clock.get("budget")  # type: ignore[assignment]  # _number checks it next
    _number(budget, f"{path}.budget")
    if not 0 <= budget <= MAX_DURATION_S:
        raise _fail(f"{path}.budget", "a budget of 0 to 3650 days in seconds", budget)
    for key in ("since", "due", "stopped", "floor"):
        _instant(clock.get(key), f"{path}.{key}", optional=True)
    stopped = clock.get("stopped") is not None
    if clock.get("outcome") not in ((None,) if not stopped else ("met", "breached")):
        raise _fail(f"{path}.outcome", "met or breached once stopped, else null", clock.get("outcome"))
    if (clock.get("since") is not None or stopped) and clock.get("due") is None:
        raise _fail(f"{path}.due", "a due time on a running or stopped clock", None)
    if clock.get("since") is not None and stopped:
        raise _fail(f"{path}.since", "null on a stopped clock", clock.get("since"))
    runs = clock.get("runs")
    if type(runs) is not list:
        raise _fail(f"{path}.runs", "a list of [start, end] pairs", runs)
    for i, run in enumerate(runs):
        if type(run) is not list or len(run) != 2:
            raise _fail(f"{path}.runs[{i}]", "a [start, end] pair", run)
        _instant(run[0], f"{path}.runs[{i}]")
        _instant(run[1], f"{path}.runs[{i}]")
        if run[1] < run[0]:
            raise _fail(f"{path}.runs[{i}]", "a run that ends after it starts", run)
