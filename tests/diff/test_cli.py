"""`gongdan diff` through CliRunner: what BASE and HEAD default to, revisions read without
touching the working tree, a config in a subfolder, two directories, and the exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from diff.repos import AT, Repo
from helpers import MINIMAL, run_cli

NO_CHANGE = "<!-- gongdan-diff --> {}: 50 tickets replayed, no change\n"
TEAM_MOVE = ("        team: shop-order\n", "        team: shop-sre\n")


def headline(out: str) -> str:
    return json.loads(out)["headline"]


def test_no_arguments_compare_the_merge_base_with_the_working_tree(repo: Repo) -> None:
    """Like a pull request: main's tip moved on after the branch left it, so BASE is where
    the branch started, and HEAD is the working tree with its uncommitted edit."""
    repo.branch("feature")
    repo.git("checkout", "-q", "main")
    repo.edit("sla_profiles.yaml", "P4: {response: 1d, resolve: 10d}", "P4: {response: 2d, resolve: 10d}")
    repo.commit("main moved on")
    repo.git("checkout", "-q", "feature")
    repo.edit("categories.yaml", *TEAM_MOVE)
    code, out, err = repo.diff("--format", "json")
    assert (code, err) == (0, "")
    assert headline(out) == "main..working tree: 50 tickets replayed, 23 change outcome (23 team, 17 assignee)"
    assert repo.git("status", "--porcelain") == " M categories.yaml\n"   # nothing checked out or written


def test_origin_head_is_preferred_as_the_default_branch(repo: Repo) -> None:
    repo.git("update-ref", "refs/remotes/origin/trunk", "HEAD")
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    assert repo.diff("--format", "text") == (0, "origin/trunk..working tree: 50 tickets replayed, no change\n", "")


def test_one_revision_is_base_and_the_working_tree_is_head(repo: Repo) -> None:
    repo.edit("categories.yaml", *TEAM_MOVE)
    code, out, _ = repo.diff("HEAD", "--format", "json")
    assert code == 0
    assert headline(out) == "HEAD..working tree: 50 tickets replayed, 23 change outcome (23 team, 17 assignee)"


def test_a_config_in_a_subfolder_shows_repository_paths(nested_repo: Repo) -> None:
    nested_repo.branch("change")
    nested_repo.edit("categories.yaml", *TEAM_MOVE)
    nested_repo.commit("move")
    code, out, _ = nested_repo.diff("main", "change", "--config", "conf", "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["structure"][0]["rows"][0]["where"] == "conf/categories.yaml:9"
    assert {r["why"] for r in report["outcomes"]["rows"] if r["kind"] == "team"} == {
        "team of shop/order (conf/categories.yaml:9)"}


def test_a_subfolder_config_that_does_not_load_names_repository_paths(nested_repo: Repo) -> None:
    nested_repo.edit("categories.yaml", "        team: shop-order\n", "        team: shop-ordr\n")
    code, out, _ = nested_repo.diff("--config", "conf", "--format", "text")
    assert code == 1
    assert out == ("main..working tree: the config of working tree does not load\n\nworking tree:\n"
                   "  conf/categories.yaml:11:15: error[ref.unknown-team]: unknown team 'shop-ordr'"
                   " (did you mean 'shop-order'?)\n")


def test_two_directories(tmp_path: Path, minimal: Path) -> None:
    changed = tmp_path / "changed"
    changed.mkdir()
    for path in MINIMAL.rglob("*"):
        if path.is_file():
            (changed / path.relative_to(MINIMAL)).parent.mkdir(parents=True, exist_ok=True)
            (changed / path.relative_to(MINIMAL)).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    text = (changed / "categories.yaml").read_text(encoding="utf-8")
    (changed / "categories.yaml").write_text(text.replace(*TEAM_MOVE), encoding="utf-8")
    code, out, err = run_cli("diff", "minimal", "changed", "--at", AT, "--format", "text", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "minimal..changed: 50 tickets replayed, 23 change outcome (23 team, 17 assignee)"
    assert out.splitlines()[-1] == "  shop/order · team: shop-order → shop-sre  (categories.yaml:9)  and 2 categories inheriting it"


@pytest.mark.parametrize(("args", "code"), [
    pytest.param((), 0, id="changes-without-exit-code"),
    pytest.param(("--exit-code",), 1, id="changes-with-exit-code"),
])
def test_exit_codes_for_a_change(repo: Repo, args: tuple[str, ...], code: int) -> None:
    repo.edit("categories.yaml", *TEAM_MOVE)
    assert repo.diff(*args)[0] == code


def test_no_change_exits_0_even_with_exit_code(repo: Repo) -> None:
    assert repo.diff("--exit-code") == (0, NO_CHANGE.format("main..working tree"), "")


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(("nope", "HEAD"), "Error: unknown revision 'nope'", id="unknown-revision"),
    pytest.param(("main", "HEAD", "--format", "yaml"), "Error: Invalid value for '--format'", id="unknown-format"),
    pytest.param(("--max-rows", "-1"), "Error: Invalid value for '--max-rows'", id="negative-max-rows"),
])
def test_usage_errors_exit_2(repo: Repo, args: tuple[str, ...], message: str) -> None:
    code, out, err = repo.diff(*args)
    assert (code, out) == (2, "")
    assert message in err


def test_a_time_without_offset_is_a_usage_error(repo: Repo) -> None:
    code, _, err = run_cli("diff", "--at", "2026-11-02T00:00", cwd=repo.root)
    assert code == 2 and "Invalid value for --at: '2026-11-02T00:00' has no UTC offset" in err


def test_outside_a_repository_revisions_are_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run_cli("diff", "--at", AT, cwd=tmp_path)
    assert code == 2 and "is not inside a git repository (give two directories instead)" in err


def test_a_directory_against_the_working_tree_needs_no_repository(tmp_path: Path, minimal: Path) -> None:
    code, out, err = run_cli("diff", "minimal", "--config", "minimal", "--at", AT, "--format", "text", cwd=tmp_path)
    assert (code, out, err) == (0, "minimal..working tree: 50 tickets replayed, no change\n", "")


def test_config_with_two_directories_is_a_usage_error(tmp_path: Path, minimal: Path) -> None:
    code, _, err = run_cli("diff", "minimal", "minimal", "--config", "x", "--at", AT, cwd=tmp_path)
    assert code == 2 and "--config names the config inside a repository" in err


def test_a_bug_exits_3(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")
    monkeypatch.setattr("engine.cli.diff.plan_diff", broken)
    code, _, err = repo.diff()
    assert code == 3 and err.startswith("gongdan: internal error: RuntimeError('boom')")
