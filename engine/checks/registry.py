"""Every semantic check under its stable name, in the order they run, and the runner.

The names are what `run_checks(only=...)` takes and what tests select; the table is
explicit so that reading it tells what runs (no registration by import side effect).
"""
from __future__ import annotations

from collections.abc import Iterable

from engine.checks import calendars, gaps, holidays, org, refs, rosters, routing, sla, solutions, templates, views
from engine.checks.common import Check, CheckOptions, TimedCheck
from engine.config.model import Config
from engine.diagnostics import Diagnostic

CHECKS: dict[str, Check] = {
    "calendars": calendars.check_calendars,
    "calendars.holiday-sets": holidays.check_holiday_refs,
    "calendars.country": holidays.check_countries,
    "org.managers": org.check_managers,
    "org.contacts": org.check_contacts,
    "duplicates": refs.check_duplicates,
    "refs.categories": refs.check_category_refs,
    "refs.rules": refs.check_rule_refs,
    "refs.rosters": refs.check_roster_refs,
    "refs.sla": refs.check_sla_refs,
    "rosters.schedules": rosters.check_schedules,
    "rosters.members": rosters.check_team_members,
    "routing.regex": routing.check_regexes,
    "routing.shadowed": routing.check_shadowed,
    "routing.boolean-strings": routing.check_boolean_strings,
    "sla.profiles": sla.check_profiles,
    "sla.overrides": sla.check_overrides,
    "sla.modes": sla.check_modes,
    "sla.steps": sla.check_step_values,
    "sla.policy-steps": sla.check_policy_steps,
    "templates": templates.check_notifications,
    "templates.unused": templates.check_unused_templates,
    "views": views.check_views,
    "solutions": solutions.check_solutions,
}

# Checks that need `CheckOptions` (a clock): they run only when `now` is given.
TIMED_CHECKS: dict[str, TimedCheck] = {
    "rosters.gaps": gaps.check_gaps,
    "calendars.coming-year": holidays.check_coming_year,
}


def run_checks(config: Config, only: Iterable[str] | None = None,
               options: CheckOptions = CheckOptions()) -> list[Diagnostic]:
    """Every check (or those named in `only`), diagnostics unsorted.

    Timed checks compile rosters, so they run only on a config the other checks passed.
    """
    names = list(only) if only is not None else [*CHECKS, *TIMED_CHECKS]
    found = [d for name in names if name in CHECKS for d in CHECKS[name](config)]
    if options.now is not None and not any(d.is_error for d in found):
        found += [d for name in names if name in TIMED_CHECKS for d in TIMED_CHECKS[name](config, options)]
    return found
