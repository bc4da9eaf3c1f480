"""compile: a checked `Config` -> immutable indexes the evaluator only looks things up in.

Compile trusts the checks: an unknown reference here would have been a diagnostic, so it
indexes without re-validating (a KeyError here is a bug in the checks, not a user error).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from engine.timecalc.calendar import TWENTY_FOUR_SEVEN, Calendar, CalendarSpec
from engine.checks.calendars import window_map
from engine.diagnostics import Diagnostic
from engine.duty.teams import compile_schedules, compile_teams
from engine.sla.escalation import compile_people, compile_policies
from engine.routing.matchers import ATTRIBUTES, compile_matcher, getter, matcher_keys
from engine.config.model import CalendarDef, Config, Loc, RouteDef
from engine.notify.render import Renderer
from engine.routing.router import Router
from engine.routing.index import (
    CompiledCategory,
    CompiledRoute,
    CompiledRule,
    RuleIndex,
    anchors_of,
    residual,
)
from engine.sla.clocks import compile_profiles
from engine.config.values import parse_date, parse_window

if TYPE_CHECKING:  # the engine module imports this one
    from engine.runtime.engine import Engine


def where(config: Config, loc: Loc) -> str:
    span = config.span(loc)
    return f"{span.file}:{span.line}"


def compile_calendar(cal: CalendarDef) -> Calendar:
    workdays = {parse_date(day): tuple(parse_window(w) for w in windows)
                for day, windows in cal.workdays.items()}
    spec = CalendarSpec(cal.id, cal.timezone, window_map(cal.week),
                        frozenset(parse_date(d) for d in cal.holidays), workdays)
    return Calendar.compile(spec)


def compile_calendars(config: Config) -> dict[str, Calendar]:
    calendars = {cid: compile_calendar(cal) for cid, cal in config.calendars.items()}
    calendars.setdefault("24x7", TWENTY_FOUR_SEVEN)
    return calendars


def _categories(config: Config, calendars: Mapping[str, Calendar], index: RuleIndex
                ) -> dict[str, CompiledCategory]:
    """Inheritance resolved top-down: the model lists parents before their children."""
    default = config.default
    compiled: dict[str, CompiledCategory] = {}
    for cat in config.categories:
        parent = compiled.get(cat.parent) if cat.parent else None
        here = where(config, cat.loc)
        own_routes = tuple(_route(config, cat.id, r, calendars) for r in cat.routes)
        if parent is not None:
            team, team_from = parent.team, parent.team_from
            severity, severity_from = parent.severity, parent.severity_from
            routes = own_routes + parent.routes
        else:
            team, team_from = default.team, f"default ({where(config, default.loc)})"
            severity, severity_from = default.severity, f"default ({where(config, default.loc)})"
            routes = own_routes
        if cat.team is not None:
            team, team_from = cat.team, f"{cat.id} ({here})"
        if cat.severity is not None:
            severity, severity_from = cat.severity, f"{cat.id} ({here})"
        compiled[cat.id] = _category(cat.id, cat.name, team, team_from, severity, severity_from,
                                     routes, index.for_category(cat.id), here)
    return compiled


def _route(config: Config, owner: str, route: RouteDef, calendars: Mapping[str, Calendar]
           ) -> CompiledRoute:
    here = where(config, route.loc)
    return CompiledRoute(route.id, owner, route.team, compile_matcher(route.when, calendars), here,
                         f"route {route.id} of {owner} ({here}) → team {route.team}")


def _category(cid: str, name: str, team: str, team_from: str, severity: str, severity_from: str,
              routes: tuple[CompiledRoute, ...], mask: int, here: str
              ) -> CompiledCategory:
    label = f"{cid} ({here})" if cid else f"default ({here})"
    lines = (f"category {label}", f"team {team} from {team_from}",
             f"severity {severity} (default of {severity_from})")
    return CompiledCategory(cid, name, team, team_from, severity, severity_from, routes, mask,
                            here, label, *lines, lines)


def _rules(config: Config, calendars: Mapping[str, Calendar], ranks: Mapping[str, int]
           ) -> tuple[tuple[CompiledRule, ...], RuleIndex]:
    anchors = [anchors_of(r.when) for r in config.rules]
    compiled = []
    for i, (r, anchor) in enumerate(zip(config.rules, anchors)):
        rest = residual(r.when, anchor)
        predicate = compile_matcher(rest, calendars) if rest else None
        compiled.append(CompiledRule(i, r.id, predicate, r.team, r.severity,
                                     ranks[r.severity] if r.severity else None, r.tags, r.stop,
                                     where(config, r.loc), tuple(ranks)))
    return tuple(compiled), RuleIndex(enumerate(anchors))


def compile_router(config: Config, calendars: Mapping[str, Calendar]) -> Router:
    ranks = {level: i for i, level in enumerate(config.level_ids)}
    rules, index = _rules(config, calendars, ranks)
    categories = _categories(config, calendars, index)
    d = config.default
    default_where = f"default ({where(config, d.loc)})"
    default = _category("", "default", d.team, default_where, d.severity, default_where, (), 0,
                        where(config, d.loc))
    keys: set[str] = set(ATTRIBUTES)
    for rule in config.rules:
        keys |= matcher_keys(rule.when)
    getters = {key: getter(key) for key in keys if key not in ("any", "not", "during", "outside")}
    return Router(categories, default, rules, index, ranks, getters)


def compile_engine(config: Config, diagnostics: Sequence[Diagnostic] = ()) -> Engine:
    """The immutable engine for a checked config (warnings are kept on it)."""
    from engine.runtime.engine import Engine

    calendars = compile_calendars(config)
    schedules = compile_schedules(config)
    return Engine(config, router=compile_router(config, calendars), calendars=calendars,
                  schedules=schedules, teams=compile_teams(config, schedules),
                  profiles=compile_profiles(config, calendars),
                  policies=compile_policies(config), people=compile_people(config),
                  renderer=Renderer.compile(config.templates, config.notifications.locale),
                  diagnostics=tuple(diagnostics))
