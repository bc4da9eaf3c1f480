"""Timer plans: which escalation steps are pending on a ticket's clocks, when each fires,
a new ticket's plan worked out with its deadlines, and firing what is due."""
from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from engine.compile.compiled import Compiled
from engine.config.values import format_ts
from engine.runtime.notifications import notifications, who
from engine.runtime.ticket import State, climb_chain
from engine.sla.clocks import reach
from engine.sla.escalation import Opening, Policy, Timer, plan
from engine.sla.profiles import Target

CLOCK_ORDER = ("response", "resolve")
Pending = tuple[float, Timer]


def _plan(compiled: Compiled, policy: Policy, clock: str, budget: float, levels: int) -> list[Timer]:
    """Plans depend on a handful of values: computed once per combination."""
    key = (policy.id, clock, budget, levels)
    found = compiled.caches.plans.get(key)
    if found is None:
        found = compiled.caches.plans.setdefault(key, plan(policy, clock, budget, levels))
    return found


def _floor(state: State, clock: dict[str, Any]) -> float | None:
    """No step fires before the change that made it: the clock's mode switch, or the last
    re-targeting of the ticket."""
    a: float | None = clock.get("floor")
    b: float | None = state.get("steps_from")
    if a is None:
        return b
    return a if b is None or a >= b else b


def _unfired(compiled: Compiled, state: State) -> Iterator[tuple[dict[str, Any], Any, list[Timer]]]:
    """(clock, calendar, timers not fired yet, by threshold) of each running clock."""
    policy = compiled.policies.get(state.get("policy") or "")
    if policy is None or state["closed"]:
        return
    fired = state.get("fired")
    levels = len(climb_chain(compiled, state))
    for name in CLOCK_ORDER:
        clock = state["clocks"][name]
        if clock["stopped"] is not None:
            continue  # acknowledgement ends response steps, resolution resolve steps
        timers = _plan(compiled, policy, name, clock["budget"], levels)
        if fired:
            timers = [t for t in timers if t.key not in fired]
        if timers:
            yield clock, compiled.calendars[clock["calendar"]], timers


def pending(compiled: Compiled, state: State) -> list[Pending]:
    """(fire time, timer) of every step not fired yet on a running clock, in time order."""
    clocks = state["clocks"]
    response, resolve = clocks["response"], clocks["resolve"]
    since = response["since"]
    if (since is not None and since == resolve["since"] and not response["runs"] and not resolve["runs"]
            and response["calendar"] == resolve["calendar"] and not state["closed"]
            and state.get("steps_from") is None and "floor" not in response and "floor" not in resolve):
        return _pending_together(compiled, state, since, response, resolve)
    return pending_walked(compiled, state)


def _pending_together(compiled: Compiled, state: State, since: float, response: dict[str, Any],
                      resolve: dict[str, Any]) -> list[Pending]:
    """`pending` for both clocks running since the same instant on one calendar, never
    paused, with no floor (a ticket as created, its first steps fired): every step's fire
    time from one walk, in the layout a new ticket's plan has (`opening`)."""
    policy = compiled.policies.get(state.get("policy") or "")
    if policy is None:
        return []
    layout = _layout(compiled, policy.id, response["budget"], resolve["budget"], len(climb_chain(compiled, state)))
    times = compiled.calendars[response["calendar"]].add_sorted(since, layout.thresholds)
    fired = state.get("fired")
    if not fired:
        return [(times[i], t) for i, t in layout.timers]
    return [(times[i], t) for i, t in layout.timers if t.key not in fired]


def pending_walked(compiled: Compiled, state: State) -> list[Pending]:
    """`pending` clock by clock: the reference, and the way for paused or floored clocks."""
    found: list[Pending] = []
    for clock, calendar, timers in _unfired(compiled, state):
        floor = _floor(state, clock)
        if not clock["runs"] and clock["since"] is not None:  # never paused: one pass
            times = calendar.add_sorted(clock["since"], [t.threshold for t in timers])
            if floor is not None:
                times = [t if t >= floor else floor for t in times]
            found.extend(zip(times, timers, strict=True))
            continue
        for timer in timers:
            at = reach(clock, timer.threshold, calendar)
            if at is not None:
                found.append((at if floor is None or at >= floor else floor, timer))
    # Each clock's timers are in threshold order, so in time order; a stable sort on time
    # alone keeps response before resolve at equal times.
    found.sort(key=itemgetter(0))
    return found


