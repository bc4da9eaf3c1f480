"""Real git repositories for the `gongdan diff` tests: a config copied in, committed on
`main`, and the way to change it, commit, and run the command in it.

Imported as `diff.repos` (tests/ is on the path; tests/diff is a namespace package)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from helpers import REPO, run_cli

AT = "2026-11-02T00:00:00+08:00"   # the duty section's instant in every test


class Repo:
    """A repository with the config at `root / folder`; edits are text replacements that
    must apply exactly once, so a test never edits what it did not mean to."""

    def __init__(self, root: Path, folder: str = "") -> None:
        self.root = root
        self.config = root / folder if folder else root

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True, check=True)
        return done.stdout

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("-c", "user.name=t", "-c", "user.email=t@x", "-c", "commit.gpgsign=false", "commit", "-q", "-m", message)

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.config / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not in {name} exactly once"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def write(self, name: str, text: str) -> None:
        path = self.config / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def branch(self, name: str) -> None:
        self.git("checkout", "-q", "-b", name)

    def diff(self, *args: str) -> tuple[int, str, str]:
        """`gongdan diff ARGS --at AT` run in the repository: exit code, stdout, stderr."""
        return run_cli("diff", *args, "--at", AT, cwd=self.root)


def make_repo(root: Path, source: Path, folder: str = "") -> Repo:
    """A new repository at `root` whose `main` holds a copy of the config `source`."""
    repo = Repo(root, folder)
    shutil.copytree(source, repo.config)
    repo.git("init", "-q", "-b", "main")
    repo.commit("the config")
    return repo



def reference_repo(root: Path) -> Repo:
    """A new repository whose `main` holds the reference config (the repository's own)."""
    repo = Repo(root)
    root.mkdir()
    for name in ("categories.yaml", "rosters.yaml", "sla_profiles.yaml"):
        shutil.copyfile(REPO / name, root / name)
    shutil.copytree(REPO / "rules", root / "rules")
    repo.git("init", "-q", "-b", "main")
    repo.commit("the reference config")
    return repo
