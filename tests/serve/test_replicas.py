"""Several replicas on one PostgreSQL database: the example stream spread across three of
them at random gives exactly the notifications of one `gongdan evaluate` run, each
delivered once; due steps on the wall clock fire once whichever replica claims them; one
DingTalk robot budget is shared; the mode override, heartbeats and wake-ups reach every
replica."""
from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.serve.app import ServerThread
from engine.serve.clock import Clock, ManualClock
from engine.serve.outbox import RetryPolicy
from engine.serve.service import Options, Service
from engine.serve.store import NewDelivery
from helpers import REPO, run_cli
from serving import (
    TZ,
    UNTIL,
    PgCluster,
    Running,
    chain,
    evaluate_stream,
    expected_ids,
    past_created,
    recorders,
    rows,
    stream,
)

N = 1000
CHUNK = 20
WALL = 1_000_000.0
Replicas = Callable[..., list[Running]]


@pytest.fixture
def replicas(pg: PgCluster) -> Iterator[Replicas]:
    """`replicas(n, ...)`: n services on one fresh database, each with recording channels
    appending to the list `.sent` shared by all."""
    running: list[Running] = []

    def make(n: int, *, clock_of: Callable[[], Clock | None] = lambda: None, workers: int = 2,
             retry: RetryPolicy | None = None, url: str | None = None, first: int = 0,
             **options: Any) -> list[Running]:
        url = url or pg.fresh_database()
        sent: list[tuple[str, int, str]] = []
        out = []
        for i in range(first, first + n):
            opts = Options(config_dir=REPO, store_url=url, outbox_workers=workers, replica=f"r{i}",
                           retry=retry or RetryPolicy(budgets={"dingtalk_group": 10_000}), **options)
            service = Service(opts, recorders(sent, f"r{i}"), clock_of(), jitter=lambda hi: hi)
            r = Running(ServerThread(service).start(), Path(f"r{i}"), {}, url)
            r.sent = sent  # type: ignore[attr-defined]
            out.append(r)
        running.extend(out)
        return out

    yield make
    for r in running:
        r.close()
    for url in {r.store_url for r in running}:
        pg.drop(url)


def _spread(replicas: list[Running], events: list[dict[str, Any]], rng: random.Random) -> None:
    """The stream in chunks, each to a replica picked at random. One chunk at a time: on the
    replay clock time is the stream's order (an event fires what fell due before it), so
    chunks sent at once would be a different stream; the replicas still deliver, claim and
    lease at once, each for all."""
    for i in range(0, len(events), CHUNK):
        part = events[i:i + CHUNK]
        r = replicas[rng.randrange(len(replicas))].post(part)
        assert [x["status"] for x in r.json()["results"]] == [200] * len(part)


