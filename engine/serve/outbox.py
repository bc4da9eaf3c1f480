"""The outbox: deliveries leased from the store, sent through a channel outside any
transaction, then marked sent, retried with capped exponential backoff and full jitter,
or failed. Rate budgets (DingTalk robots: 20 a minute per endpoint) are kept in the store;
what a budget cannot take one by one goes as one digest. Delivery is at least once: a
lease a crashed sender never gave back expires and the row is sent again, with the same
delivery id for the receiver to dedupe on."""
from __future__ import annotations

import logging
import math
import random
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from engine.serve.channels.base import Channel, Delivery, SendResult
from engine.serve.channels.digest import digest
from engine.serve.clock import Clock
from engine.serve.keys import sha256_hex
from engine.serve.metrics import Metrics
from engine.serve.store import OutboxRow, Store, StoreUnavailable, Tx

log = logging.getLogger("gongdan.serve.outbox")
RECORD_RETRY = 0.5    # seconds between attempts to record an outcome while the store is down


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff after a failed attempt n: uniform(0, min(cap, base * 2**(n-1))) seconds, at
    least what the receiver asked for; failed for good after `max_attempts`."""

    base: float = 2.0
    cap: float = 600.0
    lease: float = 30.0
    max_attempts: int = 20
    budgets: Mapping[str, int] = field(default_factory=lambda: {"dingtalk_group": 20})
    window: float = 60.0
    batch: int = 64

    def delay(self, attempt: int, retry_after: float | None, jitter: Callable[[float], float]) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(attempt - 1, 60))
        return max(jitter(ceiling), retry_after or 0.0)


def full_jitter(ceiling: float) -> float:
    return random.uniform(0.0, ceiling)


@dataclass(frozen=True, slots=True)
class Send:
    """One message to send: one row, or several merged into a digest."""

    rows: tuple[OutboxRow, ...]

    @property
    def channel(self) -> str:
        return self.rows[0].channel

    def delivery(self) -> Delivery:
        parts = [_delivery(r) for r in self.rows]
        if len(parts) == 1:
            return parts[0]
        # stable for the same members, so a retried digest keeps its id downstream
        return digest(parts, id="digest-" + sha256_hex("|".join(sorted(p.id for p in parts)))[:32])


def _delivery(row: OutboxRow) -> Delivery:
    n = row.payload
    return Delivery(id=row.id, key=row.key, ticket=row.ticket, channel=row.channel, to=dict(n["to"]),
                    subject=str(n.get("subject", "")), body=str(n.get("body", "")), notification=n,
                    attempt=row.attempts + 1)


def lease_job(policy: RetryPolicy, now: float) -> Callable[[Tx], list[Send]]:
    """The writer job that leases what is ready, spending rate budgets."""
    def job(tx: Tx) -> list[Send]:
        rows = tx.ready_deliveries(now, policy.batch)
        plan: list[Send] = []
        limited: dict[str, list[OutboxRow]] = defaultdict(list)
        for row in rows:
            if row.channel in policy.budgets:
                limited[row.channel + "|" + row.endpoint].append(row)
            else:
                plan.append(Send((row,)))
        for budget_key, group in limited.items():
            plan += _within_budget(tx, policy, now, budget_key, group)
        leased = [r.id for s in plan for r in s.rows]
        if leased:
            tx.lease(leased, now + policy.lease)
        return plan
    return job


def _within_budget(tx: Tx, policy: RetryPolicy, now: float, budget_key: str,
                   group: list[OutboxRow]) -> list[Send]:
    channel = group[0].channel
    window = math.floor(now / policy.window) * policy.window
    left = policy.budgets[channel] - tx.budget_used(budget_key, window)
    if left <= 0:
        tx.reschedule([(r.id, r.attempts) for r in group], window + policy.window,
                      "rate budget spent: waiting for the next window")
        return []
    if len(group) <= left:
        tx.spend_budget(budget_key, window, len(group))
        return [Send((r,)) for r in group]
    tx.spend_budget(budget_key, window, 1)
    return [Send(tuple(group))]


def send(item: Send, channels: Mapping[str, Channel]) -> SendResult:
    """Send through the channel (no transaction open); a raising channel is a retry."""
    channel = channels.get(item.channel)
    if channel is None:
        return SendResult(ok=False, error=f"channel {item.channel} not configured")
    try:
        return channel.send(item.delivery())
    except Exception as exc:  # a channel answers; one that raises is treated as a transient fault
        log.exception("outbox: channel %s raised", item.channel)
        return SendResult(ok=False, retry=True, error=f"channel raised {exc!r}")


def finish_job(item: Send, result: SendResult, policy: RetryPolicy, now: float,
               jitter: Callable[[float], float] = full_jitter) -> Callable[[Tx], str]:
    """The writer job that records an attempt's outcome: sent, retry or failed (or stale:
    sent, but the lease had expired and been taken over, so it is sent once more)."""
    ids = [r.id for r in item.rows]
    leases = [(r.id, r.attempts + 1) for r in item.rows]   # attempts as the lease left them
    attempt = max(r.attempts for r in item.rows) + 1

    def job(tx: Tx) -> str:
        if result.ok:
            if tx.mark_sent(leases, now) < len(leases):
                # the lease expired and another sender took the row over: that one sends it
                # again under the same delivery id (at least once); counted as `stale`
                log.warning("outbox: sent %s after its lease was taken over", ", ".join(ids))
                return "stale"
            return "sent"
        error = result.error or "unknown error"
        if result.retry and attempt < policy.max_attempts:
            tx.reschedule(leases, now + policy.delay(attempt, result.retry_after, jitter), error)
            return "retry"
        tx.mark_failed(leases, error if not result.retry else f"gave up after {attempt} attempts: {error}")
        return "failed"
    return job


class Dispatcher:
    """Worker threads that lease, send and record; woken when the writer adds rows."""

    def __init__(self, store: Store, channels: Mapping[str, Channel], policy: RetryPolicy, clock: Clock,
                 metrics: Metrics | None = None, workers: int = 2,
                 jitter: Callable[[float], float] = full_jitter) -> None:
        self.store, self.channels, self.policy, self.clock = store, channels, policy, clock
        self.metrics, self.jitter, self.workers = metrics, jitter, workers
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def run_once(self) -> int:
        """Lease what is ready, send each, record each outcome; how many sends were made."""
        leased_at = self.clock.wall()
        plan = self.store.submit(lease_job(self.policy, leased_at)).result()
        lease_until = leased_at + self.policy.lease
        for done, item in enumerate(plan):
            if self.clock.wall() >= lease_until:
                # slow sends ate the lease: the rest may be another sender's by now, and
                # sending them here too would only make duplicates; they go when re-leased
                log.warning("outbox: the lease ended after %d of %d sends; the rest are left to expire",
                            done, len(plan))
                return done
            result = send(item, self.channels)
            outcome = self._record(item, result, lease_until)
            if self.metrics is not None:
                self.metrics.notifications.labels(item.channel, outcome).inc(len(item.rows))
        return len(plan)

    def _record(self, item: Send, result: SendResult, lease_until: float) -> str:
        """Record an outcome; while the database is unreachable, try again until the lease
        ends (after that the row is another sender's: a send recorded nowhere is sent again)."""
        while True:
            try:
                return self.store.submit(finish_job(item, result, self.policy, self.clock.wall(),
                                                    self.jitter)).result()
            except StoreUnavailable:
                if self._stopping.is_set() or self.clock.wall() + RECORD_RETRY >= lease_until:
                    raise
                self._stopping.wait(RECORD_RETRY)

    def poke(self, _earliest: float | None = None, added: int = 1) -> None:
        """A commit listener: new rows wake a sleeping worker."""
        if added:
            self._wake.set()

    def start(self) -> None:
        for i in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"gongdan-outbox-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join()
        self._threads.clear()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                if self.run_once():
                    continue
                self._wake.wait(self._idle_wait())
            except Exception:  # a store fault: keep the worker alive, try again shortly
                log.exception("outbox: a delivery round failed")
                self._wake.wait(1.0)
            self._wake.clear()

    def _idle_wait(self) -> float:
        nxt = self.store.read(lambda r: r.earliest_attempt())
        return 5.0 if nxt is None else min(5.0, max(0.01, nxt - self.clock.wall()))
