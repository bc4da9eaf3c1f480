"""The rule pass over one set of candidate rules, generated as one function (engine.codegen).

For each candidate mask the router meets, the rules' residual conditions are inlined as
expressions and their effects written out in file order, so a ticket pays one call for the
whole pass. Explain records what did not match in the same function.

A generated pass is `f(t, lines, explaining, team) -> (team, restart)`: `restart` is the
mask of the rules still to try when a rule's raised level or added tags woke later rules
(the router then runs that mask's pass), else 0.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.matchers import Expressions
from engine.routing import CompiledRule, NoMatch

if TYPE_CHECKING:
    from engine.router import Router

RulePass = Callable[[dict[str, Any], list[str], bool, "str | None"], tuple["str | None", int]]


def build_pass(router: Router, mask: int) -> RulePass:
    """The pass for the rules of `mask`, in file order."""
    source = Expressions(router.calendars)
    body: list[str] = []
    for rule in router.plan(mask):
        body += _rule(source, router, rule, mask)
    body.append("return team, 0")
    built: RulePass = source.function("t, lines, explaining, team", body, f"rule pass {mask:#x}")
    return built


def _rule(source: Expressions, router: Router, rule: CompiledRule, mask: int) -> list[str]:
    """`if <conditions>: <effects>`, with the explain line when it does not match."""
    test = source.all_of(rule.when, 0) if rule.when else "True"
    waker = rule.index in router.wakers
    effects = ["before = t['severity'], len(t['tags'])"] if waker else []
    effects += _effects(source, router, rule)
    if rule.stop:
        effects.append("return team, 0")
    elif waker:
        later = -2 << rule.index  # the rules after this one, not already candidates
        effects += ["if (t['severity'], len(t['tags'])) != before:",
                    f"    woken = {source.bind(router.index.woken)}(t, before[1]) & {later & ~mask}",
                    f"    if woken: return team, woken | {mask & later}"]
    block = [f"if {test}:"] + [f"    {line}" for line in effects]
    if rule.when:
        block += ["elif explaining:",
                  f"    lines.append({source.bind(NoMatch(f'rule {rule.id} ({rule.where}): no match'))})"]
    return block


def _effects(source: Expressions, router: Router, rule: CompiledRule) -> list[str]:
    """What a matched rule does: a grading rule is one lookup, a team rule sets the team if
    none is set yet; anything else goes through the router's general `apply`."""
    if rule.grades:
        return [f"t['severity'], line = {source.bind(rule.grades)}[t['severity']]",
                "lines.append(line)"]
    if rule.team is not None and rule.severity is None and not rule.tags:
        return ["if team is None:",
                f"    team = {source.bind(rule.team)}",
                f"    lines.append({source.bind(rule.trace_line)})",
                "else:",
                f"    lines.append({source.bind(router.overruled_line)}({source.bind(rule)}, team, None, ()))"]
    return [f"team = {source.bind(router.apply)}({source.bind(rule)}, t, team, lines)"]
