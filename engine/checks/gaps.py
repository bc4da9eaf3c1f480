"""Roster gap detection: stretches ahead where a team has nobody on duty, even after backup."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from engine.checks.common import CheckOptions, warning
from engine.compile.duty import compile_schedules, compile_teams
from engine.config.model import Config
from engine.config.profiles import effective_profile
from engine.diagnostics import Diagnostic, Severity
from engine.duty.teams import team_gaps
from engine.timecalc.calendar import BUILTIN_CALENDAR


def _round_the_clock(config: Config, mode: str) -> bool:
    """Whether the mode's profile promises any level on the 24x7 calendar."""
    if mode not in config.profiles:
        return False
    profile = effective_profile(config, mode)
    return any((t.calendar or profile.calendar) == BUILTIN_CALENDAR for t in profile.targets.values())


def check_gaps(config: Config, options: CheckOptions) -> Iterator[Diagnostic]:
    assert options.now is not None  # run_checks only calls timed checks with a clock
    start = options.now.timestamp()
    end = start + options.gap_days * 86400
    teams = compile_teams(config, compile_schedules(config))
    default = config.modes.default
    for team_def in config.teams:
        team = teams[team_def.id]
        for mode in config.profiles:
            gaps = team_gaps(team, mode, default, start, end)
            if not gaps:
                continue
            duty = team_def.duty.get(mode) or team_def.duty.get(default)
            span = config.span(duty.loc, "primary") if duty else config.span(team_def.loc, "id")
            tz = options.now.tzinfo
            first = f"{_at(gaps[0][0], tz)} to {_at(gaps[0][1], tz)}"
            hours = sum(hi - lo for lo, hi in gaps) / 3600
            message = (f"team {team.id!r} has nobody on duty in mode {mode!r} from {first}"
                       f" ({len(gaps)} gap{'s' * (len(gaps) != 1)}, {hours:g}h in the next "
                       f"{options.gap_days} days)")
            hint = "tickets fall to the team lead; add a layer, a backup schedule or an override"
            if _round_the_clock(config, mode):
                yield Diagnostic(span, "roster.gap", message, Severity.ERROR, hint)
            else:
                yield warning(span, "roster.gap", message, hint)


def _at(ts: float, tz: object) -> str:
    return datetime.fromtimestamp(ts, tz).isoformat(timespec="minutes")  # type: ignore[arg-type]
