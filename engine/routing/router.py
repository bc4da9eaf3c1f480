"""The routing evaluator: category, rule packs, routes, inherited team, default (docs/semantics.md#rule-pass).

One evaluator serves decisions and `--explain`: with an explain list, the lines that did
not match are recorded too (as `NoMatch`), and the decision's trace is the rest.

The hot path allocates little: a ticket's candidate rules are a bit mask (its category's,
precomputed, OR its attributes'), each mask's rules in file order are kept once, and a
matched rule's trace line is formatted once per outcome, not per ticket.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.routing.index import RuleIndex
from engine.routing.matchers import Ticket
from engine.routing.tables import (
    CompiledCategory,
    CompiledRule,
    NoMatch,
    Routing,
    rule_line,
)

# Bounds on the evaluator's memos (masks seen, unknown categories seen): a config yields
# few distinct masks, while unknown category strings come from hosts and are unbounded.
_PLANS = 1 << 14
_FALLBACKS = 1 << 16



# Built with tuple.__new__ (one C call) rather than the generated Python __new__: it runs
# for every ticket a rule or route applies to.
_routing = tuple.__new__
# A plan's step: the rule's predicate, its grading table when it only grades and wakes no
# later rule (else None), the rule, and whether it may wake later rules.
_Step = tuple[Callable[[Ticket], bool] | None, Mapping[str, tuple[str, str]] | None, CompiledRule, bool]


class Router:
    """Immutable routing tables plus the one function that evaluates them."""

    def __init__(self, categories: Mapping[str, CompiledCategory], default: CompiledCategory,
                 rules: tuple[CompiledRule, ...], index: RuleIndex, ranks: Mapping[str, int],
                 getters: Mapping[str, Callable[[Ticket], Any]]) -> None:
        self.categories = categories
        self.default = default
        self.rules = rules
        self.index = index
        self.ranks = ranks
        self.getters = getters
        self._probe = index.probe(getters)
        # Rules whose effects can make later rules candidates: a raised level where rules are
        # anchored on levels, added tags where rules are anchored on tags.
        self.wakers = frozenset(rule.index for rule in rules if
                                 (rule.severity and "severity" in index.attribute_eq)
                                 or (rule.tags and index.tags))
        # Each rule as its plan step: its predicate, its grading table when it only grades and
        # wakes no later rule (the common rule: one lookup) else None, and whether it may wake
        # later rules; plans are tuples of these.
        self._steps: tuple[_Step, ...] = tuple(
            (rule.predicate, rule.grades if rule.grades and rule.index not in self.wakers else None, rule,
             rule.index in self.wakers) for rule in rules)
        self._plans: dict[int, tuple[_Step, ...]] = {}
        self._fallbacks: dict[str, tuple[CompiledCategory, int, str]] = {}
        self._lines: dict[tuple[int, str | None, str | None, tuple[str, ...]], str] = {}
        self._raised_lines = {level: f"severity {level} (raised by rules)" for level in ranks}

    def resolve(self, category: str) -> tuple[CompiledCategory, bool]:
        """The category itself, else its longest known prefix, else `default` (fallback)."""
        found = self.categories.get(category)
        if found is not None:
            return found, False
        cut = category.rfind("/")
        while cut > 0:
            found = self.categories.get(category[:cut])
            if found is not None:
                return found, True
            cut = category.rfind("/", 0, cut)
        return self.default, True

    def _fallback(self, category: str) -> tuple[CompiledCategory, int, str]:
        """An unknown category's stand-in, the rules its string admits and the trace's first
        line, kept once seen."""
        known = self._fallbacks.get(category)
        if known is None:
            node = self.resolve(category)[0]
            known = node, self.index.for_category(category), f"category {category} unknown → {node.label}"
            if len(self._fallbacks) < _FALLBACKS:
                self._fallbacks[category] = known
        return known

    def plan(self, mask: int) -> tuple[_Step, ...]:
        """The rules of a candidate mask, in file order, each with its grading table if it
        only grades; the most recent masks are kept."""
        plan = self._plans.get(mask)
        if plan is None:
            found, rest = [], mask
            while rest:
                low = rest & -rest
                found.append(self._steps[low.bit_length() - 1])
                rest ^= low
            plan = tuple(found)
            if len(self._plans) >= _PLANS:
                self._plans.clear()  # an unusual mix of masks: start over rather than grow
            self._plans[mask] = plan
        return plan

    def route(self, ticket: dict[str, Any], submitted: str | None,
              explain: list[str] | None = None) -> Routing:
        """Route and grade one new ticket. `ticket["severity"]` tracks the running level and
        rules add to `ticket["tags"]` in place."""
        category = ticket["category"]
        node = self.categories.get(category)
        if node is not None:
            fallback, mask, head = False, node.mask, node.trace_line
        else:
            fallback = True
            node, mask, head = self._fallback(category)
        raised = submitted is not None and self.ranks[submitted] < self.ranks[node.severity]
        severity = ticket["severity"] = submitted if raised else node.severity
        if self._probe is not None:
            mask = self._probe(ticket, mask)
        if not (mask or node.routes or fallback or submitted or explain is not None):
            return node.routing
        lines: list[str] = [head] if explain is None else explain
        if explain is not None:
            explain.append(head)
        if raised:
            lines.append(f"severity {submitted} proposed by the submitter")
        if explain is not None and mask.bit_count() < len(self.rules):
            explain.append(NoMatch(f"{len(self.rules) - mask.bit_count()} of {len(self.rules)} rules "
                                   "skipped: the index shows this ticket lacks what each of them requires"))
        team = self._rules(ticket, mask, lines, explain is not None) if mask else None
        if team is None and node.routes:
            team = self._routes(ticket, node, lines, explain is not None)
        if team is None:
            team = node.team
            lines.append(node.team_line)
        severity = ticket["severity"]
        lines.append(node.severity_line if severity == node.severity else
                     f"severity {severity} (the submitter's proposal)" if severity == submitted else
                     self._raised_lines[severity])
        trace = tuple(lines) if explain is None else tuple(line for line in lines if type(line) is str)
        return _routing(Routing, (category, node.matched, fallback, team, severity, trace))

    def _rules(self, ticket: dict[str, Any], mask: int, lines: list[str], explaining: bool
               ) -> str | None:
        """The rule pass in file order. A rule that raises the level or adds tags can make
        later rules anchored on that level or tag candidates: they join the pass."""
        team: str | None = None
        plan = self._plans.get(mask) or self.plan(mask)
        while plan:
            for predicate, grades, rule, wakes in plan:
                if predicate is not None and not predicate(ticket):
                    if explaining:
                        lines.append(NoMatch(f"rule {rule.id} ({rule.where}): no match"))
                    continue
                if grades is not None:  # grading only: one lookup gives the level and the line
                    ticket["severity"], line = grades[ticket["severity"]]
                    lines.append(line)
                    continue
                if not wakes:
                    team = self.apply(rule, ticket, team, lines)
                    if rule.stop:
                        return team
                    continue
                severity, tag_count = ticket["severity"], len(ticket["tags"])
                team = self.apply(rule, ticket, team, lines)
                if rule.stop:
                    return team
                if ticket["severity"] is not severity or len(ticket["tags"]) != tag_count:
                    later = -2 << rule.index  # the rules after this one
                    woken = self.index.woken(ticket, tag_count) & later & ~mask
                    if woken:
                        mask = (mask | woken) & later
                        plan = self.plan(mask)
                        break
            else:
                return team
        return team

    def apply(self, rule: CompiledRule, ticket: dict[str, Any], team: str | None,
              lines: list[str]) -> str | None:
        """A matched rule's effects on the ticket, traced; returns the team so far."""
        kept = None
        if rule.rank is not None:
            if rule.rank < self.ranks[ticket["severity"]]:
                ticket["severity"] = rule.severity
            else:
                kept = ticket["severity"]
        added = rule.tags
        if added:
            tags: list[str] = ticket["tags"]
            added = tuple(t for t in rule.tags if t not in tags)
            tags.extend(added)
        overruled = team if rule.team is not None else None
        if overruled is None and added == rule.tags:
            lines.append(rule.trace_line if kept is None else rule.kept_lines[kept])
        else:
            lines.append(self.overruled_line(rule, overruled, kept, added))
        return team if team is not None else rule.team

    def overruled_line(self, rule: CompiledRule, overruled: str | None, kept: str | None,
                       added: tuple[str, ...]) -> str:
        """A matched rule's trace line when some effect did not take, formatted once."""
        key = (rule.index, overruled, kept, added)
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = rule_line(rule, overruled, kept, added)
        return line

    def _routes(self, ticket: Ticket, node: CompiledCategory, lines: list[str],
                explaining: bool) -> str | None:
        for route in node.routes:
            if route.predicate(ticket):
                lines.append(route.trace_line)
                return route.team
            if explaining:
                lines.append(NoMatch(f"route {route.id} of {route.owner} ({route.where}): no match"))
        return None

