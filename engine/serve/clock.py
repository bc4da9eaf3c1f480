"""The service's one clock: ticket time (wall time, or the replay clock that follows the
events' own `at`) and delivery time (always the wall clock, so retries really wait)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """Where the service reads the time; nothing else in `engine.serve` calls `time.time()`."""

    replay: bool
    database: bool        # ticket time is the database's: a claim reads it inside its transaction

    def now(self) -> float:
        """Ticket time: due steps up to this instant may fire."""
        ...

    def wall(self) -> float:
        """Delivery time: leases, retries and rate windows."""
        ...

    def advance(self, ts: float) -> float:
        """Move ticket time forward to `ts` (replay only; never backwards). Returns now()."""
        ...


class WallClock:
    """Production on SQLite: ticket time is the wall clock."""

    replay = False
    database = False

    def now(self) -> float:
        return time.time()

    def wall(self) -> float:
        return time.time()

    def advance(self, ts: float) -> float:
        return self.now()


class DatabaseClock(WallClock):
    """Production on a shared database: the database's clock, so replicas whose own clocks
    are skewed agree on what is due and when a lease expires. Read here as the local clock
    plus the offset last measured (`sync`, at every heartbeat); the scheduler's claims read
    the database's clock inside their transaction instead."""

    database = True

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def wall(self) -> float:
        return time.time() + self.offset

    def sync(self, database_now: Callable[[], float | None]) -> float:
        """Measure the offset (the database's answer against the middle of the round trip)."""
        sent = time.time()
        theirs = database_now()
        if theirs is not None:
            self.offset = theirs - (sent + time.time()) / 2
        return self.offset


class ReplayClock:
    """Ticket time is the latest event `at` seen (or a POST /v1/clock), persisted by the
    store in `settings` so a restart resumes where the stream was."""

    replay = True
    database = False

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def wall(self) -> float:
        return time.time()

    def advance(self, ts: float) -> float:
        with self._lock:
            self._now = max(self._now, ts)
            return self._now


class ManualClock(ReplayClock):
    """Tests: ticket time and delivery time both set by hand."""

    def __init__(self, start: float = 0.0, wall: float = 1_000_000.0) -> None:
        super().__init__(start)
        self.wall_time = wall

    def wall(self) -> float:
        return self.wall_time

    def tick(self, seconds: float) -> None:
        """Move delivery time on by `seconds`."""
        self.wall_time += seconds
