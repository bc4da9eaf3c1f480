"""A compiled yes/no validator for the JSON Schema subset our schemas use.

jsonschema stays the reference and the source of every error message; this only answers
"is it valid?" fast, so a valid config (the common case in CI and at load) skips the slow
walk. Any keyword outside the subset makes `compile_schema` refuse (KeyError), and the
caller falls back to jsonschema alone. A test pins the two to agree.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]
ANNOTATIONS = frozenset({"description", "title", "examples", "default", "$schema", "$id",
                         "$comment", "$defs", "deprecated"})
_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
}


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, lists and objects compare element-wise."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return (type(a) in (int, float) and type(b) in (int, float) and a == b) or \
        (type(a) is type(b) and a == b)


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        if not pointer.startswith("#/$defs/"):
            raise KeyError(f"unsupported $ref {pointer!r}")
        if pointer not in self.refs:
            slot: list[Check] = []
            self.refs[pointer] = lambda v: slot[0](v)  # late-bound: definitions may recurse
            slot.append(self.compile(self.root["$defs"][pointer[len("#/$defs/"):]]))
            self.refs[pointer] = slot[0]   # later references call it directly
        return self.refs[pointer]

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        checks: list[Check] = []
        fused = _fusable(schema)
        if fused and fused is not _TYPE:
            checks.append(self._object(schema))
        for key, arg in schema.items():
            if key in ANNOTATIONS or key in ("then", "else") or key in fused:
                continue
            checks.append(self._keyword(key, arg, schema))
        return _all_of(checks)

    def _object(self, schema: Mapping[str, Any]) -> Check:
        """An object's type, required keys, properties and additional properties in one
        pass over its items (the keywords' separate checks each walk it: most of the
        time of a large roster went to that)."""
        typed = schema.get("type") == "object"
        required = tuple(schema.get("required", ()))
        props = {k: self.compile(s) for k, s in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        other = None if extra is False else self.compile(extra)
        known = props.get

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return not typed
            for k in required:
                if k not in v:
                    return False
            for k, x in v.items():
                c = known(k)
                if c is None:
                    if other is None or not other(x):
                        return False
                elif not c(x):
                    return False
            return True
        return check

    def _keyword(self, key: str, arg: Any, schema: Mapping[str, Any]) -> Check:
        handler = KEYWORDS.get(key)
        if handler is None:
            raise KeyError(f"keyword {key!r} is outside the compiled subset")
        return handler(self, arg, schema)

    def _k_ref(self, arg: str, _: Any) -> Check:
        return self.ref(arg)

    def _k_type(self, arg: Any, _: Any) -> Check:
        tests = [_TYPES[t] for t in (arg if isinstance(arg, list) else [arg])]
        return tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))

    def _k_enum(self, arg: list[Any], _: Any) -> Check:
        return lambda v: any(_same(v, option) for option in arg)

    def _k_const(self, arg: Any, _: Any) -> Check:
        return lambda v: _same(v, arg)

    def _k_pattern(self, arg: str, schema: Mapping[str, Any]) -> Check:
        search = re.compile(arg).search
        if schema.get("type") == "string":   # the type's own check is skipped (_fusable)
            return lambda v: isinstance(v, str) and search(v) is not None
        return lambda v: not isinstance(v, str) or search(v) is not None

    def _k_minLength(self, arg: int, _: Any) -> Check:
        return lambda v: not isinstance(v, str) or len(v) >= arg

    def _k_minimum(self, arg: float, _: Any) -> Check:
        return lambda v: not _TYPES["number"](v) or v >= arg

    def _k_maxLength(self, arg: int, _: Any) -> Check:
        return lambda v: not isinstance(v, str) or len(v) <= arg

    def _k_maxItems(self, arg: int, _: Any) -> Check:
        return lambda v: not isinstance(v, list) or len(v) <= arg

    def _k_minItems(self, arg: int, _: Any) -> Check:
        return lambda v: not isinstance(v, list) or len(v) >= arg

    def _k_minProperties(self, arg: int, _: Any) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) >= arg

    def _k_maxProperties(self, arg: int, _: Any) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) <= arg

    def _k_required(self, arg: list[str], _: Any) -> Check:
        return lambda v: not isinstance(v, dict) or all(k in v for k in arg)

    def _k_items(self, arg: Any, _: Any) -> Check:
        item = self.compile(arg)

        def check(v: Any) -> bool:
            if isinstance(v, list):
                for x in v:
                    if not item(x):
                        return False
            return True
        return check

    def _k_propertyNames(self, arg: Any, _: Any) -> Check:
        name = self.compile(arg)
        return lambda v: not isinstance(v, dict) or all(name(k) for k in v)

    def _k_properties(self, arg: Mapping[str, Any], _: Any) -> Check:
        props = {k: self.compile(s) for k, s in arg.items()}
        return lambda v: not isinstance(v, dict) or all(
            props[k](x) for k, x in v.items() if k in props)

    def _k_patternProperties(self, arg: Mapping[str, Any], _: Any) -> Check:
        pats = [(re.compile(p).search, self.compile(s)) for p, s in arg.items()]
        return lambda v: not isinstance(v, dict) or all(
            c(x) for k, x in v.items() for search, c in pats if search(k))

    def _k_additionalProperties(self, arg: Any, schema: Mapping[str, Any]) -> Check:
        known = frozenset(schema.get("properties", {}))
        pats = [re.compile(p).search for p in schema.get("patternProperties", {})]
        extra = self.compile(arg)
        return lambda v: not isinstance(v, dict) or all(
            extra(x) for k, x in v.items() if k not in known and not any(p(k) for p in pats))

    def _k_if(self, arg: Any, schema: Mapping[str, Any]) -> Check:
        cond = self.compile(arg)
        then = self.compile(schema.get("then", True))
        other = self.compile(schema.get("else", True))
        return lambda v: then(v) if cond(v) else other(v)

    def _k_allOf(self, arg: list[Any], _: Any) -> Check:
        parts = [self.compile(s) for s in arg]
        return lambda v: all(p(v) for p in parts)

    def _k_anyOf(self, arg: list[Any], _: Any) -> Check:
        parts = [self.compile(s) for s in arg]
        return lambda v: any(p(v) for p in parts)

    def _k_oneOf(self, arg: list[Any], _: Any) -> Check:
        parts = [self.compile(s) for s in arg]
        return lambda v: sum(1 for p in parts if p(v)) == 1


_FUSED = frozenset({"type", "required", "properties", "additionalProperties"})
_TYPE = frozenset({"type"})


def _fusable(schema: Mapping[str, Any]) -> frozenset[str]:
    """The keywords `_Compiler._object` checks in one pass: an object's type, required,
    properties and additionalProperties (without patternProperties, which would change
    what counts as additional); empty when the schema has no properties to check. A
    string's type is checked by its pattern (`_k_pattern`)."""
    if schema.get("type") == "string" and "pattern" in schema:
        return _TYPE
    if "properties" not in schema or "patternProperties" in schema or \
            schema.get("type", "object") != "object":
        return frozenset()
    return _FUSED & schema.keys()


