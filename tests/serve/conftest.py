"""Fixtures only: services served for real (a uvicorn server in a thread on 127.0.0.1), on
each store: a real SQLite file in tmp_path, and a fresh database on a throwaway PostgreSQL
server started once per session. Shared code lives in tests/serving.py."""
from __future__ import annotations

import os
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
from serving import START, PgCluster, Running, Start, pg_bindir


def require_postgres() -> Path:
    """The server programs' folder. Without them the PostgreSQL tests skip locally, but fail
    under CI=true, so that a CI whose install step went missing cannot pass green."""
    bindir = pg_bindir()
    if bindir is None:
        reason = ("PostgreSQL server programs (initdb, pg_ctl) not found: install postgresql "
                  "(apt-get install postgresql) to run the PostgreSQL store tests")
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " [CI=true: these tests must run]", pytrace=False)
        pytest.skip(reason)
    return bindir


@pytest.fixture(scope="session")
def pg(request: pytest.FixtureRequest) -> PgCluster:
    """A throwaway PostgreSQL server for the session (fsync off), with a migrated template
    database; stopped by its pid at the end, whatever happened."""
    cluster = PgCluster(require_postgres())
    request.addfinalizer(cluster.close)
    cluster.migrated_template()
    return cluster


@pytest.fixture(params=["sqlite", "postgresql"])
def store_kind(request: pytest.FixtureRequest) -> str:
    """Each store test runs against both stores."""
    return str(request.param)


@pytest.fixture
def store_url(request: pytest.FixtureRequest, store_kind: str, tmp_path: Path) -> Iterator[Any]:
    """`store_url(db)`: the store URL for a database a test names by a path: the SQLite file
    itself, or a fresh PostgreSQL database (the same one each time the test names it again,
    dropped after the test)."""
    made: dict[Path, str] = {}

    def url(db: Path) -> str:
        if store_kind == "sqlite":
            return f"sqlite:///{db}"
        if db not in made:
            made[db] = request.getfixturevalue("pg").fresh_database()
        return made[db]
    yield url
    for each in made.values():
        request.getfixturevalue("pg").drop(each)


@pytest.fixture
def start(tmp_path: Path, store_url: Any) -> Iterator[Start]:
    """Start services (stopped at the end); by default on a manual replay clock with no
    outbox workers, so nothing happens that a test does not ask for. `workers` is the
    outbox's; `processes` is Options.workers: above 1 the store is opened shared (file lock,
    events prepared before it), as each process of `gongdan serve --workers N` opens it."""
    running: list[Running] = []

    def make(*, clock: Clock | str = "manual", config: Path = REPO, workers: int = 0,
             channels: dict[str, MemoryChannel] | None = None, retry: RetryPolicy | None = None,
             db: Path | None = None, processes: int = 1, **options: Any) -> Running:
        db = db or tmp_path / "gongdan.db"
        chans = memory_channels() if channels is None else channels
        url = store_url(db)
        opts = Options(config_dir=config, store_url=url, outbox_workers=workers,
                       retry=retry or RetryPolicy(), clock="replay" if clock == "replay" else "wall", workers=processes,
                       **options)
        chosen = ManualClock(START) if clock == "manual" else None if isinstance(clock, str) else clock
        service = Service(opts, chans, chosen, jitter=lambda hi: hi)
        r = Running(ServerThread(service).start(), db, chans, url)
        running.append(r)
        return r

    yield make
    for r in running:
        r.close()
