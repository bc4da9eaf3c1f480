"""schemas/case.schema.json is for editors (`# yaml-language-server: $schema=...`): a valid
Draft 2020-12 schema, self-contained (no remote `$ref`), that takes every golden case file
and states the same keys as the loader's tables (engine/cases/model.py, the decision schema)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from engine.cases.model import CASE_KEYS, NOTIFIED_KEYS, PLANNED_KEYS, STEP_KEYS, WANT_EXTRAS
from engine.config.schema import load_schema
from engine.config.source import load_yaml
from helpers import DATA, REPO

SCHEMA_PATH = REPO / "schemas" / "case.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
CASE_FILES = sorted((REPO / "tests" / "cases").glob("*.yaml")) + sorted((DATA / "tutorial" / "tests" / "cases").glob("*.yaml"))
MODELINE = re.compile(r"# yaml-language-server: \$schema=(\S+)")


def test_the_schema_is_valid_and_self_contained() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    refs = re.findall(r'"\$ref": "([^"]*)"', SCHEMA_PATH.read_text(encoding="utf-8"))
    assert refs and all(ref.startswith("#/$defs/") for ref in refs)
    assert "$id" not in SCHEMA   # an $id would make editors resolve relative refs against it


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_every_case_file_validates(path: Path) -> None:
    doc, diagnostics = load_yaml(path)
    assert doc is not None and diagnostics == []
    assert [e.message for e in Draft202012Validator(SCHEMA).iter_errors(doc.data)] == []


@pytest.mark.parametrize("path", [p for p in CASE_FILES if MODELINE.match(p.read_text(encoding="utf-8"))],
                         ids=lambda p: p.stem)
def test_the_modeline_points_at_the_schema(path: Path) -> None:
    match = MODELINE.match(path.read_text(encoding="utf-8"))
    assert match is not None and (path.parent / match.group(1)).resolve() == SCHEMA_PATH


def test_the_malformed_example_is_refused_by_the_schema_too() -> None:
    doc, _ = load_yaml(DATA / "cases" / "malformed.yaml")
    assert doc is not None
    messages = {e.message for e in Draft202012Validator(SCHEMA).iter_errors(doc.data)}
    assert {"Additional properties are not allowed ('wnat' was unexpected)",
            "Additional properties are not allowed ('asignee' was unexpected)",
            "Additional properties are not allowed ('evnt' was unexpected)"} <= messages


def test_the_keys_are_the_loaders() -> None:
    defs = SCHEMA["$defs"]
    decision = load_schema("decision")
    assert list(defs["case"]["properties"]) == list(CASE_KEYS)
    assert list(defs["step"]["properties"]) == list(STEP_KEYS)
    assert list(defs["want"]["properties"]) == [*decision["properties"], *WANT_EXTRAS]
    assert list(defs["want"]["properties"]["notified"]["items"]["properties"]) == list(NOTIFIED_KEYS)
    assert list(defs["want"]["properties"]["planned"]["items"]["properties"]) == list(PLANNED_KEYS)
    assert set(NOTIFIED_KEYS) == set(decision["$defs"]["notification"]["properties"])
    assert set(PLANNED_KEYS) == set(decision["$defs"]["timer"]["properties"])
