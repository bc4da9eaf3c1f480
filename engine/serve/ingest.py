"""The service's write jobs for tickets, each run by the store's writer in one transaction:
apply an event (after firing what fell due before it, as `gongdan evaluate` does), fire a
ticket's due steps, and record a decision with its outbox rows. Nothing is stored when a
job raises (its savepoint is rolled back)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

import engine
from engine.serve.broadcasts import send_due
from engine.serve.clock import Clock
from engine.serve.encoded import Encoded, Notice, encode
from engine.serve.keys import event_natural_key
from engine.serve.openapi import load_schema
from engine.serve.problems import Problem
from engine.serve.store import NaturalKey, NewDelivery, TicketRow, Tx

# the event schema's own datetime pattern (schemas/event.schema.json, $defs.datetime): an
# event whose `at` passes it is one the engine reads the same way
_DATETIME = re.compile(load_schema("event.schema.json")["$defs"]["datetime"]["pattern"])
MAX_FIRES = 10_000      # due() calls for one ticket in one job: a guard against a wake-up that never moves


@dataclass(slots=True)
class Context:
    """What a write job reads from the running service when it runs (swapped by reference)."""

    engine: engine.Engine
    clock: Clock
    channels: frozenset[str]
    mode: str | None = None


@dataclass(slots=True)
class Recorded:
    """One decision stored: its log entry, and what the metrics want to know of it."""

    ticket: str
    event: str
    seq: int
    body: dict[str, Any]
    deliveries: list[NewDelivery] = field(default_factory=list)
    lag: float | None = None      # scheduler's clock minus the wake-up, for fired due steps


@dataclass(slots=True)
class Outcome:
    """What applying one event did: the answer, and every decision stored on the way."""

    body: dict[str, Any]
    duplicate: bool
    recorded: list[Recorded]
    state: dict[str, Any] | None     # the ticket's state after the event (now, for a duplicate)
    encoded: Encoded | None = None   # the new decision's encoding (not for a duplicate)
    held: bool | None = None         # decided beforehand: stored as prepared (True) or decided again


class Preparation(Protocol):
    """An event decided before its write lock (`prepare.Prepared`), as `apply_event` uses it
    (a protocol, so that this module does not import the one that imports it)."""

    @property
    def natural(self) -> NaturalKey: ...

    @property
    def encoded(self) -> Encoded: ...

    def holds(self, ctx: Context, row: TicketRow | None) -> bool: ...


class FirePreparation(Protocol):
    """A ticket's due steps decided before the write lock (`prepare.PreparedFire`): each
    step's decision with the row it is stored over."""

    @property
    def steps(self) -> tuple[tuple[Encoded, TicketRow], ...]: ...

    def holds(self, ctx: Context, row: TicketRow | None) -> bool: ...


def event_basics(event: Any) -> tuple[str, str, datetime] | None:
    """(ticket, type, at) when the event's identifying fields are well formed."""
    if not isinstance(event, dict):
        return None
    ticket, kind, at = event.get("ticket"), event.get("type"), event.get("at")
    if type(ticket) is not str or not ticket or type(kind) is not str or type(at) is not str:
        return None
    if not _DATETIME.search(at) or not _storable(ticket):
        return None
    try:
        return ticket, kind, datetime.fromisoformat(at)
    except ValueError:
        return None


def _storable(text: str) -> bool:
    """Whether a ticket id can key a row (no NUL, valid UTF-8); the engine refuses the rest
    with its own words, but the row lock comes first."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refusal(ctx: Context, event: Any) -> Problem:
    """The engine's own words for a malformed event (it parses before anything else)."""
    try:
        ctx.engine.evaluate(event, None, ctx.mode)
    except engine.EventError as exc:
        return Problem(422, "invalid-event", str(exc), exc.field)
    return Problem(422, "invalid-event", "not a well-formed event", None)


def apply_event(tx: Tx, ctx: Context, event: Any, prepared: Preparation | None = None) -> Outcome:
    """Apply one event; raises Problem (and stores nothing) when it is refused. `prepared`:
    the event decided beforehand, outside the write lock (`prepare.py`), which is stored only
    when the row found here is the one it was decided on."""
    basics = event_basics(event)
    if basics is None:
        raise _refusal(ctx, event)
    ticket, kind, at = basics
    tx.lock_ticket(ticket)   # replicas: the same event sent to two of them is applied once
    natural = prepared.natural if prepared is not None else event_natural_key(event)
    seen = tx.seen_event(natural)
    if seen is not None:
        logged = tx.decision(*seen)
        assert logged is not None  # written in the same transaction as events_seen
        row = tx.ticket(seen[0])
        # a duplicate stores nothing and decides nothing: not counted as held nor decided again
        return Outcome(logged.body, True, [], row.state if row else None)
    recorded: list[Recorded] = []
    if ctx.clock.replay:
        recorded += fire_until(tx, ctx, at.timestamp())
        send_due(tx, ctx, at.timestamp(), strict=True)   # the instants before this event
    row = _checked_row(tx, ctx, event, ticket, kind)
    if row is not None and row.next_wakeup is not None and row.next_wakeup <= at.timestamp():
        fired = fire_ticket(tx, ctx, row, at.timestamp(), None)
        recorded += fired
        row = tx.ticket(ticket)
    held = prepared is not None and prepared.holds(ctx, row)
    encoded = prepared.encoded if held and prepared is not None else encode(_evaluate(ctx, event, row))
    stored = record(tx, ctx, encoded, row, utc_offset(at), event)
    tx.remember_event(natural, stored.seq)
    recorded.append(stored)
    if ctx.clock.replay:
        tx.put_setting("replay_now", repr(ctx.clock.advance(at.timestamp())))
    return Outcome(stored.body, False, recorded, encoded.decision.state, encoded, None if prepared is None else held)


