"""What every store's writer thread shares: the job a write is, and how a group of queued
jobs is gathered for one transaction (group commit)."""
from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from engine.serve.store import Tx

Job = tuple[Callable[[Tx], Any], "Future[Any]"]
JobQueue = queue.SimpleQueue[Job | None]   # None: the writer is to stop


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
