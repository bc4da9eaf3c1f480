"""Scheduled broadcasts (reports.yaml) sent from the store: at each instant of a
broadcast's schedule, in its modes, the tickets' decisions the store holds up to that
instant are folded into its messages (engine.compose_broadcast, what the dry run shows),
and each goes into the outbox like a notification. The outbox key is the broadcast's name,
the instant and the recipient, so a restart or a second replica never sends one twice;
`settings` keeps, per broadcast, the last instant done."""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import engine
from engine.serve.clock import Clock
from engine.serve.keys import delivery_id
from engine.serve.store import LEAD_POLL, NewDelivery, Reader, Store, Tx

log = logging.getLogger("gongdan.serve.broadcasts")
MAX_INSTANTS = 1000  # instants one call sends at most: a clock moved years on skips the rest
LATE = 3600.0        # seconds: on the wall clock, an instant missed by more (the service was down) is skipped
TICKET = ""          # a broadcast's outbox rows belong to no ticket


class Host(Protocol):
    """What a broadcast reads of the running service (ingest's `Context` is one)."""

    engine: engine.Engine
    clock: Clock
    channels: frozenset[str]
    mode: str | None


def setting_name(b: engine.Broadcast) -> str:
    return f"broadcast:{b.name}"


@functools.lru_cache(maxsize=1024)
def _next(schedule: str, timezone: str, after: float) -> float:
    """The schedule's first instant after `after` (every event on the replay clock asks)."""
    return engine.broadcast_following(engine.Broadcast("", schedule, timezone, (), (), (), ()), after)


def next_instant(ctx: Host, reader: Reader) -> float | None:
    """The earliest instant any broadcast is due at next (None: no broadcast, or none started)."""
    found = []
    for b in engine.broadcasts(ctx.engine):
        last = reader.setting(setting_name(b))
        if last is not None:
            try:
                found.append(_next(b.schedule, b.timezone, float(last)))
            except (ValueError, OverflowError):
                continue
    return min(found, default=None)


@dataclass(frozen=True, slots=True)
class Plan:
    """What one broadcast enqueues: its rows, and `broadcast:NAME` moved from `read` (the
    setting as the plan was made; None: first seen) to `done`."""

    setting: str
    read: str | None
    done: str
    rows: tuple[NewDelivery, ...]


def send_due(tx: Tx, ctx: Host, until: float, strict: bool = False) -> int:
    """Enqueue every broadcast whose instant is due by `until` (before it, when `strict`:
    an event at `until` is still to be applied), composed in this transaction; how many
    outbox rows were added."""
    return enqueue(tx, plan(tx, ctx, until, strict))


def plan(reader: Reader, ctx: Host, until: float, strict: bool = False) -> list[Plan]:
    """The broadcasts due by `until` and what they send. A broadcast seen for the first
    time starts after `until` (no backfill of the past). The log is read once, if needed."""
    plans, log_read = [], _Log(reader)
    for b in engine.broadcasts(ctx.engine):
        last = reader.setting(setting_name(b))
        if last is None:
            plans.append(Plan(setting_name(b), None, repr(until), ()))
            continue
        due = _due(b, float(last), until, strict)
        if due:
            rows = tuple(r for at in due for r in _rows(log_read, ctx, b, at))
            plans.append(Plan(setting_name(b), last, repr(until if len(due) == MAX_INSTANTS else due[-1]), rows))
    return plans


def enqueue(tx: Tx, plans: list[Plan]) -> int:
    """Write the plans whose setting is still as they read it (else another replica, or an
    earlier run, did them meanwhile); how many outbox rows were added."""
    added = 0
    for p in plans:
        if tx.setting(p.setting) != p.read:
            continue
        if p.rows:
            added += tx.add_deliveries(list(p.rows), p.rows[0].created_at)
        tx.put_setting(p.setting, p.done)
    return added


