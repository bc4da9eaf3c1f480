"""What the service tests share: the example stream, a started service (`Running`), a
`gongdan serve` subprocess (`Server`) and `gongdan evaluate` run on the same events."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from engine.serve.app import ServerThread
from engine.serve.channels.memory import MemoryChannel
from helpers import REPO, run_cli

EVENTS = REPO / "examples" / "double11-events.jsonl"
START = datetime.fromisoformat("2026-11-10T00:00:00+08:00").timestamp()   # the manual clock's ticket time
UNTIL = "2026-11-11T06:00:00+08:00"   # where the replay tests drain the tail to
CRASH_SERVER = REPO / "tests" / "serve" / "crash_server.py"


def stream(n: int) -> list[dict[str, Any]]:
    """The first n events of the Double 11 example stream."""
    with EVENTS.open(encoding="utf-8") as f:
        return [json.loads(next(f)) for _ in range(n)]


class Running:
    """A started service: its URL, an httpx client, its channels, its database file."""

    def __init__(self, thread: ServerThread, db: Path, channels: dict[str, MemoryChannel]) -> None:
        self.thread, self.db, self.channels = thread, db, channels
        self.service = thread.service
        self.client = httpx.Client(base_url=thread.url, timeout=30.0)

    def post(self, body: Any, **headers: str) -> httpx.Response:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
        return self.client.post("/v1/events", content=data,
                                headers={"content-type": "application/json", **headers})

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return list(conn.execute(sql, args))

    def counts(self) -> dict[str, int]:
        tables = ("tickets", "decisions", "events_seen", "outbox", "idempotency")
        return {t: self.rows(f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}

    def close(self) -> None:
        if not self.client.is_closed:
            self.client.close()
            self.thread.stop()


Start = Callable[..., Running]


class Server:
    """The subprocess and a client for it."""

    def __init__(self, db: Path, out: Path, config: Path = REPO) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen([sys.executable, str(CRASH_SERVER), str(config), str(db), str(out)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        assert self.proc.stdout is not None
        url = self.proc.stdout.readline().strip()      # printed once the socket is bound
        assert url.startswith("http://127.0.0.1:"), url
        self.client = httpx.Client(base_url=url, timeout=60.0)

    def post(self, events: list[dict[str, Any]]) -> httpx.Response:
        return self.client.post("/v1/events", json=events)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.client.close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        self.client.close()


def evaluate_stream(tmp_path: Path, events: list[dict[str, Any]], *extra: str) -> list[dict[str, Any]]:
    """`gongdan evaluate --state` on these events, uninterrupted: the decisions it writes."""
    source, out = tmp_path / "events.jsonl", tmp_path / "decisions.jsonl"
    source.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    code, _, err = run_cli("evaluate", "--config", str(REPO), "-i", str(source), "-o", str(out), "--state", *extra)
    assert (code, err) == (0, "")
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
