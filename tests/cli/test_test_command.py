"""`gongdan test` through click's CliRunner: golden case files, exit codes and exact output."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.cases import load_cases
from engine.config.source import load_yaml
from helpers import REPO, run_cli


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    return run_cli(*args, cwd=cwd)


def case_count() -> int:
    """How many cases the project's own case files hold, read without the runner."""
    total = 0
    for path in sorted((REPO / "tests" / "cases").glob("*.yaml")):
        doc, diags = load_yaml(path)
        assert doc is not None and diags == []
        total += len(doc.data["cases"])
    return total


CASES = """cases:
  - name: a leaf takes its parent's team
    event: {type: created, ticket: T-1, at: 2026-11-02T10:00:00+08:00, category: trade/order/create-failed}
    want: {team: trade-order, severity: P2}
  - name: the cart is not the order desk
    event: {type: created, ticket: T-2, at: 2026-11-02T10:00:00+08:00, category: trade/cart}
    want: {team: trade-order, severity: P2, tags: [x], category: {fallback: false}}
"""
FAIL_BLOCK = (
    "FAIL  cases.yaml:5: the cart is not the order desk\n"
    '      team: want "trade-order", got "trade-cart"\n'
    '      severity: want "P2", got "P3"\n'
    '      tags: want ["x"], got []\n'
)


def write_cases(tmp_path: Path, text: str = CASES, name: str = "cases.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [
    pytest.param(("test", "--config", str(REPO)), id="config-given"),
    pytest.param(("test",), id="config-is-cwd"),
])
def test_the_project_cases_pass(args: tuple[str, ...]) -> None:
    n = case_count()
    assert n >= 30
    assert run(*args, cwd=REPO) == (0, f"{n} passed, 0 failed\n", "")


def test_verbose_lists_each_passing_case() -> None:
    code, out, err = run("test", "-v", cwd=REPO)
    lines = out.splitlines()
    assert (code, err) == (0, "")
    assert lines[:-1] == [f"ok    {case.where.file}:{case.where.line}: {case.name}"
                          for path in sorted((REPO / "tests" / "cases").glob("*.yaml"))
                          for case in load_cases(path, f"tests/cases/{path.name}")[0]]
    assert "ok    tests/cases/routing.yaml:6: a known leaf takes its own level and its parent's team" in lines
    assert lines[-1] == f"{case_count()} passed, 0 failed"


def test_a_passing_and_a_failing_case(tmp_path: Path) -> None:
    write_cases(tmp_path)
    assert run("test", "cases.yaml", "--config", str(REPO), cwd=tmp_path) == (
        1, FAIL_BLOCK + "1 passed, 1 failed\n", "")


def test_verbose_with_a_failing_case(tmp_path: Path) -> None:
    write_cases(tmp_path)
    assert run("test", "--verbose", "cases.yaml", "--config", str(REPO), cwd=tmp_path) == (
        1, "ok    cases.yaml:2: a leaf takes its parent's team\n" + FAIL_BLOCK + "1 passed, 1 failed\n", "")


def test_a_path_is_shown_as_given(tmp_path: Path) -> None:
    path = write_cases(tmp_path)
    code, out, _ = run("test", str(path), "--config", str(REPO))
    assert (code, out.splitlines()[0]) == (1, f"FAIL  {path}:5: the cart is not the order desk")


def test_a_glob_pattern_is_expanded_in_name_order(tmp_path: Path) -> None:
    write_cases(tmp_path, name="b.yaml")
    write_cases(tmp_path, CASES.split("  - name: the cart")[0], name="a.yaml")
    assert run("test", "*.yaml", "--config", str(REPO), cwd=tmp_path) == (
        1, FAIL_BLOCK.replace("cases.yaml", "b.yaml") + "2 passed, 1 failed\n", "")


def test_expected_errors_and_modes(tmp_path: Path) -> None:
    write_cases(tmp_path, """cases:
  - name: a naive time is refused
    event: {type: created, ticket: T-1, at: 2026-11-11T00:05:00, category: trade}
    error: "at: '2026-11-11T00:05:00' has no UTC offset (add +08:00 or Z)"
  - name: the host forces a mode
    mode: promotion
    event: {type: created, ticket: T-2, at: 2026-06-18T10:00:00+08:00, category: trade}
    want: {mode: promotion}
  - name: a wrong expected error
    event: {type: created, ticket: T-3, at: 2026-11-11T00:05:00+08:00, category: trade, severity: P9}
    error: "severity: nope"
  - name: an error that does not come
    event: {type: created, ticket: T-4, at: 2026-11-11T00:05:00+08:00, category: trade}
    error: "at: boom"
""")
    assert run("test", "cases.yaml", "--config", str(REPO), cwd=tmp_path) == (1, (
        "FAIL  cases.yaml:9: a wrong expected error\n"
        "      error: want 'severity: nope', got \"severity: unknown level 'P9' (levels: P1, P2, P3, P4)\"\n"
        "FAIL  cases.yaml:12: an error that does not come\n"
        "      error: want 'at: boom', got a decision\n"
        "2 passed, 2 failed\n"), "")


