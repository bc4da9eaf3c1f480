"""The current answers in the shape of a `want`: each key the author wrote gets the value the
decision has now (times kept in the author's offset when they are the same instant);
a subset that no longer matches becomes the decision's list cut to the keys it used;
an empty `want: {}` gets a starting set to review."""
from __future__ import annotations

from typing import Any

from engine.cases.want import SUBSETS, closest_item, entry_matches, project, same

DEFAULT_ENTRY = {"at": "", "kind": "", "level": 0, "channel": "", "to": ""}
"""The keys a fresh `notified` entry shows: when, what, how high, on what, to whom."""


def refreshed(want: Any, decision: dict[str, Any], due: bool) -> Any:
    """`want` with the decision's current answers; `due` says it checks a `due` call."""
    if want == {}:
        return _starter(decision, due)
    return _value(want, decision, top=True)


def _value(want: Any, got: Any, top: bool = False) -> Any:
    if isinstance(want, dict) and isinstance(got, dict):
        return {key: _key(key, value, got, top) for key, value in want.items()}
    if isinstance(want, list) and isinstance(got, list):
        if len(want) == len(got):
            return [_value(w, g) for w, g in zip(want, got, strict=True)]
        shape = _shape_of(want)
        return [project(g, shape) if shape and isinstance(g, dict) else g for g in got]
    return want if same(want, got) else got


def _key(key: str, value: Any, got: dict[str, Any], top: bool) -> Any:
    if top and key in SUBSETS:
        return _subset(value, got.get(SUBSETS[key]) or [])
    if key not in got:
        return value     # the decision has no such key now; the case keeps failing on it
    return _value(value, got[key])


def _subset(entries: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries that match stay; one that does not becomes the closest element not yet
    matched, cut to its keys (and goes when none is left); `[]` lists them all."""
    if not entries:
        return [project(item, DEFAULT_ENTRY) for item in got]
    free = list(got)
    for entry in entries:
        match = next((item for item in free if entry_matches(entry, item)), None)
        if match is not None:
            free.remove(match)
    result = []
    for entry in entries:
        match = next((item for item in got if entry_matches(entry, item)), None)
        if match is None:
            match = closest_item(entry, free)
            if match is None:
                continue
            free.remove(match)
            entry = project(match, entry)
        result.append(entry)
    return result


def _shape_of(items: list[Any]) -> dict[str, Any]:
    """The keys a list's mappings use, in first-seen order, each with its first value."""
    shape: dict[str, Any] = {}
    for item in items:
        if isinstance(item, dict):
            for key, value in item.items():
                shape.setdefault(key, value)
    return shape


def _starter(decision: dict[str, Any], due: bool) -> dict[str, Any]:
    notified = [project(item, DEFAULT_ENTRY) for item in decision.get("notifications") or []]
    if due:
        return {"notified": notified, "next_wakeup": decision.get("next_wakeup")}
    start: dict[str, Any] = {key: decision[key] for key in ("mode", "team", "severity") if key in decision}
    assignee = decision.get("assignee") or {}
    if assignee.get("person") is not None:
        start["assignee"] = {"person": assignee["person"]}
    sla = decision.get("sla") or {}
    clocks = {name: {"due": sla[name]["due"]} for name in ("response", "resolve")
              if isinstance(sla.get(name), dict) and sla[name].get("due") is not None}
    if clocks:
        start["sla"] = clocks
    if notified:
        start["notified"] = notified
    return start
