"""Who handles a team's tickets: schedules compiled from rosters.yaml, duty per mode, and
the fallback chain primary -> backup -> team lead (SPEC §4)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from engine.config.model import Config, ScheduleDef
from engine.duty.schedules import ActiveWindow, Layer, Override, Schedule, ScheduleSpec
from engine.config.values import parse_duration, parse_local_datetime, zone


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

    def duty_in(self, mode: str, default_mode: str) -> Duty | None:
        """The mode's duty, else the default mode's (SPEC §4)."""
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
        duty = self.duty_in(mode, default_mode)
        if duty is not None:
            person, source = duty.primary.who(ts)
            if person is not None:
                return Assignee(person, source or duty.primary.id, False)
            if duty.backup is not None:
                person, source = duty.backup.who(ts)
                if person is not None:
                    return Assignee(person, source or duty.backup.id, True)
        return Assignee(self.lead, f"{self.id}/lead", True)


def _intersect(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def team_gaps(team: Team, mode: str, default_mode: str, start: float, end: float
              ) -> list[tuple[float, float]]:
    """Where neither the primary nor the backup schedule of `mode` has anybody."""
    duty = team.duty_in(mode, default_mode)
    if duty is None:
        return [(start, end)]
    gaps = duty.primary.gaps(start, end)
    if gaps and duty.backup is not None:
        gaps = _intersect(gaps, duty.backup.gaps(start, end))
    return gaps


def schedule_spec(schedule: ScheduleDef) -> ScheduleSpec:
    """The roster module's input for a checked schedule (local times read in its zone)."""
    tz = zone(schedule.timezone)
    layers = tuple(
        Layer(layer.name, layer.members, parse_local_datetime(layer.start, tz), layer.handoff,
              layer.turn_length,
              tuple(ActiveWindow(a.cron, parse_duration(a.duration)) for a in layer.active),
              parse_local_datetime(layer.end, tz) if layer.end else None)
        for layer in schedule.layers)
    overrides = tuple(Override(o.person, parse_local_datetime(o.start, tz),
                               parse_local_datetime(o.end, tz), o.reason)
                      for o in schedule.overrides)
    return ScheduleSpec(schedule.id, schedule.timezone, layers, overrides)


def compile_schedules(config: Config) -> dict[str, Schedule]:
    return {sid: Schedule.compile(schedule_spec(s)) for sid, s in config.schedules.items()}


def compile_teams(config: Config, schedules: Mapping[str, Schedule]) -> dict[str, Team]:
    teams = {}
    for team in config.teams:
        duty = {mode: Duty(schedules[d.primary], schedules[d.backup] if d.backup else None)
                for mode, d in team.duty.items()}
        teams[team.id] = Team(team.id, team.name, team.lead, team.members, dict(team.group), duty)
    return teams
