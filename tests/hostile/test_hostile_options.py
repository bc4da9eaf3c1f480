"""Option values at the ends of what the command line takes, and option combinations that
used to be ignored or unclear: each a usage error (exit 2) naming the option, with a
message a person can act on."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hostile.helpers import CONFIG, REPO, cli, created, gongdan, line, usage_error

RANGE = "is outside the supported range (1970-01-02 to 9000-01-01)"
OUT_OF_RANGE = ["9999-12-31T23:59:59+08:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+08:00",
                "1970-01-01T23:59:59Z", "1970-01-02T07:59:59+08:00", "9000-01-01T00:00:00Z",
                "8999-12-31T23:00:00-02:00"]


@pytest.mark.parametrize("at", OUT_OF_RANGE)
@pytest.mark.parametrize("command, option", [
    pytest.param(["oncall", *CONFIG, "--at"], "--at", id="oncall-at"),
    pytest.param(["validate", str(REPO), "--gaps-from"], "--gaps-from", id="validate-gaps-from"),
    pytest.param(["evaluate", *CONFIG, "--until"], "--until", id="evaluate-until"),
])
def test_instants_outside_the_range_are_usage_errors(command: list[str], option: str, at: str) -> None:
    assert cli(*command, at, stdin=b"") == (2, b"", usage_error(
        command[0], f"Invalid value for {option}: '{at}' {RANGE}"))


@pytest.mark.parametrize("at", ["1970-01-02T00:00:00Z", "1970-01-02T08:00:00+08:00", "8999-12-31T23:59:59Z"])
def test_instants_at_the_ends_of_the_range_are_taken(at: str) -> None:
    code, out, err = cli("oncall", *CONFIG, "trade-cart", "--at", at, "--days", "366", "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)[0]["team"] == "trade-cart"
    assert cli("validate", str(REPO), "--gaps-from", at, "--gap-days", "3660")[0] in (0, 1)
    assert cli("evaluate", *CONFIG, "--until", at, stdin=line(created("T-1")))[0] == 0


def test_gap_days_are_bounded() -> None:
    assert cli("validate", str(REPO), "--gap-days", "3650000") == (2, b"", usage_error(
        "validate", "Invalid value for '--gap-days': 3650000 is not in the range 0<=x<=3660."))


@pytest.mark.parametrize("args, message", [
    pytest.param(["--gap-days", "0", "--gaps-from", "2026-11-02T10:00:00+08:00"],
                 "--gaps-from has no effect with --gap-days 0 (the roster gap check is off)", id="gaps-from"),
    pytest.param(["--gap-days", "0", "--mode", "promotion"],
                 "--mode has no effect with --gap-days 0 (the roster gap check is off)", id="mode"),
    pytest.param(["--config", str(REPO / "tests")],
                 f"two config dirs: '{REPO}' and --config '{REPO / 'tests'}'; give one", id="two-config-dirs"),
])
def test_validate_options_that_would_be_ignored_are_usage_errors(args: list[str], message: str) -> None:
    assert cli("validate", str(REPO), *args) == (2, b"", usage_error("validate", message))


def test_validate_takes_the_config_dir_as_an_option_too(tmp_path: Path) -> None:
    expected = (0, b"", f"{REPO}: valid: 0 errors, 0 warnings\n")
    assert cli("validate", "--config", str(REPO)) == expected
    assert cli("validate", str(REPO), "--config", str(REPO)) == expected
    os.symlink(REPO, tmp_path / "conf")
    assert cli("validate", str(REPO), "--config", str(tmp_path / "conf")) == (
        0, b"", f"{tmp_path / 'conf'}: valid: 0 errors, 0 warnings\n")


@pytest.mark.parametrize("command", [
    pytest.param(["route", "-"], id="route"), pytest.param(["evaluate"], id="evaluate"),
    pytest.param(["oncall"], id="oncall"),
])
def test_an_unknown_mode_is_a_usage_error_for_every_command(command: list[str]) -> None:
    assert cli(*command, *CONFIG, "--mode", "nope", stdin=line(created("T-1"))) == (2, b"", usage_error(
        command[0], "Invalid value for --mode: unknown mode 'nope' (modes: daily, promotion)"))


@pytest.mark.parametrize("args, clash", [
    pytest.param(["--format", "json"], "--format json", id="format-json"),
    pytest.param(["--gaps"], "--gaps", id="gaps"),
])
def test_ics_does_not_go_with_other_output_options(args: list[str], clash: str) -> None:
    assert cli("oncall", *CONFIG, "trade-cart", "--ics", *args) == (2, b"", usage_error(
        "oncall", f"--ics writes an iCalendar feed, which does not go with {clash}"))


def test_oncall_json_times_are_rfc_3339_with_seconds() -> None:
    code, out, _ = cli("oncall", *CONFIG, "trade-cart", "--at", "2026-11-02T10:00:30+08:00", "--days", "7",
                       "--format", "json")
    report = json.loads(out)[0]
    assert code == 0
    assert (report["at"], report["handoffs"], report["timeline"][0]["start"]) == (
        "2026-11-02T10:00:30+08:00", [{"at": "2026-11-09T09:00:00+08:00", "person": "zheng-xiuying"}],
        "2026-11-02T10:00:30+08:00")


def test_route_says_why_a_continuing_event_gives_no_decision() -> None:
    closed = {"type": "closed", "ticket": "T-1", "at": "2026-11-09T10:00:00+08:00"}
    assert cli("route", "-", *CONFIG, stdin=line(closed)) == (1, b"", (
        "gongdan: bad event: state: a 'closed' event needs the ticket's state from its last decision; `route` "
        "passes none, so it takes only `created` events (replay a ticket's events with `gongdan evaluate`)\n"))


@pytest.mark.parametrize("text, message", [
    pytest.param(b'{"n": NaN}', "not JSON: NaN (JSON has no NaN or Infinity)", id="nan"),
    pytest.param(b'{"n": 1e400}', "the number 1e400 is out of range", id="overflowing-float"),
    pytest.param(b"[" * 5000 + b"]" * 5000, "nested more than 64 levels deep", id="deep"),
    pytest.param(b'{"n": ' + b"9" * 5000 + b"}", "a number with more than 4,300 digits", id="long-int"),
    pytest.param(b'{"title": "\xc3"}', "not UTF-8 at byte 12: invalid continuation byte", id="invalid-utf-8"),
    pytest.param(b'{"title": "\\udfff"}', "not text: a string holds \\udfff, half of a UTF-16 surrogate pair",
                 id="lone-surrogate"),
])
def test_route_refuses_what_is_not_strict_json_as_a_usage_error(text: bytes, message: str) -> None:
    assert cli("route", "-", *CONFIG, stdin=text) == (
        2, b"", usage_error("route", f"Invalid value for EVENT: {message}"))


def test_route_reads_an_event_after_a_byte_order_mark() -> None:
    code, out, err = cli("route", "-", *CONFIG, stdin=b"\xef\xbb\xbf" + line(created("T-1")))
    assert (code, err, json.loads(out)["ticket"]) == (0, "", "T-1")


def test_test_command_does_not_read_fifos_or_devices(tmp_path: Path) -> None:
    fifo = tmp_path / "cases.yaml"
    os.mkfifo(fifo)
    code, out, err = gongdan("test", *CONFIG, str(fifo), "/dev/zero", str(tmp_path), timeout=30)
    assert (code, err) == (1, "")
    assert out.decode() == (f"{fifo}: error[io.unreadable]: a named pipe (FIFO), not a regular file\n"
                            "/dev/zero: error[io.unreadable]: a device, not a regular file\n"
                            f"{tmp_path}: error[io.unreadable]: a directory, not a file\n"
                            "0 passed, 3 failed\n")
