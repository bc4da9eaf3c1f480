"""Routing checks: regexes that do not compile, and routes or rules that can never apply."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from engine.checks.common import warning
from engine.config.model import Config, Loc, Matcher, RuleDef
from engine.diagnostics import Diagnostic
from engine.routing.matchers import NON_ATTRIBUTES, conditions


def _walk(matcher: Matcher, loc: Loc) -> Iterator[tuple[str, Any, Loc]]:
    """(key, condition, loc of the condition) of every condition, through `any` and `not`."""
    for key, value, path in conditions(matcher):
        yield key, value, (loc[0], loc[1] + path)


def _matchers(config: Config) -> Iterator[tuple[Matcher, Loc]]:
    for cat in config.categories:
        for route in cat.routes:
            yield route.when, (route.loc[0], route.loc[1] + ("when",))
    for rule in config.rules:
        yield rule.when, (rule.loc[0], rule.loc[1] + ("when",))
    for profile in config.profiles.values():
        for override in profile.overrides or ():
            yield override.when, (override.loc[0], override.loc[1] + ("when",))


def check_regexes(config: Config) -> Iterator[Diagnostic]:
    for matcher, loc in _matchers(config):
        for _, condition, here in _walk(matcher, loc):
            if isinstance(condition, Mapping) and "regex" in condition:
                try:
                    re.compile(condition["regex"])
                except re.error as exc:
                    yield Diagnostic(config.span(here, "regex"), "value.regex",
                                     f"regex {condition['regex']!r} does not compile: {exc}")


def _values(condition: Any) -> list[Any] | None:
    """The values a condition admits by equality (for tags: by containment), or None."""
    if isinstance(condition, list):
        return condition
    if isinstance(condition, Mapping):
        return list(condition["in"]) if set(condition) == {"in"} else None
    return [condition]


def _condition_implies(narrow: Any, broad: Any) -> bool:
    """Whether every value passing `narrow` passes `broad` (for the forms worth knowing)."""
    if narrow == broad:
        return True
    if isinstance(broad, Mapping) and set(broad) == {"prefix"}:
        prefix = str(broad["prefix"])
        if isinstance(narrow, Mapping) and set(narrow) == {"prefix"}:
            return str(narrow["prefix"]).startswith(prefix)
        values = _values(narrow)
        return values is not None and all(isinstance(v, str) and v.startswith(prefix) for v in values)
    admitted, needed = _values(broad), _values(narrow)
    return admitted is not None and needed is not None and all(v in admitted for v in needed)


def implies(narrow: Matcher, broad: Matcher) -> bool:
    """Whether every ticket matching `narrow` matches `broad` too (sound, not complete)."""
    simple = all(k not in NON_ATTRIBUTES for k in broad)
    return simple and all(k in narrow and _condition_implies(narrow[k], v) for k, v in broad.items())


def check_shadowed(config: Config) -> Iterator[Diagnostic]:
    for cat in config.categories:
        for i, later in enumerate(cat.routes):
            for earlier in cat.routes[:i]:
                if implies(later.when, earlier.when):
                    yield warning(config.span(later.loc, "id"), "route.shadowed",
                                  f"route {later.id!r} never applies: route {earlier.id!r} "
                                  f"(line {config.span(earlier.loc).line}) matches every ticket it does")
                    break
    yield from _shadowed_rules(config)


def _shadowed_rules(config: Config) -> Iterator[Diagnostic]:
    rules = config.rules
    for i, later in enumerate(rules):
        for earlier in rules[:i]:
            if _rule_shadows(earlier, later):
                span = config.span(earlier.loc)
                yield warning(config.span(later.loc, "id"), "rule.shadowed",
                              f"rule {later.id!r} never applies: rule {earlier.id!r} ({span.file}:"
                              f"{span.line}) matches every ticket it does and "
                              + ("stops the rule pass" if earlier.stop else "sets the team first"))
                break


def _rule_shadows(earlier: RuleDef, later: RuleDef) -> bool:
    if not implies(later.when, earlier.when):
        return False
    if earlier.stop:
        return True
    only_team = later.team is not None and later.severity is None and not later.tags and not later.stop
    return only_team and earlier.team is not None
