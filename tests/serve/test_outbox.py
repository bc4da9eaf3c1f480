"""The outbox against real stores and the recording channel: delivery, retries with
backoff, permanent failures, lease expiry after a crash, rate budgets and digests."""
from __future__ import annotations

import threading
from typing import Any

from engine.serve.channels.memory import memory_channels
from engine.serve.clock import ManualClock
from engine.serve.keys import delivery_id
from engine.serve.outbox import RetryPolicy, lease_job
from engine.serve.store import NewDelivery
from serving import Running, Start

CREATED = {"type": "created", "ticket": "T-1", "at": "2026-11-10T12:02:25+08:00",
           "category": "infrastructure/security/data-leak", "source": "monitor"}
KEY = "T-1|assign|response||0|dingtalk|person:he-qiang|2026-11-10T12:02:25+08:00"
WALL = 1_000_000.0


def _row(s: Running) -> tuple[Any, ...]:
    [row] = s.rows("SELECT status, attempts, next_attempt_at, lease_until, last_error, sent_at FROM outbox")
    return row


def _clock(s: Running) -> ManualClock:
    clock = s.service.clock
    assert isinstance(clock, ManualClock)
    return clock


def test_a_notification_is_sent_once_with_its_stable_id(start: Start) -> None:
    s = start()
    s.post(CREATED)
    assert s.service.dispatcher.run_once() == 1
    [sent] = s.channels["dingtalk"].sent
    assert (sent.id, sent.key, sent.ticket, sent.to, sent.attempt) == (
        delivery_id(KEY), KEY, "T-1", {"person": "he-qiang", "address": "31002466"}, 1)
    assert sent.body == sent.notification["body"] and sent.subject == sent.notification["subject"]
    assert _row(s) == ("sent", 1, WALL, None, None, WALL)
    assert s.service.dispatcher.run_once() == 0


def test_transient_failures_back_off_exponentially_then_succeed(start: Start) -> None:
    s = start()
    s.channels["dingtalk"].fail(2)
    s.post(CREATED)
    run = s.service.dispatcher.run_once
    assert run() == 1
    assert _row(s) == ("pending", 1, WALL + 2.0, None, "simulated failure", None)
    assert run() == 0
    _clock(s).tick(2.0)
    assert run() == 1
    assert _row(s) == ("pending", 2, WALL + 2.0 + 4.0, None, "simulated failure", None)
    _clock(s).tick(4.0)
    assert run() == 1
    assert _row(s) == ("sent", 3, WALL + 6.0, None, None, WALL + 6.0)
    assert [(d.id, d.attempt) for d in s.channels["dingtalk"].attempts] == [(delivery_id(KEY), n) for n in (1, 2, 3)]
    assert len(s.channels["dingtalk"].sent) == 1


def test_backoff_is_capped_and_waits_what_the_receiver_asks() -> None:
    policy = RetryPolicy(base=2.0, cap=600.0)
    assert [policy.delay(n, None, lambda hi: hi) for n in (1, 2, 3, 9, 10, 50)] == [2, 4, 8, 512, 600, 600]
    assert policy.delay(1, 30.0, lambda hi: hi) == 30.0
    assert policy.delay(3, None, lambda hi: hi / 2) == 4.0


def test_retry_after_from_the_channel_is_honoured(start: Start) -> None:
    s = start()
    s.channels["dingtalk"].fail(1, retry_after=30.0)
    s.post(CREATED)
    s.service.dispatcher.run_once()
    assert _row(s) == ("pending", 1, WALL + 30.0, None, "simulated failure", None)


def test_a_permanent_failure_is_not_retried(start: Start) -> None:
    s = start()
    s.channels["dingtalk"].fail(1, permanent=True)
    s.post(CREATED)
    assert s.service.dispatcher.run_once() == 1
    _clock(s).tick(3600.0)
    assert s.service.dispatcher.run_once() == 0
    assert _row(s) == ("failed", 1, WALL, None, "simulated failure", None)
    assert s.service.metrics.notifications.labels("dingtalk", "failed")._value.get() == 1


def test_transient_failures_give_up_after_max_attempts(start: Start) -> None:
    s = start(retry=RetryPolicy(max_attempts=2))
    s.channels["dingtalk"].fail(5)
    s.post(CREATED)
    s.service.dispatcher.run_once()
    _clock(s).tick(2.0)
    s.service.dispatcher.run_once()
    assert _row(s) == ("failed", 2, WALL + 2.0, None, "gave up after 2 attempts: simulated failure", None)


