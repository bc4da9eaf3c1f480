"""`gongdan serve`: the command itself, as a user starts it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from helpers import REPO, run_cli


def test_malformed_tokens_are_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGDAN_TOKENS", "crm")
    code, _, err = run_cli("serve", "--listen", "127.0.0.1:0")
    assert (code, err.splitlines()[-1]) == (2, "Error: GONGDAN_TOKENS: expected host:token, got 'crm'")


def test_serve_on_port_0_announces_its_address_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "engine", "serve", "--config", str(REPO), "--store",
                             f"sqlite:///{tmp_path}/cli.db", "--listen", "127.0.0.1:0"],
                            cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline().strip()
        assert line.startswith("gongdan serve: listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        with httpx.Client(base_url=url, timeout=30.0) as client:
            assert client.get("/-/ready").status_code == 200
            assert client.get("/v1/mode").json() == {"mode": None, "modes": ["daily", "promotion"],
                                                     "in_force": "daily"}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == -signal.SIGTERM   # uvicorn shuts down, then re-raises the signal
    # the store was closed cleanly: SQLite removes the WAL when its last connection closes
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("cli.db")] == ["cli.db"]


@pytest.mark.parametrize("args, error", [
    pytest.param(("--max-queue", "0"), "Error: Invalid value for '--max-queue': 0 is not in the range x>=1.",
                 id="max-queue-zero"),
    pytest.param(("--retention-days", "-1"),
                 "Error: Invalid value for '--retention-days': -1.0 is not in the range x>=0.", id="negative-retention"),
])
def test_bounds_out_of_range_are_usage_errors(args: tuple[str, ...], error: str) -> None:
    code, _, err = run_cli("serve", "--listen", "127.0.0.1:0", *args)
    assert (code, err.splitlines()[-1]) == (2, error)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_address_that_cannot_be_listened_on_is_a_clear_error(tmp_path: Path, workers: str) -> None:
    import socket
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        db = f"sqlite:///{tmp_path / 'x.db'}"
        code, _, err = run_cli("serve", "--store", db, "--listen", f"127.0.0.1:{port}", "--workers", workers)
        assert (code, err.splitlines()[-1]) == (1, f"Error: cannot listen on 127.0.0.1:{port}: Address already in use")
        code, _, err = run_cli("serve", "--store", db, "--listen", "127.0.0.1:http", "--workers", workers)
        assert (code, err.splitlines()[-1]) == (
            1, "Error: --listen '127.0.0.1:http': expected HOST:PORT with a port from 0 to 65535")
    finally:
        taken.close()


def test_workers_are_bounded_and_refuse_the_replay_clock() -> None:
    code, _, err = run_cli("serve", "--listen", "127.0.0.1:0", "--workers", "0")
    assert (code, err.splitlines()[-1]) == (2, "Error: Invalid value for '--workers': 0 is not in the range 1<=x<=64.")
    code, _, err = run_cli("serve", "--listen", "127.0.0.1:0", "--workers", "2", "--clock", "replay")
    assert (code, err.splitlines()[-1]) == (
        2, "Error: --clock replay takes its time from the events one process sees: use --workers 1")


def test_workers_on_a_store_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'x.db'}"
    code, _, err = run_cli("serve", "--store", url, "--listen", "127.0.0.1:0", "--workers", "2")
    assert (code, err.splitlines()[-1]) == (1, f"Error: {url}: unable to open database file")
