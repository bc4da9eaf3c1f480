"""`gongdan route` through click's CliRunner: exit codes and exact output."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import engine
from engine.cli import main
from helpers import REPO

CAPITAL_LOSS = {"type": "created", "ticket": "T-7", "at": "2026-11-02T10:00:00+08:00",
                "category": "marketing/coupon/redeem-failed", "tags": ["资损"], "fields": {"stage": "pay"}}


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, event: Any, name: str = "event.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(event, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_the_decision_as_json(reference: engine.Engine, tmp_path: Path) -> None:
    code, out, err = run("route", write(tmp_path, CAPITAL_LOSS), "--config", str(REPO))
    assert (code, err) == (0, "")
    decision = json.loads(out)
    assert (decision["team"], decision["severity"], decision["tags"]) == ("payment-gateway", "P1",
                                                                        ["资损", "capital-loss"])
    assert decision["category"] == {"id": "marketing/coupon/redeem-failed",
                                    "matched": "marketing/coupon/redeem-failed", "fallback": False}
    assert (decision["ticket"], decision["event"], decision["mode"]) == ("T-7", "created", "daily")
    assert decision["config_version"] == reference.config_version
    assert decision["trace"][:4] == [
        "category marketing/coupon/redeem-failed (categories.yaml:329)",
        "rule capital-loss (rules/10-grading.yaml:7) → severity P1, tags +capital-loss",
        "route redeem-failed-at-pay of marketing/coupon/redeem-failed (categories.yaml:333) → team payment-gateway",
        "severity P1 (raised by rules)",
    ]
    assert decision == reference.evaluate(CAPITAL_LOSS).to_dict(), "the CLI prints the library's decision"
    assert "资损" in out, "JSON keeps non-ASCII text readable"
    assert out.startswith('{\n  "ticket": "T-7",\n') and out.endswith("}\n")


@pytest.mark.parametrize("event, tree", [
    pytest.param(CAPITAL_LOSS, (
        "T-7 created at 2026-11-02T10:00:00+08:00 (mode daily)\n"
        "├─ category marketing/coupon/redeem-failed (categories.yaml:329)\n"
        "├─ 13 of 14 rules skipped: the index shows this ticket lacks what each of them requires\n"
        "├─ rule capital-loss (rules/10-grading.yaml:7) → severity P1, tags +capital-loss\n"
        "├─ route redeem-failed-at-pay of marketing/coupon/redeem-failed (categories.yaml:333) → team payment-gateway\n"
        "├─ severity P1 (raised by rules)\n"
        "├─ on duty hou-ting (payment-gateway-primary/business-hours)\n"
        "├─ targets daily P1 target: response 15m, resolve 4h on 24x7\n"
        "└─ view capital-loss (views.yaml:19): in (tags 资损)\n"
        "⇒ team payment-gateway, severity P1, tags 资损, capital-loss\n"
        "  views: capital-loss\n"
    ), id="rule-and-route"),
    pytest.param({"type": "created", "ticket": "T-8", "at": "2026-11-11T00:05:00+08:00", "category": "hr/payroll",
                  "submitter": "ceo"}, (
        "T-8 created at 2026-11-11T00:05:00+08:00 (mode promotion)\n"
        "├─ category hr/payroll unknown → default (categories.yaml:8)\n"
        "├─ 13 of 14 rules skipped: the index shows this ticket lacks what each of them requires\n"
        "├─ rule vip-submitter (rules/10-grading.yaml:48) → severity P2, tags +vip\n"
        "├─ team goc-desk from default (categories.yaml:8)\n"
        "├─ severity P2 (raised by rules)\n"
        "├─ mode promotion (window double11-2026)\n"
        "├─ on duty zhang-ping (goc-desk-d11/shifts)\n"
        "├─ targets promotion P2 target: response 10m, resolve 2h on 24x7\n"
        "├─ view trade-p1-p2 (views.yaml:9): not in (category {prefix: trade/}: no match)\n"
        "├─ view payment-p1-p2 (views.yaml:14): not in (team [payment-gateway, payment-risk, payment-settlement, "
        "payment-wallet]: no match)\n"
        "├─ view capital-loss (views.yaml:19): not in (tags 资损: no match)\n"
        "├─ view escalated-l2 (views.yaml:24): not in (escalation level 0 < 2)\n"
        "├─ view response-breached (views.yaml:29): not yet (response breached at 2026-11-10T16:15:00+00:00)\n"
        "└─ view p1-resolve-at-risk (views.yaml:34): not in (severity P1: no match)\n"
        "⇒ team goc-desk, severity P2, tags vip\n"
        "  (category hr/payroll fell back to the default)\n"
    ), id="fallback-to-the-default"),
    pytest.param({"type": "created", "ticket": "T-9", "at": "2026-11-02T10:00:00+08:00",
                  "category": "marketing/coupon/new-thing"}, (
        "T-9 created at 2026-11-02T10:00:00+08:00 (mode daily)\n"
        "├─ category marketing/coupon/new-thing unknown → marketing/coupon (categories.yaml:324)\n"
        "├─ 14 of 14 rules skipped: the index shows this ticket lacks what each of them requires\n"
        "├─ team marketing-coupon from marketing/coupon (categories.yaml:324)\n"
        "├─ severity P3 (default of marketing (categories.yaml:319))\n"
        "├─ on duty yu-ying (marketing-coupon-primary/weekly)\n"
        "├─ targets daily P3 target: response 4h, resolve 3d on cn-office\n"
        "└─ view capital-loss (views.yaml:19): not in (tags 资损: no match)\n"
        "⇒ team marketing-coupon, severity P3\n"
        "  (category marketing/coupon/new-thing fell back to marketing/coupon)\n"
    ), id="fallback-to-a-prefix"),
])
def test_explain_prints_the_tree(tmp_path: Path, event: dict[str, Any], tree: str) -> None:
    code, out, err = run("route", write(tmp_path, event), "--config", str(REPO), "--explain")
    assert (code, out, err) == (0, tree, "")


def test_a_forced_mode(reference: engine.Engine, tmp_path: Path) -> None:
    code, out, err = run("route", write(tmp_path, CAPITAL_LOSS), "--config", str(REPO), "--mode", "promotion")
    assert (code, err) == (0, "")
    decision = json.loads(out)
    assert (decision["mode"], decision["state"]["mode"]) == ("promotion", "promotion")
    assert (decision["team"], decision["severity"]) == ("payment-gateway", "P1")
    assert decision == reference.evaluate(CAPITAL_LOSS, mode="promotion").to_dict()


def test_a_forced_mode_in_the_tree(tmp_path: Path) -> None:
    code, out, _ = run("route", write(tmp_path, CAPITAL_LOSS), "--config", str(REPO), "--mode", "promotion",
                       "--explain")
    assert (code, out.splitlines()[0]) == (0, "T-7 created at 2026-11-02T10:00:00+08:00 (mode promotion)")


def test_the_event_from_stdin() -> None:
    code, out, err = run("route", "-", "--config", str(REPO), stdin=json.dumps(CAPITAL_LOSS, ensure_ascii=False))
    assert (code, err) == (0, "")
    decision = json.loads(out)
    assert (decision["team"], decision["severity"], decision["tags"]) == ("payment-gateway", "P1",
                                                                        ["资损", "capital-loss"])


def test_the_same_output_from_a_file_and_from_stdin(tmp_path: Path) -> None:
    from_file = run("route", write(tmp_path, CAPITAL_LOSS), "--config", str(REPO))
    from_stdin = run("route", "-", "--config", str(REPO), stdin=json.dumps(CAPITAL_LOSS))
    assert from_file == from_stdin


@pytest.mark.parametrize("event, message", [
    pytest.param({**CAPITAL_LOSS, "at": "2026-11-02T10:00:00"},
                 "at: '2026-11-02T10:00:00' has no UTC offset (add +08:00 or Z)", id="naive-time"),
    pytest.param({k: v for k, v in CAPITAL_LOSS.items() if k != "category"}, "category: is required",
                 id="no-category"),
    pytest.param({**CAPITAL_LOSS, "severity": "P9"}, "severity: unknown level 'P9' (levels: P1, P2, P3, P4)",
                 id="unknown-level"),
    pytest.param([CAPITAL_LOSS], "an event is a JSON object, got list", id="a-list"),
])
def test_a_bad_event_exits_1(tmp_path: Path, event: Any, message: str) -> None:
    assert run("route", write(tmp_path, event), "--config", str(REPO)) == (
        1, "", f"gongdan: bad event: {message}\n")


def test_a_bad_event_from_stdin_exits_1() -> None:
    assert run("route", "-", "--config", str(REPO), stdin='{"type": "created"}') == (
        1, "", "gongdan: bad event: ticket: is required\n")


@pytest.mark.parametrize("text, error", [
    pytest.param('{"type": "created",', "Expecting property name enclosed in double quotes: line 1 column 20 "
                 "(char 19)", id="truncated"),
    pytest.param("", "Expecting value: line 1 column 1 (char 0)", id="empty"),
    pytest.param("type: created\n", "Expecting value: line 1 column 1 (char 0)", id="yaml-not-json"),
])
def test_invalid_json_is_a_usage_error(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "event.json"
    path.write_text(text, encoding="utf-8")
    assert run("route", str(path), "--config", str(REPO)) == (2, "", (
        "Usage: main route [OPTIONS] EVENT.json\n"
        "Try 'main route --help' for help.\n"
        "\n"
        f"Error: Invalid value for EVENT: not JSON: {error}\n"))


def test_a_missing_event_file_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = run("route", str(tmp_path / "nope.json"), "--config", str(REPO))
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == f"Error: Invalid value for 'EVENT.json': '{tmp_path / 'nope.json'}': No such file or directory"


def test_a_broken_config_exits_1_with_its_diagnostics(minimal: Path, tmp_path: Path) -> None:
    categories = minimal / "categories.yaml"
    text = categories.read_text(encoding="utf-8")
    assert text.count("team: shop-order\n") == 1
    categories.write_text(text.replace("team: shop-order\n", "team: shop-ordr\n"), encoding="utf-8")
    code, out, err = run("route", write(tmp_path, CAPITAL_LOSS), "--config", str(minimal))
    assert (code, out) == (1, "")
    assert err == (
        "categories.yaml:11:15: error[ref.unknown-team]: unknown team 'shop-ordr' (did you mean 'shop-order'?)\n"
        f"gongdan: {minimal}: the config has errors (run `gongdan validate`)\n")


def test_a_missing_config_dir_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    code, out, err = run("route", write(tmp_path, CAPITAL_LOSS), "--config", str(missing))
    assert (code, out) == (1, "")
    assert err == (f"{missing}: error[config.not-a-directory]: {missing} is not a config directory\n"
                   f"gongdan: {missing}: the config has errors (run `gongdan validate`)\n")
