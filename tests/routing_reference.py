"""The routing semantics of docs/semantics.md read literally, for the router's tests to check
the compiled forms against: `literal_match` walks a `when` as the docs say, `Reference`
tries every rule in file order where the router uses its index, and `OFFICE_CALENDARS` is
the calendar the matcher tests' `during` and `outside` name."""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import engine
from engine.config.source import load_yaml
from engine.routing.matchers import OpenCalendar, compile_matcher
from engine.timecalc.calendar import Calendar, CalendarSpec

OFFICE = Calendar.compile(CalendarSpec("office", "Asia/Shanghai", {
    0: ((540, 1080),), 1: ((540, 1080),), 2: ((540, 1080),), 3: ((540, 1080),), 4: ((540, 1080),)}))
"""Monday to Friday, 09:00-18:00 in Shanghai."""
OFFICE_CALENDARS = {"office": OFFICE}


# ---- the matcher language, docs/semantics.md#matchers read literally

ABSENT = object()


def value(ticket: Mapping[str, Any], key: str) -> Any:
    if not key.startswith("fields."):
        found = ticket.get(key)
        return ABSENT if found is None or found == [] else found
    found = ticket["fields"]
    for part in key.split(".")[1:]:
        if type(found) is not dict or part not in found:
            return ABSENT
        found = found[part]
    return ABSENT if found is None else found


def same(a: Any, b: Any) -> bool:
    """Scalars are equal only within a kind: true is not 1, "1" is not 1, 1 is 1.0."""
    kinds = [("bool" if type(x) is bool else "number" if type(x) in (int, float) else type(x).__name__)
             for x in (a, b)]
    return kinds[0] == kinds[1] and kinds[0] in ("bool", "number", "str") and a == b


def any_element(found: Any, test: Any) -> bool:
    return any(test(x) for x in found) if type(found) in (list, tuple) else bool(test(found))


def comparable(a: Any, b: Any) -> bool:
    return (type(a) is str and type(b) is str) or (type(a) in (int, float) and type(b) in (int, float))


OPERATORS: dict[str, Any] = {
    "in": lambda found, arg: any_element(found, lambda x: any(same(x, a) for a in arg)),
    "not_in": lambda found, arg: not any_element(found, lambda x: any(same(x, a) for a in arg)),
    "regex": lambda found, arg: any_element(found, lambda x: type(x) is str and re.fullmatch(arg, x)),
    "prefix": lambda found, arg: any_element(found, lambda x: type(x) is str and x.startswith(arg)),
    "contains": lambda found, arg: (arg in found if type(found) is str and type(arg) is str else
                                    type(found) in (list, tuple) and any(same(x, arg) for x in found)),
    "gte": lambda found, arg: any_element(found, lambda x: comparable(x, arg) and x >= arg),
    "gt": lambda found, arg: any_element(found, lambda x: comparable(x, arg) and x > arg),
    "lte": lambda found, arg: any_element(found, lambda x: comparable(x, arg) and x <= arg),
    "lt": lambda found, arg: any_element(found, lambda x: comparable(x, arg) and x < arg),
    "exists": lambda found, arg: arg,
}


def holds(key: str, condition: Any, ticket: Mapping[str, Any]) -> bool:
    found = value(ticket, key)
    if isinstance(condition, dict):
        if found is ABSENT:
            return condition == {"exists": False}
        return all(OPERATORS[op](found, arg) for op, arg in condition.items())
    if found is ABSENT:
        return False
    if isinstance(condition, list):
        return OPERATORS["in"](found, condition)
    if key == "tags":
        return OPERATORS["contains"](found, condition)
    return any_element(found, lambda x: same(x, condition))


def literal_match(when: Mapping[str, Any], ticket: Mapping[str, Any],
                  calendars: Mapping[str, OpenCalendar] = OFFICE_CALENDARS) -> bool:
    """Whether `ticket` matches `when`, walking the `when` as the docs say (no compiling)."""
    for key, condition in when.items():
        if key == "any":
            ok = any(literal_match(sub, ticket, calendars) for sub in condition)
        elif key == "not":
            ok = not literal_match(condition, ticket, calendars)
        elif key in ("during", "outside"):
            ok = calendars[condition].is_open(ticket["at"]) is (key == "during")
        else:
            ok = holds(key, condition, ticket)
        if not ok:
            return False
    return True


class Reference:
    """docs/semantics.md decision order read straight from the YAML, trying every rule in file order.

    Rules see the ticket as the rule pass has made it so far (level raised, tags added), as the
    router's own predicates do.
    """

    def __init__(self, root: Path, calendars: Mapping[str, OpenCalendar]) -> None:
        cats = _read(root / "categories.yaml")
        self.default = (cats["default"]["team"], cats["default"]["severity"], ())
        self.categories: dict[str, tuple[str, str, tuple[Any, ...]]] = {}
        self._walk(cats["categories"], "", self.default[0], self.default[1], (), calendars)
        self.rules = [(compile_matcher(rule["when"], calendars), rule["then"], rule.get("stop", False))
                      for path in sorted((root / "rules").glob("*.yaml"))
                      for rule in _read(path)["rules"]]
        self.levels = [level["id"] for level in _read(root / "sla_profiles.yaml")["levels"]]

    def _walk(self, nodes: list[Any], parent: str, team: str, severity: str, routes: tuple[Any, ...],
              calendars: Mapping[str, OpenCalendar]) -> None:
        for node in nodes:
            cid = f"{parent}/{node['key']}" if parent else node["key"]
            own = tuple((compile_matcher(r["when"], calendars), r["team"]) for r in node.get("routes", ()))
            here = (node.get("team", team), node.get("severity", severity), own + routes)
            self.categories[cid] = here
            self._walk(node.get("children", []), cid, *here, calendars)

    def resolve(self, category: str) -> tuple[str | None, bool, tuple[str, str, tuple[Any, ...]]]:
        if category in self.categories:
            return category, False, self.categories[category]
        parts = category.split("/")
        for n in range(len(parts) - 1, 0, -1):
            prefix = "/".join(parts[:n])
            if prefix in self.categories:
                return prefix, True, self.categories[prefix]
        return None, True, self.default

    def route(self, event: Mapping[str, Any], ts: float) -> tuple[Any, ...]:
        matched, fallback, (team, severity, routes) = self.resolve(event["category"])
        submitted = event.get("severity")
        if submitted is not None and self.levels.index(submitted) < self.levels.index(severity):
            severity = submitted
        ticket = {"category": event["category"], "severity": severity, "tags": list(event.get("tags") or ()),
                  "source": event.get("source"), "submitter": event.get("submitter"),
                  "title": event.get("title"), "fields": event.get("fields") or {}, "at": ts}
        chosen = None
        for predicate, then, stop in self.rules:
            if not predicate(ticket):
                continue
            if chosen is None:
                chosen = then.get("team")
            if "severity" in then and self.levels.index(then["severity"]) < self.levels.index(ticket["severity"]):
                ticket["severity"] = then["severity"]
            ticket["tags"] += [t for t in then.get("tags", ()) if t not in ticket["tags"]]
            if stop:
                break
        if chosen is None:
            chosen = next((route_team for predicate, route_team in routes if predicate(ticket)), team)
        return matched, fallback, chosen, ticket["severity"], ticket["tags"]


def _read(path: Path) -> Any:
    doc, diags = load_yaml(path, path.name)
    assert doc is not None and diags == []
    return doc.data


def routed(eng: engine.Engine, event: Mapping[str, Any]) -> tuple[Any, ...]:
    d = eng.evaluate(event)
    return d.category["matched"], d.category["fallback"], d.team, d.severity, d.tags
