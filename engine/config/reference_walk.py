"""Every key a config file may hold, read off its JSON Schema: its path, type, default,
example and description, for the generated reference (`config/reference_docs.py`).

The schemas are the one source: a key's text is its `description`, its example the
`examples` annotation or the description's `Example: ...`, its default the `default`
annotation. Object shapes used in several places (matchers, operator maps) are walked
once, as shapes of their own, and keys that hold them point there.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]
_EXAMPLE = re.compile(r"\s*Examples?: (.*)$", re.S)
_MISSING = object()


@dataclass(frozen=True, slots=True)
class KeyDoc:
    """One key of a config file as the reference shows it."""

    path: str                 # `schedules.<id>.layers[].turn_length`
    name: str                 # the key itself: `turn_length`
    type: str                 # `integer`, `list of id`, `mapping weekday range -> list of clock window`
    required: bool
    default: str | None       # JSON-ish text of the `default` annotation
    description: str          # without its `Example:` sentence
    example: str | None
    keywords: frozenset[str]  # the validation keywords that apply (`type`, `enum`, `pattern`, ...)
    shape: str | None = None  # the shared shape this key holds, if any


class SchemaWalk:
    """Walks one schema: `key_docs()` lists every key from the root, shared shapes aside."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.defs: dict[str, Schema] = schema.get("$defs", {})
        self.shared = self._shared_shapes()

    def _shared_shapes(self) -> tuple[str, ...]:
        """Object $defs referenced from two places or more, from inside themselves, or as
        the `then` of a condition (an operator map)."""
        counts = Counter(re.findall(r"'\$ref': '#/\$defs/([^']+)'", repr(self.schema)))
        then = set(re.findall(r"'then': \{'\$ref': '#/\$defs/([^']+)'", repr(self.schema)))
        return tuple(name for name, schema in self.defs.items()
                     if "properties" in schema and (counts[name] > 1 or name in then
                                                    or f"'#/$defs/{name}'" in repr(schema)))

    def resolve(self, schema: Schema) -> tuple[Schema, str | None]:
        """The schema with its `$ref` merged in (the referring schema's keys win), and the def's name."""
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            return schema, None
        name = ref.removeprefix("#/$defs/")
        target, _ = self.resolve(self.defs[name])
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}, name

    def key_docs(self) -> list[KeyDoc]:
        return list(self._object(self.schema, ""))

    def shape_keys(self, name: str) -> list[KeyDoc]:
        """The keys of a shared shape, with paths relative to it."""
        return list(self._object(self.resolve(self.defs[name])[0], "", inside=name))

    def shape_prefix(self, name: str) -> str:
        """Where a shared shape's keys sit when one key of the file holds it (`categories[].`),
        else nothing: a shape held in several places is read under its own title."""
        holders = [k for k in self.key_docs() if k.shape == name]
        holders += [k for other in self.shared if other != name for k in self.shape_keys(other) if k.shape == name]
        if len(holders) != 1 or holders[0] not in self.key_docs():
            return ""
        holder = holders[0]
        if holder.type.startswith("list of"):
            return f"{holder.path}[]."
        if holder.type.startswith("mapping <"):
            return f"{holder.path}.{holder.type.removeprefix('mapping ').split(' →')[0]}."
        return f"{holder.path}."

    def _object(self, schema: Schema, prefix: str, inside: str | None = None) -> Iterator[KeyDoc]:
        required = set(schema.get("required", []))
        for key, sub in self._properties(schema).items():
            yield from self._key(f"{prefix}{key}", key, sub, key in required, inside)

    def _properties(self, schema: Schema) -> dict[str, Schema]:
        found = dict(schema.get("properties", {}))
        for alternative in schema.get("oneOf", []) + schema.get("anyOf", []):
            for key, sub in self._properties(self.resolve(alternative)[0]).items():
                found.setdefault(key, sub)
        return found

    def _key(self, path: str, name: str, raw: Schema, required: bool, inside: str | None) -> Iterator[KeyDoc]:
        schema, _ = self.resolve(raw)
        shape = self._shape_of(raw, schema, inside)
        description, example = split_example(str(raw.get("description") or schema.get("description", "")))
        examples = raw.get("examples") or schema.get("examples")
        if example is None and examples:
            example = ", ".join(f"`{flow_text(e)}`" for e in examples[:3])
        default = raw.get("default", schema.get("default", _MISSING))
        yield KeyDoc(path, name, self.type_text(raw), required,
                     None if default is _MISSING else flow_text(default), description, example,
                     frozenset(self._keywords(schema)), shape)
        if shape is None:
            yield from self._children(path, schema, inside)

    def _shape_of(self, raw: Schema, schema: Schema, inside: str | None) -> str | None:
        for candidate in (raw, schema.get("items") or {}, schema.get("additionalProperties") or {},
                          schema.get("then") or {}):
            ref = candidate.get("$ref", "") if isinstance(candidate, dict) else ""
            name = ref.removeprefix("#/$defs/")
            if name in self.shared:
                return name
        return None

    def _children(self, path: str, schema: Schema, inside: str | None) -> Iterator[KeyDoc]:
        if self._properties(schema):
            yield from self._object(schema, f"{path}.", inside)
        items = schema.get("items")
        if isinstance(items, dict):
            item, _ = self.resolve(items)
            if self._properties(item):
                yield from self._object(item, f"{path}[].", inside)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            value, _ = self.resolve(extra)
            placeholder = self._placeholder(schema)
            if self._properties(value):
                yield from self._object(value, f"{path}.{placeholder}.", inside)
        for pattern, sub in schema.get("patternProperties", {}).items():
            value, _ = self.resolve(sub)
            if self._properties(value):
                yield from self._object(value, f"{path}.<{pattern}>.", inside)

    def _placeholder(self, schema: Schema) -> str:
        names = schema.get("propertyNames")
        if isinstance(names, dict):
            resolved, ref = self.resolve(names)
            return f"<{resolved.get('title') or ref or 'key'}>"
        return "<key>"

    def _keywords(self, schema: Schema) -> Iterator[str]:
        for keyword in ("type", "enum", "const", "pattern", "minimum", "maximum", "minItems", "maxItems",
                        "minLength", "maxLength", "propertyNames", "uniqueItems"):
            if keyword in schema:
                yield keyword
        if schema.get("additionalProperties") is False:
            yield "additionalProperties"
        if schema.get("required"):
            yield "required"
        items = schema.get("items")
        if isinstance(items, dict):
            yield from (f"items.{k}" for k in self._keywords(self.resolve(items)[0]))

    def type_text(self, raw: Schema) -> str:
        """A key's type in words: `integer`, `list of duration`, `one of: keep, switch`."""
        schema, ref = self.resolve(raw)
        title = schema.get("title") or ref
        if "const" in schema:
            return f"`{flow_text(schema['const'])}`"
        if "enum" in schema:
            return "one of: " + ", ".join(f"`{flow_text(v)}`" for v in schema["enum"])
        kind = schema.get("type")
        if kind == "array" and isinstance(schema.get("items"), dict):
            return f"list of {self.type_text(schema['items'])}"
        if kind == "object" and title is None:
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                return f"mapping {self._placeholder(schema)} → {self.type_text(extra)}"
            return "mapping"
        if title:
            return str(title)
        if isinstance(kind, list):
            return " or ".join(kind)
        return str(kind or "any")


def split_example(description: str) -> tuple[str, str | None]:
    """(the text, its `Example: ...` sentence's content) of a description."""
    match = _EXAMPLE.search(description)
    if match is None:
        return description.strip(), None
    return description[:match.start()].strip(), match.group(1).strip().rstrip(".").strip()


def flow_text(value: Any) -> str:
    """A value as a YAML author writes it inline (`[a, b]`, `{k: v}`, `true`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(flow_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow_text(v)}" for k, v in value.items()) + "}"
    return str(value)