def _await(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(0.05)


def _drained(r: Running) -> bool:
    return r.client.get("/v1/status").json()["outbox"]["backlog"] == 0


def test_three_replicas_deliver_every_notification_of_the_stream_exactly_once(replicas: Replicas,
                                                                             tmp_path: Path) -> None:
    events = stream(N)
    expected = evaluate_stream(tmp_path, events, "--until", UNTIL)
    group = replicas(3, clock="replay")
    _spread(group, events, random.Random(20261111))
    assert group[1].client.post("/v1/clock", json={"now": UNTIL}).status_code == 200
    _await(lambda: _drained(group[0]), "the outbox drains")
    sent = group[0].sent  # type: ignore[attr-defined]
    delivered = Counter(i for i, _, _ in sent)
    assert set(delivered) == expected_ids(expected)          # none missing, none extra
    assert max(delivered.values()) == 1                      # none twice
    assert {who for _, _, who in sent} == {"r0", "r1", "r2"}  # every replica delivered some
    stored = {t: json.loads(s) for t, s in group[0].rows("SELECT id, state FROM tickets")}
    assert stored == {d["ticket"]: d["state"] for d in expected}
    assert group[0].rows("SELECT COUNT(*) FROM decisions") == [(len(expected),)]




def _fired(group: list[Running]) -> list[float]:
    return [r.service.metrics.registry.get_sample_value("gongdan_timer_lag_seconds_count") or 0.0 for r in group]


def test_due_steps_on_the_wall_clock_fire_once_whichever_replica_claims_them(replicas: Replicas,
                                                                             reference: engine.Engine) -> None:
    group = replicas(3, workers=0, clock="wall")
    created = past_created(150, "W", 2.0)
    want = chain(reference, created[0])
    steps = len(want) - 1
    assert steps > 3
    assert group[0].post(created).status_code == 200   # one commit; NOTIFY wakes the other two
    _await(lambda: sum(_fired(group)) >= steps * len(created), "every due step fires")
    time.sleep(0.3)   # a step fired twice would show now
    assert sum(_fired(group)) == steps * len(created)
    bodies = group[0].rows("SELECT ticket, body FROM decisions ORDER BY ticket, seq")
    by_ticket: dict[str, list[dict[str, Any]]] = {}
    for ticket, body in bodies:
        by_ticket.setdefault(ticket, []).append(json.loads(body))
    assert by_ticket == {e["ticket"]: chain(reference, e) for e in created}
    print("firings per replica:", _fired(group))


def _group_rows(r: Running, n: int, first: int = 0) -> None:
    rows = [NewDelivery(f"d-{i}", f"k-{i}", f"T-{i}", "dingtalk_group", "group:trade-robot",
                        {"to": {"group": "trade-robot"}, "subject": f"s{i}", "body": f"b{i}", "kind": "breach"},
                        "pending", None, WALL) for i in range(first, first + n)]
    r.service.store.submit(lambda tx: tx.add_deliveries(rows, WALL)).result()


def _rounds(group: list[Running]) -> None:
    """Every replica's sender leasing and sending at once, until none finds anything."""
    while any(_at_once([r.service.dispatcher.run_once for r in group])):
        pass


def _at_once(calls: list[Callable[[], int]]) -> list[int]:
    counts: list[int] = []
    threads = [threading.Thread(target=lambda c=c: counts.append(c())) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return counts


def test_a_robots_budget_is_one_for_all_replicas(replicas: Replicas) -> None:
    clocks = [ManualClock(0.0, WALL) for _ in range(3)]
    group = replicas(3, clock_of=lambda: clocks.pop(), workers=0,
                     retry=RetryPolicy(batch=5))
    _group_rows(group[0], 60)
    sent = group[0].sent  # type: ignore[attr-defined]
    window = WALL - WALL % 60
    for k in range(3):   # 20 a minute, whichever replica sends: three windows for 60
        _rounds(group)
        assert group[0].rows("SELECT window_start, count FROM rate_budget") == [(window + 60 * k, 20)]
        assert len(sent) == 20 * (k + 1)
        for r in group:
            assert isinstance(r.service.clock, ManualClock)
            r.service.clock.tick(60.0)
    assert sorted(i for i, _, _ in sent) == sorted(f"d-{i}" for i in range(60))


def test_the_mode_override_and_heartbeats_reach_every_replica(replicas: Replicas) -> None:
    group = replicas(2, workers=0, heartbeat=0.2)
    assert group[0].client.put("/v1/mode", json={"mode": "promotion"}).status_code == 200
    _await(lambda: group[1].client.get("/v1/mode").json()["mode"] == "promotion", "the mode reaches r1", 10)
    status = group[1].client.get("/v1/status").json()
    assert (status["replica"], [r["id"] for r in status["replicas"]]) == ("r1", ["r0", "r1"])
    assert {k: status["store"][k] for k in ("kind", "shared", "schema_version", "in_recovery")} == {
        "kind": "postgresql", "shared": True, "schema_version": 3, "in_recovery": False}
    group[0].close()   # r0 stops beating: after three heartbeats it is no longer listed
    _await(lambda: [r["id"] for r in group[1].client.get("/v1/status").json()["replicas"]] == ["r1"],
           "r0 drops out of the list", 10)
    assert 'gongdan_config_last_reload_successful{replica="r1"} 1.0' in group[1].client.get("/metrics").text


def test_an_earlier_wake_up_wakes_the_other_replicas(replicas: Replicas, reference: engine.Engine) -> None:
    """r0 replays (no scheduler of its own); r1 sleeps on the wall clock with nothing due and
    polls once a minute: r0's commit of a wake-up due in a second wakes it (NOTIFY)."""
    [sleeper] = replicas(1, workers=0, clock="wall", poll=60.0)
    [writer] = replicas(1, workers=0, clock="replay", url=sleeper.store_url, first=1)
    first = reference.evaluate(past_created(1, "W", 0)[0])
    assert first.next_wakeup_ts is not None
    lead = first.next_wakeup_ts - datetime.fromisoformat(first.to_dict()["at"]).timestamp()
    soon = datetime.fromtimestamp(time.time() + 1.0 - lead, TZ).replace(microsecond=0)
    time.sleep(0.5)   # the sleeper is asleep, with nothing due for a minute
    r = writer.post({"type": "created", "ticket": "N-1", "at": soon.isoformat(),
                     "category": "infrastructure/security/data-leak", "source": "monitor"})
    assert r.status_code == 200
    started = time.monotonic()
    _await(lambda: _fired([sleeper]) == [1.0], "the sleeper fires the step", 10)
    assert time.monotonic() - started < 5.0


def test_serve_migrate_applies_the_migrations_and_exits(pg: PgCluster, tmp_path: Path) -> None:
    pg.execute("CREATE DATABASE migrate_me")
    url = pg.url("migrate_me")
    for _ in range(2):   # the second run finds nothing to do
        code, out, err = run_cli("serve", "--store", url, "--migrate")
        assert (code, out, err) == (0, f"gongdan serve: {url} is at schema version 3\n", "")
    assert rows(url, "SELECT value FROM meta") == [("3",)]
    assert rows(url, "SELECT COUNT(*) FROM tickets") == [(0,)]
    code, _, err = run_cli("serve", "--store", "mysql://x/y", "--migrate")
    assert (code, err) == (1, ("Error: unsupported store URL 'mysql://x/y' (expected sqlite:///PATH or "
                              "postgresql://...)\n"))
