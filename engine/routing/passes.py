"""The rule pass of one candidate mask as one generated function: every candidate rule's
`when` inline (`matcher_expression`), its effect after it, in file order.

The router's loop (`Router._rules`) calls a rule's predicate, then looks at what the rule
does, once per candidate: four or so Python calls a ticket. A pass does the same in one
call. It stops where the loop would re-plan: after a rule that raised the level or added
tags (a "waker"), it returns that rule's index and the tag count before it, and the router
continues with the rules after it (and any the change made candidates). The loop stays the
reference, and the path `--explain` takes; `tests/engine/routing/test_passes.py` pins
each pass to it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.routing.codegen import Namespace
from engine.routing.matchers import matcher_expression
from engine.routing.tables import CompiledRule

# (team so far, None) when the pass ran to the end or a rule stopped it; (team so far,
# (index of the waker, its tag count before)) when a rule may have woken later ones.
Woken = tuple[int, int] | None
Pass = Callable[[dict[str, Any], list[str], str | None], tuple[str | None, Woken]]
Apply = Callable[[CompiledRule, dict[str, Any], str | None, list[str]], str | None]
Step = tuple[Callable[[Any], bool] | None, Any, CompiledRule, bool]


def compile_pass(plan: tuple[Step, ...], apply: Apply) -> Pass:
    """The function that runs `plan`'s rules on a ticket as `Router._rules` does without
    `--explain`, with `apply` for a rule's effects."""
    names = Namespace()
    run = names.bind(apply)
    body: list[str] = []
    for predicate, grades, rule, wakes in plan:
        test = matcher_expression(predicate, names) if predicate is not None else "True"
        body.append(f"if {test}:")
        body += [f"    {line}" for line in _effect(names, run, grades, rule, wakes)]
    body.append("return team, None")
    built: Pass = names.function("t, lines, team", body, "rule pass")
    return built


def _effect(names: Namespace, run: str, grades: Any, rule: CompiledRule, wakes: bool) -> list[str]:
    """What a matched rule does, as `Router._rules` does it."""
    if grades is not None:  # grading only: one lookup gives the level and the line
        return [f"t['severity'], line = {names.bind(grades)}[t['severity']]", "lines.append(line)"]
    effect = [f"team = {run}({names.bind(rule)}, t, team, lines)"]
    if not wakes:
        return effect + (["return team, None"] if rule.stop else [])
    return ["severity, count = t['severity'], len(t['tags'])", *effect,
            *(["return team, None"] if rule.stop else []),
            "if t['severity'] is not severity or len(t['tags']) != count:",
            f"    return team, ({rule.index}, count)"]
