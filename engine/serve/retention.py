"""Retention: closed tickets (with their log), sent deliveries and answered
Idempotency-Keys older than the configured retention are deleted, each kind in bounded
jobs of at most `batch` rows, one short writer transaction each, so pruning a large
backlog never holds the writer (and the events queued behind it) for long."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from engine.serve.store import Tx

Write = Callable[[Callable[[Tx], int]], Awaitable[int]]

# what is pruned, in this order: a closed ticket first (its sent rows go with it), then
# the sent rows of open tickets, then the keys
KINDS: tuple[tuple[str, Callable[[Tx, float, int], int]], ...] = (
    ("tickets", lambda tx, before, limit: tx.prune_closed(before, limit)),
    ("outbox", lambda tx, before, limit: tx.prune_sent(before, limit)),
    ("idempotency", lambda tx, before, limit: tx.prune_idempotency(before, limit)),
)


def _job(step: Callable[[Tx, float, int], int], before: float, batch: int) -> Callable[[Tx], int]:
    return lambda tx: step(tx, before, batch)


async def prune(write: Write, before: float, batch: int) -> dict[str, Any]:
    """Delete what is older than `before` (wall-clock seconds), `batch` rows a job, until a
    job deletes fewer: how many of each kind were deleted."""
    totals: dict[str, Any] = {}
    for kind, step in KINDS:
        totals[kind] = 0
        while True:
            deleted = await write(_job(step, before, batch))
            totals[kind] += deleted
            if deleted < batch:
                break
    return totals
