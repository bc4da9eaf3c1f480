"""`gongdan serve --workers N`: worker processes sharing one address and one SQLite file,
run for real (the CLI, or the crash harness's supervisor), over real HTTP. What is stored
equals one process's run of the same events; the schedulers of both workers fire every
due step once; mode changes and reloads reach every worker; a worker killed mid-stream is
replaced and nothing is lost or applied twice; the supervisor stops its workers, and they
stop when it dies."""
from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import engine
from helpers import REPO
from serving import CRASH_SERVER, PgCluster, chain, past_created, rows, stream

TABLES = ["SELECT id, state, version, next_wakeup, closed FROM tickets ORDER BY id",
          "SELECT ticket, seq, event, at, body FROM decisions ORDER BY ticket, seq",
          "SELECT ticket, type, at, body_sha256, seq FROM events_seen ORDER BY ticket, type, at",
          "SELECT id, key, ticket, channel, endpoint, payload FROM outbox ORDER BY id"]
DEADLINE = 30.0     # seconds any wait in these tests may take


def ahead(events: list[dict[str, Any]], days: float = 2.0) -> list[dict[str, Any]]:
    """The events moved so the first is `days` from now: on the wall clock no timer falls
    due while the test runs (a ticket's later event may still find steps due before it)."""
    first = datetime.fromisoformat(events[0]["at"])
    shift = datetime.now(first.tzinfo) + timedelta(days=days) - first
    return [{**e, "at": (datetime.fromisoformat(e["at"]) + shift).replace(microsecond=0).isoformat()}
            for e in events]


