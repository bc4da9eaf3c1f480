"""SLA profiles and clocks (SPEC §3, §6): targets per mode and level, and the response and
resolve clocks as JSON-ready state that pauses, stops, resumes and recomputes."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.timecalc.calendar import Calendar
from engine.sla.escalation import reach
from engine.routing.matchers import Predicate, Ticket, compile_matcher
from engine.config.model import Config, TargetDef
from engine.config.profiles import effective_profile
from engine.config.values import format_duration, parse_duration

CLOCKS = ("response", "resolve")
Clock = dict[str, Any]   # JSON-ready: calendar, budget, runs [[a, b]...], since, stopped, due


@dataclass(frozen=True, slots=True)
class Target:
    """One level's targets in a profile: working-second budgets on a calendar."""

    response: int
    resolve: int
    calendar: str
    policy: str | None
    trace_line: str      # what the trace says when this target applies

    def budget(self, clock: str) -> int:
        return self.response if clock == "response" else self.resolve


def make_target(response: int, resolve: int, calendar: str, policy: str | None, source: str) -> Target:
    return Target(response, resolve, calendar, policy,
                  f"targets {source}: response {format_duration(response)}, "
                  f"resolve {format_duration(resolve)} on {calendar}")


@dataclass(frozen=True, slots=True)
class Override:
    predicate: Predicate
    targets: Mapping[str, Target]   # per level: the override's fields over the level's target


@dataclass(frozen=True, slots=True)
class Profile:
    """A mode's effective profile: `extends` resolved, durations parsed."""

    id: str
    pause_when: frozenset[str]
    targets: Mapping[str, Target]
    overrides: tuple[Override, ...]

    def target(self, ticket: Ticket, severity: str) -> Target:
        """The level's target, or the first matching override laid over it."""
        for override in self.overrides:
            if override.predicate(ticket):
                return override.targets[severity]
        return self.targets[severity]


def compile_profiles(config: Config, calendars: Mapping[str, Calendar]) -> dict[str, Profile]:
    """Every profile with inheritance resolved; the checks guarantee complete targets."""
    profiles = {}
    for pid in config.profiles:
        p = effective_profile(config, pid)
        targets = {
            level: make_target(parse_duration(t.response or ""), parse_duration(t.resolve or ""),
                               t.calendar or p.calendar, t.policy or p.policy, f"{pid} {level} target")
            for level, t in p.targets.items()}
        overrides = tuple(Override(compile_matcher(o.when, calendars), _laid_over(targets, o.target, pid, i))
                          for i, o in enumerate(p.overrides))
        profiles[pid] = Profile(pid, frozenset(p.pause_when), targets, overrides)
    return profiles


def _laid_over(targets: Mapping[str, Target], fields: TargetDef, pid: str, index: int
               ) -> dict[str, Target]:
    """An override's fields over each level's target, resolved once at compile time."""
    return {
        level: make_target(parse_duration(fields.response) if fields.response else base.response,
                           parse_duration(fields.resolve) if fields.resolve else base.resolve,
                           fields.calendar or base.calendar, fields.policy or base.policy,
                           f"{pid} override {index} ({level})")
        for level, base in targets.items()}


# --- clocks: plain dicts in the ticket state -----------------------------------------------
#
# A clock keeps the stretches it ran (`runs`), the start of the current one (`since`, None
# while paused or stopped), its budget and calendar, the deadline of the current run
# (`due`), and once stopped the instant and outcome. Working time is always recounted from
# the runs, so a new calendar or budget (a re-grade, a mode switch) is exact.

def start_clocks(target: Target, at: float, response_due: float, resolve_due: float
                 ) -> dict[str, Clock]:
    """Both clocks of a new ticket, started at `at` (the caller found the due times)."""
    return {"response": {"calendar": target.calendar, "budget": target.response, "runs": [],
                         "since": at, "due": response_due, "stopped": None, "outcome": None},
            "resolve": {"calendar": target.calendar, "budget": target.resolve, "runs": [],
                        "since": at, "due": resolve_due, "stopped": None, "outcome": None}}


def used(clock: Clock, calendar: Calendar, now: float) -> float:
    """Working seconds consumed by `now` (paused stretches do not count)."""
    total = sum(calendar.elapsed(a, b) for a, b in clock["runs"])
    if clock["since"] is not None:
        total += calendar.elapsed(clock["since"], now)
    return total


def pause(clock: Clock, now: float) -> None:
    if clock["since"] is not None:
        clock["runs"].append([clock["since"], now])
        clock["since"] = None


def resume(clock: Clock, now: float, calendar: Calendar) -> None:
    """Running again with what is left of the budget: the deadline moves by the working
    time spent paused, since that time was never consumed."""
    if clock["since"] is None and clock["stopped"] is None:
        left = max(clock["budget"] - used(clock, calendar, now), 0.0)
        clock["since"] = now
        clock["due"] = calendar.add(now, left)


def stop(clock: Clock, now: float, calendar: Calendar) -> None:
    """Stopped by its event: met if that came before the due time (SPEC §6)."""
    if clock["stopped"] is not None:
        return
    if clock["since"] is not None:
        met = now <= clock["due"]
    else:
        met = used(clock, calendar, now) < clock["budget"]
    pause(clock, now)
    clock["stopped"], clock["outcome"] = now, "met" if met else "breached"


def reopen(clock: Clock, now: float, calendar: Calendar) -> None:
    clock["stopped"] = clock["outcome"] = None
    resume(clock, now, calendar)


def retarget(clock: Clock, budget: int, calendar_id: str, calendar: Calendar, now: float,
             not_before: float | None = None) -> None:
    """New targets measured from the original start: the working time already used is
    kept (recounted on the new calendar); the deadline follows from what is left."""
    clock["budget"], clock["calendar"] = budget, calendar_id
    if clock["stopped"] is None and clock["since"] is not None:
        due = _due(clock, calendar)
        clock["due"] = max(due, not_before) if not_before is not None else due


def _due(clock: Clock, calendar: Calendar) -> float:
    """When the budget runs out, counting the runs so far: in the past if it already has."""
    due = reach(clock, float(clock["budget"]), calendar)
    assert due is not None  # only called on a running clock
    return due


def state_of(clock: Clock, now: float, calendar: Calendar) -> str:
    """running | paused | met | breached (SPEC §6)."""
    if clock["stopped"] is not None:
        return str(clock["outcome"])
    if clock["since"] is None:
        return "breached" if used(clock, calendar, now) >= clock["budget"] else "paused"
    return "breached" if now > clock["due"] else "running"
