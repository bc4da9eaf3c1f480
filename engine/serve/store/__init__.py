"""The service's durable store: a `Store` protocol at the level of the transactions the
service needs (not SQL), and `open_store(url)`: SQLite (`sqlite.py`, one service per file)
and PostgreSQL (`postgres.py`, several replicas on one database).

Writes are jobs: a function of a `Tx`, run in one transaction by the store's writer and
answered through a Future once committed (a 200 means durably stored). Reads run on
separate connections and see committed data only. `urls.open_store(url)` picks the
implementation; this module imports none of them.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
NaturalKey = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class TicketRow:
    """An open or closed ticket: the engine's state and when to call due() next."""

    id: str
    state: dict[str, Any]
    version: int
    next_wakeup: float | None
    utc_offset: int            # seconds east of UTC of the ticket's last event: due() times show in it
    closed: bool
    # the state already encoded, when the writer has it (encoded.Encoded): stored as it is
    state_json: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """One entry of a ticket's decision log (the decision JSON without its state)."""

    ticket: str
    seq: int
    event: str
    at: str
    body: dict[str, Any]
    source: dict[str, Any] | None   # the event as the host sent it (None for due)


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """An outbox row to insert (ignored when its key is already there)."""

    id: str
    key: str
    ticket: str
    channel: str
    endpoint: str              # the recipient: person:<id> or group:<endpoint>
    payload: dict[str, Any]    # the notification with its rendered subject and body
    status: str                # pending, or failed (channel not configured)
    last_error: str | None
    created_at: float
    payload_json: str | None = field(default=None, compare=False, repr=False)   # the payload encoded, if it is


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """An outbox row as stored."""

    id: str
    key: str
    ticket: str
    channel: str
    endpoint: str
    payload: dict[str, Any]
    status: str                # pending | leased | sent | failed
    attempts: int
    next_attempt_at: float
    lease_until: float | None
    last_error: str | None
    sent_at: float | None
    created_at: float


@dataclass(frozen=True, slots=True)
class ReplicaRow:
    """A service process using the store, as its heartbeat last wrote it."""

    id: str
    host: str
    pid: int
    started_at: float
    last_seen: float


class StoreUnavailable(Exception):
    """The database cannot be reached (or dropped the connection mid-transaction): nothing
    of the job is known to be stored. The API answers 503; the store keeps reconnecting."""


@dataclass(frozen=True, slots=True)
class IdempotencyRow:
    """A request seen under an Idempotency-Key."""

    key: str
    request_hash: str
    status: str                # in_flight | done
    response_status: int | None
    response: str | None
    created_at: float


class Reader(Protocol):
    """Committed data, read on a connection of its own."""

    def ticket(self, ticket_id: str) -> TicketRow | None: ...
    def decisions(self, ticket_id: str) -> list[DecisionRow]: ...
    def decision_log(self) -> list[DecisionRow]:
        """Every ticket's decisions, each ticket's in order (a broadcast folds them)."""
        ...
    def deliveries(self, ticket_id: str) -> list[OutboxRow]: ...
    def earliest_wakeup(self) -> float | None: ...
    def due_tickets(self, until: float, limit: int) -> list[tuple[str, float]]:
        """(id, next_wakeup) of tickets due by `until`, earliest first; in a write
        transaction on PostgreSQL also the claim: rows another replica holds are skipped."""
        ...
    def earliest_attempt(self) -> float | None: ...
    def backlog(self) -> tuple[int, float | None]: ...
    def setting(self, name: str) -> str | None: ...
    def counts(self) -> dict[str, int]: ...
    def replicas(self, since: float) -> list[ReplicaRow]: ...
    def database(self) -> dict[str, Any]: ...
    def database_now(self) -> float | None:
        """The database's clock (epoch seconds), or None when the store has none of its own."""
        ...


