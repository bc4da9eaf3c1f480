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
        return self.refs[pointer]

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        checks: list[Check] = []
        for key, arg in schema.items():
            if key in ANNOTATIONS or key in ("then", "else"):
                continue
            checks.append(self._keyword(key, arg, schema))
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(c(v) for c in checks)

    def _keyword(self, key: str, arg: Any, schema: Mapping[str, Any]) -> Check:
        handler = getattr(self, "_k_" + key.lstrip("$"), None)
        if handler is None:
            raise KeyError(f"keyword {key!r} is outside the compiled subset")
        check: Check = handler(arg, schema)
        return check

    def _k_ref(self, arg: str, _: Any) -> Check:
        return self.ref(arg)

    def _k_type(self, arg: Any, _: Any) -> Check:
        tests = [_TYPES[t] for t in (arg if isinstance(arg, list) else [arg])]
        return tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))

    def _k_enum(self, arg: list[Any], _: Any) -> Check:
        return lambda v: any(_same(v, option) for option in arg)

    def _k_const(self, arg: Any, _: Any) -> Check:
        return lambda v: _same(v, arg)

    def _k_pattern(self, arg: str, _: Any) -> Check:
        search = re.compile(arg).search
        return lambda v: not isinstance(v, str) or search(v) is not None

    def _k_minLength(self, arg: int, _: Any) -> Check:
        return lambda v: not isinstance(v, str) or len(v) >= arg

    def _k_minimum(self, arg: float, _: Any) -> Check:
        return lambda v: not _TYPES["number"](v) or v >= arg

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
        return lambda v: not isinstance(v, list) or all(item(x) for x in v)

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


def compile_schema(schema: Mapping[str, Any]) -> Check:
    """A predicate equivalent to jsonschema's `is_valid` for our subset; KeyError otherwise."""
    return _Compiler(schema).compile(schema)
