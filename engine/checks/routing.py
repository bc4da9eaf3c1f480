"""Routing checks: regexes that RE2 does not compile, and routes or rules that can never apply."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engine.checks.common import warning
from engine.config.model import Config, Loc, Matcher, RuleDef
from engine.diagnostics import Diagnostic
from engine.routing.matchers import NON_ATTRIBUTES, RegexError, conditions, regex_fullmatch


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
    for view in config.views:
        if view.when is not None:
            yield view.when, (view.loc[0], view.loc[1] + ("when",))


_RE2_HINT = ("Gongdan uses RE2 syntax, which matches in linear time: no backreferences or "
             "lookarounds; see https://github.com/google/re2/wiki/Syntax")
# Perl classes that RE2 reads as ASCII only, where Python's `re` knew every script: `\w+` no
# longer matches 支付, `\s` no longer matches an ideographic space.
_ASCII_CLASSES = frozenset("wWbBsS")
_ASCII_HINT = r"for Chinese text write \p{Han}, \p{L}, [\p{L}\p{N}_] or [\s\p{Z}]"


def check_regexes(config: Config) -> Iterator[Diagnostic]:
    """Every `regex` compiles with RE2, the engine that matches it; a Perl class that RE2
    reads as ASCII only is a warning, since Python's `re` read it for every script."""
    for matcher, loc in _matchers(config):
        for _, condition, here in _walk(matcher, loc):
            if isinstance(condition, Mapping) and isinstance(condition.get("regex"), str):
                yield from _regex_problems(config, condition["regex"], here)


def _regex_problems(config: Config, pattern: str, here: Loc) -> Iterator[Diagnostic]:
    span = config.span(here, "regex")
    try:
        regex_fullmatch(pattern)
    except RegexError as exc:
        yield Diagnostic(span, "value.regex", f"regex {pattern!r} does not compile: {exc}",
                         hint=_RE2_HINT)
        return
    classes = _ascii_classes(pattern)
    if classes:
        yield warning(span, "value.regex-ascii",
                      f"regex {pattern!r} uses {', '.join(classes)}, which RE2 matches on ASCII only",
                      _ASCII_HINT)


def _ascii_classes(pattern: str) -> list[str]:
    r"""The escapes of `_ASCII_CLASSES` in a pattern, in order of first use (`\\w` is an
    escaped backslash and a `w`, not a class)."""
    found: list[str] = []
    escaped = False
    for char in pattern:
        if escaped and char in _ASCII_CLASSES and "\\" + char not in found:
            found.append("\\" + char)
        escaped = not escaped and char == "\\"
    return found


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


def _contradiction(key: str, condition: Any) -> str | None:
    """Why one operator map admits no value (for the forms worth knowing), or None."""
    if not isinstance(condition, Mapping) or len(condition) < 2:
        return None
    if condition.get("exists") is False:
        return f"{key} must be missing and also meet {', '.join(op for op in condition if op != 'exists')}"
    admitted, refused = condition.get("in"), condition.get("not_in")
    if admitted is not None and refused is not None and all(v in refused for v in admitted):
        return f"{key} must be one of {list(admitted)} and none of {list(refused)}"
    return None


def never_matches(matcher: Matcher) -> str | None:
    """Why no ticket can match `matcher`, where the checks can prove it (sound, not
    complete): an operator map that contradicts itself, a `not` of what the rest of the
    matcher implies (`implies`, as for shadowed routes and rules), or an `any` whose every
    alternative is impossible."""
    for key, condition in matcher.items():
        if key == "any":
            if all(never_matches(sub) is not None for sub in condition):
                return "no alternative of `any` can match"
        elif key == "not":
            rest = {k: v for k, v in matcher.items() if k != "not"}
            if rest and implies(rest, condition):
                return "what `not` excludes is implied by the rest"
        elif key not in NON_ATTRIBUTES:
            reason = _contradiction(key, condition)
            if reason is not None:
                return reason
    return None


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


_BOOLEAN_WORDS = {"yes": True, "on": True, "true": True, "no": False, "off": False, "false": False}


def check_boolean_strings(config: Config) -> Iterator[Diagnostic]:
    """`value.boolean-string`: a field compared with the string "yes", "no", "on" or "off"
    (or a quoted "true"/"false"). YAML 1.2 reads them as text, and a host that sends a
    boolean never equals text, so the condition silently never holds."""
    for matcher, loc in _matchers(config):
        for key, condition, here in _walk(matcher, loc):
            if key.startswith("fields."):
                for sub, word in _compared_words(condition):
                    meant = "true" if _BOOLEAN_WORDS[word.lower()] else "false"
                    yield warning(config.span(here, *sub), "value.boolean-string",
                                  f"{key} is compared with the string {word!r}, which never equals "
                                  f"a boolean field", f"did you mean {meant} (no quotes)?")


def _compared_words(condition: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path below the condition, value) of each yes/no/on/off string it compares with."""
    if isinstance(condition, Mapping):
        for op in ("in", "not_in"):
            for i, value in enumerate(condition.get(op) or ()):
                if isinstance(value, str) and value.lower() in _BOOLEAN_WORDS:
                    yield (op, i), value
    elif isinstance(condition, list):
        yield from (((i,), v) for i, v in enumerate(condition)
                    if isinstance(v, str) and v.lower() in _BOOLEAN_WORDS)
    elif isinstance(condition, str) and condition.lower() in _BOOLEAN_WORDS:
        yield (), condition
