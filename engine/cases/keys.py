"""The keys a case may use: unknown ones are errors that list the valid keys. A `want` is
checked against the decision's own schema (schemas/decision.schema.json), so it takes
exactly the keys a decision has, at every depth, plus `notified` and `planned`."""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from engine.cases.model import NOTIFIED_KEYS, PLANNED_KEYS, WANT_EXTRAS
from engine.config.schema import load_schema
from engine.config.source import DataPath, SourceDocument
from engine.diagnostics import Diagnostic, closest

Schema = dict[str, Any]


def unknown_keys(doc: SourceDocument, path: DataPath, valid: Iterable[str], where: str) -> list[Diagnostic]:
    """A diagnostic for each key of the mapping at `path` that is not in `valid`."""
    data = _at(doc.data, path)
    if not isinstance(data, dict):
        return []
    known = sorted(valid)
    return [_unknown(doc, path, key, known, where) for key in data if key not in known]


def _unknown(doc: SourceDocument, path: DataPath, key: str, known: list[str], where: str) -> Diagnostic:
    match = closest(key, known)
    return Diagnostic(doc.span(path + (key,), key=True), "case.unknown-key",
                      f"unknown key {key!r} in {where} (valid keys: {', '.join(known)})",
                      hint=f"did you mean {match!r}?" if match else None)


def _at(data: Any, path: DataPath) -> Any:
    for part in path:
        data = data[part]
    return data


def check_want(doc: SourceDocument, path: DataPath, want: Any) -> list[Diagnostic]:
    """Unknown keys anywhere in a `want` (None: no want), by the decision schema."""
    if want is None:
        return []
    if not isinstance(want, dict):
        return [Diagnostic(doc.span(path), "case.shape", "`want` is a mapping: the parts of the decision to check")]
    decision = load_schema("decision")
    keys = [*decision["properties"], *WANT_EXTRAS]
    problems = unknown_keys(doc, path, keys, "want")
    for key, value in want.items():
        if key == "notified":
            problems += _entries(doc, path + (key,), value, NOTIFIED_KEYS, "a `notified` entry")
        elif key == "planned":
            problems += _entries(doc, path + (key,), value, PLANNED_KEYS, "a `planned` entry")
        elif key in decision["properties"]:
            problems += _walk(doc, path + (key,), value, _resolve(decision["properties"][key]), f"want.{key}")
    return problems


def _entries(doc: SourceDocument, path: DataPath, value: Any, valid: tuple[str, ...], where: str) -> list[Diagnostic]:
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        return [Diagnostic(doc.span(path), "case.shape", f"`{path[-1]}` is a list of mappings")]
    return [d for j in range(len(value)) for d in unknown_keys(doc, path + (j,), valid, where)]


def _walk(doc: SourceDocument, path: DataPath, value: Any, schema: Schema, where: str) -> list[Diagnostic]:
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        item = _resolve(schema["items"])
        return [d for j, v in enumerate(value) for d in _walk(doc, path + (j,), v, item, f"{where}[{j}]")]
    properties = _properties(schema)
    if not isinstance(value, dict) or not properties:
        return []
    problems = unknown_keys(doc, path, properties, where)
    for key, sub in value.items():
        if key in properties:
            problems += _walk(doc, path + (key,), sub, properties[key], f"{where}.{key}")
    return problems


def _properties(schema: Schema) -> dict[str, Schema]:
    """The keys an object may have, across its `oneOf`/`anyOf` alternatives; {} when free."""
    found = {key: _resolve(sub) for key, sub in schema.get("properties", {}).items()}
    for alternative in schema.get("oneOf", []) + schema.get("anyOf", []):
        found.update(_properties(_resolve(alternative)))
    return found


@cache
def _definition(name: str) -> Schema:
    return _resolve(load_schema("decision")["$defs"][name])


def _resolve(schema: Schema) -> Schema:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return {**_definition(ref.removeprefix("#/$defs/")), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema
