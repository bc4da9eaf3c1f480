"""Crash safety: a serving process killed with SIGKILL at random points while a client
streams events, restarted each time, then finished. No notification is lost, none is
delivered under two delivery ids, and every ticket's state equals an uninterrupted run."""
from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from engine.serve.keys import delivery_id, notification_key
from serving import UNTIL, Server, broadcast_ids, evaluate_stream, stream

KILLS = 5
BATCH = 25
N = 600


def _post_killed(server: Server, events: list[dict[str, Any]], delay: float) -> bool:
    """Post a batch and SIGKILL the server `delay` seconds in; whether it was answered."""
    answered: list[bool] = []

    def request() -> None:
        # a connection that dies with the server: the client will send the batch again
        with contextlib.suppress(httpx.HTTPError):
            answered.append(server.post(events).status_code == 200)
    t = threading.Thread(target=request)
    t.start()
    time.sleep(delay)   # picks the kill point; nothing waits on it
    server.kill()
    t.join(60)
    return bool(answered)


def _drain(server: Server) -> None:
    """Wait (bounded) until the outbox has nothing left to send."""
    for _ in range(600):
        if server.client.get("/v1/status").json()["outbox"]["backlog"] == 0:
            return
        time.sleep(0.05)
    raise AssertionError("the outbox did not drain in 30 s")


def test_sigkill_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    events = stream(N)
    expected = evaluate_stream(tmp_path, events, "--until", UNTIL)
    db, out = tmp_path / "crash.db", tmp_path / "delivered.jsonl"
    batches = [events[i:i + BATCH] for i in range(0, N, BATCH)]
    rng = random.Random(int(os.environ.get("GONGDAN_CRASH_SEED", "20261111")))
    kill_at = set(rng.sample(range(1, len(batches) - 1), KILLS))
    server = Server(db, out)
    i, unanswered = 0, 0
    while i < len(batches):
        if i in kill_at:
            kill_at.discard(i)
            unanswered += not _post_killed(server, batches[i], rng.uniform(0.0, 0.04))
            server = Server(db, out)
            continue   # the unanswered batch is sent again: what was stored is recognised
        r = server.post(batches[i])
        assert [x["status"] for x in r.json()["results"]] == [200] * len(batches[i])
        i += 1
    print(f"{unanswered} of {KILLS} kills cut a request short")
    assert server.client.post("/v1/clock", json={"now": UNTIL}).status_code == 200
    _drain(server)
    server.stop()

    # the delivery id is a function of the notification key: the ids an uninterrupted run's
    # notifications must arrive under, one per key; and the hourly broadcasts of the
    # promotion, each instant once, whichever process enqueued it
    want = {delivery_id(notification_key(d["ticket"], n)) for d in expected for n in d.get("notifications", ())}
    assert len(broadcast_ids(expected, UNTIL)) == 22     # 20:00 to 06:00, to the robot and by email
    want |= broadcast_ids(expected, UNTIL)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {line["id"] for line in lines} == want           # none lost, none sent under another id
    # at least once: only sends in flight at a kill (at most a lease batch per worker) go again
    assert len(lines) - len(want) <= KILLS * 2 * 64
    with sqlite3.connect(db) as conn:
        stored = {t: json.loads(s) for t, s in conn.execute("SELECT id, state FROM tickets")}
        assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == len(expected)
    assert stored == {d["ticket"]: d["state"] for d in expected}