class _Log:
    """The store's decisions in time order, each ticket's in its own order (as a decisions
    file `gongdan evaluate` wrote, so the fold is the dry run's), read when first needed."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._bodies: list[dict[str, Any]] | None = None

    def bodies(self) -> list[dict[str, Any]]:
        if self._bodies is None:
            rows = self.reader.decision_log()
            rows.sort(key=lambda r: (datetime.fromisoformat(r.at).timestamp(), r.ticket, r.seq))
            self._bodies = [r.body for r in rows]
        return self._bodies


def _due(b: engine.Broadcast, last: float, until: float, strict: bool) -> list[float]:
    """The instants in (last, until] (or (last, until)), at most MAX_INSTANTS of them."""
    due: list[float] = []
    at = last
    try:
        while len(due) < MAX_INSTANTS:
            at = _next(b.schedule, b.timezone, at)
            if at > until or (strict and at == until):
                return due
            due.append(at)
    except (ValueError, OverflowError):   # past the years a datetime holds
        return due
    log.warning("broadcast %s: more than %d instants due at once; the rest up to %s are skipped",
                b.name, MAX_INSTANTS, until)
    return due


def _rows(log_read: _Log, ctx: Host, b: engine.Broadcast, at: float) -> list[NewDelivery]:
    when = datetime.fromtimestamp(at, ZoneInfo(b.timezone))
    if not ctx.clock.replay and ctx.clock.now() - at > LATE:
        log.warning("broadcast %s at %s skipped: more than %gs late", b.name, when.isoformat(), LATE)
        return []
    try:
        mode = ctx.engine.mode_at(at, ctx.mode)
    except engine.EventError:      # an instant outside the engine's years: nothing to report then
        return []
    if not b.runs_in(mode):
        return []
    sent = engine.compose_broadcast(b, log_read.bodies(), when, mode,
                                    (f"the service's store up to {when.isoformat()}",))
    return [_row(ctx, b, when, m, sent.attachment) for m in sent.messages]


def _row(ctx: Host, b: engine.Broadcast, when: datetime, m: engine.BroadcastMessage, page: str) -> NewDelivery:
    to: dict[str, Any] = {"group": m.to} if m.channel == "dingtalk_group" else {"address": m.to}
    endpoint = f"group:{m.to}" if m.channel == "dingtalk_group" else f"address:{m.to}"
    key = "|".join(("broadcast", b.name, when.isoformat(), m.channel, endpoint))
    payload: dict[str, Any] = {"kind": "broadcast", "broadcast": b.name, "at": when.isoformat(),
                               "channel": m.channel, "to": to, "subject": m.title, "body": m.text}
    if m.attachment is not None:
        payload["attachment"] = {"filename": m.attachment, "content_type": "text/html", "text": page}
    known = m.channel in ctx.channels
    return NewDelivery(delivery_id(key), key, TICKET, m.channel, endpoint, payload, "pending" if known else "failed",
                       None if known else f"channel {m.channel} not configured", ctx.clock.wall())


async def run_timer(store: Store, context: Callable[[], Host], clock: Clock, idle: float) -> None:
    """On the wall clock: send what is due, then sleep until the next instant (at most
    `idle`, so a reload that adds a broadcast is seen). On the replay clock events and
    POST /v1/clock send them instead (ingest, scheduler)."""
    while True:
        if not store.leads():   # another worker sends them: take over if it goes
            await asyncio.sleep(LEAD_POLL)
            continue
        ctx = context()
        try:
            # composed on a read connection (it reads the whole log): the writer only inserts
            plans = await asyncio.to_thread(store.read, functools.partial(plan, ctx=ctx, until=clock.now()))
            await asyncio.wrap_future(store.submit(functools.partial(enqueue, plans=plans)))
            nxt = await asyncio.to_thread(store.read, functools.partial(next_instant, ctx))
        except Exception:
            log.exception("broadcasts: sending the due broadcasts failed")
            await asyncio.sleep(1.0)  # a store fault: retry soon, without spinning
            continue
        await asyncio.sleep(idle if nxt is None else min(idle, max(0.0, nxt - clock.now())))
