"""Shared fixtures: the reference config, the minimal valid config, and overlay cases."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
MINIMAL = DATA / "valid" / "minimal"


def materialise(case: Path, into: Path) -> Path:
    """The minimal config with a case's files laid over it (and `remove.txt` files removed)."""
    target = into / case.name
    shutil.copytree(MINIMAL, target)
    for path in case.rglob("*"):
        rel = path.relative_to(case)
        if path.is_dir() or rel.name in ("expected.txt", "remove.txt"):
            continue
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / rel)
    removals = case / "remove.txt"
    if removals.exists():
        for line in removals.read_text().split():
            (target / line).unlink()
    return target


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A private copy of the minimal valid config that a test may edit."""
    target = tmp_path / "minimal"
    shutil.copytree(MINIMAL, target)
    return target


def run_cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """`gongdan ARGS` through click's CliRunner (in `cwd` if given): exit code, stdout, stderr."""
    from click.testing import CliRunner

    from engine.cli import main

    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr
