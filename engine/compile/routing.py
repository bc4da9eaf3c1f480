"""The router's tables: categories with inheritance resolved, routes and rules compiled to
predicates, the rule index, and every trace line built once."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.config.model import Config, Loc, RouteDef
from engine.routing.index import RuleIndex, anchors_of, residual, second_anchor
from engine.routing.matchers import (
    ATTRIBUTES,
    NON_ATTRIBUTES,
    OpenCalendar,
    Predicate,
    compile_matcher,
    getter,
    matcher_keys,
)
from engine.routing.router import Router
from engine.routing.tables import CompiledCategory, CompiledRoute, CompiledRule


def where(config: Config, loc: Loc) -> str:
    span = config.span(loc)
    return f"{span.file}:{span.line}"


def _categories(config: Config, calendars: Mapping[str, OpenCalendar], index: RuleIndex
                ) -> dict[str, CompiledCategory]:
    """Inheritance resolved top-down: the model lists parents before their children."""
    default = config.default
    matchers = _Matchers(calendars)
    compiled: dict[str, CompiledCategory] = {}
    for cat in config.categories:
        parent = compiled.get(cat.parent) if cat.parent else None
        here = where(config, cat.loc)
        own_routes = tuple(_route(config, cat.id, r, matchers) for r in cat.routes)
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


class _Matchers:
    """Each distinct `when` compiled once: routes repeat a few conditions across many
    categories (447 routes, 5 distinct conditions at scale), and a compiled matcher is a
    pure function of its `when` and the calendars. The strict YAML gives only plain data,
    whose repr tells one `when` from another exactly (order, types and all)."""

    def __init__(self, calendars: Mapping[str, OpenCalendar]) -> None:
        self.calendars = calendars
        self.compiled: dict[str, Predicate] = {}

    def __call__(self, when: Mapping[str, Any]) -> Predicate:
        key = repr(when)
        found = self.compiled.get(key)
        if found is None:
            found = self.compiled[key] = compile_matcher(when, self.calendars)
        return found


def _route(config: Config, owner: str, route: RouteDef, matchers: _Matchers) -> CompiledRoute:
    here = where(config, route.loc)
    return CompiledRoute(route.id, owner, route.team, matchers(route.when), here,
                         f"route {route.id} of {owner} ({here}) → team {route.team}")


def _category(cid: str, name: str, team: str, team_from: str, severity: str, severity_from: str,
              routes: tuple[CompiledRoute, ...], mask: int, here: str
              ) -> CompiledCategory:
    label = f"{cid} ({here})" if cid else f"default ({here})"
    lines = (f"category {label}", f"team {team} from {team_from}",
             f"severity {severity} (default of {severity_from})")
    return CompiledCategory(cid, name, team, team_from, severity, severity_from, routes, mask,
                            here, label, *lines, lines)


def _rules(config: Config, calendars: Mapping[str, OpenCalendar], ranks: Mapping[str, int]
           ) -> tuple[tuple[CompiledRule, ...], RuleIndex]:
    anchors = [anchors_of(r.when) for r in config.rules]
    seconds = {i: second for i, (r, anchor) in enumerate(zip(config.rules, anchors, strict=True))
               if (second := second_anchor(r.when, anchor)) is not None}
    compiled = []
    for i, (r, anchor) in enumerate(zip(config.rules, anchors, strict=True)):
        rest = residual(r.when, anchor, seconds.get(i))
        predicate = compile_matcher(rest, calendars) if rest else None
        compiled.append(CompiledRule(i, r.id, predicate, r.team, r.severity,
                                     ranks[r.severity] if r.severity else None, r.tags, r.stop,
                                     where(config, r.loc), tuple(ranks)))
    return tuple(compiled), RuleIndex(enumerate(anchors), seconds)


def compile_router(config: Config, calendars: Mapping[str, OpenCalendar]) -> Router:
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
    getters = {key: getter(key) for key in keys if key not in NON_ATTRIBUTES}
    return Router(categories, default, rules, index, ranks, getters)
