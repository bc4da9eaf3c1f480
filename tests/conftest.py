"""Fixtures only: the reference engine, and a private copy of the minimal config.
Shared code that is not a fixture lives in helpers.py."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import engine
from helpers import MINIMAL, reference_engine


@pytest.fixture(scope="session")
def reference() -> engine.Engine:
    """The engine of the repository's reference config (root of the repo), loaded once."""
    return reference_engine()


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A private copy of the minimal valid config that a test may edit."""
    target = tmp_path / "minimal"
    shutil.copytree(MINIMAL, target)
    return target
