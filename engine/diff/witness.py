"""Ticket attributes that make a matcher (`when`) hold, one set per branch of its `any`s,
for the probe tickets that exercise each rule and route.

Best effort by design: a witness is a guess built from the operators' arguments, and the
replay through the one evaluator is what says whether the rule or route was reached (a
branch no probe reached is listed in the report, not assumed covered).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_BRANCHES = 16
TEXT = "probe"
ABSENT: Any = object()          # the attribute must be missing (`exists: false`)
Condition = tuple[str, Any]     # (key, condition) of one branch


@dataclass(slots=True)
class Witness:
    """The attributes of a probe's `created` event, and when it should happen."""

    category: str | None = None
    severity: str | None = None
    tags: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    text: dict[str, Any] = field(default_factory=dict)   # title, source, submitter
    time: str = "working"                                  # working | night

    def event(self, ticket: str, at: str, category: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "created", "ticket": ticket, "at": at,
                               "category": self.category or category}
        if self.severity:
            out["severity"] = self.severity
        if self.tags:
            out["tags"] = list(self.tags)
        if self.fields:
            out["fields"] = self.fields
        out.update({k: v for k, v in self.text.items() if v is not ABSENT})
        return out


def branches(when: Mapping[str, Any]) -> list[list[Condition]]:
    """The matcher in disjunctive form: each `any` multiplies the branches (capped)."""
    plain = [(k, v) for k, v in when.items() if k != "any"]
    found: list[list[Condition]] = [plain]
    alternatives = when.get("any")
    if isinstance(alternatives, list):
        found = [[*p, *alt] for p in found for option in alternatives if isinstance(option, Mapping)
                 for alt in branches(option)]
    return found[:MAX_BRANCHES]


def witness(branch: Sequence[Condition], categories: Sequence[str]) -> Witness:
    """The attributes for one branch; `categories` are the known ids, sorted."""
    out = Witness()
    for key, condition in branch:
        _apply(out, key, condition, categories)
    return out


def _apply(out: Witness, key: str, condition: Any, categories: Sequence[str]) -> None:
    if key in ("not",):
        return  # a missing attribute satisfies most negations
    if key in ("during", "outside"):
        out.time = "working" if key == "during" else "night"
    elif key == "category":
        out.category = _category(condition, categories)
    elif key == "severity":
        value = value_for(condition)
        out.severity = value if isinstance(value, str) else None
    elif key == "tags":
        value = value_for(condition)
        if isinstance(value, str) and value not in out.tags:
            out.tags.append(value)
    elif key.startswith("fields."):
        value = value_for(condition)
        if value is not ABSENT:
            _set_path(out.fields, key.split(".")[1:], value)
    else:
        out.text[key] = value_for(condition)


def _set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        nested = target.get(part)
        if not isinstance(nested, dict):
            nested = target[part] = {}
        target = nested
    target[path[-1]] = value


def _category(condition: Any, categories: Sequence[str]) -> str | None:
    """A known category the condition admits (the first in order), else a made-up one.
    A plain value or a lone prefix is looked up in the sorted ids rather than scanned for."""
    found = _looked_up(condition, categories)
    if found is None:
        found = next((cid for cid in categories if holds(condition, cid)), None)
    if found is not None:
        return found
    value = value_for(condition)
    return value if isinstance(value, str) and value else None


def _looked_up(condition: Any, ordered: Sequence[str]) -> str | None:
    if isinstance(condition, str):
        return condition if _present(ordered, condition) else None
    if isinstance(condition, Mapping) and set(condition) == {"prefix"} and isinstance(condition["prefix"], str):
        i = bisect_left(ordered, condition["prefix"])
        return ordered[i] if i < len(ordered) and ordered[i].startswith(condition["prefix"]) else None
    return None


def _present(ordered: Sequence[str], value: str) -> bool:
    i = bisect_left(ordered, value)
    return i < len(ordered) and ordered[i] == value


def value_for(condition: Any) -> Any:
    """A value for which the condition holds, when one can be read off its arguments."""
    if isinstance(condition, list):
        return condition[0] if condition else TEXT
    if not isinstance(condition, Mapping):
        return condition
    if condition.get("exists") is False:
        return ABSENT
    for candidate in _candidates(condition):
        if holds(condition, candidate):
            return candidate
    return TEXT


def _candidates(ops: Mapping[str, Any]) -> list[Any]:
    found: list[Any] = list(ops.get("in") or ())
    for op, step in (("gte", 0), ("lte", 0), ("gt", 1), ("lt", -1)):
        bound = ops.get(op)
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            found.append(bound + step)
        elif isinstance(bound, str):
            found.append({"gte": bound, "lte": bound, "gt": bound + "~", "lt": ""}[op])
    for op in ("prefix", "contains"):
        if isinstance(ops.get(op), str):
            found.append(ops[op])
    if isinstance(ops.get("regex"), str):
        found.append(regex_sample(ops["regex"]))
    return [*found, TEXT, TEXT + "-0"]


def holds(condition: Any, value: Any) -> bool:
    """Whether a scalar value meets a condition (a local reading, only to pick witnesses)."""
    if isinstance(condition, list):
        return value in condition
    if not isinstance(condition, Mapping):
        return bool(value == condition)
    return all(_op(op, arg, value) for op, arg in condition.items())


def _op(op: str, arg: Any, value: Any) -> bool:
    if op == "in":
        return value in arg
    if op == "not_in":
        return value not in arg
    if op == "exists":
        return bool(arg)
    if op in ("prefix", "contains", "regex"):
        return isinstance(value, str) and isinstance(arg, str) and _text_op(op, arg, value)
    same = isinstance(value, str) == isinstance(arg, str) and not isinstance(value, bool)
    return same and _compare(op, value, arg)


def _text_op(op: str, arg: str, value: str) -> bool:
    if op == "prefix":
        return value.startswith(arg)
    if op == "contains":
        return arg in value
    try:
        return re.fullmatch(arg, value) is not None
    except re.error:
        return False


def _compare(op: str, value: Any, arg: Any) -> bool:
    try:
        return bool({"gte": value >= arg, "gt": value > arg, "lte": value <= arg, "lt": value < arg}[op])
    except (TypeError, KeyError):
        return False


_SIMPLIFY = ((r"\\d[+*]?", "1"), (r"\\w[+*]?", "a"), (r"\\s[+*]?", " "), (r"\.\*", ""), (r"\.\+", "x"),
             (r"\[\^[^\]]*\][+*]?", "x"), (r"\[([^\]\\])[^\]]*\][+*]?", r"\1"), (r"(?<!\\)[?*+]", ""), (r"^\^|\$$", ""))
_GROUP = re.compile(r"\((?:\?:)?([^()|]*)(?:\|[^()]*)?\)")


def regex_sample(pattern: str) -> str:
    """A string the pattern matches in full, read off its literal parts (first alternative
    of each group); the caller checks it, so a wrong guess only costs coverage."""
    text = pattern
    for _ in range(8):
        simpler = _GROUP.sub(r"\1", text)
        if simpler == text:
            break
        text = simpler
    if "|" in text:
        text = text.split("|")[0]
    for rx, replacement in _SIMPLIFY:
        text = re.sub(rx, replacement, text)
    text = re.sub(r"(.)\{(\d+)(?:,\d*)?\}", lambda m: m.group(1) * min(int(m.group(2)), 64), text)
    return re.sub(r"\\(.)", r"\1", text)
