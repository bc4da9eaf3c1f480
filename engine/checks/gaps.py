"""Roster gap detection: stretches ahead where a team has nobody on duty, even after backup."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from engine.checks.common import CheckOptions, warning
from engine.compile.compiler import compile_modes
from engine.compile.duty import compile_schedules, compile_teams
from engine.config.model import Config, Matcher, TeamDef
from engine.config.profiles import effective_profile
from engine.config.values import zone
from engine.diagnostics import Diagnostic, Severity, Span, suggest
from engine.duty.teams import team_gaps
from engine.routing.matchers import condition_test
from engine.timecalc.calendar import BUILTIN_CALENDAR


def _round_the_clock(config: Config, mode: str, team: str) -> list[str]:
    """What the mode's profile runs on the 24x7 calendar for this team: its levels, and
    the overrides whose `team` condition names the team (`override 1`). Round-the-clock
    handling is promised for them, so nobody on duty is an error."""
    if mode not in config.profiles:
        return []
    profile = effective_profile(config, mode)
    found = [level for level, t in profile.targets.items()
             if (t.calendar or profile.calendar) == BUILTIN_CALENDAR]
    for i, override in enumerate(profile.overrides):
        if override.target.calendar == BUILTIN_CALENDAR and _names_team(override.when, team, mode):
            found.append(f"override {i} (team {team})")
    return found


def _names_team(when: Matcher, team: str, mode: str) -> bool:
    """Whether a top-level `team` condition admits `team` (and `mode`, if it has one)."""
    if "team" not in when:
        return False
    return all(condition_test(key, when[key])[0](value) for key, value in (("team", team), ("mode", mode))
               if key in when)


def check_gaps(config: Config, options: CheckOptions) -> Iterator[Diagnostic]:
    """Each team's gaps under the mode that will be in force at each instant of the range
    (the windows, else the default mode), or under `options.mode` when one is forced: a
    mode no window schedules there is a mode only a host can force, checked when asked."""
    assert options.now is not None  # run_checks only calls timed checks with a clock
    if options.mode is not None and options.mode not in config.profiles:
        yield Diagnostic(Span("sla_profiles.yaml"), "ref.unknown-mode",
                         f"roster gaps asked for in mode {options.mode!r}, which no profile defines",
                         hint=suggest(options.mode, config.profiles))
        return
    start = options.now.timestamp()
    end = start + options.gap_days * 86400
    teams = compile_teams(config, compile_schedules(config))
    modes = compile_modes(config)
    spans = modes.spans(start, end, options.mode)
    for team_def in config.teams:
        for mode in dict.fromkeys(m for _, _, m in spans):   # each mode once, in order of first use
            gaps = [g for a, b, m in spans if m == mode
                    for g in team_gaps(teams[team_def.id], mode, modes.default, a, b)]
            if gaps:
                yield _gap(config, team_def, mode, gaps, options)


def _gap(config: Config, team_def: TeamDef, mode: str, gaps: list[tuple[float, float]],
         options: CheckOptions) -> Diagnostic:
    duty = team_def.duty.get(mode) or team_def.duty.get(config.modes.default)
    span = config.span(duty.loc, "primary") if duty else config.span(team_def.loc, "id")
    schedule = config.schedules.get(duty.primary) if duty else None
    tz = zone(schedule.timezone) if schedule else options.now.tzinfo if options.now else None
    first = f"{_at(gaps[0][0], tz)} to {_at(gaps[0][1], tz)}"
    hours = sum(hi - lo for lo, hi in gaps) / 3600
    message = (f"team {team_def.id!r} has nobody on duty in mode {mode!r} from {first}"
               f" ({len(gaps)} gap{'s' * (len(gaps) != 1)}, {hours:g}h in the next "
               f"{options.gap_days} days)")
    hint = "tickets fall to the team lead; add a layer, a backup schedule or an override"
    levels = _round_the_clock(config, mode, team_def.id)
    if levels:
        why = (f"an error because mode {mode!r} runs {', '.join(levels)} on the 24x7 calendar; "
               + hint)
        return Diagnostic(span, "roster.gap", message, Severity.ERROR, why)
    return warning(span, "roster.gap", message, hint)


def _at(ts: float, tz: object) -> str:
    return datetime.fromtimestamp(ts, tz).isoformat(timespec="minutes")  # type: ignore[arg-type]
