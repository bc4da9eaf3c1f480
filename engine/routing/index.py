"""The rule index, built once.

Rules are indexed by one necessary condition each (an anchor: category equality or prefix,
an attribute equality, a tag, a field's presence), as bit masks: a category's mask is
precomputed and a generated probe ORs in what the ticket's attributes admit, so a ticket
evaluates only the rules that could match it, in file order, exactly as if every rule had
been tried. A rule anchored on its category or a fixed attribute may have a second anchor,
an equality on another fixed attribute: the probe drops it unless the ticket meets both.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from engine.routing.codegen import Namespace
from engine.routing.matchers import NON_ATTRIBUTES, Ticket, scalar_key

Anchor = tuple[str, str, Any]  # (kind, attribute, value); kinds: eq, tag, prefix, has
# Category anchors first: they are resolved per category at compile time and cost a ticket
# nothing; then attribute values, tags, and last the mere presence of an attribute.
_RANKS = {"eq": 2, "tag": 3, "prefix": 1, "has": 4}


def _rank(anchor: Anchor) -> int:
    return 0 if anchor[0] == "eq" and anchor[1] == "category" else _RANKS[anchor[0]]
_NOT_ANCHORS = ("not", "during", "outside")


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


# Attributes no rule changes during a pass: a condition on one of them, once met, stays met.
_FIXED = ("category", "source", "submitter", "title")


def second_anchor(when: Mapping[str, Any], anchors: tuple[Anchor, ...] | None) -> tuple[Anchor, ...] | None:
    """A second necessary condition for a rule whose anchor is its category or a fixed
    attribute's value: an equality (or `in`) on another fixed attribute or field, ANDed
    with it. The rule is then a candidate only for tickets that meet both (a category
    prefix and `fields.region: eu-west-1`, the common pair), and need not test either.
    None for a rule anchored on its level, a tag or a presence (those can change or prove
    less), and when no such conjunct exists."""
    if anchors is None or any(a[0] not in ("eq", "prefix") or (a[1] not in _FIXED and not
                              a[1].startswith("fields.")) for a in anchors):
        return None
    first = {a[1] for a in anchors}
    for key, cond in when.items():
        if key in NON_ATTRIBUTES or key in first or not (key in _FIXED or key.startswith("fields.")):
            continue
        values = _equal_values(key, cond)
        if values is not None:
            return tuple(("eq", key, v) for v in values)
    return None


def residual(when: Mapping[str, Any], anchors: tuple[Anchor, ...] | None,
             second: tuple[Anchor, ...] | None = None) -> dict[str, Any]:
    """What is left to test once a rule is a candidate through its anchors.

    The index found the candidate by testing the anchored condition exactly as the
    matcher would (category string, attribute value, tag), so that condition need not
    run again. Two kinds stay: a presence (`has`) anchor proves less than its condition,
    and a level anchor held when the pass began, but an earlier rule may raise the level
    before this rule is tried (tags only grow, so a tag anchor stays true).
    """
    rest = dict(when)
    if anchors is not None and all(a[0] != "has" and a[1] != "severity" for a in anchors):
        for key, cond in when.items():
            if key not in NON_ATTRIBUTES and _condition_anchor(key, cond) == anchors:
                del rest[key]
                break
    if second is not None:  # an equality the probe tested as the matcher would
        rest.pop(second[0][1])
    return rest


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
    """Which rules a ticket must try, as a bit mask over the rules (bit i is rule i): by
    category (precomputed per category) and by the ticket's other attributes."""

    def __init__(self, rules: Iterable[tuple[int, tuple[Anchor, ...] | None]],
                 seconds: Mapping[int, tuple[Anchor, ...]] | None = None) -> None:
        self.always = 0
        # Rules with a second anchor (`second_anchor`): a candidate only when the probe also
        # finds that one, in the bits above `width` of its answer.
        self.second_eq: dict[str, dict[Any, int]] = {}
        self.needs = 0
        for rule, pair in (seconds or {}).items():
            self.needs |= 1 << rule
            for _, key, value in pair:
                _mark(self.second_eq.setdefault(key, {}), scalar_key(value), 1 << rule)
        self.category_eq: dict[str, int] = {}
        self.prefixes: dict[int, dict[str, int]] = {}
        self.attribute_eq: dict[str, dict[Any, int]] = {}
        self.tags: dict[Any, int] = {}
        self.has_field: dict[str, int] = {}
        self.has_attribute: dict[str, int] = {}
        self.width = 0
        for index, anchors in rules:
            self.width = max(self.width, index + 1)
            if anchors is None:
                self.always |= 1 << index
            else:
                for anchor in anchors:
                    self._add(1 << index, anchor)

    def _add(self, bit: int, anchor: Anchor) -> None:
        kind, key, value = anchor
        if kind == "prefix":
            _mark(self.prefixes.setdefault(len(value), {}), value, bit)
        elif kind == "tag":
            _mark(self.tags, scalar_key(value), bit)
        elif kind == "has":
            _mark(self.has_field if key == "fields" else self.has_attribute, value or key, bit)
        elif key == "category":
            _mark(self.category_eq, value, bit)
        else:
            _mark(self.attribute_eq.setdefault(key, {}), scalar_key(value), bit)

    def for_category(self, category: str) -> int:
        """Rules a ticket of this category string may match, whatever its other attributes."""
        found = self.always | self.category_eq.get(category, 0)
        for length, table in self.prefixes.items():
            found |= table.get(category[:length], 0)
        return found

    def woken(self, ticket: Ticket, old_tag_count: int) -> int:
        """Rules anchored on the ticket's level or on the tags added since `old_tag_count`:
        a rule pass changed what the ticket has."""
        found = self.attribute_eq.get("severity", {}).get(ticket["severity"], 0)
        for tag in ticket["tags"][old_tag_count:]:
            found |= self.tags.get(scalar_key(tag), 0)
        return found

    def probe(self, getters: Mapping[str, Callable[[Ticket], Any]]) -> Callable[[Ticket, int], int] | None:
        """The function giving a ticket's candidates from its category's (`mask`): with
        the rules its attributes anchor, without those whose second anchor it lacks; bound
        once at compile time; None when every anchor is a category one."""
        if not (self.attribute_eq or self.tags or self.has_field or self.has_attribute or self.second_eq):
            return None
        return _probe(self, getters)