class Tx(Reader, Protocol):
    """The operations of one write transaction."""

    def lock_ticket(self, ticket_id: str) -> None:
        """Serialise this transaction with every other one writing the ticket (its row may
        not exist yet: a `created` event); later `ticket()` reads lock the row."""
        ...
    def save_ticket(self, row: TicketRow, updated_at: float) -> None: ...
    def append_decision(self, ticket: str, event: str, at: str, body: dict[str, Any],
                        source: dict[str, Any] | None, body_json: str | None = None) -> int:
        """The decision's seq in its ticket's log; `body_json` is the body already encoded."""
        ...
    def decision(self, ticket: str, seq: int) -> DecisionRow | None: ...
    def seen_event(self, key: NaturalKey) -> tuple[str, int] | None: ...
    def remember_event(self, key: NaturalKey, seq: int) -> None: ...
    def add_deliveries(self, rows: list[NewDelivery], first_attempt: float) -> int: ...
    def ready_deliveries(self, now: float, limit: int) -> list[OutboxRow]: ...
    def lease(self, ids: list[str], lease_until: float) -> None: ...
    def release_leases(self) -> int: ...
    # outcomes are fenced by (id, attempts as the lease left them): a sender whose lease
    # expired and was taken over marks nothing; each returns how many rows it marked
    def mark_sent(self, leases: list[tuple[str, int]], sent_at: float) -> int: ...
    def reschedule(self, leases: list[tuple[str, int]], next_attempt_at: float, error: str) -> int: ...
    def mark_failed(self, leases: list[tuple[str, int]], error: str) -> int: ...
    def budget_used(self, endpoint: str, window_start: float) -> int:
        """What the window has spent; the budget stays locked for this transaction, so two
        replicas cannot both spend what is left."""
        ...
    def spend_budget(self, endpoint: str, window_start: float, count: int) -> None: ...
    def put_setting(self, name: str, value: str) -> None: ...
    def idempotency(self, key: str) -> IdempotencyRow | None: ...
    def claim_idempotency(self, key: str, request_hash: str, now: float) -> None: ...
    def finish_idempotency(self, key: str, status: int, response: str) -> None: ...
    def drop_idempotency(self, key: str) -> None: ...
    def heartbeat(self, replica: ReplicaRow) -> None: ...
    # retention: each deletes at most `limit` of what is older than `before` (wall clock),
    # and returns how many it deleted, so a caller prunes in bounded transactions
    def prune_closed(self, before: float, limit: int) -> int:
        """Closed tickets last written before `before` with no delivery still pending or
        leased, with their decisions, natural keys and outbox rows: tickets deleted."""
        ...
    def prune_sent(self, before: float, limit: int) -> int:
        """Outbox rows sent before `before` (of open tickets too)."""
        ...
    def prune_idempotency(self, before: float, limit: int) -> int:
        """Idempotency-Keys answered (`done`) and claimed before `before`."""
        ...


CommitListener = Callable[[float | None, int], None]
"""Called after each commit, this process's or (PostgreSQL) another replica's: the earliest
next_wakeup written, outbox rows added. (-inf, 1) after a gap in which commits may have been
missed (the notification connection was lost): everyone looks again."""
SettingListener = Callable[[str], None]
"""Called when another replica changed a setting (its name)."""


LEAD_POLL = 0.5    # seconds between a worker's asks whether it is to run the timers (`Store.leads`)


def not_listening(_: float) -> None:
    """A `Store.lock_held` no one listens to."""


class Store(Protocol):
    """Durable state of the service."""

    url: str
    shared: bool            # several services may use the store at once (PostgreSQL)
    schema_version: int
    # told the seconds of each hold of a lock all writers share (a SQLite file's, under
    # workers); PostgreSQL's writers lock rows, so it is never called there
    lock_held: Callable[[float], None]

    def submit(self, job: Callable[[Tx], T]) -> Future[T]:
        """Run `job` in a write transaction; the Future is answered after the commit."""
        ...

    def submit_here(self, job: Callable[[Tx], T]) -> asyncio.Future[T]:
        """`submit` for a caller on the running event loop: the answer comes to the loop's
        own future (no concurrent Future to wrap)."""
        ...

    def queued(self) -> int:
        """Jobs submitted and not yet taken by the writer (what backpressure bounds)."""
        ...

    def read(self, query: Callable[[Reader], T]) -> T:
        """Run `query` on a read connection (committed data)."""
        ...

    def leads(self) -> bool:
        """Whether this process is to run the timers (the scheduler, the broadcasts)."""
        ...

    def on_commit(self, listener: CommitListener) -> None: ...

    def on_setting(self, listener: SettingListener) -> None: ...

    def close(self) -> None: ...