def test_an_expired_lease_is_taken_over_after_a_crash(start: Start) -> None:
    s = start()
    s.post(CREATED)
    policy = s.service.options.retry
    [leased] = s.service.store.submit(lease_job(policy, WALL)).result()   # a sender that then died
    assert _row(s) == ("leased", 1, WALL, WALL + 30.0, None, None)
    assert s.service.dispatcher.run_once() == 0
    _clock(s).tick(30.0)
    assert s.service.dispatcher.run_once() == 1
    [sent] = s.channels["dingtalk"].sent
    assert (sent.id, sent.attempt) == (leased.rows[0].id, 2)
    assert _row(s) == ("sent", 2, WALL, None, None, WALL + 30.0)


def test_an_unconfigured_channel_fails_visibly(start: Start) -> None:
    s = start(channels=memory_channels("email"))
    s.post(CREATED)
    assert _row(s) == ("failed", 0, WALL, None, "channel dingtalk not configured", None)
    [n] = s.client.get("/v1/tickets/T-1").json()["notifications"]
    assert (n["status"], n["last_error"]) == ("failed", "channel dingtalk not configured")
    assert s.service.metrics.notifications.labels("dingtalk", "unconfigured")._value.get() == 1
    assert s.service.dispatcher.run_once() == 0


def _group_rows(s: Running, n: int, first: int = 0) -> None:
    rows = [NewDelivery(f"d-{i}", f"k-{i}", f"T-{i}", "dingtalk_group", "group:trade-robot",
                        {"to": {"group": "trade-robot"}, "subject": f"s{i}", "body": f"b{i}", "kind": "breach"},
                        "pending", None, WALL) for i in range(first, first + n)]
    s.service.store.submit(lambda tx: tx.add_deliveries(rows, WALL)).result()


def test_a_robot_over_its_budget_gets_one_digest(start: Start) -> None:
    s = start()
    _group_rows(s, 25)
    assert s.service.dispatcher.run_once() == 1
    [digest] = s.channels["dingtalk_group"].sent
    assert (digest.subject, digest.to) == ("Gongdan: 25 notifications", {"group": "trade-robot"})
    assert digest.body.splitlines()[:3] == ["#### Gongdan: 25 notifications", "- s0", "- s1"]
    assert len(digest.body.splitlines()) == 26
    assert s.rows("SELECT status, COUNT(*) FROM outbox GROUP BY status") == [("sent", 25)]
    assert s.rows("SELECT endpoint, count FROM rate_budget") == [("dingtalk_group|group:trade-robot", 1)]
    _group_rows(s, 3, first=100)
    assert s.service.dispatcher.run_once() == 3
    assert s.rows("SELECT count FROM rate_budget") == [(4,)]


def test_a_spent_budget_waits_for_the_next_window(start: Start) -> None:
    s = start()
    endpoint = "dingtalk_group|group:trade-robot"
    s.service.store.submit(lambda tx: tx.spend_budget(endpoint, WALL - WALL % 60, 20)).result()
    _group_rows(s, 2)
    assert s.service.dispatcher.run_once() == 0
    window_end = WALL - WALL % 60 + 60
    assert s.rows("SELECT DISTINCT status, next_attempt_at, attempts FROM outbox") == [("pending", window_end, 0)]
    _clock(s).tick(window_end - WALL)
    assert s.service.dispatcher.run_once() == 2


def test_worker_threads_deliver_what_events_produce(start: Start) -> None:
    s = start(workers=2)
    done = threading.Condition()
    s.service.store.on_commit(lambda *_: _notify(done))
    events = [{**CREATED, "ticket": f"T-{i}"} for i in range(20)]
    s.post(events)   # outside the lock: the writer's listener takes it
    with done:
        assert done.wait_for(lambda: s.rows("SELECT COUNT(*) FROM outbox WHERE status = 'sent'") == [(20,)], 30)
    assert sorted(d.ticket for d in s.channels["dingtalk"].sent) == sorted(e["ticket"] for e in events)


def _notify(cond: threading.Condition) -> None:
    with cond:
        cond.notify_all()
