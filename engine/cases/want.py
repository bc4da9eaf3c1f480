"""Partial matching of a `want` against a decision: mappings by subset, lists element by
element, times as instants; `notified` and `planned` each ask for a subset of the
decision's `notifications` and `timers`, entry by entry, in any order."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

SUBSETS = {"notified": "notifications", "planned": "timers"}
"""A want key that names a subset, and the decision list it is taken from."""


def differences(want: Any, got: Any, path: str = "") -> Iterator[str]:
    """Where `got` does not contain `want`: mappings by subset, lists element by element."""
    where = path or "decision"
    if isinstance(want, dict):
        if not isinstance(got, dict):
            yield f"{where}: want a mapping, got {show(got)}"
            return
        yield from _mapping(want, got, path)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            yield f"{where}: want {show(want)}, got {show(got)}"
            return
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            yield from differences(w, g, f"{path}[{i}]")
    elif not same(want, got):
        yield f"{where}: want {show(want)}, got {show(got)}"


def _mapping(want: dict[str, Any], got: dict[str, Any], path: str) -> Iterator[str]:
    for key, value in want.items():
        sub = f"{path}.{key}" if path else str(key)
        if not path and key in SUBSETS:
            yield from subset_differences(key, value, got.get(SUBSETS[key]) or [])
        elif key not in got:
            yield f"{sub}: want {show(value)}, missing from the decision"
        else:
            yield from differences(value, got[key], sub)


def subset_differences(key: str, entries: list[dict[str, Any]], got: list[dict[str, Any]]) -> Iterator[str]:
    """Each entry must match its own element of `got` (the first unused one that matches)."""
    used: set[int] = set()
    for i, entry in enumerate(entries):
        found = next((j for j, item in enumerate(got) if j not in used and entry_matches(entry, item)), None)
        if found is not None:
            used.add(found)
            continue
        near = closest_item(entry, got)
        closest = f", closest {show(project(near, entry))}" if near is not None else ""
        yield f"{key}[{i}]: want {show(entry)}, no such {SUBSETS[key][:-1]} among {len(got)}{closest}"


def closest_item(entry: dict[str, Any], got: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The element of `got` that differs from `entry` in the fewest keys (the first at a tie)."""
    return min(got, key=lambda item: len(list(_entry_differences(entry, item))), default=None)


def entry_matches(entry: dict[str, Any], item: dict[str, Any]) -> bool:
    return next(_entry_differences(entry, item), None) is None


def _entry_differences(entry: dict[str, Any], item: dict[str, Any]) -> Iterator[str]:
    for key, value in entry.items():
        if key == "to" and isinstance(value, str):
            if value not in _names(item.get("to")):
                yield key
        elif key not in item:
            yield key
        else:
            yield from differences(value, item[key], key)


def _names(to: Any) -> tuple[str, ...]:
    """What a `to: NAME` shorthand matches: the person, or the group endpoint."""
    if not isinstance(to, dict):
        return ()
    return tuple(str(to[k]) for k in ("person", "group") if to.get(k) is not None)


def project(item: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """`item` cut down to the keys `entry` uses, `to` in the entry's form."""
    shown: dict[str, Any] = {}
    for key in entry:
        if key not in item:
            continue
        names = _names(item[key]) if key == "to" and isinstance(entry[key], str) else ()
        shown[key] = names[0] if names else item[key]
    return shown


def same(want: Any, got: Any) -> bool:
    """Equal and of one type; two RFC 3339 strings with offsets are equal as instants."""
    if isinstance(want, str) and isinstance(got, str) and want != got:
        a, b = _instant(want), _instant(got)
        return a is not None and a == b
    return bool(want == got and type(want) is type(got))


def _instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
