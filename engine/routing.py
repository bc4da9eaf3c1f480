"""Routing and grading (SPEC §5): the category index and the rule index, built once.

Rules are indexed by one necessary condition each (an anchor: category equality or prefix,
an attribute equality, a tag), so a ticket evaluates only the rules that could match it;
candidates are then tried in file order, exactly as if every rule had been tried.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from engine.matchers import Predicate, Ticket, scalar_key

Anchor = tuple[str, str, Any]  # (kind, attribute, value): kind in eq | tag | prefix


@dataclass(frozen=True, slots=True)
class CompiledRoute:
    id: str
    owner: str           # the category that declares the route
    team: str
    predicate: Predicate
    where: str           # file:line, for the trace


@dataclass(frozen=True, slots=True)
class CompiledRule:
    index: int
    id: str
    predicate: Predicate
    team: str | None
    severity: str | None
    rank: int | None     # the severity's urgency (0 = most urgent)
    tags: tuple[str, ...]
    stop: bool
    where: str


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
    candidates: tuple[int, ...]   # rules whose category anchor admits this category
    where: str


def anchor_of(when: Mapping[str, Any]) -> Anchor | None:
    """The most selective necessary condition of a rule, or None (always a candidate)."""
    found: list[tuple[int, Anchor]] = []
    for key, cond in when.items():
        if key in ("any", "not", "during", "outside"):
            continue
        values = _equal_values(key, cond)
        if key == "tags":
            if values is not None:
                found.append((1, ("tag", key, values)))
        elif values is not None:
            found.append((0, ("eq", key, values)))
        elif key == "category" and isinstance(cond, Mapping) and set(cond) == {"prefix"}:
            found.append((2, ("prefix", key, cond["prefix"])))
    return min(found, key=lambda f: f[0])[1] if found else None


def _equal_values(key: str, cond: Any) -> tuple[Any, ...] | None:
    """Values one of which the attribute must equal (or, for tags, contain)."""
    if isinstance(cond, list):
        return tuple(cond)
    if isinstance(cond, Mapping):
        if set(cond) == {"in"}:
            return tuple(cond["in"])
        if key == "tags" and set(cond) == {"contains"}:
            return (cond["contains"],)
        return None
    return (cond,)


class RuleIndex:
    """Which rules a ticket must try: by category (precomputable) and by attribute values."""

    def __init__(self, rules: Iterable[tuple[CompiledRule, Anchor | None]]) -> None:
        self.always: list[int] = []
        self.category_eq: dict[str, list[int]] = {}
        self.prefixes: dict[int, dict[str, list[int]]] = {}
        self.attribute_eq: dict[str, dict[tuple[str, Any], list[int]]] = {}
        self.tags: dict[tuple[str, Any], list[int]] = {}
        for rule, anchor in rules:
            self._add(rule.index, anchor)

    def _add(self, index: int, anchor: Anchor | None) -> None:
        if anchor is None:
            self.always.append(index)
            return
        kind, key, value = anchor
        if kind == "prefix":
            self.prefixes.setdefault(len(value), {}).setdefault(value, []).append(index)
        elif kind == "tag":
            for v in value:
                self.tags.setdefault(scalar_key(v), []).append(index)
        elif key == "category":
            for v in value:
                self.category_eq.setdefault(v, []).append(index)
        else:
            table = self.attribute_eq.setdefault(key, {})
            for v in value:
                table.setdefault(scalar_key(v), []).append(index)

    def for_category(self, category: str) -> tuple[int, ...]:
        """Rules a ticket of this category string may match, whatever its other attributes."""
        found = set(self.always) | set(self.category_eq.get(category, ()))
        for length, table in self.prefixes.items():
            found.update(table.get(category[:length], ()))
        return tuple(sorted(found))

    def extra(self, ticket: Ticket, getters: Mapping[str, Any]) -> set[int]:
        """Rules anchored on the ticket's non-category attributes."""
        found: set[int] = set()
        for key, table in self.attribute_eq.items():
            value = getters[key](ticket)
            for v in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(v, (str, int, float)):  # unhashable payloads never equal a scalar
                    found.update(table.get(scalar_key(v), ()))
        if self.tags:
            for tag in ticket.get("tags") or ():
                if isinstance(tag, (str, int, float)):
                        found.update(self.tags.get(scalar_key(tag), ()))
        return found
