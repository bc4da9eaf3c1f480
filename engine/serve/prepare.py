"""Deciding an event before its write lock is taken, for stores several processes write
(`gongdan serve --workers N` on one SQLite file): the writer of each process decides its
group's events on the tickets' committed rows while another process holds the lock, and
stores a decision under the lock only when the row it finds there is the one the decision
was made on. A decision is a function of (engine, mode, the ticket's state, the event), so
one made on the same row by the same engine in the same mode is the one the writer would
make; otherwise the writer decides again (`ingest.apply_event`). docs/serve.md, "Worker
processes"."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

import engine
from engine.jsonio import loads
from engine.serve.encoded import Encoded, encode
from engine.serve.ingest import MAX_FIRES, Context, Outcome, apply_event, event_basics, utc_offset
from engine.serve.keys import event_natural_key
from engine.serve.store import NaturalKey, Reader, TicketRow, Tx

_UNPREPARED = object()   # in a group's rows: a ticket whose later events are left to the writer


@dataclass(frozen=True, slots=True)
class Prepared:
    """An event decided on `base` (its ticket's committed row then; None: no row) by
    `engine` in `mode`, rendered and encoded."""

    engine: engine.Engine
    mode: str | None
    base: TicketRow | None
    natural: NaturalKey
    encoded: Encoded
    utc_offset: int

    def row(self) -> TicketRow:
        """The ticket's row once this is stored, as the writer will read it back: what the
        ticket's next event in the same group is decided on (its state a copy of its own)."""
        row = self.encoded.row(self.base, self.utc_offset)
        return replace(row, state=loads(self.encoded.state_json))

    def holds(self, ctx: Context, row: TicketRow | None) -> bool:
        """Whether the writer would decide the same: the same engine and mode, and the row
        it found is the one this was decided on."""
        if self.engine is not ctx.engine or self.mode != ctx.mode:
            return False
        if row is None or self.base is None:
            return row is None and self.base is None
        return same_row(row, self.base)


def same_row(row: TicketRow, base: TicketRow) -> bool:
    """The same version and state (the version alone is not enough: retention may delete
    a closed ticket and a `created` start another under its id at version 1)."""
    if row.version != base.version:
        return False
    if row.state_json is not None and base.state_json is not None:
        return row.state_json == base.state_json
    return row.state == base.state


@dataclass(frozen=True, slots=True)
class PreparedFire:
    """A ticket's due steps up to the job's instant, decided on `base` by `engine`: each
    step's decision with the row it is stored over."""

    engine: engine.Engine
    base: TicketRow
    steps: tuple[tuple[Encoded, TicketRow], ...]

    def holds(self, ctx: Context, row: TicketRow | None) -> bool:
        return self.engine is ctx.engine and row is not None and same_row(row, self.base)


def prepare_fire(ctx: Context, row: TicketRow, until: float) -> PreparedFire | None:
    """`ingest.fire_ticket`'s decisions, made without storing them (None: nothing due, or
    a step the engine refuses, which the writer then meets itself)."""
    steps: list[tuple[Encoded, TicketRow]] = []
    current = row
    for _ in range(MAX_FIRES):
        wake = current.next_wakeup
        if wake is None or wake > until:
            break
        tz = timezone(timedelta(seconds=current.utc_offset))
        try:
            encoded = encode(ctx.engine.due(current.state, datetime.fromtimestamp(wake, tz)))
        except engine.EventError:
            return None
        steps.append((encoded, current))
        after = encoded.row(current, current.utc_offset)
        current = replace(after, state=loads(encoded.state_json))
    return PreparedFire(ctx.engine, row, tuple(steps)) if steps else None


def prepare_event(ctx: Context, event: Any, basics: tuple[str, str, datetime],
                  row: TicketRow | None) -> Prepared | None:
    """The event decided on `row`; None where the writer is to decide itself: the replay
    clock, an event its ticket's row refuses, due steps to fire first."""
    if ctx.clock.replay:
        return None
    _, kind, at = basics
    if (row is None) != (kind == "created") or (row is not None and row.closed):
        return None
    if row is not None and row.next_wakeup is not None and row.next_wakeup <= at.timestamp():
        return None
    try:
        decision = ctx.engine.evaluate(event, row.state if row else None, ctx.mode)
    except engine.EventError:
        return None
    return Prepared(ctx.engine, ctx.mode, row, event_natural_key(event), encode(decision), utc_offset(at))


class EventJob:
    """The write job applying one event, which the store may `prepare` before taking its
    write lock. `context` is read when the job prepares and again when it runs (a reload in
    between makes the prepared decision not hold)."""

    __slots__ = ("context", "event", "prepared")

    def __init__(self, context: Callable[[], Context], event: Any) -> None:
        self.context, self.event = context, event
        self.prepared: Prepared | None = None

    def prepare(self, reader: Reader, rows: dict[str, Any]) -> None:
        """Decide on the ticket's committed row, or on the row the group's earlier prepared
        event of the ticket leaves (`rows`, shared by the group's jobs)."""
        basics = event_basics(self.event)
        if basics is None:
            return
        ticket = basics[0]
        before = rows[ticket] if ticket in rows else reader.ticket(ticket)
        if before is _UNPREPARED:
            return
        row = before.row() if isinstance(before, Prepared) else before
        self.prepared = prepare_event(self.context(), self.event, basics, row)
        rows[ticket] = self.prepared if self.prepared is not None else _UNPREPARED

    def __call__(self, tx: Tx) -> Outcome:
        return apply_event(tx, self.context(), self.event, self.prepared)
