"""The scheduler: sleeps until the earliest next_wakeup in the store (woken early when a
write sets an earlier one), then has the writer fire the due tickets in batches. On the
replay clock it stays idle: events and POST /v1/clock fire what falls due."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import engine
from engine.serve.broadcasts import send_due
from engine.serve.clock import Clock
from engine.serve.ingest import Context, Recorded, fire_ticket, fire_until
from engine.serve.prepare import PreparedFire, prepare_fire
from engine.serve.store import LEAD_POLL, Reader, Store, Tx

log = logging.getLogger("gongdan.serve.scheduler")
BATCH = 128
PARK = 300.0       # seconds before a ticket whose due() was refused is tried again
IDLE = 60.0        # seconds to sleep with nothing scheduled (a write wakes it anyway)


class FireDueJob:
    """The writer job: claim up to `batch` tickets due by `at` (None: the database's clock,
    read in the claim's own transaction) and fire each. On SQLite the one writer makes
    claiming a read; on PostgreSQL the claim locks the rows, skipping those another replica
    holds, until the new states and their outbox rows are committed. On a SQLite file the
    workers share, the store has it `prepare` the steps first, outside the write lock."""

    __slots__ = ("at", "batch", "ctx", "prepared")

    def __init__(self, ctx: Context, at: float | None, batch: int = BATCH) -> None:
        self.ctx, self.at, self.batch = ctx, at, batch
        self.prepared: dict[str, PreparedFire] = {}

    def prepare(self, reader: Reader, _scratch: dict[str, Any]) -> None:
        """Decide the due steps of the tickets due now on their committed rows."""
        if self.at is None:
            return
        for ticket, _wake in reader.due_tickets(self.at, self.batch):
            row = reader.ticket(ticket)
            prepared = None if row is None else prepare_fire(self.ctx, row, self.at)
            if prepared is not None:
                self.prepared[ticket] = prepared

    def __call__(self, tx: Tx) -> list[Recorded]:
        ctx = self.ctx
        now = self.at if self.at is not None else tx.database_now()
        assert now is not None, "a store without a clock of its own is given the time"
        out: list[Recorded] = []
        for ticket, _wake in tx.due_tickets(now, self.batch):
            row = tx.ticket(ticket)
            if row is None:
                continue
            try:
                out += fire_ticket(tx, ctx, row, now, now, self.prepared.get(ticket))
            except engine.EventError as exc:
                # e.g. a state the reloaded config cannot continue: park the ticket and try
                # again later (a reload may bring its team back) instead of blocking the rest
                log.error("scheduler: ticket %s: %s; retrying in %gs", ticket, exc, PARK)
                current = tx.ticket(ticket) or row
                tx.save_ticket(replace(current, next_wakeup=now + PARK), ctx.clock.wall())
        return out


def advance_job(ctx: Context, until: float) -> Callable[[Tx], list[Recorded]]:
    """The writer job behind POST /v1/clock: move the replay clock, firing what falls due."""
    def job(tx: Tx) -> list[Recorded]:
        out = fire_until(tx, ctx, until)
        send_due(tx, ctx, until)
        tx.put_setting("replay_now", repr(ctx.clock.advance(until)))
        return out
    return job


class Scheduler:
    """Fires due steps on the wall clock; `record` hears every decision stored."""

    def __init__(self, store: Store, context: Callable[[], Context], clock: Clock,
                 record: Callable[[list[Recorded]], None], idle: float = IDLE) -> None:
        self.store, self.context, self.clock, self.record = store, context, clock, record
        self.idle = idle              # the longest sleep: polling, should a wake-up go unheard
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._target = -math.inf      # when the sleeper wakes anyway (-inf: not asleep yet)

    def poke(self, earliest: float | None, _added: int = 0) -> None:
        """A commit listener (the writer's thread, or the thread hearing other replicas):
        a wake-up earlier than the one slept to wakes the sleeper."""
        if earliest is not None and earliest < self._target:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        while True:
            if not self.store.leads():   # another worker fires: take over if it goes
                await asyncio.sleep(LEAD_POLL)
                continue
            at = None if self.clock.database else self.clock.now()
            try:
                fired = await asyncio.wrap_future(self.store.submit(FireDueJob(self.context(), at)))
            except Exception:
                log.exception("scheduler: firing due steps failed")
                await asyncio.sleep(1.0)  # a store fault: retry soon, without spinning
                continue
            self.record(fired)
            if len(fired) >= BATCH:
                continue
            await self._sleep()

    async def _sleep(self) -> None:
        self._target = -math.inf   # until the new target is known, any wake-up wakes us
        self._wake.clear()  # before reading: a write committed after the read still wakes us
        nxt = await asyncio.to_thread(self.store.read, lambda r: r.earliest_wakeup())
        now = self.clock.now()
        delay = self.idle if nxt is None else min(self.idle, max(0.0, nxt - now))
        self._target = now + delay
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
