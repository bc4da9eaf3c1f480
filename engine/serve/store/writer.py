"""What every store's writer thread shares: the job a write is, how a group of queued
jobs is gathered for one transaction (group commit), and the answer a job submitted from
the event loop is given through (`LoopFuture`)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

from engine.serve.store import Reader, Tx

log = logging.getLogger("gongdan.serve.store")


class Completion(Protocol):
    """How the writer answers a job: the part of `concurrent.futures.Future` it uses."""

    def set_running_or_notify_cancel(self) -> bool: ...

    def running(self) -> bool: ...

    def done(self) -> bool: ...

    def set_result(self, result: Any) -> None: ...

    def set_exception(self, exception: BaseException | None) -> None: ...


Job = tuple[Callable[[Tx], Any], Completion]
JobQueue = queue.SimpleQueue[Job | None]   # None: the writer is to stop
T = TypeVar("T")


class Queued:
    """How a store hands jobs to its writer thread, the same for every store: the queue
    is `_queue`, which the store creates."""

    _queue: JobQueue

    def submit(self, job: Callable[[Tx], T]) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((job, future))
        return future

    def submit_here(self, job: Callable[[Tx], T]) -> asyncio.Future[T]:
        reply = LoopFuture(asyncio.get_running_loop())
        self._queue.put((job, reply))
        return reply.future

    def queued(self) -> int:
        return self._queue.qsize()


class LoopFuture:
    """A job's answer for a caller on an event loop: the writer sets it as it sets a
    `concurrent.futures.Future`, and `deliver` hands the answers of a whole group to the
    loop in one `call_soon_threadsafe`. What it saves, per event: the concurrent Future's
    condition (a lock taken at each of its calls), `asyncio.wrap_future`'s callbacks both
    ways, and a wake-up of the loop per job. A loop future cancelled before the writer takes
    the job (its request went away) is not run, as `wrap_future` cancels the concurrent
    Future; one cancelled later is run and its answer dropped."""

    __slots__ = ("_state", "_value", "future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[Any] = loop.create_future()
        self._state = "pending"      # pending | running | cancelled | result | exception (the writer's view)
        self._value: Any = None

    def set_running_or_notify_cancel(self) -> bool:
        # reading the loop future's state from the writer thread: one attribute, under the GIL
        self._state = "cancelled" if self.future.done() else "running"
        return self._state == "running"

    def running(self) -> bool:
        return self._state == "running"

    def done(self) -> bool:
        return self._state in ("cancelled", "result", "exception")

    def set_result(self, result: Any) -> None:
        self._state, self._value = "result", result

    def set_exception(self, exception: BaseException | None) -> None:
        self._state, self._value = "exception", exception

    def settle(self) -> None:
        """On the loop: the answer to the loop's future (unless it was cancelled meanwhile)."""
        if self.future.done():
            return
        if self._state == "result":
            self.future.set_result(self._value)
        else:
            self.future.set_exception(self._value)


def deliver(batch: list[Job]) -> None:
    """The answers of a group's jobs submitted from event loops, to each loop in one call
    (after the group's commit, or its failure: every store's writer calls it once per group,
    in a `finally`)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[LoopFuture]] = {}
    for _, reply in batch:
        if isinstance(reply, LoopFuture) and reply._state in ("result", "exception"):
            by_loop.setdefault(reply.loop, []).append(reply)
    for loop, replies in by_loop.items():
        with contextlib.suppress(RuntimeError):   # the loop is closed: nobody waits for the answers
            loop.call_soon_threadsafe(_settle, replies)


def _settle(replies: list[LoopFuture]) -> None:
    for reply in replies:
        reply.settle()


class Preparable(Protocol):
    """A job that can do part of its work before the store takes its write lock, on what
    is committed (`prepare.EventJob`); `scratch` is shared by the jobs of one group."""

    def prepare(self, reader: Reader, scratch: dict[str, Any]) -> None: ...


def prepare_group(reader: Reader, batch: list[Job]) -> None:
    """Let each job of a group that can prepare do so, in the group's order. A failure
    only loses the head start: the job then does all its work under the lock."""
    scratch: dict[str, Any] = {}
    for job, _ in batch:
        prepare = getattr(job, "prepare", None)
        if prepare is None:
            continue
        try:
            prepare(reader, scratch)
        except Exception:
            log.exception("store: preparing a job failed; it runs unprepared")


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
