"""Reference checks: every id a file names exists, and every id is defined once."""
from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from engine.checks.common import duplicates, unknown
from engine.config.model import Config, Loc, Matcher
from engine.diagnostics import Diagnostic
from engine.routing.matchers import conditions
from engine.timecalc.calendar import BUILTIN_CALENDAR

BUILTIN_CALENDARS = (BUILTIN_CALENDAR,)
ROLES = ("assignee", "on_duty", "backup", "team_lead", "team_group", "manager", "submitter", "supervisors")


def calendar_ids(config: Config) -> set[str]:
    return set(config.calendars) | set(BUILTIN_CALENDARS)


def check_duplicates(config: Config) -> Iterator[Diagnostic]:
    yield from duplicates(config, ((p.id, p.loc) for p in config.people), "person", "id")
    yield from duplicates(config, ((t.id, t.loc) for t in config.teams), "team", "id")
    yield from duplicates(config, ((lv.id, lv.loc) for lv in config.levels), "level", "id")
    yield from duplicates(config, ((c.id, c.loc) for c in config.categories), "category", "key")
    yield from duplicates(config, ((r.id, r.loc) for r in config.rules), "rule", "id")
    for category in config.categories:
        yield from duplicates(config, ((r.id, r.loc) for r in category.routes), "route", "id")


def check_category_refs(config: Config) -> Iterator[Diagnostic]:
    teams = {t.id for t in config.teams}
    levels = set(config.level_ids)
    default = config.default
    if default.team not in teams:
        yield unknown(config.span(default.loc, "team"), "team", default.team, teams)
    if default.severity not in levels:
        yield unknown(config.span(default.loc, "severity"), "level", default.severity, levels)
    for cat in config.categories:
        if cat.team is not None and cat.team not in teams:
            yield unknown(config.span(cat.loc, "team"), "team", cat.team, teams)
        if cat.severity is not None and cat.severity not in levels:
            yield unknown(config.span(cat.loc, "severity"), "level", cat.severity, levels)
        for route in cat.routes:
            if route.team not in teams:
                yield unknown(config.span(route.loc, "team"), "team", route.team, teams)
            yield from matcher_refs(config, route.when, (route.loc[0], route.loc[1] + ("when",)))


def check_rule_refs(config: Config) -> Iterator[Diagnostic]:
    teams = {t.id for t in config.teams}
    levels = set(config.level_ids)
    for rule in config.rules:
        if rule.team is not None and rule.team not in teams:
            yield unknown(config.span(rule.loc, "then", "team"), "team", rule.team, teams)
        if rule.severity is not None and rule.severity not in levels:
            yield unknown(config.span(rule.loc, "then", "severity"), "level", rule.severity, levels)
        yield from matcher_refs(config, rule.when, (rule.loc[0], rule.loc[1] + ("when",)))


def matcher_refs(config: Config, matcher: Matcher, loc: Loc) -> Iterator[Diagnostic]:
    """Calendars named by `during`/`outside` and levels compared by `severity`, recursively."""
    calendars = calendar_ids(config)
    for key, value, path in conditions(matcher):
        here = (loc[0], loc[1] + path)
        if key in ("during", "outside") and value not in calendars:
            yield unknown(config.span(here), "calendar", value, calendars)
        elif key == "severity":
            yield from named_refs(config, value, here, config.level_ids, "level")


def team_refs(config: Config, matcher: Matcher, loc: Loc, teams: Collection[str]) -> Iterator[Diagnostic]:
    """Teams a `team` condition compares with, by equality, `in` or `not_in` (views and
    SLA overrides)."""
    for key, condition, path in conditions(matcher):
        if key == "team":
            yield from named_refs(config, condition, (loc[0], loc[1] + path), teams, "team")


def mode_refs(config: Config, matcher: Matcher, loc: Loc, modes: Collection[str]) -> Iterator[Diagnostic]:
    """Modes a `mode` condition of an SLA override compares with."""
    for key, condition, path in conditions(matcher):
        if key == "mode":
            for sub, value in _named(condition):
                if value not in modes:
                    yield unknown(config.span((loc[0], loc[1] + path), *sub), "mode", str(value), modes,
                                  explain=modes_hint(set(modes)))


def named_refs(config: Config, condition: Any, loc: Loc, known: Collection[str], kind: str
               ) -> Iterator[Diagnostic]:
    """`ref.unknown-<kind>` for each value a condition names by equality, `in` or `not_in`."""
    for sub, value in _named(condition):
        if value not in known:
            yield unknown(config.span(loc, *sub), kind, str(value), known)


