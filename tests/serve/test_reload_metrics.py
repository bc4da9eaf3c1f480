"""Hot reload (POST /-/reload, --watch, SIGHUP) keeps the old engine on a broken config
while requests flow; /v1/status and /metrics say what happened."""
from __future__ import annotations

import gc
import shutil
import signal
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import httpx
import pytest

import engine
from engine.serve.clock import ManualClock
from helpers import REPO
from serving import Running, Server, Start

CREATED = {"type": "created", "ticket": "T-1", "at": "2026-11-10T12:02:25+08:00",
           "category": "infrastructure/security/data-leak", "source": "monitor"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A private copy of the reference config that a test may break."""
    target = tmp_path / "config"
    target.mkdir()
    for name in ("categories.yaml", "rosters.yaml", "sla_profiles.yaml"):
        shutil.copy(REPO / name, target / name)
    shutil.copytree(REPO / "rules", target / "rules")
    return target


def _break(config: Path) -> list[str]:
    """Misspell a team; the diagnostics engine.load reports for it, rendered."""
    path = config / "categories.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("team: trade-order\n", "team: trade-ordr\n", 1),
                    encoding="utf-8")
    with pytest.raises(engine.ConfigError) as refused:
        engine.load(config)
    return [d.render() for d in refused.value.diagnostics]


def _metric(s: Running, name: str, **labels: str) -> float | None:
    value = s.service.metrics.registry.get_sample_value(name, labels)
    return value


def test_a_broken_reload_keeps_the_old_engine_while_requests_flow(start: Start, config: Path) -> None:
    s = start(config=config)
    version = s.client.get("/v1/status").json()["config_version"]
    spans: list[tuple[float, float, int]] = []   # (sent, answered, status): one request always in flight
    flowing, reloaded = threading.Event(), threading.Event()

    def flow() -> None:   # events back to back, from before the reload until after it (bounded)
        with httpx.Client(base_url=s.thread.url, timeout=30.0) as client:
            for i in range(5000):
                sent = time.perf_counter()
                r = client.post("/v1/events", json={**CREATED, "ticket": f"R-{i}"})
                spans.append((sent, time.perf_counter(), r.status_code))
                flowing.set()
                if reloaded.is_set():
                    return
    client = threading.Thread(target=flow)
    client.start()
    diagnostics = _break(config)
    assert flowing.wait(30)
    began = time.perf_counter()
    r = s.client.post("/-/reload")
    ended = time.perf_counter()
    reloaded.set()
    client.join(60)
    assert {status for _, _, status in spans} == {200}
    assert spans[0][1] < began and spans[-1][1] > ended   # the flow went on across the whole reload
    assert (r.status_code, r.json()["ok"], r.json()["diagnostics"]) == (500, False, diagnostics)
    status = s.client.get("/v1/status").json()
    assert (status["config_version"], status["last_reload"]["ok"], status["last_reload"]["diagnostics"]) == (
        version, False, diagnostics)
    assert diagnostics == [
        "categories.yaml:19:15: error[ref.unknown-team]: unknown team 'trade-ordr' (did you mean 'trade-order'?)"]
    assert _metric(s, "gongdan_config_last_reload_successful") == 0
    assert s.post({**CREATED, "ticket": "after"}).json()["config_version"] == version


def test_a_fixed_config_reloads_and_new_decisions_use_it(start: Start, config: Path) -> None:
    s = start(config=config)
    old = s.client.get("/v1/status").json()["config_version"]
    path = config / "sla_profiles.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment changes the digest\n", encoding="utf-8")
    r = s.client.post("/-/reload").json()
    new = engine.load(config).config_version
    assert (r["ok"], r["config_version"], r["diagnostics"]) == (True, new, [])
    assert new != old and s.post(CREATED).json()["config_version"] == new
    assert _metric(s, "gongdan_config_last_reload_successful") == 1
    assert _metric(s, "gongdan_config_last_reload_success_timestamp_seconds") == 1_000_000.0


def _await_status(url_get: Any, predicate: Any) -> dict[str, Any]:
    """Poll /v1/status (bounded) until `predicate` holds: the change happens in another
    process, with nothing to await from here."""
    for _ in range(200):
        status: dict[str, Any] = url_get("/v1/status").json()
        if predicate(status):
            return status
        time.sleep(0.05)
    raise AssertionError("the status did not change in 10 s")


def test_watch_reloads_when_a_file_changes(start: Start, config: Path) -> None:
    s = start(config=config, watch=True, watch_interval=0.05)
    results: list[Any] = []
    heard = threading.Condition()

    def listen(result: Any) -> None:
        with heard:
            results.append(result)
            heard.notify_all()
    s.service.reloader.listeners.append(listen)
    diagnostics = _break(config)
    with heard:   # the poller may also have caught the file half written: wait for the final result
        assert heard.wait_for(lambda: any(list(r.diagnostics) == diagnostics for r in results), 30)
    assert s.client.get("/v1/status").json()["last_reload"]["diagnostics"] == diagnostics


def test_sighup_reloads_the_serving_process(config: Path, tmp_path: Path) -> None:
    server = Server(tmp_path / "hup.db", tmp_path / "out.jsonl", config)
    try:
        assert server.client.get("/v1/status").json()["last_reload"]["ok"] is True
        diagnostics = _break(config)
        server.proc.send_signal(signal.SIGHUP)
        status = _await_status(server.client.get, lambda st: not st["last_reload"]["ok"])
        assert status["last_reload"]["diagnostics"] == diagnostics
    finally:
        server.stop()


def test_metrics_count_events_decisions_and_the_backlog(start: Start) -> None:
    s = start(channels={})
    s.post(CREATED)
    s.post(CREATED)
    s.post({**CREATED, "ticket": "T-2", "type": "acknowledged"})
    s.post({**CREATED, "type": "exploded"})
    clock = s.service.clock
    assert isinstance(clock, ManualClock)
    clock.tick(90.0)
    text = s.client.get("/metrics").text
    # on a shared store (PostgreSQL) every sample carries the replica's name, first
    replica = f'replica="{s.service.replica}"'
    assert all((replica in line) == s.service.store.shared for line in text.splitlines()
               if line.startswith("gongdan_"))
    text = text.replace(replica + ",", "").replace("{" + replica + "}", "")
    samples = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("gongdan_") and "_created" not in line.split("{")[0][-8:]}
    assert {k: v for k, v in samples.items() if k.startswith(("gongdan_events_total", "gongdan_notifications_total",
                                                              "gongdan_outbox", "gongdan_decision_seconds_count"))} == {
        'gongdan_events_total{result="applied",type="created"}': 1.0,
        'gongdan_events_total{result="duplicate",type="created"}': 1.0,
        'gongdan_events_total{result="refused",type="acknowledged"}': 1.0,
        'gongdan_events_total{result="refused",type="invalid"}': 1.0,
        "gongdan_decision_seconds_count": 2.0,
        'gongdan_notifications_total{channel="dingtalk",result="unconfigured"}': 1.0,
        "gongdan_outbox_backlog": 0.0, "gongdan_outbox_oldest_age_seconds": 0.0}


def test_the_backlog_and_its_age(start: Start) -> None:
    s = start()
    s.post(CREATED)
    clock = s.service.clock
    assert isinstance(clock, ManualClock)
    clock.tick(90.0)
    s.client.get("/metrics")
    assert (_metric(s, "gongdan_outbox_backlog"), _metric(s, "gongdan_outbox_oldest_age_seconds")) == (1.0, 90.0)
    assert s.client.get("/v1/status").json()["outbox"] == {"backlog": 1, "oldest_age_s": 90.0}


def test_the_engine_is_kept_out_of_full_collections_and_a_replaced_one_is_freed(start: Start) -> None:
    s = start()
    replaced = weakref.ref(s.service.ctx.engine.compiled.router)   # the Engine itself takes no weak reference
    assert gc.get_freeze_count() > 10_000        # the compiled config, frozen at start
    assert s.client.post("/-/reload").status_code == 200
    assert s.service.ctx.engine.compiled.router is not replaced()
    assert replaced() is None                    # unfrozen and collected at the reload
    assert gc.get_freeze_count() > 10_000