class Group:
    """A serving process group (a supervisor and its workers, or one process), started in a
    session of its own so that the whole of it can be killed at once."""

    def __init__(self, argv: list[str], log: Path) -> None:
        """`argv` announces its URL in the first line of its standard output or error; the
        rest of both goes to `log`."""
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self.path = log
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     cwd=REPO, start_new_session=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert found, line + self.proc.stdout.read()
        self.url = f"http://127.0.0.1:{found.group(1)}"
        self._drain = threading.Thread(target=_copy, args=(self.proc.stdout, log), daemon=True)
        self._drain.start()

    @classmethod
    def cli(cls, tmp_path: Path, db: Path | str, workers: int, *extra: str, config: Path = REPO) -> Group:
        """`gongdan serve` itself, on a SQLite file or a store URL."""
        url = db if isinstance(db, str) else f"sqlite:///{db}"
        argv = [sys.executable, "-m", "engine", "serve", "--config", str(config), "--store", url,
                "--listen", "127.0.0.1:0", "--workers", str(workers), *extra]
        name = db.rsplit("/", 1)[-1] if isinstance(db, str) else db.stem
        return cls(argv, tmp_path / f"serve-{name}-{workers}.log")

    @classmethod
    def crash(cls, tmp_path: Path, db: Path, out: Path, workers: int, lease: float = 30.0) -> Group:
        """The crash harness: recorders appending each delivery to `out`, the wall clock,
        deliveries leased for `lease` seconds."""
        argv = [sys.executable, str(CRASH_SERVER), str(REPO), str(db), str(out), str(lease), "", "0", "wall",
                str(workers)]
        return cls(argv, tmp_path / f"crash-{db.stem}-{time.monotonic_ns()}.log")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=DEADLINE)

    def workers(self) -> list[int]:
        """The pids of the processes started by this group's leader (its workers; not
        multiprocessing's resource tracker)."""
        out = []
        for entry in Path("/proc").iterdir():
            with contextlib.suppress(OSError):
                if entry.name.isdigit():
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    cmdline = (entry / "cmdline").read_bytes()
                    if int(stat[1]) == self.proc.pid and b"spawn_main" in cmdline:
                        out.append(int(entry.name))
        return sorted(out)

    def stop(self) -> int:
        self.proc.terminate()
        return self.proc.wait(DEADLINE)

    def kill_all(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(DEADLINE)


def _copy(stream: Any, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for line in stream:
            out.write(line)
            out.flush()


@pytest.fixture
def groups() -> Iterator[list[Group]]:
    started: list[Group] = []
    yield started
    for g in started:
        if g.proc.poll() is None:
            g.kill_all()


def tables(db: Path) -> list[list[tuple[Any, ...]]]:
    with sqlite3.connect(db) as conn:
        return [list(conn.execute(sql)) for sql in TABLES]


def send_partitioned(url: str, events: list[dict[str, Any]], connections: int, batch: int,
                     before: Callable[[int], None] | None = None) -> None:
    """The events over `connections` connections at once, each its share of the tickets in
    order, `batch` a request; a request whose connection died is sent again (`before(i)` runs
    before the i-th request of the first share, where a test may kill something)."""
    shares: list[list[dict[str, Any]]] = [[] for _ in range(connections)]
    for e in events:
        shares[zlib.crc32(e["ticket"].encode()) % connections].append(e)
    failures: list[BaseException] = []

    def send(n: int, share: list[dict[str, Any]]) -> None:
        try:
            for i in range(0, len(share), batch):
                if n == 0 and before is not None:
                    before(i // batch)
                _post_until_answered(url, share[i:i + batch])
        except BaseException as exc:   # reported by the test's thread
            failures.append(exc)
    threads = [threading.Thread(target=send, args=(n, s)) for n, s in enumerate(shares)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures


def _post_until_answered(url: str, events: list[dict[str, Any]]) -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            with httpx.Client(base_url=url, timeout=DEADLINE) as c:
                r = c.post("/v1/events", json=events)
            assert [x["status"] for x in r.json()["results"]] == [200] * len(events), r.text
            return
        except (httpx.TransportError, httpx.RemoteProtocolError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {DEADLINE}s: {what}")
        time.sleep(0.05)


def every_worker(url: str, path: str, tries: int = 24) -> list[Any]:
    """GET `path` on `tries` fresh connections (SO_REUSEPORT spreads them over the workers)."""
    answers = []
    for _ in range(tries):
        with httpx.Client(base_url=url, timeout=DEADLINE) as c:
            answers.append(c.get(path).json())
    return answers


def sample(url: str, name: str, labels: dict[str, str]) -> float:
    with httpx.Client(base_url=url, timeout=DEADLINE) as c:
        text = c.get("/metrics").text
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric == f"{name}{{{want}}}" or (not labels and metric == name):
            return float(value)
    raise AssertionError(f"{name}{{{want}}} not in /metrics")


def test_two_workers_store_what_one_process_stores(tmp_path: Path, groups: list[Group]) -> None:
    events = ahead(stream(500))
    one = Group.cli(tmp_path, tmp_path / "one.db", 1, "--outbox-workers", "0")
    groups.append(one)
    send_partitioned(one.url, events, 1, 25)
    two = Group.cli(tmp_path, tmp_path / "two.db", 2, "--outbox-workers", "0", "--replica", "svc")
    groups.append(two)
    wait_until(lambda: len(two.workers()) == 2, "two workers")
    send_partitioned(two.url, events, 4, 10)
    assert tables(tmp_path / "two.db") == tables(tmp_path / "one.db")
    created = sum(e["type"] == "created" for e in events)
    # a scrape of any worker counts every worker's events
    assert sample(two.url, "gongdan_events_total", {"type": "created", "result": "applied"}) == created
    held = sample(two.url, "gongdan_events_prepared_total", {"result": "held"})
    assert held > len(events) / 2   # most events are stored as decided before the lock
    statuses = every_worker(two.url, "/v1/status")
    assert {r["id"] for s in statuses for r in s["replicas"]} == {"svc-w0", "svc-w1"}
    assert two.stop() == 0   # the supervisor, its workers stopped (one process exits as uvicorn does)
    assert two.workers() == []


def test_two_workers_on_postgresql_store_what_one_process_stores(tmp_path: Path, groups: list[Group],
                                                                pg: PgCluster) -> None:
    events = ahead(stream(300))
    one_url, two_url = pg.fresh_database(), pg.fresh_database()
    try:
        one = Group.cli(tmp_path, one_url, 1, "--outbox-workers", "0")
        groups.append(one)
        send_partitioned(one.url, events, 1, 25)
        two = Group.cli(tmp_path, two_url, 2, "--outbox-workers", "0")
        groups.append(two)
        send_partitioned(two.url, events, 4, 10)
        assert two.stop() == 0
        one.stop()
        assert [rows(two_url, sql) for sql in TABLES] == [rows(one_url, sql) for sql in TABLES]
    finally:
        pg.drop(one_url)
        pg.drop(two_url)


def timer_runner(db: Path) -> int | None:
    """The pid holding the flock on `<db>-gongdan.lead` (from /proc/locks), if any."""
    try:
        inode = os.stat(f"{db}-gongdan.lead").st_ino
    except FileNotFoundError:   # no worker has opened the store yet
        return None
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if fields[1] == "FLOCK" and int(fields[5].rsplit(":", 1)[1]) == inode:
            return int(fields[4])
    return None


def test_due_steps_fire_once_after_the_timer_runner_is_killed(tmp_path: Path, groups: list[Group],
                                                              reference: engine.Engine) -> None:
    created = past_created(40, "SCHED", days=2.0)   # every step of theirs is due at once
    db = tmp_path / "sched.db"
    group = Group.cli(tmp_path, db, 2, "--outbox-workers", "0")
    groups.append(group)
    wait_until(lambda: len(group.workers()) == 2 and timer_runner(db) in group.workers(), "a timer runner")
    runner = timer_runner(db)
    assert runner is not None
    os.kill(runner, signal.SIGKILL)   # the other worker (or the runner's replacement) takes over
    send_partitioned(group.url, created, 4, 5)
    want = {c["ticket"]: chain(reference, c) for c in created}
    total = sum(len(d) for d in want.values())

    def fired() -> bool:
        with sqlite3.connect(tmp_path / "sched.db") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]) >= total
    wait_until(fired, f"{total} decisions stored")
    assert timer_runner(db) not in (None, runner)
    group.stop()
    with sqlite3.connect(tmp_path / "sched.db") as conn:
        logged = [(t, json.loads(b)) for t, b in conn.execute("SELECT ticket, body FROM decisions ORDER BY ticket, seq")]
        keys = [k for (k,) in conn.execute("SELECT key FROM outbox")]
    got: dict[str, list[tuple[str, str]]] = {}
    for ticket, body in logged:
        got.setdefault(ticket, []).append((body["event"], body["at"]))
    assert got == {t: [(d["event"], d["at"]) for d in chain_] for t, chain_ in want.items()}
    assert len(keys) == len(set(keys)) == sum(len(d.get("notifications", ())) for c in want.values() for d in c)


def test_mode_and_reload_reach_every_worker(tmp_path: Path, groups: list[Group]) -> None:
    config = tmp_path / "config"
    shutil.copytree(REPO, config, ignore=shutil.ignore_patterns(".git", "tests", "docs", "engine", "benchmarks",
                                                                 "*.db*", "examples"))
    group = Group.cli(tmp_path, tmp_path / "mode.db", 2, "--outbox-workers", "0", config=config)
    groups.append(group)
    first = {s["config_version"] for s in every_worker(group.url, "/v1/status")}
    assert len(first) == 1

    with group.client() as c:
        assert c.put("/v1/mode", json={"mode": "promotion"}).status_code == 200
    wait_until(lambda: {m["in_force"] for m in every_worker(group.url, "/v1/mode")} == {"promotion"},
               "every worker in promotion mode")

    categories = config / "categories.yaml"
    categories.write_text(categories.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    with group.client() as c:
        reloaded = c.post("/-/reload").json()
    assert reloaded["ok"] is True and reloaded["config_version"] not in first
    wait_until(lambda: {s["config_version"] for s in every_worker(group.url, "/v1/status")}
               == {reloaded["config_version"]}, "every worker on the reloaded config")

    categories.write_text(categories.read_text(encoding="utf-8") + "# again\n", encoding="utf-8")
    os.kill(group.proc.pid, signal.SIGHUP)
    wait_until(lambda: len({s["config_version"] for s in every_worker(group.url, "/v1/status")}
                           - {reloaded["config_version"]}) == 1, "every worker reloaded on SIGHUP")
    assert group.stop() == 0


def test_killed_workers_and_a_killed_service_lose_nothing_and_apply_nothing_twice(tmp_path: Path,
                                                                                   groups: list[Group]) -> None:
    events = ahead(stream(600))
    straight = Group.crash(tmp_path, tmp_path / "straight.db", tmp_path / "straight.jsonl", 1)
    groups.append(straight)
    send_partitioned(straight.url, events, 1, 25)
    straight.stop()

    db, out = tmp_path / "killed.db", tmp_path / "delivered.jsonl"
    group = Group.crash(tmp_path, db, out, 2, lease=2.0)
    groups.append(group)
    rng = random.Random(int(os.environ.get("GONGDAN_CRASH_SEED", "20261202")))
    kill_at = set(rng.sample(range(1, 10), 3))
    killed: list[int] = []

    def maybe_kill(i: int) -> None:
        if i in kill_at:
            wait_until(lambda: len(group.workers()) == 2, "two workers up")
            victim = rng.choice(group.workers())
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
    send_partitioned(group.url, events[:400], 3, 10, maybe_kill)   # three workers killed on the way
    assert len(killed) == 3
    wait_until(lambda: len(group.workers()) == 2 and not set(group.workers()) & set(killed),
               "the killed workers replaced")

    # then the whole service, supervisor and workers at once, in the middle of a request
    cut = threading.Thread(target=_cut_short, args=(group.url, events[400:450]))
    cut.start()
    time.sleep(rng.uniform(0.0, 0.05))
    group.kill_all()
    cut.join(DEADLINE)
    group = Group.crash(tmp_path, db, out, 2, lease=2.0)
    groups.append(group)
    send_partitioned(group.url, events[400:], 3, 10)   # what was stored before the kill is recognised

    def drained() -> bool:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()[0] == 0
    wait_until(drained, "every delivery sent (the dead service's leases expire after 2 s)")
    assert group.stop() == 0
    assert tables(db) == tables(tmp_path / "straight.db")
    with sqlite3.connect(db) as conn:
        ids = {i for (i,) in conn.execute("SELECT id FROM outbox")}
    delivered = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert set(delivered) == ids and len(ids) > 100   # none lost; a resend only for a send cut short
    assert len(delivered) - len(ids) <= 4 * 2 * 64


def _cut_short(url: str, events: list[dict[str, Any]]) -> None:
    """A request the service dies in the middle of (its connection fails: sent again later)."""
    with contextlib.suppress(httpx.HTTPError), httpx.Client(base_url=url, timeout=DEADLINE) as c:
        c.post("/v1/events", json=events)


def test_the_supervisor_stops_its_workers_and_they_stop_without_it(tmp_path: Path, groups: list[Group]) -> None:
    group = Group.cli(tmp_path, tmp_path / "stop.db", 2, "--outbox-workers", "0")
    groups.append(group)
    wait_until(lambda: len(group.workers()) == 2, "two workers")
    workers = group.workers()
    os.kill(group.proc.pid, signal.SIGKILL)    # the supervisor alone
    group.proc.wait(DEADLINE)
    wait_until(lambda: not any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in workers),
               "orphaned workers stopped")


def _alive(pid: int) -> bool:
    """Running, not a zombie awaiting its reaper."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_worker_killed_again_before_it_is_ready_is_started_again(tmp_path: Path, groups: list[Group]) -> None:
    group = Group.cli(tmp_path, tmp_path / "again.db", 2, "--outbox-workers", "0")
    groups.append(group)
    wait_until(lambda: len(group.workers()) == 2, "two workers")
    first = group.workers()
    os.kill(first[0], signal.SIGKILL)
    wait_until(lambda: len(set(group.workers()) - set(first)) == 1, "a replacement started")
    (replacement,) = set(group.workers()) - set(first)
    os.kill(replacement, signal.SIGKILL)     # long before it has loaded the config
    wait_until(lambda: len(group.workers()) == 2 and not set(group.workers()) & {first[0], replacement},
               "a third one started")
    for answer in every_worker(group.url, "/v1/status", 8):
        assert answer["last_reload"]["ok"] is True
    assert group.proc.poll() is None and group.stop() == 0
    log = group.path.read_text(encoding="utf-8")
    assert "worker 0 exited with -9; starting it again in 2s" in log
    assert "worker 0 exited with -9; starting it again in 4s" in log


def test_a_broken_config_or_the_replay_clock_stops_the_start(tmp_path: Path) -> None:
    config = tmp_path / "broken"
    shutil.copytree(REPO, config, ignore=shutil.ignore_patterns(".git", "tests", "docs", "engine", "benchmarks",
                                                                 "*.db*", "examples"))
    (config / "categories.yaml").write_text("categories: [\n", encoding="utf-8")
    argv = [sys.executable, "-m", "engine", "serve", "--config", str(config), "--store",
            f"sqlite:///{tmp_path / 'broken.db'}", "--listen", "127.0.0.1:0", "--workers", "2"]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 1
    assert "categories.yaml:2:1: error[yaml.syntax]" in done.stderr
    assert "before it was ready: stopping" in done.stderr
    replay = subprocess.run([*argv[:-2], "--workers", "2", "--clock", "replay"], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert replay.returncode == 2
    assert "--clock replay takes its time from the events one process sees: use --workers 1" in replay.stderr
