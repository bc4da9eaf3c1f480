"""The example stream pushed through the service on the replay clock gives, notification by
notification, what `gongdan evaluate` gives on the same events; on the wall clock the
scheduler fires due steps by itself."""
from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import engine
from engine.serve.clock import WallClock
from serving import UNTIL, Running, Start, broadcast_ids, evaluate_stream, stream

N = 1500


def _instant(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _note_key(ticket: str, n: dict[str, Any]) -> tuple[Any, ...]:
    to = n["to"].get("person") or "group:" + n["to"]["group"]
    return (ticket, n["kind"], n["clock"], n.get("step"), n["level"], n["channel"], to, _instant(n["at"]))


def _push(s: Running, events: list[dict[str, Any]], size: int = 250) -> None:
    for i in range(0, len(events), size):
        r = s.post(events[i:i + size])
        assert [x["status"] for x in r.json()["results"]] == [200] * len(events[i:i + size])


def _service_notes(s: Running) -> Counter[tuple[Any, ...]]:
    rows = s.rows("SELECT ticket, payload FROM outbox WHERE ticket <> ''")   # broadcasts belong to no ticket
    return Counter(_note_key(t, json.loads(p)) for t, p in rows)


def _final_states(decisions: list[dict[str, Any]]) -> dict[str, Any]:
    return {d["ticket"]: d["state"] for d in decisions}


def test_the_example_stream_gives_what_gongdan_evaluate_gives(start: Start, tmp_path: Path) -> None:
    events = stream(N)
    expected = evaluate_stream(tmp_path, events, "--until", UNTIL)
    s = start()
    _push(s, events)
    r = s.client.post("/v1/clock", json={"now": UNTIL})
    assert r.status_code == 200 and r.json()["now"] == _instant(UNTIL)
    want = Counter(_note_key(d["ticket"], n) for d in expected for n in d.get("notifications", ()))
    assert sum(want.values()) > 1000 and max(want.values()) == 1
    assert _service_notes(s) == want
    assert {i for (i,) in s.rows("SELECT id FROM outbox WHERE ticket = ''")} == broadcast_ids(expected, UNTIL)
    assert s.counts()["decisions"] == len(expected)
    stored = {t: json.loads(state) for t, state in s.rows("SELECT id, state FROM tickets")}
    assert stored == _final_states(expected)
    assert s.rows("SELECT value FROM settings WHERE name = 'replay_now'") == [(repr(_instant(UNTIL)),)]


def test_the_replay_clock_resumes_after_a_restart(start: Start, tmp_path: Path) -> None:
    events = stream(300)
    expected = evaluate_stream(tmp_path, events)
    s = start(clock="replay")
    _push(s, events[:150])
    s.close()
    again = start(clock="replay")
    assert again.service.clock.now() == _instant(events[149]["at"])
    _push(again, events[150:])
    want = Counter(_note_key(d["ticket"], n) for d in expected for n in d.get("notifications", ()))
    assert _service_notes(again) == want


def _scheduler_waiter(s: Running) -> threading.Condition:
    """A condition notified each time the scheduler has recorded what it fired (its
    metrics included): the test waits on what the scheduler did, not on time."""
    cond = threading.Condition()
    scheduler = s.service.scheduler
    record = scheduler.record

    def recorded(fired: list[Any]) -> None:
        record(fired)
        with cond:
            cond.notify_all()
    scheduler.record = recorded
    return cond


def _lag_count(s: Running) -> float | None:
    return s.service.metrics.registry.get_sample_value("gongdan_timer_lag_seconds_count")


def test_the_wall_clock_scheduler_fires_due_steps_by_itself(start: Start, reference: engine.Engine) -> None:
    s = start(clock=WallClock())
    fired = _scheduler_waiter(s)
    at = (datetime.now(UTC) - timedelta(days=2)).astimezone(engine_tz()).replace(microsecond=0)
    created = {"type": "created", "ticket": "W-1", "at": at.isoformat(),
               "category": "infrastructure/security/data-leak", "source": "monitor"}
    d = reference.evaluate(created)
    want = [d.to_dict(with_state=False)]
    while d.next_wakeup_ts is not None:
        d = reference.due(d.state, datetime.fromtimestamp(d.next_wakeup_ts, engine_tz()))
        want.append(d.to_dict(with_state=False))
    assert s.post(created).status_code == 200   # outside the lock: the scheduler's hook takes it
    with fired:
        assert fired.wait_for(lambda: _lag_count(s) == len(want) - 1, 30)
    got = [json.loads(b) for (b,) in s.rows("SELECT body FROM decisions ORDER BY seq")]
    assert got == want and len(want) > 3


def engine_tz() -> Any:
    return datetime.fromisoformat("2026-11-10T00:00:00+08:00").tzinfo
