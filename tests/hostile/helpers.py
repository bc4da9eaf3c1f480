"""What the hostile-input tests share: the command line run in process (click's CliRunner)
or as a real process (`python -m engine`, for descriptors, pipes, signals and devices),
and events to build streams from.

Imported as `hostile.helpers` (tests/ is on the path both with pytest's default import
mode, through tests/conftest.py, and with `pythonpath = ["tests"]`), so that it cannot
clash with another folder's helpers.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from click.testing import CliRunner

from engine.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "double11-events.jsonl"
CONFIG = ("--config", str(REPO))
SYNOPSIS = {"evaluate": "[OPTIONS]", "route": "[OPTIONS] EVENT.json", "oncall": "[OPTIONS] [TEAM]",
            "validate": "[OPTIONS] [CONFIG_DIR]", "test": "[OPTIONS] [CASES]..."}

CREATED = {"type": "created", "ticket": "T-1", "at": "2026-11-09T10:00:00+08:00", "category": "trade"}


def usage_error(command: str, message: str, prog: str = "main") -> str:
    """The whole of stderr for a usage error (exit 2): click's usage lines, then the message."""
    return (f"Usage: {prog} {command} {SYNOPSIS[command]}\nTry '{prog} {command} --help' for help.\n\n"
            f"Error: {message}\n")


def created(ticket: str, at: str = "2026-11-09T10:00:00+08:00", **more: Any) -> dict[str, Any]:
    return {**CREATED, "ticket": ticket, "at": at, **more}


def line(event: Any) -> bytes:
    """One event as a JSON line, UTF-8, characters not escaped (as most hosts write them)."""
    return json.dumps(event, ensure_ascii=False).encode("utf-8") + b"\n"


def stream(*events: Any) -> bytes:
    return b"".join(e if isinstance(e, bytes) else line(e) for e in events)


def cli(*args: str, stdin: bytes | str | None = None) -> tuple[int, bytes, str]:
    """`gongdan ARGS` in process: exit code, stdout (bytes), stderr."""
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout_bytes, result.stderr


def evaluate(*args: str, stdin: bytes | str | None = None) -> tuple[int, bytes, str]:
    return cli("evaluate", *CONFIG, *args, stdin=stdin)


def tickets(out: bytes) -> list[tuple[str, str]]:
    """(ticket, event) of each decision line, split at b"\\n" only."""
    return [(d["ticket"], d["event"]) for d in map(json.loads, out.split(b"\n")[:-1])]


def process(*args: str, **options: Any) -> subprocess.Popen[bytes]:
    """`python -m engine ARGS` as a real process (the caller gives its streams)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen([sys.executable, "-m", "engine", *args], cwd=REPO, env=env, **options)


def gongdan(*args: str, stdin: Any = subprocess.DEVNULL, stdout: Any = subprocess.PIPE,
            timeout: float = 60, **options: Any) -> tuple[int, bytes, str]:
    """`python -m engine ARGS` run to its end: exit code, stdout, stderr. A run that outlasts
    `timeout` is killed and fails the test (a hang must not hang the suite)."""
    with process(*args, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, **options) as child:
        try:
            out, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            raise
    return child.returncode, out or b"", err.decode("utf-8")


def readline_within(stream: IO[bytes], seconds: float) -> bytes:
    """A line from a child's pipe, failing (instead of waiting for ever) after `seconds`."""
    ready, _, _ = select.select([stream], [], [], seconds)
    assert ready, f"no output within {seconds} s"
    return stream.readline()
