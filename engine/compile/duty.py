"""Duty schedules and teams compiled from rosters.yaml (local times read in each
schedule's zone), and people by id."""
from __future__ import annotations

from collections.abc import Mapping

from engine.config.model import Config, Person, ScheduleDef
from engine.config.values import parse_duration, parse_local_datetime, zone
from engine.duty.schedules import ActiveWindow, Layer, Override, Schedule, ScheduleSpec
from engine.duty.teams import Duty, Team


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
        teams[team.id] = Team(team.id, team.name, team.lead, team.members, dict(team.group), duty,
                              team.supervise_transfers)
    return teams


def compile_people(config: Config) -> dict[str, Person]:
    """People by id; the checks guarantee ids are unique."""
    return {p.id: p for p in config.people}
