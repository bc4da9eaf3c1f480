"""Faults with replicas on PostgreSQL: replica processes killed with SIGKILL at random points
while a client streams (the others finish their work; nothing is lost; the only duplicates
are sends that happened but were not marked, counted and reported), and the database
restarted mid-stream (the service says it is not ready, answers errors, never a 200 for what
it did not store, and recovers without losing an accepted event)."""
from __future__ import annotations

import contextlib
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import engine
from engine.serve.app import ServerThread
from engine.serve.outbox import RetryPolicy
from engine.serve.service import Options, Service
from helpers import REPO
from serving import (
    UNTIL,
    PgCluster,
    Running,
    Server,
    broadcast_ids,
    chain,
    evaluate_stream,
    expected_ids,
    past_created,
    recorders,
    rows,
    stream,
)

from .conftest import require_postgres

N = 600
CHUNK = 20
KILLS = 3
LEASE = 1.0     # seconds: a killed replica's leased deliveries go to the others this soon
SEND = 0.01     # seconds each send takes after it is recorded: a kill often lands mid-send


@pytest.fixture
def database(pg: PgCluster) -> Iterator[Callable[[PgCluster], str]]:
    """`database(pg)`: a fresh database, dropped after the test."""
    made: list[str] = []

    def make(cluster: PgCluster) -> str:
        made.append(cluster.fresh_database())
        return made[-1]
    yield make
    for url in made:
        pg.drop(url)


def _post_killed(server: Server, events: list[dict[str, Any]], delay: float) -> bool:
    """Post a chunk and SIGKILL the replica `delay` seconds in; whether it was answered."""
    answered: list[bool] = []

    def request() -> None:
        with contextlib.suppress(httpx.HTTPError):   # the connection dies with the replica
            answered.append(server.post(events).status_code == 200)
    t = threading.Thread(target=request)
    t.start()
    time.sleep(delay)   # picks the kill point; nothing waits on it
    server.kill()
    t.join(60)
    return bool(answered)


def _backlog(url: str) -> int:
    return int(rows(url, "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'leased')")[0][0])


def _await(predicate: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(0.05)


def test_replicas_killed_at_random_lose_nothing(pg: PgCluster, database: Any, tmp_path: Path) -> None:
    events = stream(N)
    expected = evaluate_stream(tmp_path, events, "--until", UNTIL)
    url = database(pg)
    rng = random.Random(int(os.environ.get("GONGDAN_CRASH_SEED", "20261201")))
    spawned = iter(range(1000))

    def spawn() -> Server:
        n = next(spawned)
        return Server(url, tmp_path / f"delivered-{n}.jsonl", REPO, str(LEASE), f"p{n}", str(SEND))
    group = [spawn() for _ in range(3)]
    chunks = [events[i:i + CHUNK] for i in range(0, N, CHUNK)]
    kill_at = set(rng.sample(range(1, len(chunks) - 1), KILLS))
    cut_short = 0
    try:
        i = 0
        while i < len(chunks):
            k = rng.randrange(len(group))
            if i in kill_at:
                kill_at.discard(i)
                cut_short += not _post_killed(group[k], chunks[i], rng.uniform(0.0, 0.05))
                group[k] = spawn()   # the chunk goes again, to whichever replica: what was stored is recognised
                continue
            r = group[k].post(chunks[i])
            assert [x["status"] for x in r.json()["results"]] == [200] * len(chunks[i])
            i += 1
        assert group[0].client.post("/v1/clock", json={"now": UNTIL}).status_code == 200
        _await(lambda: _backlog(url) == 0, "the outbox drains (leases of killed replicas expire)")
    finally:
        for server in group:
            server.stop()
    lines = [json.loads(line) for p in tmp_path.glob("delivered-*.jsonl") for line in p.read_text().splitlines()]
    delivered = Counter(line["id"] for line in lines)
    duplicates = sum(delivered.values()) - len(delivered)
    print(f"{KILLS} kills, {cut_short} cut a request short; {len(delivered)} notifications delivered, "
          f"{duplicates} sent twice (sent, then killed before marking)")
    assert set(delivered) == expected_ids(expected) | broadcast_ids(expected, UNTIL)   # none lost, none under another id
    assert duplicates <= KILLS * 2 * RetryPolicy().batch   # at most what the killed senders held
    # a second send of a row is a later lease's (a higher attempt), never two senders on one lease
    attempts = Counter((line["id"], line["attempt"]) for line in lines)
    assert max(attempts.values()) == 1
    stored = {t: json.loads(s) for t, s in rows(url, "SELECT id, state FROM tickets")}
    assert stored == {d["ticket"]: d["state"] for d in expected}
    assert rows(url, "SELECT COUNT(*) FROM decisions") == [(len(expected),)]


def test_replicas_killed_while_firing_due_steps_lose_none_and_fire_none_twice(
        pg: PgCluster, database: Any, tmp_path: Path, reference: engine.Engine) -> None:
    """Wall clock: 120 tickets whose every step is past, fired by three replicas' schedulers
    while replicas are killed and replaced: a killed replica's claims are released with its
    connection and the others fire those steps, each once."""
    url = database(pg)
    created = past_created(120, "K")
    spawned = iter(range(1000))
    rng = random.Random(20261202)

    def spawn() -> Server:
        n = next(spawned)
        return Server(url, tmp_path / f"delivered-{n}.jsonl", REPO, str(LEASE), f"w{n}", str(SEND), "wall")
    group = [spawn() for _ in range(3)]
    try:
        assert group[0].post(created).status_code == 200
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.05, 0.4))
            k = rng.randrange(len(group))
            group[k].kill()
            group[k] = spawn()
        _await(lambda: rows(url, "SELECT COUNT(*) FROM tickets WHERE next_wakeup IS NOT NULL")[0][0] == 0,
               "every due step fires", 60)
        _await(lambda: _backlog(url) == 0, "the outbox drains")
    finally:
        for server in group:
            server.stop()
    chains = {e["ticket"]: chain(reference, e) for e in created}
    fired: dict[str, list[dict[str, Any]]] = {}
    for ticket, body in rows(url, "SELECT ticket, body FROM decisions ORDER BY ticket, seq"):
        fired.setdefault(ticket, []).append(json.loads(body))
    assert fired == chains   # every step once, as the engine decides it
    lines = [json.loads(line) for p in tmp_path.glob("delivered-*.jsonl") for line in p.read_text().splitlines()]
    delivered = Counter(line["id"] for line in lines)
    duplicates = sum(delivered.values()) - len(delivered)
    print(f"{KILLS} kills while firing: {len(delivered)} notifications delivered, {duplicates} sent twice")
    assert set(delivered) == expected_ids([d for steps in chains.values() for d in steps])
    assert duplicates <= KILLS * 2 * RetryPolicy().batch
    assert max(Counter((line["id"], line["attempt"]) for line in lines).values()) == 1



