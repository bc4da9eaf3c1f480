"""The compile stage's driver: a checked `Config` in, one `Compiled` out.

Compile trusts the checks. An exception here is a bug (a check let through what compile
cannot take), so each part is run under the name of the checks it relies on, and any
failure becomes an `InternalError` that says which check should have refused the config.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from engine.compile.calendars import compile_calendars
from engine.compile.compiled import Compiled
from engine.compile.duty import compile_people, compile_schedules, compile_teams
from engine.compile.routing import compile_router
from engine.compile.sla import compile_policies, compile_profiles
from engine.compile.solutions import compile_solutions
from engine.compile.views import compile_views
from engine.config.model import Config
from engine.config.values import parse_datetime
from engine.diagnostics import Diagnostic
from engine.errors import InternalError
from engine.notify.render import Renderer
from engine.sla.escalation import manager_chain
from engine.timecalc.modes import Modes

T = TypeVar("T")


def _part(what: str, checks: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except Exception as exc:
        raise InternalError(f"compiling {what} failed ({type(exc).__name__}: {exc}); "
                            f"the {checks} checks should have refused this config") from exc


def compile_config(config: Config, diagnostics: Sequence[Diagnostic] = ()) -> Compiled:
    """The compiled config for a checked `Config` (its warnings are kept on it)."""
    calendars = _part("calendars", "`calendars`", lambda: compile_calendars(config))
    schedules = _part("schedules", "`rosters.schedules`", lambda: compile_schedules(config))
    teams = _part("teams", "`refs.rosters`", lambda: compile_teams(config, schedules))
    people = compile_people(config)
    chains = {tid: manager_chain(people, people[t.lead].manager)
              for tid, t in teams.items() if t.lead is not None and t.lead in people}
    return Compiled(
        config_version=config.digest, root=config.root, levels=config.level_ids,
        level_names={lv.id: lv.name for lv in config.levels},
        modes=_part("modes", "`sla.modes`", lambda: compile_modes(config)),
        router=_part("routing", "`refs.categories`, `refs.rules` and `routing.regex`",
                     lambda: compile_router(config, calendars)),
        calendars=calendars, schedules=schedules, teams=teams,
        profiles=_part("profiles", "`sla.profiles`", lambda: compile_profiles(config, calendars)),
        policies=_part("policies", "`sla.steps`", lambda: compile_policies(config)),
        people=people, climb_chains=chains,
        renderer=_part("templates", "`templates`", lambda: Renderer.compile(
            config.templates, config.notifications.locale)),
        locale=config.notifications.locale, ticket_url=config.notifications.ticket_url,
        diagnostics=tuple(diagnostics),
        views=_part("views", "`views`", lambda: compile_views(config, calendars)),
        solutions=_part("solutions", "`solutions`", lambda: compile_solutions(config)))


def compile_modes(config: Config) -> Modes:
    """The modes and their windows as instants (the `sla.modes` check parsed them)."""
    windows = [(parse_datetime(w.start).timestamp(), parse_datetime(w.end).timestamp(), w.mode)
               for w in config.modes.windows]
    return Modes.build(tuple(config.profiles), config.modes.default, config.modes.on_switch, windows,
                       [w.name for w in config.modes.windows])
