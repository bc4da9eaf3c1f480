"""Broadcast checks (reports.yaml): each schedule is a 5-field cron that fires, each time
zone is known, and the modes and group robots a broadcast names exist."""
from __future__ import annotations

from collections.abc import Iterator

from engine.checks.common import unknown
from engine.checks.refs import modes_hint
from engine.checks.rosters import cron_is_valid
from engine.config.model import BroadcastDef, Config
from engine.config.values import zone
from engine.diagnostics import Diagnostic
from engine.timecalc.cron import fires


def check_broadcasts(config: Config) -> Iterator[Diagnostic]:
    modes = set(config.profiles)
    robots = {t.group["dingtalk_group"] for t in config.teams if isinstance(t.group.get("dingtalk_group"), str)}
    for b in config.broadcasts:
        yield from _schedule(config, b)
        try:
            zone(b.timezone)
        except ValueError:
            yield Diagnostic(config.span(b.loc, "timezone"), "report.timezone",
                             f"timezone: an IANA time zone, got {b.timezone!r}")
        for i, mode in enumerate(b.modes):
            if mode not in modes:
                yield unknown(config.span(b.loc, "modes", i), "mode", mode, modes, explain=modes_hint(modes))
        for i, robot in enumerate(b.robots):
            if robot not in robots:
                yield unknown(config.span(b.loc, "recipients", "dingtalk_group", i), "robot", robot, robots,
                              explain="a robot is a team's `group.dingtalk_group` in rosters.yaml")


def _schedule(config: Config, b: BroadcastDef) -> Iterator[Diagnostic]:
    if len(b.schedule.split()) != 5 or not cron_is_valid(b.schedule):
        yield Diagnostic(config.span(b.loc, "schedule"), "report.schedule",
                         f"schedule: a 5-field cron expression, got {b.schedule!r}")
    elif not fires(b.schedule):
        yield Diagnostic(config.span(b.loc, "schedule"), "report.schedule",
                         f"schedule: {b.schedule!r} never fires", hint="the day of month does not exist in the "
                         "months it names")
