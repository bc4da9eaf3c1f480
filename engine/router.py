"""The routing evaluator: category, rule packs, routes, inherited team, default (SPEC §5).

One evaluator serves decisions and `--explain`: with an explain list, the lines that did
not match are recorded too (as `NoMatch`), and the decision's trace is the rest.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.matchers import Ticket
from engine.routing import CompiledCategory, CompiledRule, RuleIndex, extra_candidates


class NoMatch(str):
    """An explain line for something that was tried and did not match."""


@dataclass(slots=True)
class Routing:
    """Where a ticket goes and how urgent it is, with the steps that decided it."""

    category: str          # the category id of the ticket, as given
    matched: str | None    # the known category it resolved to (None: `default`)
    fallback: bool
    team: str
    severity: str
    tags: list[str]
    trace: list[str]


def _static(node: CompiledCategory, ticket: dict[str, Any]) -> Routing:
    """Nothing can change what the category says: its compiled answer stands."""
    return Routing(node.id, node.id, False, node.team, node.severity, ticket["tags"],
                   list(node.static_trace))


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
        self._lookups = index.lookups(getters)
        self._by_attributes = bool(self._lookups or index.tags or index.has_field or index.has_attribute)

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

    def candidates(self, ticket: Ticket, node: CompiledCategory, fallback: bool
                   ) -> tuple[int, ...] | list[int]:
        """The rules this ticket must try, in file order."""
        base = node.candidates if not fallback else self.index.for_category(ticket["category"])
        if not self._by_attributes:
            return base
        extra = extra_candidates(ticket, self._lookups, self.index)
        if not extra:
            return base
        return sorted(set(extra).union(base))

    def route(self, ticket: dict[str, Any], submitted: str | None,
              explain: list[str] | None = None) -> Routing:
        """Route and grade one new ticket; `ticket["severity"]` tracks the running level."""
        node = self.categories.get(ticket["category"])
        if (node is not None and submitted is None and explain is None and not node.candidates
                and not node.routes and not self._by_attributes):
            ticket["severity"] = node.severity
            return _static(node, ticket)
        if node is None:
            node, fallback = self.resolve(ticket["category"])
        else:
            fallback = False
        raised = submitted is not None and self.ranks[submitted] < self.ranks[node.severity]
        ticket["severity"] = submitted if raised else node.severity
        candidates = self.candidates(ticket, node, fallback)
        if not (candidates or node.routes or fallback or submitted or explain is not None):
            return _static(node, ticket)
        lines: list[str] = explain if explain is not None else []
        if fallback:
            lines.append(f"category {ticket['category']} unknown → {node.label}")
        else:
            lines.append(node.trace_line)
        if raised:
            lines.append(f"severity {submitted} proposed by the submitter")
        team = self._rules(ticket, candidates, lines, explain is not None)
        if team is None:
            team = self._routes(ticket, node, lines, explain is not None)
        if team is None:
            team = node.team
            lines.append(node.team_line)
        severity = ticket["severity"]
        lines.append(self._severity_line(node, submitted, severity))
        trace = lines if explain is None else [line for line in lines if type(line) is str]
        matched = None if node is self.default else node.id
        return Routing(ticket["category"], matched, fallback, team, severity, ticket["tags"], trace)

    def _severity_line(self, node: CompiledCategory, submitted: str | None, severity: str) -> str:
        if severity == node.severity:
            return node.severity_line
        if severity == submitted:
            return f"severity {severity} (the submitter's proposal)"
        return f"severity {severity} (raised by rules)"

    def _rules(self, ticket: dict[str, Any], candidates: tuple[int, ...] | list[int],
               lines: list[str], explaining: bool) -> str | None:
        """The rule pass in file order. A rule that raises the level or adds tags can make
        later rules anchored on that level or tag candidates: they join the queue."""
        team: str | None = None
        rules = self.rules
        if explaining and len(candidates) < len(rules):
            lines.append(NoMatch(f"{len(rules) - len(candidates)} of {len(rules)} rules skipped: "
                                 "the index shows this ticket lacks what each of them requires"))
        queue, pos = candidates, 0
        while pos < len(queue):
            i = queue[pos]
            pos += 1
            rule = rules[i]
            if rule.predicate is not None and not rule.predicate(ticket):
                if explaining:
                    lines.append(NoMatch(f"rule {rule.id} ({rule.where}): no match"))
                continue
            severity, tags = ticket["severity"], len(ticket["tags"])
            team = self._apply(rule, ticket, team, lines)
            if rule.stop:
                break
            if ticket["severity"] != severity or len(ticket["tags"]) != tags:
                woken = self.index.woken(ticket, tags, i)
                if woken:
                    queue, pos = sorted(woken.union(queue[pos:])), 0
        return team

    def _apply(self, rule: CompiledRule, ticket: dict[str, Any], team: str | None,
               lines: list[str]) -> str | None:
        """A matching rule's effects on the ticket, traced; returns the team so far."""
        effects = []
        if rule.team is not None:
            if team is None:
                team = rule.team
                effects.append(f"team {rule.team}")
            else:
                effects.append(f"team {rule.team} ignored (team {team} already set)")
        if rule.rank is not None:
            if rule.rank < self.ranks[ticket["severity"]]:
                ticket["severity"] = rule.severity
                effects.append(f"severity {rule.severity}")
            else:
                effects.append(f"severity {rule.severity} kept {ticket['severity']}")
        tags: list[str] = ticket["tags"]
        new_tags = [t for t in rule.tags if t not in tags]
        if new_tags:
            tags.extend(new_tags)
            effects.append("tags +" + ",".join(new_tags))
        lines.append(f"rule {rule.id} ({rule.where}) → " + (", ".join(effects) or "matched")
                     + ("; stop" if rule.stop else ""))
        return team

    def _routes(self, ticket: Ticket, node: CompiledCategory, lines: list[str],
                explaining: bool) -> str | None:
        for route in node.routes:
            if route.predicate(ticket):
                lines.append(route.trace_line)
                return route.team
            if explaining:
                lines.append(NoMatch(f"route {route.id} of {route.owner} ({route.where}): no match"))
        return None
