"""The console examples of `gongdan validate` and `gongdan route --explain` in the README and
docs/cli.md are what the commands print on the reference config: each is run here."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import REPO, run_cli

PAGES = [REPO / "README.md", REPO / "docs" / "cli.md"]
CONFIG = ("categories.yaml", "rosters.yaml", "sla_profiles.yaml", "views.yaml", "reports.yaml", "rules", "templates")


def _after(text: str, command: str) -> str:
    """What a console block shows after `$ command`, up to the next prompt or the block's end."""
    start = text.index(f"$ {command}\n") + len(command) + 3
    end = min(i for i in (text.find("\n$ ", start), text.find("```", start)) if i >= 0)
    return text[start:end].rstrip("\n") + "\n"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_explain_example_is_what_route_prints(page: Path, tmp_path: Path) -> None:
    text = page.read_text(encoding="utf-8")
    (tmp_path / "event.json").write_text(_after(text, "cat event.json"), encoding="utf-8")
    code, out, _ = run_cli("route", str(tmp_path / "event.json"), "--explain", "--config", str(REPO))
    assert code == 0
    assert out == _after(text, "gongdan route event.json --explain")


def test_the_readme_validate_example_is_what_validate_prints(tmp_path: Path) -> None:
    """The README's example: the team of `trade/order` misspelt at categories.yaml:19."""
    root = tmp_path / "config"
    root.mkdir()
    for name in CONFIG:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.exists():
            shutil.copy(source, root / name)
    lines = (root / "categories.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[18] == "        team: trade-order\n"
    lines[18] = "        team: trade-ordr\n"
    (root / "categories.yaml").write_text("".join(lines), encoding="utf-8")
    code, out, err = run_cli("validate", "--gaps-from", "2026-11-01T00:00:00+08:00", cwd=root)
    assert code == 1
    assert out + err == _after((REPO / "README.md").read_text(encoding="utf-8"), "gongdan validate")