def test_a_missing_case_file(tmp_path: Path) -> None:
    assert run("test", "missing.yaml", "--config", str(REPO), cwd=tmp_path) == (1, (
        "missing.yaml: error[io.unreadable]: No such file or directory\n"
        "0 passed, 1 failed\n"), "")


def test_a_malformed_case_file(tmp_path: Path) -> None:
    write_cases(tmp_path, """cases:
  - {name: x, event: {}, want: {}, wnat: 1}
  - name: fine
    event: {type: created, ticket: T-1, at: 2026-11-02T10:00:00+08:00, category: trade}
    want: {team: trade-sre}
""")
    assert run("test", "cases.yaml", "--config", str(REPO), cwd=tmp_path) == (1, (
        "cases.yaml:2:36: error[case.unknown-key]: unknown key 'wnat' in a case (valid keys: due, error, event, given, "
        "mode, name, steps, want) (did you mean 'want'?)\n"
        "1 passed, 1 failed\n"), "")


def test_an_unknown_want_key_lists_the_valid_ones(tmp_path: Path) -> None:
    write_cases(tmp_path, """cases:
  - name: a typo deep in want
    steps:
      - event: {type: created, ticket: T-1, at: 2026-11-02T10:00:00+08:00, category: trade}
        want: {sla: {response: {deu: 2026-11-02T10:30:00+08:00}}, notified: [{kind: assign, chanel: dingtalk}]}
""")
    assert run("test", "cases.yaml", "--config", str(REPO), cwd=tmp_path) == (1, (
        "cases.yaml:5:33: error[case.unknown-key]: unknown key 'deu' in want.sla.response (valid keys: calendar, due, "
        "elapsed_s, remaining_s, state) (did you mean 'due'?)\n"
        "cases.yaml:5:93: error[case.unknown-key]: unknown key 'chanel' in a `notified` entry (valid keys: at, body, "
        "channel, clock, instead_of, kind, level, policy, step, subject, to) (did you mean 'channel'?)\n"
        "0 passed, 2 failed\n"), "")


LADDER = """# yaml-language-server: $schema=../../schemas/case.schema.json
cases:
  # the cart desk, not the order desk
  - name: the cart is not the order desk
    event: {type: created, ticket: T-2, at: 2026-11-02T10:00:00+08:00, category: trade/cart}
    want: {team: trade-order, severity: P3, category: {fallback: false}}   # team is wrong

  - name: a new case to fill in
    steps:
      - event: {type: created, ticket: T-3, at: 2026-11-02T10:00:00+08:00, category: trade/order/create-failed}
        want: {}
      - due: 2026-11-02T10:15:00+08:00
        want: {}

  - name: the ladder, one rung wrong
    steps:
      - event: {type: created, ticket: E-1, at: 2026-11-09T10:00:00+08:00, category: payment/gateway/charge-failed}
      - due: 2026-11-09T10:40:00+08:00
        want:
          notified:
            - {kind: escalate, level: 3, channel: phone, to: ceo}
            - {kind: escalate, level: 2, channel: phone, to: wang-jianguo}   # the CFO, not the CTO
          next_wakeup: 2026-11-09T11:00:00+08:00

  - name: a refused event is not updated
    event: {type: created, ticket: T-4, at: 2026-11-02T10:00:00, category: trade}
    want: {team: nobody}
"""
UPDATED = LADDER.replace("want: {team: trade-order, severity: P3,", "want: {team: trade-cart, severity: P3,").replace(
    """      - event: {type: created, ticket: T-3, at: 2026-11-02T10:00:00+08:00, category: trade/order/create-failed}
        want: {}
      - due: 2026-11-02T10:15:00+08:00
        want: {}""",
    """      - event: {type: created, ticket: T-3, at: 2026-11-02T10:00:00+08:00, category: trade/order/create-failed}
        want: {mode: daily, team: trade-order, severity: P2, assignee: {person: xiong-yan}, sla: {response: {due: \
2026-11-02T10:30:00+08:00}, resolve: {due: 2026-11-03T10:00:00+08:00}}, notified: [{at: 2026-11-02T10:00:00+08:00, \
kind: assign, level: 0, channel: dingtalk, to: xiong-yan}]}
      - due: 2026-11-02T10:15:00+08:00
        want: {notified: [{at: 2026-11-02T10:15:00+08:00, kind: remind, level: 0, channel: dingtalk, to: xiong-yan}], \
next_wakeup: 2026-11-02T10:30:00+08:00}""").replace("to: wang-jianguo}", "to: zhao-dehua}")


