"""What every store's writer thread shares: the job a write is, how a group of queued
jobs is gathered for one transaction (group commit), and the answer a job submitted from
the event loop is given through (`LoopFuture`)."""
from __future__ import annotations

import asyncio
import contextlib
import queue
from collections.abc import Callable
from typing import Any, Protocol

from engine.serve.store import Tx


class Completion(Protocol):
    """How the writer answers a job: the part of `concurrent.futures.Future` it uses."""

    def set_running_or_notify_cancel(self) -> bool: ...

    def running(self) -> bool: ...

    def done(self) -> bool: ...

    def set_result(self, result: Any) -> None: ...

    def set_exception(self, exception: BaseException | None) -> None: ...


Job = tuple[Callable[[Tx], Any], Completion]
JobQueue = queue.SimpleQueue[Job | None]   # None: the writer is to stop


class LoopFuture:
    """A job's answer for a caller on an event loop: the writer sets it as it sets a
    `concurrent.futures.Future`, and the value goes to the loop's own future in one
    `call_soon_threadsafe`. What it saves, per event: the concurrent Future's condition
    (a lock taken at each of its five calls) and `asyncio.wrap_future`'s callbacks both
    ways. A loop future cancelled before the writer takes the job (its request went away)
    is not run, as `wrap_future` cancels the concurrent Future; one cancelled later is run
    and its answer dropped."""

    __slots__ = ("_loop", "_state", "future")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.future: asyncio.Future[Any] = loop.create_future()
        self._state = "pending"      # pending | running | cancelled | done (the writer's view)

    def set_running_or_notify_cancel(self) -> bool:
        # reading the loop future's state from the writer thread: one attribute, under the GIL
        self._state = "cancelled" if self.future.done() else "running"
        return self._state == "running"

    def running(self) -> bool:
        return self._state == "running"

    def done(self) -> bool:
        return self._state in ("cancelled", "done")

    def set_result(self, result: Any) -> None:
        self._finish(_set_result, result)

    def set_exception(self, exception: BaseException | None) -> None:
        self._finish(_set_exception, exception)

    def _finish(self, setter: Callable[[asyncio.Future[Any], Any], None], value: Any) -> None:
        self._state = "done"
        with contextlib.suppress(RuntimeError):   # the loop is closed: nobody waits for the answer
            self._loop.call_soon_threadsafe(setter, self.future, value)


def _set_result(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def gather(jobs: JobQueue, first: Job, limit: int) -> tuple[list[Job], bool]:
    """`first` and the jobs already queued behind it, `limit` at most; whether a stop
    request came among them (the writer commits the group, then stops)."""
    batch = [first]
    while len(batch) < limit:
        try:
            job = jobs.get_nowait()
        except queue.Empty:
            break
        if job is None:
            return batch, True
        batch.append(job)
    return batch, False