def _named(condition: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(path below the condition, value) of each value a condition names by equality."""
    if isinstance(condition, dict):
        for op in ("in", "not_in"):
            for i, value in enumerate(condition.get(op, [])):
                yield (op, i), value
    elif isinstance(condition, list):
        yield from (((i,), value) for i, value in enumerate(condition))
    else:
        yield (), condition


def check_roster_refs(config: Config) -> Iterator[Diagnostic]:
    people = {p.id for p in config.people}
    schedules = set(config.schedules)
    modes = set(config.profiles)
    for team in config.teams:
        if team.lead is not None and team.lead not in people:
            yield unknown(config.span(team.loc, "lead"), "person", team.lead, people)
        for i, member in enumerate(team.members):
            if member not in people:
                yield unknown(config.span(team.loc, "members", i), "person", member, people)
        for duty in team.duty.values():
            if duty.mode not in modes:
                yield unknown(config.span(duty.loc, key=True), "mode", duty.mode, modes,
                              explain=modes_hint(modes))
            for field in ("primary", "backup"):
                sid = getattr(duty, field)
                if sid is not None and sid not in schedules:
                    yield unknown(config.span(duty.loc, field), "schedule", sid, schedules)
    for schedule in config.schedules.values():
        for layer in schedule.layers:
            for i, member in enumerate(layer.members):
                if member not in people:
                    yield unknown(config.span(layer.loc, "members", i), "person", member, people)
        for override in schedule.overrides:
            if override.person not in people:
                yield unknown(config.span(override.loc, "person"), "person", override.person, people)


def check_sla_refs(config: Config) -> Iterator[Diagnostic]:
    calendars = calendar_ids(config)
    policies = set(config.policies)
    profiles = set(config.profiles)
    teams = {t.id for t in config.teams}
    levels = config.level_ids
    for profile in config.profiles.values():
        if profile.extends is not None and profile.extends not in profiles:
            yield unknown(config.span(profile.loc, "extends"), "profile", profile.extends, profiles)
        if profile.calendar is not None and profile.calendar not in calendars:
            yield unknown(config.span(profile.loc, "calendar"), "calendar", profile.calendar, calendars)
        if profile.policy is not None and profile.policy not in policies:
            yield unknown(config.span(profile.loc, "policy"), "policy", profile.policy, policies)
        for level, target in profile.targets.items():
            if level not in levels:
                yield unknown(config.span(target.loc, key=True), "level", level, levels)
        targets = list(profile.targets.values())
        for override in profile.overrides or ():
            targets.append(override.target)
            when = (override.loc[0], override.loc[1] + ("when",))
            yield from matcher_refs(config, override.when, when)
            yield from team_refs(config, override.when, when, teams)
            yield from mode_refs(config, override.when, when, profiles)
        for target in targets:
            if target.calendar is not None and target.calendar not in calendars:
                yield unknown(config.span(target.loc, "calendar"), "calendar", target.calendar, calendars)
            if target.policy is not None and target.policy not in policies:
                yield unknown(config.span(target.loc, "policy"), "policy", target.policy, policies)
    yield from _mode_refs(config, profiles)
    yield from _recipient_refs(config)


def _mode_refs(config: Config, profiles: set[str]) -> Iterator[Diagnostic]:
    modes = config.modes
    if modes.default not in profiles:
        yield unknown(config.span(modes.loc, "default"), "mode", modes.default, profiles,
                      explain=modes_hint(profiles))
    for window in modes.windows:
        if window.mode not in profiles:
            yield unknown(config.span(window.loc, "mode"), "mode", window.mode, profiles,
                          explain=modes_hint(profiles))


def modes_hint(profiles: set[str]) -> str:
    """What a mode is, and the modes there are."""
    return "a mode is the name of a profile: " + ", ".join(sorted(profiles))


def _recipient_refs(config: Config) -> Iterator[Diagnostic]:
    people = {p.id for p in config.people}
    known = set(ROLES) | people
    for policy in config.policies.values():
        for step in policy.response + policy.resolve:
            for i, who in enumerate(step.notify):
                if who not in known:
                    yield unknown(config.span(step.loc, "notify", i), "recipient", who, known,
                                  explain="a recipient is a role (" + ", ".join(ROLES) + ") or a person id")
