"""The running service's state and its operations, independent of HTTP: the store, the
engine (swapped by reference on reload), the clock, the mode override, metrics, and the
background parts (scheduler, outbox dispatcher, config watcher)."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import engine
from engine.serve import retention
from engine.serve.broadcasts import run_timer
from engine.serve.channels.base import Channel
from engine.serve.clock import Clock, DatabaseClock, ReplayClock, WallClock
from engine.serve.ingest import Context, Outcome, Recorded
from engine.serve.metrics import Metrics
from engine.serve.openapi import load_schema
from engine.serve.outbox import Dispatcher, RetryPolicy, full_jitter
from engine.serve.prepare import EventJob
from engine.serve.problems import Problem
from engine.serve.reload import Reloader
from engine.serve.scheduler import IDLE, Scheduler, advance_job
from engine.serve.store import ReplicaRow, Store, Tx
from engine.serve.store.urls import open_store

T = TypeVar("T")
log = logging.getLogger("gongdan.serve")


@dataclass(frozen=True, slots=True)
class Options:
    """How the service runs (not the rule config): paths, limits, tokens."""

    config_dir: Path = Path(".")
    store_url: str = "sqlite:///gongdan.db"
    clock: str = "wall"                      # wall | replay
    watch: bool = False
    watch_interval: float = 1.0
    max_body: int = 1 << 20                  # one event
    max_batch_body: int = 16 << 20           # a batch (JSON array)
    max_batch: int = 1000                    # events in a batch
    max_queue: int = 2000                    # write jobs queued: past it, events get 503 + Retry-After
    retention: float = 90 * 86400.0          # seconds closed tickets, sent deliveries, keys are kept (0: ever)
    prune_every: float = 3600.0              # seconds between retention passes (the first at start)
    prune_batch: int = 500                   # rows a retention job deletes at most (one short transaction)
    tokens: Mapping[str, str] = field(default_factory=dict)
    outbox_workers: int = 2
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    idempotency_lease: float = 60.0          # an in-flight key older than this may be taken over
    replica: str | None = None               # this process's name among the replicas (default host-pid-random)
    heartbeat: float = 5.0                   # seconds between heartbeats (replicas row, clock offset, mode)
    poll: float = 5.0                        # a shared store: the scheduler's longest sleep, should NOTIFY be lost
    workers: int = 1                         # processes serving together (gongdan serve --workers)
    worker: int | None = None                # this process's index among them (None: no supervisor)
    supervisor: int | None = None            # the supervisor's pid, told of reloads and mode changes


EVENT_TYPES = frozenset(load_schema("event.schema.json")["properties"]["type"]["enum"])


def event_type_label(event: Any) -> str:
    """The `type` label of gongdan_events_total: an event type, or `invalid` (labels stay a
    closed set whatever clients send)."""
    kind = event.get("type") if isinstance(event, dict) else None
    return kind if isinstance(kind, str) and kind in EVENT_TYPES else "invalid"


def settle_heap() -> None:
    """Move what is alive now (the engine's compiled config above all: long-lived, many
    objects) out of the garbage collector's sight, so that a full collection, which
    otherwise walks all of it in the middle of some request, stays short. Unfrozen and
    collected first, so an engine replaced by a reload is freed."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Service:
    """The host of one engine; start() and stop() bracket its life."""

    def __init__(self, options: Options, channels: Mapping[str, Channel], clock: Clock | None = None,
                 jitter: Callable[[float], float] = full_jitter) -> None:
        self.options = options
        self.channels = dict(channels)
        self.metrics = Metrics()
        self._clock = clock
        self._jitter = jitter
        self.ready = threading.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()
        self._mode_changes = 0      # PUT /v1/mode on this replica, counted
        base = options.replica or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.replica = base if options.worker is None else f"{base}-w{options.worker}"
        self._series = base     # the `replica` label of the metrics (the workers of one service share it)

    async def start(self) -> None:
        """Open the store (migrating it), load the engine, start the background parts."""
        self.store: Store = await asyncio.to_thread(open_store, self.options.store_url, self.options.workers > 1)
        self.clock: Clock = self._clock if self._clock is not None else await asyncio.to_thread(self._make_clock)
        self.reloader = Reloader(self.options.config_dir, self._install, self.metrics, self.clock)
        loaded = await asyncio.to_thread(self.reloader.load_first)
        mode = await asyncio.to_thread(self.store.read, lambda r: r.setting("mode"))
        self.ctx = Context(loaded, self.clock, frozenset(self.channels), mode if mode in loaded.modes else None)
        settle_heap()
        self.store.lock_held = self.metrics.lock_held.inc
        self.dispatcher = Dispatcher(self.store, self.channels, self.options.retry, self.clock, self.metrics,
                                     self.options.outbox_workers, self._jitter)
        self.store.on_commit(self.dispatcher.poke)
        if not self.store.shared:
            # one service per store file: leases still held were a previous process's, which
            # died mid-send; waiting for them to expire would only delay the resend. (A shared
            # store's leases may be a live replica's: they expire instead.)
            released = await self.write(lambda tx: tx.release_leases())
            if released:
                log.warning("outbox: %d deliveries leased by a previous process are sent again", released)
        if self.store.shared and (self.options.worker is None or self.clock.database):
            # replicas scraped through one address keep their series apart (the worker
            # processes of one service on a SQLite file are one service)
            self.metrics.constant_labels["replica"] = self._series
        self.started_at = self.clock.wall()
        await self._heartbeat()
        self._start_background()
        self._install_sighup()
        self.ready.set()

    def _start_background(self) -> None:
        """The heartbeat, the outbox senders, the timers (on the wall clock), the config
        watcher and retention."""
        self._tasks.append(asyncio.create_task(self._beat()))
        self._listen_for_mode()
        if self.options.outbox_workers:
            self.dispatcher.start()
        if not self.clock.replay:
            self.scheduler = Scheduler(self.store, lambda: self.ctx, self.clock, self.count_recorded,
                                       self.options.poll if self.store.shared else IDLE)
            self.store.on_commit(self.scheduler.poke)
            self._tasks.append(asyncio.create_task(self.scheduler.run()))
            self._tasks.append(asyncio.create_task(run_timer(self.store, lambda: self.ctx, self.clock, IDLE)))
        if self.options.watch:
            self._tasks.append(asyncio.create_task(self.reloader.watch(self.options.watch_interval)))
        if self.options.retention > 0:
            self._tasks.append(asyncio.create_task(self._prune_periodically()))

    def _make_clock(self) -> Clock:
        if self.options.clock == "replay":
            saved = self.store.read(lambda r: r.setting("replay_now"))
            return ReplayClock(float(saved) if saved else 0.0)
        if self.store.shared and self.store.read(lambda r: r.database_now()) is not None:
            # replicas on several machines: the database's clock (worker processes on one
            # machine, sharing a SQLite file, share its clock already)
            clock = DatabaseClock()
            clock.sync(lambda: self.store.read(lambda r: r.database_now()))
            return clock
        return WallClock()

    async def _heartbeat(self) -> None:
        """This replica's row (id, started_at, last_seen); the database clock's offset; the
        mode override another replica may have changed (should its notification be lost)."""
        if isinstance(self.clock, DatabaseClock):
            await asyncio.to_thread(self.clock.sync, lambda: self.store.read(lambda r: r.database_now()))
        row = ReplicaRow(self.replica, socket.gethostname(), os.getpid(), self.started_at, self.clock.wall())
        await self.write(lambda tx: tx.heartbeat(row))
        await self._refresh_mode()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.options.heartbeat)
            try:
                await self._heartbeat()
            except Exception as exc:  # the store is down: /-/ready says so; beat again later
                log.warning("heartbeat: %s", exc)

    def _listen_for_mode(self) -> None:
        """A shared store: another replica's PUT /v1/mode is heard (NOTIFY) and adopted."""
        loop = asyncio.get_running_loop()

        def heard(name: str) -> None:
            if name == "mode":
                loop.call_soon_threadsafe(self._spawn, self._refresh_mode())
        self.store.on_setting(heard)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _refresh_mode(self) -> None:
        set_here = self._mode_changes
        stored = await self.read(lambda r: r.setting("mode"))
        mode = stored if stored in self.ctx.engine.modes else None
        if mode != self.ctx.mode and set_here == self._mode_changes:   # not older than a PUT made meanwhile
            self.ctx = replace(self.ctx, mode=mode)

    def _install_sighup(self) -> None:
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGHUP"):
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, lambda: self._tasks.append(
                asyncio.create_task(self._reload_quietly())))
            if self.options.supervisor is not None:   # another worker's PUT /v1/mode
                loop.add_signal_handler(signal.SIGUSR1, lambda: self._spawn(self._refresh_mode()))

    def tell_workers(self, what: str) -> None:
        """Under a supervisor: have the other workers reload (`reload`) or read the mode
        override again (`mode`), as this one just did."""
        if self.options.supervisor is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.options.supervisor, signal.SIGUSR2 if what == "reload" else signal.SIGUSR1)

    async def _reload_quietly(self) -> None:
        await self.reloader.reload()

    async def stop(self) -> None:
        self.ready.clear()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await asyncio.to_thread(self.dispatcher.stop)
        await asyncio.to_thread(self.store.close)
        for channel in self.channels.values():   # the channels' connections, where they keep any
            close = getattr(channel, "close", None)
            if callable(close):
                close()

    def _install(self, loaded: engine.Engine) -> None:
        self.ctx = replace(self.ctx, engine=loaded)
        settle_heap()

    async def write(self, job: Callable[[Tx], T]) -> T:
        """Run a job in the writer and await its durable result."""
        return await self.store.submit_here(job)

    async def read(self, query: Callable[[Any], T]) -> T:
        return await asyncio.to_thread(self.store.read, query)

    def admit(self) -> None:
        """Backpressure: while the writer's queue is at its bound, refuse new events (503 with
        Retry-After) rather than queue them without bound: each queued job is latency for
        every request behind it, and memory. Nothing of a refused request is stored."""
        queued = self.store.queued()
        self.metrics.writer_queue.set(queued)
        if queued >= self.options.max_queue:
            self.metrics.overloaded.inc()
            raise Problem(503, "overloaded", f"{queued} write jobs are queued (the bound is "
                          f"{self.options.max_queue}): send this request again after the Retry-After seconds",
                          retry_after=1)

    async def ingest(self, event: Any) -> Outcome:
        """Apply one event; raises Problem when it is refused (nothing stored)."""
        return await self.ingest_many([event])[0]

    def ingest_many(self, events: list[Any]) -> list[Awaitable[Outcome]]:
        """Queue every event at once, in order (the writer applies them in that order and
        commits them together); one awaitable outcome each."""
        started = time.perf_counter()
        futures = [self.store.submit_here(EventJob(self._context, event)) for event in events]
        return [self._outcome(event, future, started) for event, future in zip(events, futures, strict=True)]

    def _context(self) -> Context:
        return self.ctx

    async def _outcome(self, event: Any, future: asyncio.Future[Outcome], started: float) -> Outcome:
        kind = event_type_label(event)
        try:
            outcome = await future
        except Exception:
            self.metrics.event(kind, "refused")
            raise
        self.metrics.event(kind, "duplicate" if outcome.duplicate else "applied")
        if outcome.held is not None:
            self.metrics.prepared_result(outcome.held)
        self.metrics.decision_seconds.observe(time.perf_counter() - started)
        self.count_recorded(outcome.recorded)
        return outcome

    def count_recorded(self, recorded: list[Recorded]) -> None:
        """Metrics of stored decisions: timer lag, notifications refused for want of a channel."""
        for r in recorded:
            if r.lag is not None:
                self.metrics.timer_lag.observe(max(0.0, r.lag))
            for d in r.deliveries:
                if d.status == "failed":
                    self.metrics.notifications.labels(d.channel, "unconfigured").inc()

    async def advance(self, until: float) -> list[Recorded]:
        """POST /v1/clock: move the replay clock, firing what falls due."""
        recorded = await self.write(advance_job(self.ctx, until))
        self.count_recorded(recorded)
        return recorded

    async def prune(self) -> dict[str, int]:
        """One retention pass: what is older than the retention, deleted in bounded jobs."""
        totals = await retention.prune(self.write, self.clock.wall() - self.options.retention,
                                       self.options.prune_batch)
        for kind, deleted in totals.items():
            self.metrics.pruned.labels(kind).inc(deleted)
        return totals

    async def _prune_periodically(self) -> None:
        while True:
            try:
                totals = await self.prune()
                if any(totals.values()):
                    log.info("retention: pruned %s", totals)
            except Exception as exc:  # the store is down: try at the next pass
                log.warning("retention: %s", exc)
            await asyncio.sleep(self.options.prune_every)

    async def set_mode(self, mode: str | None) -> None:
        self._mode_changes += 1
        await self.write(lambda tx: tx.put_setting("mode", mode or ""))
        self.ctx = replace(self.ctx, mode=mode)
        self.tell_workers("mode")