def utc_offset(at: datetime) -> int:
    return int((at.utcoffset() or timedelta()).total_seconds())


def _checked_row(tx: Tx, ctx: Context, event: dict[str, Any], ticket: str, kind: str) -> TicketRow | None:
    """The ticket's row, or the problem that an event of this kind meets with it."""
    row = tx.ticket(ticket)
    if row is None and kind != "created":
        problem = _refusal(ctx, event)  # a malformed event is a 422 before it is a 404
        if problem.field == "state":
            raise Problem(404, "unknown-ticket", f"ticket {ticket!r} is not known: send its `created` event first",
                          "ticket")
        raise problem
    if row is not None and kind == "created":
        raise Problem(409, "event-conflict", f"ticket {ticket!r} already exists", "type")
    if row is not None and row.closed:
        raise Problem(409, "event-conflict", f"ticket {ticket!r} is closed", "type")
    return row


def _evaluate(ctx: Context, event: dict[str, Any], row: TicketRow | None) -> engine.Decision:
    try:
        return ctx.engine.evaluate(event, row.state if row else None, ctx.mode)
    except engine.EventError as exc:
        if row is not None and exc.field in ("at", "state"):
            # the event is well formed; the ticket's history refuses it (older than the
            # last event, or a state the current config cannot continue)
            raise Problem(409, "event-conflict", str(exc), exc.field) from None
        raise Problem(422, "invalid-event", str(exc), exc.field) from None


def fire_until(tx: Tx, ctx: Context, until: float) -> list[Recorded]:
    """Fire every ticket's steps due by `until`, each at its own wake-up time."""
    out: list[Recorded] = []
    while True:
        batch = tx.due_tickets(until, 256)
        if not batch:
            return out
        for ticket, _ in batch:
            row = tx.ticket(ticket)
            assert row is not None
            out += fire_ticket(tx, ctx, row, until, None)


def fire_ticket(tx: Tx, ctx: Context, row: TicketRow, until: float, now: float | None,
                prepared: FirePreparation | None = None) -> list[Recorded]:
    """due() at each of the ticket's wake-ups up to `until` (the ticket's clock moves to its
    own wake-up, not to the caller's now, so scheduler lag never changes a decision); the
    `prepared` decisions when they were made on this row."""
    out: list[Recorded] = []
    if prepared is not None and prepared.holds(ctx, row):
        for encoded, before in prepared.steps:
            stored = record(tx, ctx, encoded, before, before.utc_offset, None)
            stored.lag = None if now is None or before.next_wakeup is None else now - before.next_wakeup
            out.append(stored)
        return out
    current: TicketRow | None = row
    for _ in range(MAX_FIRES):
        if current is None or current.next_wakeup is None or current.next_wakeup > until:
            break
        wake = current.next_wakeup
        tz = timezone(timedelta(seconds=current.utc_offset))
        decision = ctx.engine.due(current.state, datetime.fromtimestamp(wake, tz))
        stored = record(tx, ctx, encode(decision), current, current.utc_offset, None)
        stored.lag = None if now is None else now - wake
        out.append(stored)
        current = tx.ticket(row.id)
    return out


def record(tx: Tx, ctx: Context, encoded: Encoded, row: TicketRow | None, utc_offset: int,
           source: Mapping[str, Any] | None) -> Recorded:
    """Store a decision: the ticket's new state, its log entry and its outbox rows."""
    ticket, body = encoded.decision.ticket, encoded.body
    tx.save_ticket(encoded.row(row, utc_offset), ctx.clock.wall())
    seq = tx.append_decision(ticket, body["event"], body["at"], body, dict(source) if source else None,
                             encoded.body_json)
    deliveries = [_delivery(ctx, ticket, n) for n in encoded.notices]
    if deliveries:
        tx.add_deliveries(deliveries, ctx.clock.wall())
    return Recorded(ticket, body["event"], seq, body, deliveries)


def _delivery(ctx: Context, ticket: str, n: Notice) -> NewDelivery:
    known = n.channel in ctx.channels
    return NewDelivery(n.id, n.key, ticket, n.channel, n.endpoint, n.payload, "pending" if known else "failed",
                       None if known else f"channel {n.channel} not configured", ctx.clock.wall(),
                       payload_json=n.payload_json)
