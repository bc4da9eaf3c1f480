"""Routing and grading (SPEC §5): the category index and the rule index, built once.

Rules are indexed by one necessary condition each (an anchor: category equality or prefix,
an attribute equality, a tag), so a ticket evaluates only the rules that could match it;
candidates are then tried in file order, exactly as if every rule had been tried.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.matchers import Predicate, Ticket, scalar_key

Anchor = tuple[str, str, Any]  # (kind, attribute, value); kinds: eq, tag, prefix, has
# Category anchors first: they are resolved per category at compile time and cost a ticket
# nothing; then attribute values, tags, and last the mere presence of an attribute.
_RANKS = {"eq": 2, "tag": 3, "prefix": 1, "has": 4}


def _rank(anchor: Anchor) -> int:
    return 0 if anchor[0] == "eq" and anchor[1] == "category" else _RANKS[anchor[0]]
_NOT_ANCHORS = ("not", "during", "outside")


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
    label: str           # how a fallback names it: `trade/order (categories.yaml:16)`
    trace_line: str      # the trace's first line for a ticket of exactly this category
    team_line: str       # the trace line when the team is the inherited one
    severity_line: str   # the trace line when the level is the category's default
    static_trace: tuple[str, ...]   # the whole trace when no rule or route can apply


def anchors_of(when: Mapping[str, Any]) -> tuple[Anchor, ...] | None:
    """Conditions one of which every matching ticket meets, or None (always a candidate).

    For keys ANDed together one conjunct is enough, so the most selective is taken; an
    `any` is covered only when each of its branches is.
    """
    options: list[tuple[int, tuple[Anchor, ...]]] = []
    for key, cond in when.items():
        if key in _NOT_ANCHORS:
            continue
        if key == "any":
            branches = [anchors_of(sub) for sub in cond]
            if all(b is not None for b in branches):
                union = tuple(a for b in branches for a in b or ())
                options.append((max(_rank(a) for a in union), union))
            continue
        anchor = _condition_anchor(key, cond)
        if anchor is not None:
            options.append((max(_rank(a) for a in anchor), anchor))
    return min(options, key=lambda o: o[0])[1] if options else None


def residual(when: Mapping[str, Any], anchors: tuple[Anchor, ...] | None) -> dict[str, Any]:
    """What is left to test once a rule is a candidate through its anchors.

    The index found the candidate by testing the anchored condition exactly as the
    matcher would (category string, attribute value, tag), so that condition need not
    run again; a presence (`has`) anchor proves less than its condition and stays.
    """
    if anchors is not None and all(a[0] != "has" for a in anchors):
        for key, cond in when.items():
            if key not in ("any", "not", "during", "outside") and _condition_anchor(key, cond) == anchors:
                return {k: v for k, v in when.items() if k != key}
    return dict(when)


def _condition_anchor(key: str, cond: Any) -> tuple[Anchor, ...] | None:
    values = _equal_values(key, cond)
    if values is not None:
        return tuple(("tag" if key == "tags" else "eq", key, v) for v in values)
    if key == "category" and isinstance(cond, Mapping) and set(cond) == {"prefix"}:
        return (("prefix", key, cond["prefix"]),)
    if isinstance(cond, Mapping) and cond.get("exists") is False:
        return None  # matches tickets without the attribute
    if key.startswith("fields."):
        return (("has", "fields", key.split(".")[1]),)
    if key in ("title", "source", "submitter"):
        return (("has", key, ""),)
    return None


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

    def __init__(self, rules: Iterable[tuple[int, tuple[Anchor, ...] | None]]) -> None:
        self.always: list[int] = []
        self.category_eq: dict[str, list[int]] = {}
        self.prefixes: dict[int, dict[str, list[int]]] = {}
        self.attribute_eq: dict[str, dict[Any, list[int]]] = {}
        self.tags: dict[Any, list[int]] = {}
        self.has_field: dict[str, list[int]] = {}
        self.has_attribute: dict[str, list[int]] = {}
        for index, anchors in rules:
            if anchors is None:
                self.always.append(index)
            else:
                for anchor in anchors:
                    self._add(index, anchor)

    def _add(self, index: int, anchor: Anchor) -> None:
        kind, key, value = anchor
        if kind == "prefix":
            self.prefixes.setdefault(len(value), {}).setdefault(value, []).append(index)
        elif kind == "tag":
            self.tags.setdefault(scalar_key(value), []).append(index)
        elif kind == "has":
            table = self.has_field if key == "fields" else self.has_attribute
            table.setdefault(value or key, []).append(index)
        elif key == "category":
            self.category_eq.setdefault(value, []).append(index)
        else:
            self.attribute_eq.setdefault(key, {}).setdefault(scalar_key(value), []).append(index)

    def for_category(self, category: str) -> tuple[int, ...]:
        """Rules a ticket of this category string may match, whatever its other attributes."""
        found = set(self.always) | set(self.category_eq.get(category, ()))
        for length, table in self.prefixes.items():
            found.update(table.get(category[:length], ()))
        return tuple(sorted(found))

    def woken(self, ticket: Ticket, old_tag_count: int, after: int) -> set[int]:
        """Rules after `after` anchored on the ticket's new level or on tags added since
        `old_tag_count`: a rule pass changed what the ticket has."""
        found: set[int] = set(self.attribute_eq.get("severity", {}).get(ticket["severity"], ()))
        for tag in ticket["tags"][old_tag_count:]:
            found.update(self.tags.get(scalar_key(tag), ()))
        return {i for i in found if i > after}

    def lookups(self, getters: Mapping[str, Callable[[Ticket], Any]]
                ) -> tuple[tuple[Callable[[Ticket], Any], dict[Any, list[int]]], ...]:
        """(attribute getter, value table) pairs, bound once at compile time."""
        return tuple((getters[key], table) for key, table in self.attribute_eq.items())


def extra_candidates(ticket: Ticket, lookups: tuple[tuple[Callable[[Ticket], Any],
                     dict[Any, list[int]]], ...], index: RuleIndex) -> list[int]:
    """Rules anchored on the ticket's non-category attributes (may repeat an index)."""
    found: list[int] = []
    for read, table in lookups:
        value = read(ticket)
        if type(value) is str:
            hit = table.get(value)
            if hit:
                found += hit
        elif type(value) is list:
            for v in value:
                if type(v) in _SCALARS:
                    found += table.get(scalar_key(v), ())
        elif type(value) in _SCALARS:
            found += table.get(scalar_key(value), ())
    if index.tags:
        for tag in ticket["tags"]:
            if type(tag) is str:
                hit = index.tags.get(tag)
                if hit:
                    found += hit
    if index.has_field:
        for name in ticket["fields"]:
            hit = index.has_field.get(name)
            if hit:
                found += hit
    for key, hit in index.has_attribute.items():
        if ticket[key] is not None:
            found += hit
    return found


_SCALARS = (str, int, float, bool)
