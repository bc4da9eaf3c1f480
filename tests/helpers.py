"""What the tests share: the repository's paths, golden config folders laid over the minimal
config, the CLI through click's CliRunner, and the reference config loaded once.

Test modules import these (`from helpers import REPO`; pyproject puts tests/ on the path);
conftest.py holds only fixtures.
"""
from __future__ import annotations

import os
import shutil
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import engine

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


def data_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index path into a JSON-like value (for tests that damage one spot)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += data_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += data_paths(item, (*prefix, i))
    return found


def ts(text: str) -> float:
    """POSIX seconds of an RFC 3339 datetime with an offset."""
    return datetime.fromisoformat(text).timestamp()


@cache
def reference_engine() -> engine.Engine:
    """The repository's reference config, loaded once per test process (about a second).

    Tests take it through the `reference` fixture; only code that runs at collection time
    (a parametrize list built from it) calls this directly. An Engine is immutable and
    evaluation is pure, so one instance serves every test.
    """
    return engine.load(REPO)