def _all_of(checks: list[Check]) -> Check:
    """Every check holds: the common short lists without a generator."""
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(c(v) for c in checks)


# Every keyword of the compiled subset, by name: what a schema may use and still be compiled.
KEYWORDS: dict[str, Callable[[_Compiler, Any, Mapping[str, Any]], Check]] = {
    "$ref": _Compiler._k_ref,
    "type": _Compiler._k_type,
    "enum": _Compiler._k_enum,
    "const": _Compiler._k_const,
    "pattern": _Compiler._k_pattern,
    "minLength": _Compiler._k_minLength,
    "minimum": _Compiler._k_minimum,
    "maxLength": _Compiler._k_maxLength,
    "maxItems": _Compiler._k_maxItems,
    "minItems": _Compiler._k_minItems,
    "minProperties": _Compiler._k_minProperties,
    "maxProperties": _Compiler._k_maxProperties,
    "required": _Compiler._k_required,
    "items": _Compiler._k_items,
    "propertyNames": _Compiler._k_propertyNames,
    "properties": _Compiler._k_properties,
    "patternProperties": _Compiler._k_patternProperties,
    "additionalProperties": _Compiler._k_additionalProperties,
    "if": _Compiler._k_if,
    "allOf": _Compiler._k_allOf,
    "anyOf": _Compiler._k_anyOf,
    "oneOf": _Compiler._k_oneOf,
}


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """A predicate equivalent to jsonschema's `is_valid` for our subset; KeyError otherwise."""
    return _Compiler(schema).compile(schema)
