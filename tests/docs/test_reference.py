"""The generated config reference (docs/reference/) is what the schemas say today: the CI
drift check, and the tables it is made from held to docs/config.md and the schemas."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from engine.config.reference_codes import CHECK_CODES, UNKEYED_CODES
from engine.config.reference_docs import PAGES, anchor, drift, main, pages
from engine.config.reference_walk import SchemaWalk
from engine.config.schema import load_schema
from helpers import REPO

REFERENCE = REPO / "docs" / "reference"


def test_the_committed_pages_are_the_generated_ones() -> None:
    """Fails when a schema changed without `python -m engine.config.reference_docs`."""
    assert drift(REFERENCE) == []


def test_check_mode_names_a_stale_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reference"
    shutil.copytree(REFERENCE, out)
    assert main(["--check", "--out", str(out)]) == 0
    (out / "rosters.md").write_text("edited by hand\n", encoding="utf-8")
    (out / "old.md").write_text("a page no schema makes\n", encoding="utf-8")
    assert main(["--check", "--out", str(out)]) == 1
    assert capsys.readouterr().out == (
        f"{out / 'old.md'}: differs from the schemas; run python -m engine.config.reference_docs\n"
        f"{out / 'rosters.md'}: differs from the schemas; run python -m engine.config.reference_docs\n")
    assert main(["--out", str(out)]) == 0
    assert drift(out) == ["old.md"]


def _paths(kind: str) -> set[str]:
    walk = SchemaWalk(load_schema(kind))
    return {k.path for k in walk.key_docs()} | {f"{s}:{k.path}" for s in walk.shared for k in walk.shape_keys(s)}


@pytest.mark.parametrize("kind", sorted(CHECK_CODES))
def test_every_key_the_code_table_names_exists(kind: str) -> None:
    assert set(CHECK_CODES[kind]) - _paths(kind) == set()


def test_every_documented_code_is_in_the_reference() -> None:
    """Each code of docs/config.md's table concerns a key of some page, or a whole file."""
    table = (REPO / "docs" / "config.md").read_text(encoding="utf-8").split("## Diagnostic codes")[1]
    documented = {code for row in table.splitlines() if row.startswith("| `")
                  for code in re.findall(r"`([a-z]+\.[a-z0-9-]+)`", row.split(" | ")[0])}
    shown = {code for text in pages().values() for code in re.findall(r"`([a-z]+\.[a-z0-9-]+)`", text)}
    assert documented - shown - set(UNKEYED_CODES) == set()
    assert set(UNKEYED_CODES) <= documented


@pytest.mark.parametrize("spec", PAGES, ids=[s.kind for s in PAGES])
def test_every_key_has_a_text_and_an_example(spec: object) -> None:
    walk = SchemaWalk(load_schema(spec.kind))  # type: ignore[attr-defined]
    keys = walk.key_docs() + [k for s in walk.shared for k in walk.shape_keys(s)]
    assert [k.path for k in keys if not k.description or not k.example] == []


def test_every_key_is_in_the_index_with_a_working_link() -> None:
    generated = pages()
    index = generated["README.md"]
    links = re.findall(r"\]\(([a-z_]+\.md)#([a-z0-9_-]+)\)", index)
    assert links and all(f'<a id="{target}"></a>' in generated[page] for page, target in links)
    assert "[`schedules.<id>.layers[].turn_length`](rosters.md#schedules-id-layers-turn_length)" in index
    assert anchor("matcher:any") == "matcher-any"
