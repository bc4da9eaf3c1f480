"""Serving the app for real: a uvicorn server in a thread on 127.0.0.1, a real SQLite file
in tmp_path, httpx requests; the in-process engine the answers are compared with."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import REPO

import engine
from engine.serve.app import ServerThread
from engine.serve.channels.memory import MemoryChannel, memory_channels
from engine.serve.clock import Clock, ManualClock
from engine.serve.outbox import RetryPolicy
from engine.serve.service import Options, Service

EVENTS = REPO / "examples" / "double11-events.jsonl"
START = datetime.fromisoformat("2026-11-10T00:00:00+08:00").timestamp()   # the manual clock's ticket time


@pytest.fixture(scope="session")
def reference() -> engine.Engine:
    """The reference config, loaded in process: what the service's answers must equal."""
    return engine.load(REPO)


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


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """Start services (stopped at the end); by default on a manual replay clock with no
    outbox workers, so nothing happens that a test does not ask for."""
    running: list[Running] = []

    def make(*, clock: Clock | str = "manual", config: Path = REPO, workers: int = 0,
             channels: dict[str, MemoryChannel] | None = None, retry: RetryPolicy | None = None,
             db: Path | None = None, **options: Any) -> Running:
        db = db or tmp_path / "gongdan.db"
        chans = memory_channels() if channels is None else channels
        opts = Options(config_dir=config, store_url=f"sqlite:///{db}", outbox_workers=workers,
                       retry=retry or RetryPolicy(), clock="replay" if clock == "replay" else "wall", **options)
        chosen = ManualClock(START) if clock == "manual" else None if isinstance(clock, str) else clock
        service = Service(opts, chans, chosen, jitter=lambda hi: hi)
        r = Running(ServerThread(service).start(), db, chans)
        running.append(r)
        return r

    yield make
    for r in running:
        r.close()
