"""The router's compiled tables: categories with inheritance resolved, routes and rules as
predicates with their trace lines, and `Routing`, what routing a ticket answers."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field
from typing import NamedTuple

from engine.routing.matchers import Predicate


class NoMatch(str):
    """An explain line for something that was tried and did not match."""


class Routing(NamedTuple):
    """Where a ticket goes and how urgent it is, with the steps that decided it. The tags are
    the ticket's own list, which the rule pass extends in place."""

    category: str          # the category id of the ticket, as given
    matched: str | None    # the known category it resolved to (None: `default`)
    fallback: bool
    team: str
    severity: str
    trace: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompiledRoute:
    id: str
    owner: str           # the category that declares the route
    team: str
    predicate: Predicate
    where: str           # file:line, for the trace
    trace_line: str      # what the trace says when the route applies


@dataclass(frozen=True, slots=True)
class CompiledRule:
    index: int
    id: str
    predicate: Predicate | None   # None: being a candidate is enough (see `residual`)
    team: str | None
    severity: str | None
    rank: int | None     # the severity's urgency (0 = most urgent)
    tags: tuple[str, ...]
    stop: bool
    where: str
    levels: InitVar[tuple[str, ...]]
    trace_line: str = field(init=False)   # the line when every effect takes (the usual case)
    kept_lines: Mapping[str, str] = field(init=False)  # ... but the level was already this
    # A rule that only grades: the level and trace line it leaves, by the level it finds.
    grades: Mapping[str, tuple[str, str]] = field(init=False)

    def __post_init__(self, levels: tuple[str, ...]) -> None:
        setattr_ = object.__setattr__  # frozen: these are derived once, here
        setattr_(self, "trace_line", rule_line(self, None, None, self.tags))
        kept = {level: rule_line(self, None, level, self.tags) for level in levels} if self.severity else {}
        setattr_(self, "kept_lines", kept)
        grades = {}
        if self.severity is not None and self.team is None and not self.tags and not self.stop:
            for rank, level in enumerate(levels):
                grades[level] = (level, kept[level]) if rank <= levels.index(self.severity) else \
                    (self.severity, self.trace_line)
        setattr_(self, "grades", grades)


def rule_line(rule: CompiledRule, overruled: str | None, kept: str | None,
              added: tuple[str, ...]) -> str:
    """The trace line of a matched rule: what it did, and what it could not do because an
    earlier rule set the team or the level was already more urgent."""
    effects = []
    if rule.team is not None:
        effects.append(f"team {rule.team}" if overruled is None else
                       f"team {rule.team} ignored (team {overruled} already set)")
    if rule.severity is not None:
        effects.append(f"severity {rule.severity}" if kept is None else
                       f"severity {rule.severity} kept {kept}")
    if added:
        effects.append("tags +" + ",".join(added))
    return (f"rule {rule.id} ({rule.where}) → " + (", ".join(effects) or "matched")
            + ("; stop" if rule.stop else ""))


@dataclass(frozen=True, slots=True)
class CompiledCategory:
    """A category with inheritance resolved: its team, default level and route chain."""

    id: str
    name: str
    team: str
    team_from: str       # the category (or `default`) the team is inherited from
    severity: str
    severity_from: str
    routes: tuple[CompiledRoute, ...]
    mask: int            # rules whose category anchor admits this category (bit i: rule i)
    where: str
    label: str           # how a fallback names it: `trade/order (categories.yaml:16)`
    trace_line: str      # the trace's first line for a ticket of exactly this category
    team_line: str       # the trace line when the team is the inherited one
    severity_line: str   # the trace line when the level is the category's default
    static_trace: tuple[str, ...]   # the whole trace when no rule or route can apply
    matched: str | None = field(init=False)  # the decision's `category.matched`: None for default
    routing: Routing = field(init=False)     # the whole routing when no rule or route can apply

    def __post_init__(self) -> None:
        object.__setattr__(self, "matched", self.id or None)
        object.__setattr__(self, "routing", Routing(self.id, self.matched, False, self.team, self.severity,
                                                    self.static_trace))
