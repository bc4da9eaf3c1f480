"""Who handles a team's tickets: its duty schedules per mode and the fallback chain
primary -> backup -> team lead."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from engine.duty.schedules import Schedule
from engine.timecalc.intervals import intersect


class OnCall(NamedTuple):
    """What the schedules say for a team at an instant: person ids, None in a gap."""

    primary: str | None
    backup: str | None
    source: str | None      # where `primary` comes from: `<schedule>/<layer>` or `/override`


class Assignee(NamedTuple):
    """Who takes a new ticket, where that came from, and whether the roster had a gap."""

    person: str | None
    source: str
    gap: bool


# One C call, not the NamedTuple's generated Python __new__: every new ticket makes one.
_assignee = tuple.__new__


@dataclass(frozen=True, slots=True)
class Duty:
    primary: Schedule
    backup: Schedule | None


@dataclass(frozen=True, slots=True)
class Team:
    """A team as the engine needs it: its people, robot endpoints and duty per mode."""

    id: str
    name: str
    lead: str | None
    members: tuple[str, ...]
    group: Mapping[str, str]
    duty: Mapping[str, Duty]
    supervise_transfers: bool = False     # a transfer away keeps the previous assignee informed

    def duty_in(self, mode: str, default_mode: str) -> Duty | None:
        """The mode's duty, else the default mode's (docs/semantics.md#duty)."""
        return self.duty.get(mode) or self.duty.get(default_mode)

    def oncall(self, ts: float, mode: str, default_mode: str) -> OnCall:
        duty = self.duty_in(mode, default_mode)
        if duty is None:
            return OnCall(None, None, None)
        primary, source = duty.primary.who(ts)
        backup = duty.backup.who(ts)[0] if duty.backup is not None else None
        return OnCall(primary, backup, source)

    def assignee(self, ts: float, mode: str, default_mode: str) -> Assignee:
        """primary, else backup, else the team lead (a gap), else nobody (a gap)."""
        duty = self.duty.get(mode) or self.duty.get(default_mode)  # `duty_in`, inline: every ticket
        if duty is not None:
            person, source = duty.primary.who(ts)
            if person is not None:
                return _assignee(Assignee, (person, source or duty.primary.id, False))
            if duty.backup is not None:
                person, source = duty.backup.who(ts)
                if person is not None:
                    return _assignee(Assignee, (person, source or duty.backup.id, True))
        return _assignee(Assignee, (self.lead, f"{self.id}/lead", True))


def team_gaps(team: Team, mode: str, default_mode: str, start: float, end: float
              ) -> list[tuple[float, float]]:
    """Where neither the primary nor the backup schedule of `mode` has anybody."""
    duty = team.duty_in(mode, default_mode)
    if duty is None:
        return [(start, end)]
    gaps = duty.primary.gaps(start, end)
    if gaps and duty.backup is not None:
        gaps = intersect(gaps, duty.backup.gaps(start, end))
    return gaps
