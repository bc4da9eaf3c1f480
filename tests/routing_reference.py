"""The routing semantics of docs/semantics.md read literally, for the router's tests to check
the compiled forms against: `Reference` tries every rule in file order where the router
uses its index, and `OFFICE_CALENDARS` is the calendar the matcher tests' `during` and
`outside` name."""
from __future__ import annotations

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
