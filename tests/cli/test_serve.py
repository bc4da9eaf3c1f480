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