def _ready(r: Running) -> int:
    try:
        return r.client.get("/-/ready", timeout=10.0).status_code
    except httpx.HTTPError:
        return 0


@pytest.fixture
def durable_pg() -> Any:
    """A PostgreSQL server of its own, fsync on (a restart must keep what was committed)."""
    cluster = PgCluster(require_postgres(), fsync=True)
    yield cluster
    cluster.close()


def test_a_database_restart_loses_no_accepted_event(durable_pg: PgCluster, tmp_path: Path) -> None:
    events = stream(400)
    expected = evaluate_stream(tmp_path, events, "--until", UNTIL)
    durable_pg.execute("CREATE DATABASE gongdan")
    url = durable_pg.url("gongdan")
    sent: list[tuple[str, int, str]] = []
    service = Service(Options(config_dir=REPO, store_url=url, clock="replay", outbox_workers=1,
                              retry=RetryPolicy(budgets={"dingtalk_group": 10_000}, lease=3.0), heartbeat=0.2),
                      recorders(sent, "one"))
    s = Running(ServerThread(service).start(), tmp_path / "pg", {}, url)
    chunks = [events[i:i + CHUNK] for i in range(0, len(events), CHUNK)]
    answers: list[int] = []
    restarted = threading.Event()

    def restart() -> None:   # while the client streams: down (immediately, as a crash), then up
        durable_pg.stop("immediate")
        _await(lambda: _ready(s) == 503, "/-/ready says 503 while the database is down", 20)
        time.sleep(0.5)
        durable_pg.start()
        restarted.set()
    try:
        for i, chunk in enumerate(chunks):
            if i == len(chunks) // 3:
                threading.Thread(target=restart).start()
            while True:   # a client that sends again what was refused (the natural key dedupes)
                try:
                    r = s.post(chunk)
                    answers.append(r.status_code)
                except httpx.HTTPError:
                    answers.append(0)
                    continue
                if r.status_code == 200:
                    assert [x["status"] for x in r.json()["results"]] == [200] * len(chunk)
                    break
                assert r.status_code == 503 and r.json()["type"].endswith("/unavailable")
                time.sleep(0.1)
        assert restarted.wait(30)
        _await(lambda: _ready(s) == 200, "ready again", 30)
        assert s.client.post("/v1/clock", json={"now": UNTIL}).status_code == 200
        _await(lambda: _backlog(url) == 0, "the outbox drains")
    finally:
        s.close()
    print(f"answers while the database restarted: {Counter(answers)}")
    assert 503 in answers
    stored = {t: json.loads(st) for t, st in rows(url, "SELECT id, state FROM tickets")}
    assert stored == {d["ticket"]: d["state"] for d in expected}
    assert rows(url, "SELECT COUNT(*) FROM decisions") == [(len(expected),)]
    assert {i for i, _, _ in sent} == expected_ids(expected) | broadcast_ids(expected, UNTIL)
