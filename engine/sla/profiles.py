"""SLA targets per mode and level: a profile's level targets and its ordered overrides,
each a budget of working seconds on a calendar with an escalation policy."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.config.values import format_duration
from engine.routing.matchers import Predicate, Ticket


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
    reads_team: bool = False        # its `when` has a `team` condition


@dataclass(frozen=True, slots=True)
class Profile:
    """A mode's effective profile: `extends` resolved, durations parsed."""

    id: str
    pause_when: frozenset[str]
    targets: Mapping[str, Target]
    overrides: tuple[Override, ...]

    def target(self, ticket: Ticket, severity: str, team: str) -> Target:
        """The level's target, or the first matching override laid over it; an override
        reads the ticket's attributes, the `team` handling it and the mode (this profile)."""
        if not self.overrides:
            return self.targets[severity]
        seen = {**ticket, "team": team, "mode": self.id}
        for override in self.overrides:
            if override.predicate(seen):
                return override.targets[severity]
        return self.targets[severity]

    @property
    def reads_team(self) -> bool:
        """Whether an override names the team, so that a transfer may change the target."""
        return any(override.reads_team for override in self.overrides)
