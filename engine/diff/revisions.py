"""BASE and HEAD as config dirs. A directory is taken as it is; a git revision's config
files are extracted with `git archive` into a temporary directory (never checked out over
the user's tree); no HEAD means the working tree, no BASE the merge base of HEAD with the
default branch (origin/HEAD, else main, else master).

This is load-time I/O, like reading a config dir: it runs before any engine exists.
"""
from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from engine.config.build import CATEGORIES, ROSTERS, RULES_DIR, SLA_PROFILES
from engine.config.files import TEMPLATES_DIR
from engine.diff.sides import Source
from engine.errors import GongdanError

DEFAULT_BRANCHES = ("origin/HEAD", "main", "master")
WORKING_TREE = "working tree"


class RevisionError(GongdanError):
    """A revision or repository the diff cannot read (a usage error for the CLI)."""


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise RevisionError("git is not installed (needed to read revisions)") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RevisionError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


def repository(config_dir: Path) -> tuple[Path, str]:
    """The repository's top folder and the config dir inside it (`""` at the top)."""
    try:
        top = Path(_git(config_dir, "rev-parse", "--show-toplevel").decode().strip()).resolve()
    except RevisionError:
        raise RevisionError(f"{config_dir} is not inside a git repository (give two directories instead)") from None
    inside = config_dir.resolve().relative_to(top).as_posix()
    return top, "" if inside == "." else inside


def commit(repo: Path, revision: str) -> str:
    """The commit a revision names; RevisionError when it names none."""
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").decode().strip()
    except RevisionError:
        raise RevisionError(f"unknown revision {revision!r}") from None


def default_base(repo: Path) -> tuple[str, str]:
    """(label, commit): the merge base of HEAD with the first default branch that exists."""
    for branch in DEFAULT_BRANCHES:
        try:
            tip = commit(repo, branch)
        except RevisionError:
            continue
        label = _git(repo, "rev-parse", "--abbrev-ref", branch).decode().strip() or branch
        return label, _git(repo, "merge-base", tip, "HEAD").decode().strip()
    raise RevisionError("no default branch to compare with (origin/HEAD, main or master): name BASE")


def config_paths(names: list[str], inside: str) -> list[str]:
    """The files of a listing that a config dir at `inside` is read from."""
    prefix = f"{inside}/" if inside else ""
    wanted = []
    for name in names:
        if not name.startswith(prefix):
            continue
        rel = PurePosixPath(name[len(prefix):])
        top = rel.parts[0]
        if str(rel) in (CATEGORIES, ROSTERS, SLA_PROFILES) or top == TEMPLATES_DIR \
                or (top == RULES_DIR and len(rel.parts) == 2):
            wanted.append(name)
    return wanted


def extract(repo: Path, revision: str, inside: str, into: Path) -> Path:
    """The config dir as it is at `revision`, written under `into`; returns its path there."""
    sha = commit(repo, revision)
    listing = _git(repo, "ls-tree", "-r", "-z", "--name-only", "--full-tree", sha).decode("utf-8")
    names = config_paths([n for n in listing.split("\0") if n], inside)
    into.mkdir(parents=True, exist_ok=True)
    if names:
        archive = _git(repo, "archive", "--format=tar", sha, "--", *names)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            if hasattr(tarfile, "data_filter"):   # Python 3.11.4 and later
                tar.extractall(into, filter="data")
            else:   # the names are the ones listed above, from the user's own repository
                tar.extractall(into)
    root = into / inside if inside else into
    root.mkdir(parents=True, exist_ok=True)
    return root


def _working_tree(config_dir: Path) -> Source:
    """The config dir as it is on disk; named by its place in the repository, if any."""
    try:
        _, inside = repository(config_dir)
    except RevisionError:   # outside a repository, the directory is just a directory
        inside = ""
    return Source(WORKING_TREE, config_dir, _prefix(inside))


def _prefix(inside: str) -> str:
    return f"{inside}/" if inside else ""


def source(argument: str | None, config_dir: Path, scratch: Path, role: str) -> Source:
    """BASE or HEAD (`role`) as a Source: a directory, a revision, or the default."""
    if argument is not None and Path(argument).is_dir():
        return Source(argument, Path(argument))
    if argument is None and role == "head":
        return _working_tree(config_dir)
    repo, inside = repository(config_dir)
    if argument is None:
        label, sha = default_base(repo)
    else:
        label, sha = argument, argument
    return Source(label, extract(repo, sha, inside, scratch / role), _prefix(inside))
