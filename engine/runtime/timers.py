"""Timer plans in decisions and `Engine.due()`: which steps are pending, when they fire,
and the notifications a firing makes (recipients resolved at fire time)."""
from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from engine.sla.escalation import Policy, Timer, manager_chain, plan, reach
from engine.sla.clocks import Target
from engine.config.values import format_ts

if TYPE_CHECKING:
    from engine.runtime.engine import Engine
    from engine.runtime.lifecycle import State

CLOCK_ORDER = ("response", "resolve")
CHANNEL_CONTACT = {"dingtalk": "dingtalk", "email": "email", "sms": "phone", "phone": "phone"}
FALLBACK_ORDER = ("dingtalk", "sms", "phone", "email")
Pending = tuple[float, Timer]


def climb_chain(engine: Engine, state: State) -> tuple[str, ...]:
    """Managers a climbing step goes to: the team lead's manager up to the top (for a
    team without a lead, the assignee's manager up)."""
    team = engine.teams[state["team"]]
    if team.lead is not None:
        return engine.climb_chains[team.id]
    first = state["assignee"]["person"]
    return manager_chain(engine.people, engine.people[first].manager if first in engine.people else None)


def _plan(engine: Engine, policy: Policy, clock: str, budget: float, levels: int) -> list[Timer]:
    """Plans depend on a handful of values: computed once per combination."""
    key = (policy.id, clock, budget, levels)
    found = engine.plans.get(key)
    if found is None:
        found = engine.plans.setdefault(key, plan(policy, clock, budget, levels))
    return found


def _unfired(engine: Engine, state: State) -> Iterator[tuple[dict[str, Any], Any, list[Timer]]]:
    """(clock, calendar, timers not fired yet, by threshold) of each running clock."""
    policy = engine.policies.get(state.get("policy") or "")
    if policy is None or state["closed"]:
        return
    fired = state.get("fired")
    levels = len(climb_chain(engine, state))
    for name in CLOCK_ORDER:
        clock = state["clocks"][name]
        if clock["stopped"] is not None:
            continue  # acknowledgement ends response steps, resolution resolve steps
        timers = _plan(engine, policy, name, clock["budget"], levels)
        if fired:
            timers = [t for t in timers if t.key not in fired]
        if timers:
            yield clock, engine.calendars[clock["calendar"]], timers


def pending(engine: Engine, state: State) -> list[Pending]:
    """(fire time, timer) of every step not fired yet on a running clock, in time order."""
    found: list[Pending] = []
    for clock, calendar, timers in _unfired(engine, state):
        if not clock["runs"] and clock["since"] is not None:  # never paused: one pass
            found.extend(zip(calendar.add_many(clock["since"], [t.threshold for t in timers]), timers))
            continue
        for timer in timers:
            at = reach(clock, timer.threshold, calendar)
            if at is not None:
                found.append((at, timer))
    # Each clock's timers are in threshold order, so in time order; a stable sort on time
    # alone keeps response before resolve at equal times.
    found.sort(key=itemgetter(0))
    return found


class Opening(NamedTuple):
    """Where a new ticket's due times and timer fire times sit among the ascending
    thresholds of one calendar walk from its start."""

    thresholds: tuple[float, ...]
    response: int                 # index of the response budget in `thresholds`
    resolve: int
    timers: tuple[tuple[int, Timer], ...]   # (index, timer), in the plan's firing order


def opening(engine: Engine, state: State, target: Target, at: float
            ) -> tuple[float, float, list[Pending]]:
    """A new ticket's response and resolve due times and its timer plan, from one walk of
    the calendar: both clocks start at `at` on the target's calendar, so every fire time is
    a budget from the same start (what `pending` gives for the new state)."""
    levels = len(climb_chain(engine, state)) if target.policy is not None else 0
    key = (target.policy, target.response, target.resolve, levels)
    layout = engine.openings.get(key)
    if layout is None:
        layout = engine.openings.setdefault(key, _opening(engine, target, levels))
    times = engine.calendars[target.calendar].add_many(at, layout.thresholds)
    return times[layout.response], times[layout.resolve], [(times[i], t) for i, t in layout.timers]


def _opening(engine: Engine, target: Target, levels: int) -> Opening:
    """The layout for one policy, pair of budgets and climb depth: both budgets and every
    step's threshold in one ascending list, each step pointing at its place in it."""
    policy = engine.policies.get(target.policy or "")
    entries: list[tuple[float, int, Timer | None]] = [(target.response, 0, None), (target.resolve, 0, None)]
    if policy is not None:
        for order, name in enumerate(CLOCK_ORDER, 1):  # response first at equal thresholds
            entries += [(t.threshold, order, t) for t in _plan(engine, policy, name, target.budget(name), levels)]
    ranked = sorted(range(len(entries)), key=lambda i: entries[i][:2])  # stable: plans keep their order
    thresholds: list[float] = []
    position = {}
    for i in ranked:  # equal thresholds (a breach at 100% and the budget) are walked once
        if not thresholds or thresholds[-1] != entries[i][0]:
            thresholds.append(entries[i][0])
        position[i] = len(thresholds) - 1
    timers = tuple((position[i], timer) for i in ranked if (timer := entries[i][2]) is not None)
    return Opening(tuple(thresholds), position[0], position[1], timers)


