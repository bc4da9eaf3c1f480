"""`gongdan validate` through click's CliRunner: exit codes and exact output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import DATA, REPO, materialise, run_cli


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    return run_cli(*args, cwd=cwd)


def test_reference_config_is_clean() -> None:
    code, out, err = run("validate", str(REPO))
    assert (code, out) == (0, "")
    assert err == f"{REPO}: valid: 0 errors, 0 warnings\n"


def test_misspelt_team_is_one_line_with_file_line_code_and_hint(tmp_path: Path) -> None:
    config_dir = materialise(DATA / "invalid" / "unknown-team", tmp_path)
    code, out, err = run("validate", cwd=config_dir)
    assert code == 1
    assert out == ("categories.yaml:11:15: error[ref.unknown-team]: unknown team 'shop-ordr' "
                   "(did you mean 'shop-order'?)\n")
    assert err == ".: invalid: 1 error, 0 warnings\n"


def test_paths_are_prefixed_with_the_dir_given(tmp_path: Path) -> None:
    config_dir = materialise(DATA / "invalid" / "unknown-team", tmp_path)
    code, out, _ = run("validate", "unknown-team", cwd=tmp_path)
    assert code == 1
    assert out == ("unknown-team/categories.yaml:11:15: error[ref.unknown-team]: unknown team 'shop-ordr' "
                   "(did you mean 'shop-order'?)\n")
    assert config_dir.exists()


def test_json_format(tmp_path: Path) -> None:
    config_dir = materialise(DATA / "invalid" / "unknown-team", tmp_path)
    code, out, _ = run("validate", "--format", "json", cwd=config_dir)
    assert code == 1
    assert json.loads(out) == [{
        "file": "categories.yaml", "line": 11, "column": 15, "severity": "error",
        "code": "ref.unknown-team", "message": "unknown team 'shop-ordr'",
        "hint": "did you mean 'shop-order'?"}]


UNTIL = "(until it is added, they are reached on their other channels only)"


def test_github_format(tmp_path: Path) -> None:
    config_dir = materialise(DATA / "invalid" / "contact-missing", tmp_path)
    code, out, err = run("validate", "--format", "github", cwd=config_dir)
    assert code == 0, "warnings alone do not fail without --strict"
    assert out.splitlines() == [
        ("::warning file=rosters.yaml,line=4,col=10,title=contact.missing::'cto' can be notified by "
        f"dingtalk but has no contacts.dingtalk {UNTIL}"),
        ("::warning file=rosters.yaml,line=4,col=10,title=contact.missing::'cto' can be notified by "
        f"email but has no contacts.email {UNTIL}"),
        ("::warning file=rosters.yaml,line=4,col=10,title=contact.missing::'cto' can be notified by "
        f"phone and sms but has no contacts.phone {UNTIL}"),
        ("::warning file=rosters.yaml,line=6,col=10,title=contact.missing::'alice' can be notified by "
        f"phone but has no contacts.phone {UNTIL}"),
    ]
    assert out.endswith("\n") and err == ".: valid: 0 errors, 4 warnings\n"


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    config_dir = materialise(DATA / "invalid" / "not-a-member", tmp_path)
    assert run("validate", cwd=config_dir)[0] == 0
    code, out, err = run("validate", "--strict", cwd=config_dir)
    assert code == 1
    assert out == (DATA / "invalid" / "not-a-member" / "expected.txt").read_text()
    assert err == ".: invalid: 0 errors, 2 warnings\n"


def test_strict_turns_silent_no_ops_into_a_failure(tmp_path: Path) -> None:
    """Overrides never used, yes/no strings, SLA overrides that cannot match: warnings that
    `--strict` fails on, listed with file:line:col."""
    config_dir = materialise(DATA / "invalid" / "no-op-warnings", tmp_path)
    expected = (DATA / "invalid" / "no-op-warnings" / "expected.txt").read_text()
    assert run("validate", cwd=config_dir) == (0, expected, ".: valid: 0 errors, 10 warnings\n")
    assert run("validate", "--strict", cwd=config_dir) == (1, expected, ".: invalid: 0 errors, 10 warnings\n")


def test_max_errors_cuts_the_list_and_says_so(tmp_path: Path) -> None:
    config_dir = materialise(DATA / "invalid" / "unknown-refs", tmp_path)
    code, out, err = run("validate", "--max-errors", "2", cwd=config_dir)
    assert code == 1
    assert out.splitlines() == [
        "categories.yaml:17:76: error[ref.unknown-calendar]: unknown calendar 'ofice' (did you mean 'office'?)",
        "categories.yaml:17:98: error[ref.unknown-level]: unknown level 'P7' (known: P1, P2, P3, P4)",
    ]
    assert err == ".: invalid: 15 errors, 0 warnings (13 not shown; raise --max-errors)\n"


@pytest.mark.parametrize("args", [
    pytest.param(["validate", "--format", "xml"], id="bad-format"),
    pytest.param(["validate", "--max-errors", "0"], id="bad-max-errors"),
    pytest.param(["nonsense"], id="unknown-command"),
])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run(*args)[0] == 2


def test_a_file_as_config_dir_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "file.yaml"
    path.write_text("a: 1\n")
    assert run("validate", str(path))[0] == 2