def test_update_writes_the_current_answers_and_says_what_changed(tmp_path: Path) -> None:
    path = write_cases(tmp_path, LADDER)
    assert run("test", "--update", "cases.yaml", "--config", str(REPO), cwd=tmp_path) == (1, (
        "UPDATE cases.yaml:4: the cart is not the order desk\n"
        '      want.team: "trade-order" -> "trade-cart"\n'
        "UPDATE cases.yaml:8: a new case to fill in\n"
        '      steps[0].want: {} -> {"mode": "daily", "team": "trade-order", "severity": "P2", "assignee": {"person": '
        '"xiong-yan"}, "sla": {"response": {"due": "2026-11-02T10:30:00+08:00"}, "resolve": {"due": '
        '"2026-11-03T10:00:00+08:00"}}, "notified": [{"at": "2026-11-02T10:00:00+08:00", "kind": "assign", "level": 0, '
        '"channel": "dingtalk", "to": "xiong-yan"}]}\n'
        '      steps[1].want: {} -> {"notified": [{"at": "2026-11-02T10:15:00+08:00", "kind": "remind", "level": 0, '
        '"channel": "dingtalk", "to": "xiong-yan"}], "next_wakeup": "2026-11-02T10:30:00+08:00"}\n'
        "UPDATE cases.yaml:15: the ladder, one rung wrong\n"
        '      steps[1].want.notified[1].to: "wang-jianguo" -> "zhao-dehua"\n'
        "FAIL  cases.yaml:25: a refused event is not updated\n"
        "      event error: at: '2026-11-02T10:00:00' has no UTC offset (add +08:00 or Z)\n"
        "      not updated: an error came that the case does not expect (fix the case or the config)\n"
        "0 passed, 3 updated, 1 failed\n"), "")
    assert path.read_text(encoding="utf-8") == UPDATED.replace("\\\n", "")
    assert run("test", "cases.yaml", "--config", str(REPO), cwd=tmp_path) == (1, (
        "FAIL  cases.yaml:25: a refused event is not updated\n"
        "      event error: at: '2026-11-02T10:00:00' has no UTC offset (add +08:00 or Z)\n"
        "3 passed, 1 failed\n"), "")


def test_update_leaves_a_passing_file_alone(tmp_path: Path) -> None:
    path = write_cases(tmp_path, CASES.replace("want: {team: trade-order, severity: P2, tags: [x]",
                                               "want: {team: trade-cart, severity: P3, tags: []"))
    before = path.read_text(encoding="utf-8")
    assert run("test", "-u", "cases.yaml", "--config", str(REPO), cwd=tmp_path) == (0, "2 passed, 0 failed\n", "")
    assert path.read_text(encoding="utf-8") == before


def test_update_changes_only_the_values_that_differ(tmp_path: Path) -> None:
    path = write_cases(tmp_path, """cases:
  - name: the response plan
    steps:
      - event: {type: created, ticket: E-1, at: 2026-11-09T10:00:00+08:00, category: payment/gateway/charge-failed}
        want:
          flags: [late]
          notified:
            - {kind: escalate, level: 7}
""")
    code, out, _ = run("test", "-u", "cases.yaml", "--config", str(REPO), cwd=tmp_path)
    assert (code, out) == (0, (
        "UPDATE cases.yaml:2: the response plan\n"
        '      steps[0].want.flags: ["late"] -> []\n'
        '      steps[0].want.notified[0].kind: "escalate" -> "assign"\n'
        "      steps[0].want.notified[0].level: 7 -> 0\n"
        "0 passed, 1 updated, 0 failed\n"))
    assert path.read_text(encoding="utf-8").splitlines()[-3:] == [
        "          flags: []", "          notified:", "            - {kind: assign, level: 0}"]


def test_not_a_case_file(tmp_path: Path) -> None:
    write_cases(tmp_path, "- just\n- a list\n")
    assert run("test", "cases.yaml", "--config", str(REPO), cwd=tmp_path) == (1, (
        "cases.yaml:1:1: error[case.shape]: a case file is a mapping with a `cases:` list\n"
        "0 passed, 1 failed\n"), "")


def test_no_case_files_in_the_config_dir(minimal: Path) -> None:
    assert run("test", "--config", str(minimal)) == (
        1, "", f"gongdan: no case files (looked for {minimal / 'tests/cases/*.yaml'})\n")


def test_a_broken_config_is_reported_before_any_case(minimal: Path, tmp_path: Path) -> None:
    (minimal / "rules" / "20-routing.yaml").write_text(
        "version: 1\nrules:\n  - id: x\n    when: {tags: a}\n    then: {team: nobody}\n", encoding="utf-8")
    assert run("test", str(write_cases(tmp_path)), "--config", str(minimal)) == (1, "", (
        "rules/20-routing.yaml:5:18: error[ref.unknown-team]: unknown team 'nobody' "
        "(known: desk, shop-order, shop-sre)\n"
        f"gongdan: {minimal}: the config has errors (run `gongdan validate`)\n"))