def next_wakeup(engine: Engine, state: State) -> float | None:
    """The earliest fire time of any pending step: one lookup per clock, not the plan."""
    times = [at for clock, calendar, timers in _unfired(engine, state)
             if (at := reach(clock, timers[0].threshold, calendar)) is not None]
    return min(times) if times else None


def recipients(engine: Engine, state: State, timer: Timer, ts: float) -> Iterator[tuple[str, str | None]]:
    """("person", id) or ("group", endpoint) for each role of the step, resolved at `ts`."""
    team = engine.teams[state["team"]]
    for who in timer.step.notify:
        if who == "assignee":
            yield "person", state["assignee"]["person"]
        elif who in ("on_duty", "backup"):
            oncall = team.oncall(ts, state["mode"], engine.default_mode)
            yield "person", oncall.primary if who == "on_duty" else oncall.backup
        elif who == "team_lead":
            yield "person", team.lead
        elif who == "team_group":
            yield "group", team.group.get("dingtalk_group")
        elif who == "manager":
            chain = climb_chain(engine, state)
            index = timer.level - 1 if timer.level else 0
            yield "person", chain[index] if index < len(chain) else None
        elif who == "submitter":
            yield "person", state["attrs"].get("submitter")
        else:
            yield "person", who


def notifications(engine: Engine, state: State, timer: Timer, ts: float, when: str,
                  flags: list[str]) -> list[dict[str, Any]]:
    """One notification per recipient and channel; a missing contact falls back to the
    person's other channels (flagged), never dropped silently."""
    base = {"at": when, "clock": timer.clock, "kind": timer.kind, "step": timer.step.index,
            "level": timer.level}
    out: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str]] = set()
    for kind, target in recipients(engine, state, timer, ts):
        if kind == "group":
            if "dingtalk_group" in timer.step.channels and target:
                out.append({**base, "channel": "dingtalk_group", "to": {"group": target}})
            continue
        if target is None:
            _flag(flags, "unreachable")  # a role that resolves to nobody (a roster gap, no lead)
            continue
        for channel in timer.step.channels:
            if channel == "dingtalk_group" or (target, channel) in seen:
                continue
            seen.add((target, channel))
            out.extend(_to_person(engine, base, target, channel, timer.step.channels, flags))
    return out


ASSIGN_CHANNELS = ("dingtalk",)


def assign_notifications(engine: Engine, state: State, at: str, flags: list[str]) -> list[dict[str, Any]]:
    """A ticket given to someone (created, transferred, re-routed): a work notification to
    them (with the usual fallback when they have no DingTalk)."""
    person = state["assignee"]["person"]
    if person is None:
        _flag(flags, "unreachable")
        return []
    base = {"at": at, "clock": "response", "kind": "assign", "level": 0}
    return _to_person(engine, base, person, ASSIGN_CHANNELS[0], ASSIGN_CHANNELS, flags)


def _to_person(engine: Engine, base: dict[str, Any], person: str, channel: str,
               step_channels: tuple[str, ...], flags: list[str]) -> list[dict[str, Any]]:
    info = engine.people.get(person)
    address = info.contacts.get(CHANNEL_CONTACT[channel]) if info else None
    if address:
        return [{**base, "channel": channel, "to": {"person": person, "address": address}}]
    for other in FALLBACK_ORDER:
        other_address = info.contacts.get(CHANNEL_CONTACT[other]) if info else None
        if other not in step_channels and other_address:
            _flag(flags, "contact_missing")
            return [{**base, "channel": other, "to": {"person": person, "address": other_address},
                     "instead_of": channel}]
    _flag(flags, "unreachable")
    return [{**base, "channel": channel, "to": {"person": person, "address": None}}]


def _flag(flags: list[str], flag: str) -> None:
    if flag not in flags:
        flags.append(flag)


def fire_due(engine: Engine, state: State, now: float, tz: Any, trace: list[str],
             flags: list[str]) -> tuple[list[dict[str, Any]], list[Pending]]:
    """Fire every step due by `now`, in time order, exactly once (recorded in the state);
    returns the notifications and the timers still pending."""
    sent: list[dict[str, Any]] = []
    fired: list[str] = state.setdefault("fired", [])
    waiting = pending(engine, state)
    count = 0
    for at, timer in waiting:
        if at > now:
            break
        count += 1
        when = format_ts(at, tz)
        batch = notifications(engine, state, timer, at, when, flags)
        fired.append(timer.key)
        sent.extend(batch)
        trace.append(f"{timer.kind} {timer.clock} step {timer.step.index}"
                     + (f" level {timer.level}" if timer.level else "") + f" at {when}: "
                     + ", ".join(sorted({_who(n) for n in batch})))
    return sent, waiting[count:]


def _who(notification: dict[str, Any]) -> str:
    to = notification["to"]
    return f"group {to['group']}" if "group" in to else str(to["person"])
