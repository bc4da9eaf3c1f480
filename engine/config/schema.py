"""JSON Schema stage: validate each loaded file against its schema, as diagnostics."""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from engine.config.schema_fast import compile_schema
from engine.config.source import SourceDocument
from engine.diagnostics import Diagnostic, suggest

_PACKAGE_DIR = Path(__file__).resolve().parents[1]   # engine/
# In a wheel the schemas sit inside the package; in a source checkout beside it.
SCHEMA_DIRS = (_PACKAGE_DIR / "schemas", _PACKAGE_DIR.parent / "schemas")
KINDS = ("categories", "rosters", "sla_profiles", "rules", "views", "reports", "event", "decision")
_TYPE_NAMES = {str: "string", bool: "boolean", int: "integer", float: "number",
               list: "list", dict: "mapping", type(None): "null"}


def schema_dir() -> Path:
    for directory in SCHEMA_DIRS:
        if (directory / "categories.schema.json").is_file():
            return directory
    raise FileNotFoundError("schemas/ not found beside or inside the engine package")


@cache
def load_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one file kind (`categories`, `rules`, `event`, ...)."""
    with open(schema_dir() / f"{kind}.schema.json", encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@cache
def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(kind))


@cache
def fast_check(kind: str) -> Callable[[Any], bool] | None:
    """The compiled yes/no check of a schema, or None where the subset does not cover it."""
    try:
        return compile_schema(load_schema(kind))
    except KeyError:
        return None


def validate_document(doc: SourceDocument, kind: str) -> list[Diagnostic]:
    """Every schema violation in `doc`, one diagnostic each, at the line it concerns."""
    quick = fast_check(kind)
    if quick is not None and quick(doc.data):
        return []
    errors = validator(kind).iter_errors(doc.data)
    return [diag for error in errors for diag in _diagnostics(doc, _specific(error))]


def _specific(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf failures, the alternative that came closest, recursively."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        deeper = [e for e in error.context if e.validator != "type"] or list(error.context)
        error = best_match(deeper)
    return error


def _schema_of(error: ValidationError) -> dict[str, Any]:
    return error.schema if isinstance(error.schema, dict) else {}


def _diagnostics(doc: SourceDocument, error: ValidationError) -> Iterator[Diagnostic]:
    path: tuple[Any, ...] = tuple(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        for key in _extra_keys(error):
            hint = suggest(key, _allowed_keys(_schema_of(error)), list_known=False)
            yield Diagnostic(doc.span(path + (key,), key=True), "schema.unknown-key",
                             f"unknown key {key!r}", hint=hint)
        return
    if "propertyNames" in error.relative_schema_path:  # the instance is the offending key
        yield Diagnostic(doc.span(path + (error.instance,), key=True), "schema.invalid-key",
                         _message(error))
        return
    if kind == "required":
        missing = _quoted_name(error.message)
        yield Diagnostic(doc.span(path, key=True), "schema.required",
                         f"missing required key {missing!r}" + _where(path))
        return
    code = "schema." + re.sub(r"(?<!^)([A-Z])", r"-\1", str(kind)).lower()
    hint = None
    if kind == "enum" and isinstance(error.instance, str):
        hint = suggest(error.instance, [str(v) for v in _listed(error.validator_value)], list_known=False)
    yield Diagnostic(doc.span(path), code, _message(error), hint=hint)


def _where(path: tuple[Any, ...]) -> str:
    return f" in {_dotted(path)}" if path else ""


def _dotted(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _quoted_name(message: str) -> str:
    match = re.match(r"'([^']*)'", message)
    return match.group(1) if match else message


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _extra_keys(error: ValidationError) -> list[str]:
    schema = _schema_of(error)
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    known = schema.get("properties", {})
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [key for key in instance if key not in known and not any(p.search(key) for p in patterns)]


def _allowed_keys(schema: dict[str, Any]) -> list[str]:
    return sorted(schema.get("properties", {}))



def _message(error: ValidationError) -> str:
    """A message in the user's terms: the value format's title, examples, what was found."""
    schema = _schema_of(error)
    title = schema.get("title")
    examples = schema.get("examples") or []
    example = f" (like {', '.join(str(e) for e in examples[:3])})" if examples else ""
    value = error.instance
    found = f"{_TYPE_NAMES.get(type(value), type(value).__name__)} {value!r}"
    if error.validator == "type":
        wanted = f"a {title}" if title else _type_text(error.validator_value)
        return f"expected {wanted}{example}, got {found}"
    if error.validator == "pattern":
        return f"{value!r} is not a valid {title or 'value'}{example}"
    if error.validator == "enum":
        return f"{value!r} is not one of: {', '.join(str(v) for v in _listed(error.validator_value))}"
    if error.validator == "const":
        return f"expected {error.validator_value!r}, got {value!r}"
    if error.validator == "oneOf":
        return f"{_dotted(error.absolute_path) or 'value'} matches more than one allowed form"
    return error.message


def _type_text(value: Any) -> str:
    names = value if isinstance(value, list) else [value]
    words = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
             "number": "a number", "boolean": "true or false", "null": "nothing"}
    return " or ".join(words.get(str(n), str(n)) for n in names)