def opening(compiled: Compiled, state: State, target: Target, at: float
            ) -> tuple[float, float, list[Pending]]:
    """A new ticket's response and resolve due times and its timer plan, from one walk of
    the calendar: both clocks start at `at` on the target's calendar, so every fire time is
    a budget from the same start (what `pending` gives for the new state)."""
    levels = len(climb_chain(compiled, state)) if target.policy is not None else 0
    layout = compiled.caches.openings.get((target.policy, target.response, target.resolve, levels))
    if layout is None:   # `_layout`, its lookup inline: every created decision makes one
        layout = _layout(compiled, target.policy, target.response, target.resolve, levels)
    times = compiled.calendars[target.calendar].add_sorted(at, layout.thresholds)
    return times[layout.response], times[layout.resolve], [(times[i], t) for i, t in layout.timers]


def _layout(compiled: Compiled, policy: str | None, response: int, resolve: int, levels: int) -> Opening:
    """`_opening`, made once per policy, budgets and climb depth."""
    key = (policy, response, resolve, levels)
    layout = compiled.caches.openings.get(key)
    if layout is None:
        layout = compiled.caches.openings.setdefault(key, _opening(compiled, policy, response, resolve, levels))
    return layout


def _opening(compiled: Compiled, policy_id: str | None, response: int, resolve: int, levels: int) -> Opening:
    """The layout for one policy, pair of budgets and climb depth: both budgets and every
    step's threshold in one ascending list, each step pointing at its place in it."""
    policy = compiled.policies.get(policy_id or "")
    entries: list[tuple[float, int, Timer | None]] = [(response, 0, None), (resolve, 0, None)]
    budgets: dict[str, float] = {"response": response, "resolve": resolve}
    if policy is not None:
        for order, name in enumerate(CLOCK_ORDER, 1):  # response first at equal thresholds
            entries += [(t.threshold, order, t) for t in _plan(compiled, policy, name, budgets[name], levels)]
    ranked = sorted(range(len(entries)), key=lambda i: entries[i][:2])  # stable: plans keep their order
    thresholds: list[float] = []
    position = {}
    for i in ranked:  # equal thresholds (a breach at 100% and the budget) are walked once
        if not thresholds or thresholds[-1] != entries[i][0]:
            thresholds.append(entries[i][0])
        position[i] = len(thresholds) - 1
    timers = tuple((position[i], timer) for i in ranked if (timer := entries[i][2]) is not None)
    return Opening(tuple(thresholds), position[0], position[1], timers)


def next_step(compiled: Compiled, state: State) -> float | None:
    """The earliest fire time of any pending step: one lookup per clock, not the plan (the
    first time of `pending`'s plan, which a decision reads since it writes the plan too)."""
    times = []
    for clock, calendar, timers in _unfired(compiled, state):
        at = reach(clock, timers[0].threshold, calendar)
        if at is not None:
            floor = _floor(state, clock)
            times.append(at if floor is None or at >= floor else floor)
    return min(times) if times else None


def next_switch(compiled: Compiled, state: State) -> float | None:
    """Under `on_switch: recompute`, the next window edge that changes this ticket's mode
    (its targets change there, so `due()` must be called then); None otherwise."""
    if compiled.modes.on_switch != "recompute" or state["closed"] or state.get("explicit_mode"):
        return None
    return compiled.modes.next_change(state["until"], state["mode"])


def next_wakeup(compiled: Compiled, state: State, first_step: float | None) -> float | None:
    """When `due()` is next needed: the first pending step or the next mode switch."""
    switch = next_switch(compiled, state)
    if switch is None:
        return first_step
    return switch if first_step is None or switch < first_step else first_step


def fire_due(compiled: Compiled, state: State, now: float, tz: Any, trace: list[str],
             flags: list[str]) -> tuple[list[dict[str, Any]], list[Pending]]:
    """Fire every step due by `now`, in time order, exactly once (recorded in the state);
    returns the notifications and the timers still pending."""
    sent: list[dict[str, Any]] = []
    fired: list[str] = state.setdefault("fired", [])
    waiting = pending(compiled, state)
    count = 0
    for at, timer in waiting:
        if at > now:
            break
        count += 1
        when = format_ts(at, tz)
        batch = notifications(compiled, state, timer, at, when, flags)
        fired.append(timer.key)
        sent.extend(batch)
        trace.append(f"{timer.kind} {timer.clock} step {timer.step.index}"
                     + (f" level {timer.level}" if timer.level else "") + f" at {when}: " + _whom(batch))
    return sent, waiting[count:]




def _whom(batch: list[dict[str, Any]]) -> str:
    """The recipients of a step's notifications, each once, sorted (its trace line)."""
    if len(batch) == 1:   # one message: no set to build
        return who(batch[0])
    return ", ".join(sorted({who(n) for n in batch}))
