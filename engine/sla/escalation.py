"""Reminders, urging and escalation: each policy step as a threshold of working time on
its clock, a climb as one timer per manager above the team lead, and the manager chain."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from engine.config.model import Person


@dataclass(frozen=True, slots=True)
class Step:
    index: int
    at_pct: float | None
    after_s: int | None
    notify: tuple[str, ...]
    channels: tuple[str, ...]
    climb: bool


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    steps: Mapping[str, tuple[Step, ...]]   # clock name -> steps in order


@dataclass(frozen=True, slots=True)
class Timer:
    """One pending firing: `threshold` working seconds into its clock's budget."""

    clock: str
    policy: str
    step: Step
    level: int           # counts climbs: 0 for plain steps, 1.. for each manager higher
    threshold: float
    kind: str            # remind | breach | escalate
    key: str             # `policy:clock:step:level`, what the state records once it fired


def manager_chain(people: Mapping[str, Person], start: str | None) -> tuple[str, ...]:
    """`start`, its manager, theirs... up to the person with no manager (cycles are
    refused by the checks; the `seen` guard only keeps a bad state from looping)."""
    chain: list[str] = []
    current = start
    while current is not None and current in people and current not in chain:
        chain.append(current)
        current = people[current].manager
    return tuple(chain)


def _kind(threshold: float, budget: float) -> str:
    if threshold < budget:
        return "remind"
    return "breach" if threshold == budget else "escalate"


def plan(policy: Policy, clock: str, budget: float, climb_levels: int) -> list[Timer]:
    """Every firing of a clock's steps, by threshold: `at` is a share of the budget,
    `after` follows the previous step, a climb repeats once per manager above the lead."""
    timers: list[Timer] = []
    previous = 0.0
    for step in policy.steps.get(clock, ()):
        threshold = step.at_pct / 100 * budget if step.at_pct is not None else previous + (step.after_s or 0)
        key = f"{policy.id}:{clock}:{step.index}"
        if step.climb:
            for level in range(1, climb_levels + 1):
                t = threshold + (level - 1) * (step.after_s or 0)
                timers.append(Timer(clock, policy.id, step, level, t, _kind(t, budget), f"{key}:{level}"))
        else:
            timers.append(Timer(clock, policy.id, step, 0, threshold, _kind(threshold, budget), f"{key}:0"))
        previous = threshold
    timers.sort(key=lambda t: t.threshold)  # a climb's repetitions may pass later steps
    return timers


class Opening(NamedTuple):
    """Where a new ticket's due times and timer fire times sit among the ascending
    thresholds of one calendar walk from its start."""

    thresholds: tuple[float, ...]
    response: int                 # index of the response budget in `thresholds`
    resolve: int
    timers: tuple[tuple[int, Timer], ...]   # (index, timer), in the plan's firing order