def _mark(table: dict[Any, int], key: Any, bit: int) -> None:
    table[key] = table.get(key, 0) | bit


def _probe(index: RuleIndex, getters: Mapping[str, Callable[[Ticket], Any]]
           ) -> Callable[[Ticket, int], int]:
    """Rules anchored on a ticket's attributes, tags and fields, as a mask: one generated
    function reading just the attributes this config's rules are anchored on. A second
    anchor's attribute is read only when a candidate has one."""
    names = Namespace(_hits=_hits)
    body = ["found = 0"]
    payload = index.has_field or any(key.count(".") == 1 for key in index.attribute_eq)
    if payload:
        body.append("payload = t['fields']")
    body += _reads(names, index.attribute_eq, "found", getters)
    if index.tags:
        body += ["for v in t['tags']:",
                 f"    if type(v) is str: found |= {names.bind(index.tags)}.get(v, 0)"]
    if index.has_field:
        body += [f"for v in payload: found |= {names.bind(index.has_field)}.get(v, 0)"]
    for key, bits in index.has_attribute.items():
        body += [f"if t[{names.bind(key)}] is not None: found |= {names.bind(bits)}"]
    if not index.second_eq:
        body.append("return mask | found")
    else:  # less the candidates whose second anchor the ticket lacks (`keep`: rules without one)
        keep = ((1 << index.width) - 1) & ~index.needs
        second = [*([] if payload else ["payload = t['fields']"]), "also = 0",
                  *_reads(names, index.second_eq, "also", getters),
                  f"return candidates & ({names.bind(keep)} | also)"]
        body += ["candidates = mask | found", f"if candidates & {names.bind(index.needs)}:",
                 *(f"    {line}" for line in second), "return candidates"]
    probe: Callable[[Ticket, int], int] = names.function("t, mask", body, "probe")
    return probe


def _reads(names: Namespace, tables: Mapping[str, Mapping[Any, int]], into: str,
           getters: Mapping[str, Callable[[Ticket], Any]]) -> list[str]:
    """Each anchored attribute read, and the rules its value anchors ORed into `into`."""
    lines = []
    for key, table in tables.items():
        hits = names.bind(table)
        lines += [f"v = {_read(names, key, getters)}", "if v is not None:",
                  f"    {into} |= {hits}.get(v, 0) if type(v) is str else _hits({hits}, v)"]
    return lines


def _read(names: Namespace, key: str, getters: Mapping[str, Callable[[Ticket], Any]]) -> str:
    """The probe's expression for an attribute's value (None when absent)."""
    if "." not in key:  # the evaluator's tickets have every top-level attribute
        return f"t[{names.bind(key)}]"
    if key.count(".") == 1:
        return f"payload.get({names.bind(key[7:])})"
    return f"{names.bind(getters[key])}(t)"  # the getter gives MISSING, which no table holds


def _hits(table: dict[Any, int], value: Any) -> int:
    """Rules anchored on a value the attribute has: itself, or any element of a list."""
    if type(value) is list:
        found = 0
        for v in value:
            if type(v) in _SCALARS:
                found |= table.get(scalar_key(v), 0)
        return found
    if type(value) in _SCALARS:
        return table.get(scalar_key(value), 0)
    return 0


_SCALARS = (str, int, float, bool)
