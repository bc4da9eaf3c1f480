"""docs/recipes.md cannot rot: every block it shows is in tests/data/recipes/ word for
word, that config is valid, and the case under each recipe passes."""
from __future__ import annotations

import re

import pytest

import engine
from engine.cases import load_cases, run_case
from helpers import DATA, REPO

RECIPES = DATA / "recipes"
PAGE = (REPO / "docs" / "recipes.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"<!-- file: (\S+) -->\n```\w+\n(.*?)```\n", re.S)
SECTIONS = re.split(r"^## ", PAGE, flags=re.M)[1:]
CASES, PROBLEMS = load_cases(RECIPES / "tests" / "cases" / "recipes.yaml", "recipes.yaml")


def test_every_block_is_in_its_file() -> None:
    found = BLOCK.findall(PAGE)
    assert len(found) == 22
    assert [path for path, text in found if text not in (RECIPES / path).read_text(encoding="utf-8")] == []


@pytest.mark.parametrize("section", SECTIONS, ids=[s.splitlines()[0] for s in SECTIONS])
def test_each_recipe_shows_config_and_a_case(section: str) -> None:
    paths = [path for path, _ in BLOCK.findall(section)]
    assert "tests/cases/recipes.yaml" in paths and any(p != "tests/cases/recipes.yaml" for p in paths)


def test_the_recipes_config_is_valid() -> None:
    assert engine.check(RECIPES) == []


def test_every_case_is_on_the_page() -> None:
    assert PROBLEMS == []
    assert [case.name for case in CASES if f"- name: {case.name}\n" not in PAGE] == []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_recipe_cases_pass(case: object) -> None:
    assert run_case(engine.load(RECIPES), case).problems == []  # type: ignore[arg-type]
