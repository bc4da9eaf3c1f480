"""Golden config folders: valid ones have no diagnostics, each invalid one its exact list."""
from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.checks import CHECKS, run_checks
from engine.diagnostics import render_text
from engine.pipeline import build_config

from conftest import DATA, REPO, materialise

INVALID = sorted(p for p in (DATA / "invalid").iterdir() if p.is_dir())
VALID = sorted(p for p in (DATA / "valid").iterdir() if p.is_dir()) + [REPO]


@pytest.mark.parametrize("case", INVALID, ids=[p.name for p in INVALID])
def test_invalid_config_gives_exact_diagnostics(case: Path, tmp_path: Path) -> None:
    config_dir = materialise(case, tmp_path)
    assert render_text(engine.check(config_dir)) == (case / "expected.txt").read_text()


@pytest.mark.parametrize("config_dir", VALID, ids=[p.name or "reference" for p in VALID])
def test_valid_config_has_no_diagnostics(config_dir: Path) -> None:
    assert engine.check(config_dir) == []


def test_every_invalid_case_fails_or_warns() -> None:
    """A golden case with an empty expected.txt would test nothing."""
    empty = [case.name for case in INVALID if not (case / "expected.txt").read_text().strip()]
    assert empty == []


def test_load_raises_config_error_with_all_diagnostics(tmp_path: Path) -> None:
    config_dir = materialise(DATA / "invalid" / "unknown-refs", tmp_path)
    with pytest.raises(engine.ConfigError) as info:
        engine.load(config_dir)
    assert render_text(info.value.diagnostics) == (DATA / "invalid" / "unknown-refs" / "expected.txt").read_text()
    assert str(info.value).startswith("categories.yaml:17:76: error[ref.unknown-calendar]")
    assert str(info.value).endswith("(and 14 more)")


def test_load_accepts_warnings_and_keeps_them(tmp_path: Path) -> None:
    config_dir = materialise(DATA / "invalid" / "not-a-member", tmp_path)
    eng = engine.load(config_dir)
    assert [d.code for d in eng.diagnostics] == ["roster.not-a-member", "roster.not-a-member"]


def test_check_never_raises_on_a_missing_dir(tmp_path: Path) -> None:
    diags = engine.check(tmp_path / "nowhere")
    assert [d.code for d in diags] == ["config.not-a-directory"]


def test_check_registry_runs_only_what_is_named(minimal: Path) -> None:
    (minimal / "categories.yaml").write_text(
        (minimal / "categories.yaml").read_text().replace("team: shop-order\n", "team: nope\n"))
    config, _ = build_config(minimal)
    assert config is not None
    assert [d.code for d in run_checks(config, only=["calendars"])] == []
    assert [d.code for d in run_checks(config, only=["refs.categories"])] == ["ref.unknown-team"]
    assert {"duplicates", "refs.categories", "org.managers", "calendars", "sla.profiles"} <= set(CHECKS)


def test_schema_stage_stops_the_pipeline(minimal: Path) -> None:
    """Semantic checks only run on schema-valid files: no cascade of follow-on errors."""
    text = (minimal / "categories.yaml").read_text()
    (minimal / "categories.yaml").write_text(text.replace("team: shop-order\n", "team: [nope]\n"))
    assert [d.code for d in engine.check(minimal)] == ["schema.type"]
