"""Files a command reads and writes: the input is never the output, an output file is
replaced whole or not at all, and whatever the file system hands back (a directory, a
FIFO, a loop of links, a file nobody may read, a full or read-only device) is a clean
error naming the file, not a traceback or a hang."""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostile.helpers import (
    CONFIG,
    EXAMPLE,
    REPO,
    created,
    evaluate,
    gongdan,
    process,
    readline_within,
    stream,
    usage_error,
)

EVENTS = stream(created("T-1"), created("T-2"))
OLD = b"the old decisions\n"


@pytest.fixture
def events(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_bytes(EVENTS)
    return path


def decisions_of(events: Path) -> bytes:
    code, out, err = evaluate("-i", str(events))
    assert (code, err) == (0, "")
    return out


def input_is_output(output: str, source: str, prog: str = "main") -> str:
    return usage_error("evaluate", f"Invalid value for '-o' / '--output': {output} is the input file {source}: "
                                   "writing it would lose the events; write the decisions to another file", prog)


# --- the input is never the output -------------------------------------------------------

@pytest.mark.parametrize("make", [
    pytest.param(lambda f: f, id="same-name"),
    pytest.param(lambda f: f.parent / "." / f.name, id="another-spelling"),
    pytest.param(lambda f: (f.parent / "link").symlink_to(f.name) or f.parent / "link", id="symlink"),
    pytest.param(lambda f: os.link(f, f.parent / "hard") or f.parent / "hard", id="hard-link"),
])
def test_the_output_may_not_be_the_input_by_any_name(events: Path, make: object) -> None:
    output = make(events)  # type: ignore[operator]
    code, out, err = evaluate("-i", str(events), "-o", str(output))
    assert (code, out, err) == (2, b"", input_is_output(f"'{output}'", f"'{events}'"))
    assert events.read_bytes() == EVENTS
    assert sorted(p.name for p in events.parent.iterdir() if p.name.startswith(".")) == []


def test_stdin_redirected_from_the_output_file_is_refused(events: Path) -> None:
    with events.open("rb") as stdin:
        code, out, err = gongdan("evaluate", *CONFIG, "-o", str(events), stdin=stdin)
    assert (code, out) == (2, b"")
    assert err == input_is_output(f"'{events}'", "stdin", prog="python -m engine")
    assert events.read_bytes() == EVENTS


def test_stdout_appending_to_the_input_file_is_refused(events: Path) -> None:
    with events.open("ab") as stdout:
        code, _, err = gongdan("evaluate", *CONFIG, "-i", str(events), stdout=stdout)
    assert code == 2
    assert err.endswith(f"Error: Invalid value for '-o' / '--output': stdout is the input file '{events}': writing "
                        "it would lose the events; write the decisions to another file\n")
    assert events.read_bytes() == EVENTS


# --- an output file is replaced whole, or not at all ---------------------------------------

def test_an_output_file_is_replaced_with_its_permissions_kept(events: Path, tmp_path: Path) -> None:
    output = tmp_path / "decisions.jsonl"
    output.write_bytes(OLD)
    output.chmod(0o640)
    assert evaluate("-i", str(events), "-o", str(output)) == (0, b"", "")
    assert output.read_bytes() == decisions_of(events)
    assert stat.S_IMODE(output.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.jsonl", "events.jsonl"]


def test_a_new_output_file_gets_the_umasks_permissions(events: Path, tmp_path: Path) -> None:
    old_mask = os.umask(0o027)
    try:
        assert evaluate("-i", str(events), "-o", str(tmp_path / "new.jsonl")) == (0, b"", "")
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE((tmp_path / "new.jsonl").stat().st_mode) == 0o640


def test_an_output_through_a_symlink_replaces_the_file_it_names(events: Path, tmp_path: Path) -> None:
    (tmp_path / "real.jsonl").write_bytes(OLD)
    (tmp_path / "link.jsonl").symlink_to("real.jsonl")
    assert evaluate("-i", str(events), "-o", str(tmp_path / "link.jsonl")) == (0, b"", "")
    assert (tmp_path / "link.jsonl").is_symlink()
    assert (tmp_path / "real.jsonl").read_bytes() == decisions_of(events)


def test_a_run_killed_midway_leaves_the_old_file_whole(tmp_path: Path) -> None:
    """SIGKILL while the decisions are being written: nothing can clean up, yet the output
    file still holds what it held (the run wrote beside it)."""
    output = tmp_path / "decisions.jsonl"
    output.write_bytes(OLD)
    child = process("evaluate", *CONFIG, "-i", str(EXAMPLE), "-o", str(output),
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size > 0 for p in tmp_path.glob(".decisions.jsonl.*")):
            assert child.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert output.read_bytes() == OLD


def test_a_run_interrupted_midway_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    output = tmp_path / "decisions.jsonl"
    output.write_bytes(OLD)
    child = process("evaluate", *CONFIG, "-i", str(EXAMPLE), "-o", str(output),
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size > 0 for p in tmp_path.glob(".decisions.jsonl.*")):
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert (child.returncode, err) == (1, b"\nAborted!\n")
    assert output.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.jsonl"]


def test_a_file_named_stdout_is_a_file(events: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert evaluate("--summary", "-i", str(events), "-o", "stdout")[0] == 0
    assert (tmp_path / "stdout").read_bytes() == decisions_of(events)


def test_stdout_streams_decisions_while_the_input_is_still_open() -> None:
    """Decisions for stdout are written as they come, not held back for the end: the first
    ones arrive while the host has not closed the stream."""
    lines = EXAMPLE.read_bytes().split(b"\n")[:200]  # less than a pipe holds: the write cannot block
    child = process("evaluate", *CONFIG, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(b"\n".join(lines) + b"\n")
        child.stdin.flush()
        first = readline_within(child.stdout, 30)  # none if the output waited for the input's end
        assert first.startswith(b'{"ticket":"D11-001732","event":"created"')
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()


# --- inputs the file system hands back ----------------------------------------------------

def test_inputs_that_are_not_regular_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "loop-a").symlink_to("loop-b")
    (tmp_path / "loop-b").symlink_to("loop-a")
    (tmp_path / "file").write_bytes(EVENTS)
    cases = {
        str(tmp_path): "a directory, not a file",
        str(tmp_path / "loop-a"): "Too many levels of symbolic links",
        str(tmp_path / "file" / "events.jsonl"): "Not a directory",
        str(tmp_path / "missing.jsonl"): "No such file or directory",
        "/dev/zero": "a device, not a regular file (give a stream on stdin, as `-`)",
    }
    for path, why in cases.items():
        assert evaluate("-i", path) == (2, b"", usage_error(
            "evaluate", f"Invalid value for '-i' / '--input': '{path}': {why}")), path


def test_a_fifo_as_input_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    for command in (["evaluate", *CONFIG, "-i", str(fifo)], ["route", str(fifo), *CONFIG]):
        code, out, err = gongdan(*command, timeout=20)
        assert (code, out) == (2, b"")
        assert err.splitlines()[-1].endswith(
            f"'{fifo}': a named pipe (FIFO), not a regular file (give a stream on stdin, as `-`)")


@pytest.fixture
def unreadable() -> Iterator[Path]:
    """A file with mode 000 in a folder everyone may enter (not under pytest's private tmp)."""
    folder = Path(tempfile.mkdtemp(prefix="gongdan-hostile-"))
    try:
        folder.chmod(0o755)
        path = folder / "events.jsonl"
        path.write_bytes(EVENTS)
        path.chmod(0)
        yield path
    finally:
        shutil.rmtree(folder)


def as_unprivileged(*args: str) -> tuple[int, bytes, str]:
    """The CLI run as a user the file modes bind: root reads any file, so as root the
    process loads Gongdan first, then gives up root (to `nobody`) and runs the command."""
    script = ("import os, sys\nfrom engine.cli import main\n"
              "if os.geteuid() == 0:\n    os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
              "main(sys.argv[1:], prog_name='gongdan')\n")
    done = subprocess.run([sys.executable, "-c", script, *args], cwd="/", capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, check=False)
    return done.returncode, done.stdout, done.stderr.decode()


def test_an_unreadable_input_is_a_usage_error(unreadable: Path) -> None:
    code, out, err = as_unprivileged("evaluate", *CONFIG, "-i", str(unreadable))
    assert (code, out) == (2, b"")
    assert err == usage_error("evaluate", f"Invalid value for '-i' / '--input': '{unreadable}': Permission denied",
                              prog="gongdan")
    code, out, err = as_unprivileged("route", str(unreadable), *CONFIG)
    assert err == usage_error("route", f"Invalid value for 'EVENT.json': '{unreadable}': Permission denied",
                              prog="gongdan")


def test_a_closed_stdin_is_a_usage_error() -> None:
    for command, hint in ((["evaluate", *CONFIG], "'-i' / '--input'"), (["route", "-", *CONFIG], "'EVENT.json'")):
        code, out, err = gongdan(*command, stdin=None, preexec_fn=lambda: os.close(0))
        assert (code, out) == (2, b"")
        assert err.splitlines()[-1] == f"Error: Invalid value for {hint}: '-': stdin is closed: name a file instead"


# --- outputs the file system refuses ------------------------------------------------------

@pytest.mark.parametrize("output, message", [
    pytest.param("/proc/version", "'/proc/version': cannot make a file in '/proc' to replace it with: "
                 "No such file or directory", id="proc-version"),
    pytest.param("{tmp}/missing/out.jsonl", "'{tmp}/missing/out.jsonl': no such directory '{tmp}/missing'",
                 id="missing-directory"),
    pytest.param("{tmp}", "'{tmp}': a directory, not a file", id="a-directory"),
    pytest.param("{tmp}/events.jsonl/out.jsonl", "'{tmp}/events.jsonl/out.jsonl': Not a directory",
                 id="parent-is-a-file"),
])
def test_an_output_that_cannot_be_made_is_a_usage_error(events: Path, tmp_path: Path, output: str,
                                                        message: str) -> None:
    output, message = output.format(tmp=tmp_path), message.format(tmp=tmp_path)
    assert evaluate("-i", str(events), "-o", output) == (2, b"", usage_error(
        "evaluate", f"Invalid value for '-o' / '--output': {message}"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl"]


def test_a_full_device_is_a_problem_not_a_traceback(events: Path) -> None:
    assert evaluate("-i", str(events), "-o", "/dev/full") == (
        1, b"", "gongdan: cannot write to '/dev/full': No space left on device\n")
    assert evaluate("-i", str(events), "-o", "/dev/null") == (0, b"", "")


@pytest.mark.parametrize("command", [
    pytest.param(["evaluate", *CONFIG, "-i", str(EXAMPLE)], id="evaluate"),
    pytest.param(["oncall", *CONFIG, "--at", "2026-11-02T10:00:00+08:00"], id="oncall"),
    pytest.param(["oncall", *CONFIG, "trade-cart", "--ics", "--at", "2026-11-02T10:00:00+08:00"], id="oncall-ics"),
    pytest.param(["validate", str(REPO), "--gaps-from", "1970-01-02T00:00:00Z"], id="validate"),
    pytest.param(["test", *CONFIG], id="test"),
])
def test_stdout_on_a_full_device_is_a_problem(command: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        code, _, err = gongdan(*command, stdout=full)
    assert (code, err.splitlines()[-1]) == (1, "gongdan: cannot write to stdout: No space left on device")
    assert "Traceback" not in err and "Exception ignored" not in err


def test_a_closed_stdout_is_a_problem_not_lost_output() -> None:
    for command in (["evaluate", *CONFIG, "-i", str(EXAMPLE)], ["oncall", *CONFIG]):
        code, _, err = gongdan(*command, stdout=None, preexec_fn=lambda: os.close(1))
        assert (code, err) == (1, "gongdan: cannot write to stdout: Bad file descriptor\n")


def test_a_fifo_nobody_reads_is_refused_at_once(events: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    code, out, err = gongdan("evaluate", *CONFIG, "-i", str(events), "-o", str(fifo), timeout=20)
    assert (code, out) == (2, b"")
    assert err.splitlines()[-1] == (f"Error: Invalid value for '-o' / '--output': '{fifo}': nobody is reading this "
                                    "named pipe (FIFO)")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_reader_that_goes_away_ends_the_run_quietly(jobs: str) -> None:
    """`gongdan evaluate | head -1`: exit status 141 (128 + SIGPIPE) like Unix tools, and
    nothing on stderr."""
    child = process("evaluate", *CONFIG, "-j", jobs, "-i", str(EXAMPLE), stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    assert readline_within(child.stdout, 30).startswith(b'{"ticket":"D11-001732"')
    child.stdout.close()
    child.stdout = None
    try:
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert (child.returncode, err) == (141, b"")


def test_route_reads_at_most_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(64 << 20)  # 64 MiB of NUL bytes, sparse
    message = "Invalid value for EVENT: '{}': longer than 1,048,576 bytes, the limit for one event"
    code, out, err = gongdan("route", str(big), *CONFIG)
    assert (code, out, err.splitlines()[-1]) == (2, b"", "Error: " + message.format(big))
    from hostile.helpers import cli
    assert cli("route", "-", *CONFIG, stdin=b" " * (2 << 20)) == (2, b"", usage_error("route", message.format("-")))
