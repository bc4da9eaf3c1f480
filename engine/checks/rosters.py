"""Roster checks: schedule timezones, cron expressions, datetimes and team membership."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import croniter

from engine.checks.common import warning
from engine.config.model import Config, LayerDef, Loc, ScheduleDef
from engine.config.values import parse_duration, parse_local_datetime, zone
from engine.diagnostics import Diagnostic
from engine.timecalc.cron import fires, on_cron


@lru_cache(maxsize=4096)
def cron_is_valid(expr: str) -> bool:
    """croniter's own verdict on a 5-field expression (rosters repeat a few many times)."""
    return bool(croniter.is_valid(expr))


def usable_cron(expr: str) -> bool:
    """Valid, and with at least one occurrence: what the schedules can be compiled from."""
    return cron_is_valid(expr) and fires(expr)


def _cron(config: Config, loc: Loc, field: str, expr: str) -> Iterator[Diagnostic]:
    if not cron_is_valid(expr):
        yield Diagnostic(config.span(loc, field), "value.cron",
                         f"{expr!r} is not a valid cron expression (minute hour day month weekday)")
    elif not fires(expr):
        yield Diagnostic(config.span(loc, field), "roster.cron-never-fires",
                         f"{expr!r} never fires (no date matches it)",
                         hint="the day of month does not exist in the months it names")


def check_schedules(config: Config) -> Iterator[Diagnostic]:
    for schedule in config.schedules.values():
        yield from _check_schedule(config, schedule)


def _check_schedule(config: Config, schedule: ScheduleDef) -> Iterator[Diagnostic]:
    try:
        tz = zone(schedule.timezone)
    except ValueError as exc:
        yield Diagnostic(config.span(schedule.loc, "timezone"), "value.timezone", str(exc))
        return
    for layer in schedule.layers:
        yield from _check_layer(config, layer, tz)
    for override in schedule.overrides:
        yield from _interval(config, override.loc, override.start, override.end, tz, "override")


def _interval(config: Config, loc: Loc, start: str | None, end: str | None, tz: ZoneInfo,
              what: str) -> Iterator[Diagnostic]:
    parsed = {}
    for field, text in (("start", start), ("end", end)):
        if text is None:
            continue
        try:
            parsed[field] = parse_local_datetime(text, tz)
        except ValueError as exc:
            yield Diagnostic(config.span(loc, field), "value.datetime", str(exc))
    if len(parsed) == 2 and parsed["end"] <= parsed["start"]:
        yield Diagnostic(config.span(loc, "end"), "roster.end-before-start",
                         f"{what} ends at {end}, not after its start {start}")


def _check_layer(config: Config, layer: LayerDef, tz: ZoneInfo) -> Iterator[Diagnostic]:
    yield from _cron(config, layer.loc, "handoff", layer.handoff)
    problems = list(_interval(config, layer.loc, layer.start, layer.end, tz, f"layer {layer.name!r}"))
    yield from problems
    yield from _active_windows(config, layer)
    if not problems and usable_cron(layer.handoff):
        yield from _start_on_handoff(config, layer, tz)


def _active_windows(config: Config, layer: LayerDef) -> Iterator[Diagnostic]:
    """Each restriction window: a cron that fires, open for more than 0s."""
    for window in layer.active:
        yield from _cron(config, window.loc, "cron", window.cron)
        if parse_duration(window.duration) == 0:
            yield Diagnostic(config.span(window.loc, "for"), "value.duration",
                             "an active window must last longer than 0s")


def _start_on_handoff(config: Config, layer: LayerDef, tz: ZoneInfo) -> Iterator[Diagnostic]:
    """A start between handoffs makes the first turn a partial one (PagerDuty warns too)."""
    start = parse_local_datetime(layer.start, tz)
    if on_cron(layer.handoff, start):
        return
    before = croniter(layer.handoff, start).get_prev(datetime)
    after = croniter(layer.handoff, start).get_next(datetime)
    yield warning(config.span(layer.loc, "start"), "roster.start-off-handoff",
                  f"layer {layer.name!r} starts at {layer.start}, which is not a handoff "
                  f"({layer.handoff!r}): the first turn is shorter",
                  f"nearest handoffs: {before.isoformat(timespec='minutes')} and "
                  f"{after.isoformat(timespec='minutes')}")


def check_team_members(config: Config) -> Iterator[Diagnostic]:
    """A schedule member who is not in a team that uses the schedule (warning)."""
    for team in config.teams:
        members = set(team.members)
        for duty in team.duty.values():
            for field in ("primary", "backup"):
                schedule = config.schedules.get(getattr(duty, field) or "")
                if schedule is None or not members:
                    continue
                for layer in schedule.layers:
                    for i, person in enumerate(layer.members):
                        if person not in members:
                            yield warning(config.span(layer.loc, "members", i), "roster.not-a-member",
                                          f"{person!r} is on schedule {schedule.id!r} but not a member "
                                          f"of team {team.id!r}")
