"""The compiled yes/no schema check agrees with jsonschema on every document we can make."""
from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.config.files import config_files
from engine.config.schema import KINDS, fast_check, validator
from engine.config.schema_fast import compile_schema
from engine.config.source import parse_yaml
from helpers import DATA, MINIMAL, REPO


def documents() -> list[tuple[str, str, Any]]:
    """(id, kind, data) of every config file in the reference, minimal and golden dirs."""
    found = []
    for root in [REPO, MINIMAL, *sorted((DATA / "invalid").iterdir())]:
        for name, kind in config_files(root):
            path = root / name
            if path.exists():
                doc, _ = parse_yaml(path.read_text(), name)
                if doc is not None:
                    found.append((f"{root.name or 'reference'}/{name}", kind, doc.data))
    return found


DOCS = documents()


@pytest.mark.parametrize("kind", KINDS)
def test_every_schema_compiles(kind: str) -> None:
    assert fast_check(kind) is not None


@pytest.mark.parametrize("ident, kind, data", DOCS, ids=[d[0] for d in DOCS])
def test_agrees_on_real_documents(ident: str, kind: str, data: Any) -> None:
    assert fast_check(kind)(data) == validator(kind).is_valid(data)  # type: ignore[misc]


def test_refuses_keywords_outside_the_subset() -> None:
    with pytest.raises(KeyError) as refused:
        compile_schema({"type": "string", "format": "email"})
    assert refused.value.args == ("keyword 'format' is outside the compiled subset",)


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 100), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "15m", "1h30m", "50%", "09:00-12:00", "2026-10-01", "P1", "a b", "mon-fri",
                     "2026-11-11T00:05:00+08:00", "0 9 * * 1", "Asia/Shanghai", "dingtalk", "team_lead",
                     "keep", "x", "资损"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["id", "key", "team", "at", "after", "when", "in", "regex", "x",
                                     "response", "members", "fields.region", "contains"]), inner,
                    max_size=3)), max_leaves=6)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _paths(value, (*path, i))
    return found


def _mutate(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    data = copy.deepcopy(data)
    if not path:
        return value
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "add" and isinstance(parent, dict):
        parent[f"{last}_extra"] = value
    else:
        parent[last] = value
    return data


MINIMAL_DOCS = [d for d in DOCS if d[0].startswith("minimal/")]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MINIMAL_DOCS), st.data(), st.sampled_from(["replace", "delete", "add"]), VALUES)
def test_agrees_on_mutated_documents(doc: tuple[str, str, Any], data: st.DataObject, action: str,
                                     value: Any) -> None:
    _, kind, original = doc
    path = data.draw(st.sampled_from(_paths(original)))
    mutated = _mutate(original, path, action, value)
    assert fast_check(kind)(mutated) == validator(kind).is_valid(mutated)  # type: ignore[misc]


def test_minimal_docs_were_found() -> None:
    assert sorted(d[0] for d in MINIMAL_DOCS) == [
        "minimal/categories.yaml", "minimal/rosters.yaml", "minimal/rules/10-grading.yaml",
        "minimal/rules/20-routing.yaml", "minimal/sla_profiles.yaml"]


REFERENCE_DOCS = [d for d in DOCS if d[0].startswith(f"{REPO.name or 'reference'}/")]


def test_reference_docs_were_found() -> None:
    assert sorted(d[1] for d in REFERENCE_DOCS) == [
        "categories", "reports", "rosters", "rules", "rules", "sla_profiles", "views"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(REFERENCE_DOCS), st.data(), st.sampled_from(["replace", "delete", "add"]), VALUES)
def test_agrees_on_mutated_reference_documents(doc: tuple[str, str, Any], data: st.DataObject,
                                               action: str, value: Any) -> None:
    """The reference config uses every file kind (views and reports too)."""
    _, kind, original = doc
    path = data.draw(st.sampled_from(_paths(original)))
    mutated = _mutate(original, path, action, value)
    assert fast_check(kind)(mutated) == validator(kind).is_valid(mutated)  # type: ignore[misc]


# Shapes the compiler checks in one pass (an object's type, required, properties and
# additional properties; a string's type with its pattern) and those it must not fuse.
FUSED_SCHEMAS = [
    {"type": "object", "properties": {"a": {"type": "string", "pattern": "^x"}}, "required": ["a"],
     "additionalProperties": False},
    {"properties": {"a": {"type": "integer"}}, "additionalProperties": {"type": "boolean"}},
    {"type": "object", "properties": {"a": {"const": 1}}, "patternProperties": {"^b": {"type": "string"}},
     "additionalProperties": False},
    {"type": ["object", "null"], "properties": {"a": {"type": "string"}}, "required": ["a"]},
    {"type": "object", "properties": {"a": {"type": "string"}}, "minProperties": 2, "required": ["b"]},
    {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3},
    {"type": ["string", "null"], "pattern": "^[a-z]+$"},
    {"pattern": "^[a-z]+$"},
    {"$defs": {"node": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                        "additionalProperties": False}},
     "$ref": "#/$defs/node"},
]
INSTANCES = [None, True, 1, 1.0, "x", "xy", "abcd", "ab", [], ["x"], {}, {"a": "x"}, {"a": "y"}, {"a": 1},
             {"a": "x", "b": True}, {"a": "x", "b": "s"}, {"a": 1, "c": True}, {"b": "s"}, {"kids": []},
             {"kids": [{"kids": [{}]}]}, {"kids": [{"kids": [{"x": 1}]}]}, {"kids": [1]}]


@pytest.mark.parametrize("schema", FUSED_SCHEMAS, ids=[f"schema-{i}" for i in range(len(FUSED_SCHEMAS))])
def test_fused_checks_agree_with_jsonschema(schema: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    check, reference = compile_schema(schema), Draft202012Validator(schema)
    assert [check(v) for v in INSTANCES] == [reference.is_valid(v) for v in INSTANCES]
