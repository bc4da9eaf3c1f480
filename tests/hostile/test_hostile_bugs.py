"""A bug in the library (an exception that is not one it documents) met on one line of a
stream is reported with the line's number as an internal problem, and the stream goes
on with exit code 1; met anywhere else, it is still exit 3 with the internal-error report
(the contract for bugs). `route` treats only the documented errors as a bad event."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

import engine.replay.shards as shards
import engine.replay.stream as replay_stream
from engine.cli import main
from engine.replay.stream import Summary
from engine.runtime.decision import Decision
from engine.runtime.engine import Engine
from helpers import REPO
from hostile.helpers import created, evaluate, line, stream, tickets

BUG = "(a bug in Gongdan: please report it)"
LOSS = created("T-1", category="trade/order/create-failed", tags=["资损"])  # steps due 10:07:30, 10:15, 10:20, ...
STREAM = stream(LOSS, created("T-BUG", "2026-11-09T10:10:00+08:00"), created("T-3", "2026-11-09T10:30:00+08:00"))


def _broken(monkeypatch: pytest.MonkeyPatch, cls: Any, name: str, when: Any, exc: Exception) -> None:
    """Make `cls.name` raise `exc` when `when(args)` holds, and work as before otherwise."""
    real = getattr(cls, name)

    def patched(*args: Any, **kwargs: Any) -> Any:
        if when(args):
            raise exc
        return real(*args, **kwargs)
    monkeypatch.setattr(cls, name, patched)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bug_evaluating_one_event_is_reported_with_its_line(monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    _broken(monkeypatch, Engine, "apply", lambda a: a[1].ticket == "T-BUG", KeyError("boom"))
    code, out, err = evaluate("-j", jobs, stdin=STREAM)
    assert (code, err) == (1, f"gongdan: line 2: internal error: KeyError('boom') {BUG}\n")
    assert [t for t in tickets(out) if t[1] == "created"] == [("T-1", "created"), ("T-3", "created")]


def test_a_bug_checking_an_event_is_reported_with_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    _broken(monkeypatch, replay_stream, "parse_event", lambda a: a[0].get("ticket") == "T-BUG", TypeError("odd"))
    code, out, err = evaluate(stdin=STREAM)
    assert (code, err) == (1, f"gongdan: line 2: internal error: TypeError('odd') {BUG}\n")
    assert ("T-3", "created") in tickets(out)


def test_a_bug_writing_one_decision_is_reported_and_the_ticket_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    _broken(monkeypatch, Decision, "to_dict", lambda a: a[0].ticket == "T-BUG" and a[0].event == "created",
            ValueError("cannot write"))
    closing = {"type": "closed", "ticket": "T-BUG", "at": "2026-11-09T10:40:00+08:00"}
    code, out, err = evaluate(stdin=STREAM + line(closing))
    assert (code, err) == (1, (f"gongdan: line 2: writing the 'created' decision of ticket 'T-BUG': internal error: "
                               f"ValueError('cannot write') {BUG}\n"))
    assert ("T-BUG", "closed") in tickets(out)  # the ticket was kept: only its decision's line is missing


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_a_bug_firing_one_tickets_steps_stops_that_ticket_only(monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    _broken(monkeypatch, Engine, "due", lambda a: a[1]["ticket"] == "T-1", RuntimeError("due broke"))
    code, out, err = evaluate("-j", jobs, "--until", "2026-11-09T12:00:00+08:00", stdin=STREAM)
    assert (code, err) == (1, ("gongdan: line 2: firing the steps of ticket 'T-1' due at 2026-11-09T10:07:30+08:00: "
                               f"internal error: RuntimeError('due broke') {BUG}\n"))
    decided = tickets(out)
    assert ("T-1", "due") not in decided
    assert [t for t in decided if t[1] == "created"] == [("T-1", "created"), ("T-BUG", "created"), ("T-3", "created")]


def test_a_bug_firing_steps_after_the_last_line_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    _broken(monkeypatch, Engine, "due", lambda a: True, RuntimeError("due broke"))
    code, out, err = evaluate("--until", "2026-11-09T10:08:00+08:00", stdin=stream(LOSS))
    assert (code, err) == (1, ("gongdan: after the last line: firing the steps of ticket 'T-1' due at "
                               f"2026-11-09T10:07:30+08:00: internal error: RuntimeError('due broke') {BUG}\n"))
    assert tickets(out) == [("T-1", "created")]


def test_a_bug_outside_the_lines_is_still_exit_3_and_the_old_file_stays(monkeypatch: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    _broken(monkeypatch, Summary, "add", lambda a: True, RuntimeError("summary broke"))
    old = tmp_path / "decisions.jsonl"
    old.write_bytes(b"the old decisions\n")
    code, out, err = evaluate("--summary", "-o", str(old), stdin=STREAM)
    assert (code, out) == (3, b"")
    assert err.startswith("gongdan: internal error: RuntimeError('summary broke')\n"
                          "Traceback (most recent call last):\n")
    assert old.read_bytes() == b"the old decisions\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.jsonl"]


def _dying_shard(index: int) -> Any:
    if index == 1:
        os._exit(9)  # as the system's OOM killer would end it
    return _real_shard(index)


_real_shard = shards._run_shard


def test_a_jobs_worker_that_dies_is_a_problem_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shards, "_run_shard", _dying_shard)
    code, out, err = evaluate("-j", "2", stdin=STREAM)
    assert (code, out, err) == (1, b"", ("gongdan: a --jobs worker process died (killed by the system?); "
                                         "run again, or with fewer jobs\n"))


def test_shards_without_a_temporary_folder_are_a_problem(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    code, out, err = evaluate("-j", "2", stdin=STREAM)
    assert (code, out, err) == (1, b"", (f"gongdan: cannot make a folder for the shards' files in {tmp_path / 'gone'}: "
                                         "No such file or directory\n"))


def route(*args: str, stdin: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from hostile.helpers import CONFIG
    result = CliRunner().invoke(main, ["route", "-", *CONFIG, *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("exc, code, message", [
    pytest.param(LookupError("unknown team 'x'"), 1, "gongdan: bad event: unknown team 'x'\n", id="lookup-error"),
    pytest.param(KeyError("boom"), 3, "gongdan: internal error: KeyError('boom')\nTraceback (most recent call last):",
                 id="key-error-is-a-bug"),
    pytest.param(ValueError("no"), 3, "gongdan: internal error: ValueError('no')\nTraceback (most recent call last):",
                 id="value-error-is-a-bug"),
])
def test_route_takes_only_the_documented_errors_as_a_bad_event(monkeypatch: pytest.MonkeyPatch, exc: Exception,
                                                               code: int, message: str) -> None:
    _broken(monkeypatch, Engine, "evaluate", lambda a: True, exc)
    got_code, out, err = route(stdin=line(LOSS).decode())
    assert (got_code, out) == (code, "")
    assert err == message if code == 1 else err.startswith(message)


def _broken_shard(index: int) -> Any:
    if index == 1:
        raise RuntimeError("shard broke")
    return _real_shard(index)


@pytest.mark.parametrize("source", ["short", "long"])
def test_a_bug_in_a_jobs_worker_is_exit_3_with_the_bug(monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """Reported as the bug it is, whether the reader had handed over every line (a short
    stream) or found the worker gone while feeding it (a stream longer than a pipe holds)."""
    monkeypatch.setattr(shards, "_run_shard", _broken_shard)
    events = STREAM if source == "short" else (REPO / "examples" / "double11-events.jsonl").read_text(encoding="utf-8")
    code, out, err = evaluate("-j", "2", stdin=events)
    assert (code, out) == (3, b"")
    assert err.startswith("gongdan: internal error: RuntimeError('shard broke')\nTraceback (most recent call last):\n")
