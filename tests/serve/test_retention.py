"""Retention on both stores: closed tickets with their log, sent deliveries and answered
Idempotency-Keys older than the retention are deleted, in bounded jobs; everything newer,
open, or still to be delivered stays. Exact row counts before and after."""
from __future__ import annotations

import asyncio
from typing import Any

from engine.serve import retention
from engine.serve.clock import ManualClock
from engine.serve.store import Tx
from serving import START, Running, Start

DAY = 86400.0
CREATED = {"type": "created", "at": "2026-11-10T12:02:25+08:00", "category": "infrastructure/security/data-leak",
           "source": "monitor", "severity": "P1"}
RESOLVED = {"type": "resolved", "at": "2026-11-10T12:30:00+08:00", "by": "on-duty"}
CLOSED = {"type": "closed", "at": "2026-11-10T12:40:00+08:00"}


def _ticket(s: Running, ticket: str, *events: dict[str, Any], key: str | None = None) -> None:
    for event in events:
        headers = {"Idempotency-Key": key} if key and event is events[0] else {}
        assert s.post({**event, "ticket": ticket}, **headers).status_code == 200


def _deliver(s: Running, ticket: str) -> None:
    """Mark every delivery of a ticket sent now, through the store's lease and fence."""
    def job(tx: Tx) -> None:
        ids = [d.id for d in tx.deliveries(ticket)]
        tx.lease(ids, s.service.clock.wall() + 30)
        tx.mark_sent([(i, 1) for i in ids], s.service.clock.wall())
    asyncio.run(s.service.write(job))


def _per_ticket(s: Running) -> dict[str, tuple[int, int, int, int]]:
    """ticket -> (ticket rows, decisions, natural keys, outbox rows)."""
    out = {}
    for t in ("A", "B", "C", "D", "E"):
        out[t] = tuple(s.rows(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", t)[0][0] for table, column in
                       (("tickets", "id"), ("decisions", "ticket"), ("events_seen", "ticket"), ("outbox", "ticket")))
    return out


def test_old_closed_tickets_sent_rows_and_keys_are_pruned_in_bounded_jobs(start: Start) -> None:
    clock = ManualClock(START, wall=1_000_000.0)
    s = start(clock=clock)
    _ticket(s, "A", CREATED, RESOLVED, CLOSED, key="k-old")   # closed, delivered: pruned whole
    _deliver(s, "A")
    _ticket(s, "E", CREATED, RESOLVED, CLOSED)                 # the same: a second job
    _deliver(s, "E")
    _ticket(s, "B", CREATED, RESOLVED, CLOSED)                 # closed, deliveries pending: kept
    _ticket(s, "C", CREATED)                                   # open, delivered: its sent rows go
    _deliver(s, "C")
    clock.tick(10 * DAY)
    _ticket(s, "D", CREATED, RESOLVED, CLOSED, key="k-new")   # closed, delivered, too recent: kept
    _deliver(s, "D")
    clock.tick(1)
    assert s.rows("SELECT ticket, status, COUNT(*) FROM outbox GROUP BY ticket, status ORDER BY 1, 2") == [
        ("A", "sent", 7), ("B", "pending", 7), ("C", "pending", 8), ("C", "sent", 1), ("D", "sent", 7),
        ("E", "sent", 7)]
    assert _per_ticket(s) == {"A": (1, 6, 3, 7), "B": (1, 6, 3, 7), "C": (1, 5, 1, 9), "D": (1, 6, 3, 7),
                              "E": (1, 6, 3, 7)}
    assert s.counts() == {"tickets": 5, "decisions": 29, "events_seen": 13, "outbox": 37, "idempotency": 2}

    jobs = []

    async def counted(job: Any) -> int:
        deleted: int = await s.service.write(job)
        jobs.append(deleted)
        return deleted
    before = clock.wall() - 5 * DAY
    assert asyncio.run(retention.prune(counted, before, 1)) == {"tickets": 2, "outbox": 1, "idempotency": 1}
    assert jobs == [1, 1, 0, 1, 0, 1, 0]     # one row a job, until a job finds nothing
    assert _per_ticket(s) == {"A": (0, 0, 0, 0), "B": (1, 6, 3, 7), "C": (1, 5, 1, 8), "D": (1, 6, 3, 7),
                              "E": (0, 0, 0, 0)}
    assert s.counts() == {"tickets": 3, "decisions": 17, "events_seen": 7, "outbox": 22, "idempotency": 1}
    assert s.rows("SELECT key FROM idempotency") == [("loopback:k-new",)]


def test_the_service_prunes_by_its_retention_and_counts_it(start: Start) -> None:
    clock = ManualClock(START, wall=1_000_000.0)
    s = start(clock=clock, retention=5 * DAY, prune_every=3600.0)
    _ticket(s, "A", CREATED, RESOLVED, CLOSED)
    _deliver(s, "A")
    clock.tick(6 * DAY)
    assert asyncio.run(s.service.prune()) == {"tickets": 1, "outbox": 0, "idempotency": 0}
    assert s.counts() == {"tickets": 0, "decisions": 0, "events_seen": 0, "outbox": 0, "idempotency": 0}
    pruned = [line for line in s.client.get("/metrics").text.splitlines()
              if line.startswith("gongdan_pruned_total{")]
    replica = f',replica="{s.service.replica}"' if s.service.store.shared else ""
    assert pruned == [f'gongdan_pruned_total{{kind="{kind}"{replica}}} {n}'
                      for kind, n in (("tickets", 1.0), ("outbox", 0.0), ("idempotency", 0.0))]
