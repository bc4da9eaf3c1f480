"""Fixtures for the `gongdan diff` tests: real git repositories in tmp_path (diff/repos.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from diff.repos import Repo, make_repo, reference_repo
from helpers import MINIMAL


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """`main` with the minimal config at the top of the repository, one commit."""
    return make_repo(tmp_path / "repo", MINIMAL)


@pytest.fixture
def nested_repo(tmp_path: Path) -> Repo:
    """`main` with the minimal config in the repository's `conf/` folder."""
    return make_repo(tmp_path / "repo", MINIMAL, "conf")


@pytest.fixture
def reference(tmp_path: Path) -> Repo:
    """`main` with the reference config."""
    return reference_repo(tmp_path / "repo")
