"""Backpressure: past its bound of queued write jobs the service answers new events 503
with Retry-After (problem+json), counts it, stores nothing, and takes events again once the
writer has caught up."""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from typing import Any

from serving import Running, Start

CREATED = {"type": "created", "ticket": "T-1", "at": "2026-11-10T12:02:25+08:00",
           "category": "infrastructure/security/data-leak", "source": "monitor", "severity": "P2"}
OVERLOADED = {"type": "https://gongdan.dev/problems/overloaded",
              "title": "Too many events queued: retry after the time given", "status": 503,
              "detail": "2 write jobs are queued (the bound is 2): send this request again after the "
                        "Retry-After seconds"}


def _stall_writer(s: Running, queued: int) -> tuple[threading.Event, list[Future[Any]]]:
    """Hold the writer in a job until the returned gate opens, with `queued` jobs behind it."""
    running, gate = threading.Event(), threading.Event()

    def hold(tx: Any) -> None:
        running.set()
        gate.wait(60)
    futures = [s.service.store.submit(hold)]
    assert running.wait(60)
    futures += [s.service.store.submit(lambda tx: None) for _ in range(queued)]
    return gate, futures


def _metric(s: Running, name: str) -> float:
    """A sample's value (on PostgreSQL the sample carries `replica=`)."""
    return next(float(line.rsplit(" ", 1)[1]) for line in s.client.get("/metrics").text.splitlines()
                if line.split("{")[0].split(" ")[0] == name)


def test_events_past_the_queue_bound_get_503_with_retry_after(start: Start) -> None:
    s = start(max_queue=2)
    gate, futures = _stall_writer(s, 2)
    try:
        answers = [s.post(CREATED), s.post([CREATED]), s.post(CREATED, **{"Idempotency-Key": "k-1"})]
        queue_gauge = _metric(s, "gongdan_writer_queue")
    finally:
        gate.set()
    for future in futures:
        future.result(60)
    assert [(r.status_code, r.headers["content-type"], r.headers["retry-after"], r.json()) for r in answers] == [
        (503, "application/problem+json", "1", OVERLOADED)] * 3
    assert (queue_gauge, _metric(s, "gongdan_overloaded_total")) == (2.0, 3.0)
    assert s.counts() == {"tickets": 0, "decisions": 0, "events_seen": 0, "outbox": 0, "idempotency": 0}
    again = s.post(CREATED, **{"Idempotency-Key": "k-1"})
    assert (again.status_code, again.json()["ticket"], "retry-after" in again.headers) == (200, "T-1", False)
    assert s.counts() == {"tickets": 1, "decisions": 1, "events_seen": 1, "outbox": 1, "idempotency": 1}


def test_below_the_bound_events_are_taken(start: Start) -> None:
    s = start(max_queue=3)
    gate, futures = _stall_writer(s, 2)
    answers: list[Any] = []
    pending = threading.Thread(target=lambda: answers.append(s.post(CREATED)))
    pending.start()
    deadline = time.monotonic() + 60
    while s.service.store.queued() < 3 and time.monotonic() < deadline:   # the event queued behind the two
        time.sleep(0.01)
    gate.set()
    pending.join(60)
    for future in futures:
        future.result(60)
    assert [r.status_code for r in answers] == [200]
    assert _metric(s, "gongdan_overloaded_total") == 0.0
