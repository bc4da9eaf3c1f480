"""The routing evaluator: category, rule packs, routes, inherited team, default (SPEC §5)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from engine.matchers import Ticket
from engine.routing import CompiledCategory, CompiledRule, RuleIndex


@dataclass(slots=True)
class Routing:
    """Where a ticket goes and how urgent it is, with the steps that decided it."""

    category: str          # the category id of the ticket, as given
    matched: str | None    # the known category it resolved to (None: `default`)
    fallback: bool
    team: str
    severity: str
    tags: list[str]
    trace: list[str] = field(default_factory=list)


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

    def candidates(self, ticket: Ticket, node: CompiledCategory, fallback: bool) -> tuple[int, ...]:
        base = node.candidates if not fallback else self.index.for_category(ticket["category"])
        extra = self.index.extra(ticket, self.getters)
        if not extra:
            return base
        return tuple(sorted(extra.union(base)))

    def route(self, ticket: dict[str, Any], submitted: str | None,
              explain: list[str] | None = None) -> Routing:
        """Route and grade one new ticket; `ticket["severity"]` tracks the running level."""
        node, fallback = self.resolve(ticket["category"])
        trace: list[str] = []
        if fallback:
            what = f"{node.id} ({node.where})" if node is not self.default else f"default ({node.where})"
            trace.append(f"category {ticket['category']} unknown → {what}")
        else:
            trace.append(f"category {node.id} ({node.where})")
        severity, rank = node.severity, self.ranks[node.severity]
        if submitted is not None and self.ranks[submitted] < rank:
            severity, rank = submitted, self.ranks[submitted]
            trace.append(f"severity {submitted} proposed by the submitter")
        ticket["severity"] = severity
        team = self._rules(ticket, node, fallback, trace, explain)
        severity = ticket["severity"]
        if team is None:
            team = self._routes(ticket, node, trace, explain)
        if team is None:
            team = node.team
            trace.append(f"team {team} from {node.team_from}")
        trace.append(f"severity {severity} ({self._severity_source(node, submitted, severity)})")
        matched = None if node is self.default else node.id
        return Routing(ticket["category"], matched, fallback, team, severity, list(ticket["tags"]), trace)

    def _severity_source(self, node: CompiledCategory, submitted: str | None, severity: str) -> str:
        if severity == node.severity:
            return f"from {node.severity_from}"
        if severity == submitted:
            return "the submitter's proposal"
        return "raised by rules"

    def _rules(self, ticket: dict[str, Any], node: CompiledCategory, fallback: bool,
               trace: list[str], explain: list[str] | None) -> str | None:
        team: str | None = None
        team_rule: str | None = None
        tags: list[str] = ticket["tags"]
        for i in self.candidates(ticket, node, fallback):
            rule = self.rules[i]
            if not rule.predicate(ticket):
                if explain is not None:
                    explain.append(f"rule {rule.id} ({rule.where}): no match")
                continue
            effects = []
            if rule.team is not None:
                if team is None:
                    team, team_rule = rule.team, rule.id
                    effects.append(f"team {rule.team}")
                else:
                    effects.append(f"team {rule.team} ignored (rule {team_rule} set {team})")
            if rule.rank is not None:
                if rule.rank < self.ranks[ticket["severity"]]:
                    ticket["severity"] = rule.severity
                    effects.append(f"severity {rule.severity}")
                else:
                    effects.append(f"severity {rule.severity} kept {ticket['severity']}")
            new_tags = [t for t in rule.tags if t not in tags]
            if new_tags:
                tags.extend(new_tags)
                effects.append("tags +" + ",".join(new_tags))
            trace.append(f"rule {rule.id} ({rule.where}) → " + (", ".join(effects) or "matched")
                         + ("; stop" if rule.stop else ""))
            if rule.stop:
                break
        return team

    def _routes(self, ticket: Ticket, node: CompiledCategory, trace: list[str],
                explain: list[str] | None) -> str | None:
        for route in node.routes:
            if route.predicate(ticket):
                trace.append(f"route {route.id} of {route.owner} ({route.where}) → team {route.team}")
                return route.team
            if explain is not None:
                explain.append(f"route {route.id} of {route.owner} ({route.where}): no match")
        return None
