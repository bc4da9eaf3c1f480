"""Fixtures only: services served for real (a uvicorn server in a thread on 127.0.0.1, a
real SQLite file in tmp_path). Shared code lives in tests/serving.py."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.serve.app import ServerThread
from engine.serve.channels.memory import MemoryChannel, memory_channels
from engine.serve.clock import Clock, ManualClock
from engine.serve.outbox import RetryPolicy
from engine.serve.service import Options, Service
from helpers import REPO
from serving import START, Running, Start


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
