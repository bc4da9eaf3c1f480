"""What the service tests share: the example stream, a started service (`Running`), a
`gongdan serve` subprocess (`Server`), `gongdan evaluate` run on the same events, and a
throwaway PostgreSQL server (`PgCluster`)."""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from engine.serve.app import ServerThread
from engine.serve.channels.memory import MemoryChannel
from helpers import REPO, run_cli

EVENTS = REPO / "examples" / "double11-events.jsonl"
START = datetime.fromisoformat("2026-11-10T00:00:00+08:00").timestamp()   # the manual clock's ticket time
UNTIL = "2026-11-11T06:00:00+08:00"   # where the replay tests drain the tail to
CRASH_SERVER = REPO / "tests" / "serve" / "crash_server.py"


class StillClock:
    """A wall clock stopped at START, before the example stream: events at their own times
    are in its future, so nothing falls due by the clock while a test runs (due steps fire
    only before a ticket's later event), whenever the test runs. Not a replay clock: the
    service decides as on the wall clock (events are prepared before a shared store's lock)."""

    replay = False
    database = False

    def now(self) -> float:
        return START

    def wall(self) -> float:
        return START

    def advance(self, ts: float) -> float:
        return START


def stream(n: int) -> list[dict[str, Any]]:
    """The first n events of the Double 11 example stream."""
    with EVENTS.open(encoding="utf-8") as f:
        return [json.loads(next(f)) for _ in range(n)]


def rows(store_url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of a query on a store's database, SQLite or PostgreSQL (`?` placeholders)."""
    if store_url.startswith("sqlite:///"):
        with sqlite3.connect(store_url[len("sqlite:///"):]) as conn:
            return list(conn.execute(sql, args))
    import psycopg
    with psycopg.connect(store_url, autocommit=True) as pg:
        return list(pg.execute(sql.replace("?", "%s"), args))  # type: ignore[arg-type]


class Running:
    """A started service: its URL, an httpx client, its channels, its database (a SQLite
    file's path, or the name a test gave a PostgreSQL database) and the store's URL."""

    def __init__(self, thread: ServerThread, db: Path, channels: dict[str, MemoryChannel],
                 store_url: str | None = None) -> None:
        self.thread, self.db, self.channels = thread, db, channels
        self.store_url = store_url or f"sqlite:///{db}"
        self.service = thread.service
        self.client = httpx.Client(base_url=thread.url, timeout=30.0)

    def post(self, body: Any, **headers: str) -> httpx.Response:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
        return self.client.post("/v1/events", content=data,
                                headers={"content-type": "application/json", **headers})

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return rows(self.store_url, sql, *args)

    def counts(self) -> dict[str, int]:
        tables = ("tickets", "decisions", "events_seen", "outbox", "idempotency")
        return {t: self.rows(f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}

    def close(self) -> None:
        if not self.client.is_closed:
            self.client.close()
            self.thread.stop()


Start = Callable[..., Running]


class Server:
    """The subprocess and a client for it."""

    def __init__(self, db: Path | str, out: Path, config: Path = REPO, *extra: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen([sys.executable, str(CRASH_SERVER), str(config), str(db), str(out), *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        assert self.proc.stdout is not None
        url = self.proc.stdout.readline().strip()      # printed once the socket is bound
        assert url.startswith("http://127.0.0.1:"), url
        self.client = httpx.Client(base_url=url, timeout=60.0)

    def post(self, events: list[dict[str, Any]]) -> httpx.Response:
        return self.client.post("/v1/events", json=events)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.client.close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        self.client.close()


def evaluate_stream(tmp_path: Path, events: list[dict[str, Any]], *extra: str) -> list[dict[str, Any]]:
    """`gongdan evaluate --state` on these events, uninterrupted: the decisions it writes."""
    source, out = tmp_path / "events.jsonl", tmp_path / "decisions.jsonl"
    source.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    code, _, err = run_cli("evaluate", "--config", str(REPO), "-i", str(source), "-o", str(out), "--state", *extra)
    assert (code, err) == (0, "")
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def pg_bindir() -> Path | None:
    """Where PostgreSQL's server programs are: $GONGDAN_PG_BIN if set, else Debian's newest,
    else initdb's folder on the PATH."""
    chosen = os.environ.get("GONGDAN_PG_BIN")
    if chosen is not None:
        return Path(chosen) if (Path(chosen) / "initdb").exists() else None
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PgCluster:
    """A throwaway PostgreSQL server: a data folder and a Unix socket in a temporary folder,
    no TCP port (`listen_addresses=''`), trust authentication. PostgreSQL refuses to run as
    root, so as root its programs run as the `postgres` user. `fsync=False` for speed where
    a power cut is not what is tested."""

    TEMPLATE = "gongdan_template"

    def __init__(self, bindir: Path, *, fsync: bool = False) -> None:
        self.bindir, self.fsync = bindir, fsync
        self.root = Path(tempfile.mkdtemp(prefix="gongdan-pg-"))
        self.data = self.root / "data"
        self._names = itertools.count(1)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres("initdb", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync",
                          "-D", str(self.data))
        self.start()

    def _as_postgres(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def start(self) -> None:
        options = f"-k {self.root} -c listen_addresses='' -c max_connections=200"
        if not self.fsync:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._as_postgres("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.root / "log"),
                          "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop: `fast` (sessions ended, clean), `immediate` (as a crash: recovery at start)."""
        self._as_postgres("pg_ctl", "stop", "-w", "-t", "60", "-D", str(self.data), "-m", mode)

    def pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        try:
            return int(pidfile.read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def url(self, database: str) -> str:
        return f"postgresql:///{database}?host={self.root}&user=postgres"

    def execute(self, sql: str) -> None:
        import psycopg
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def migrated_template(self) -> None:
        """The database every test database is a copy of, migrated once."""
        from engine.serve.store.postgres import connect, migrate
        self.execute(f"CREATE DATABASE {self.TEMPLATE}")
        with connect(self.url(self.TEMPLATE)) as conn:
            migrate(conn)

    def fresh_database(self) -> str:
        """A new, migrated database (a copy of the template, 40-150 ms); its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE} STRATEGY FILE_COPY")
        return self.url(name)

    def drop(self, url: str) -> None:
        """Drop a database made by fresh_database (its ~1,000 files go now, not all at the end)."""
        name = url.split("?")[0].rsplit("/", 1)[1]
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        """Stop the server by its pid (fast shutdown) and remove its folder."""
        pid = self.pid()
        if pid is not None and not _ended(pid, signal.SIGINT, 10.0):
            sys.stderr.write(f"PostgreSQL {pid} ignored a fast shutdown for 10 s; stopping it immediately\n"
                             + (self.root / "log").read_text(errors="replace")[-3000:])
            _ended(pid, signal.SIGQUIT, 10.0)
        subprocess.run(["rm", "-rf", str(self.root)], check=False)   # much faster than shutil.rmtree here


def _ended(pid: int, sig: int, timeout: float) -> bool:
    """Send `sig` to `pid`; whether it exited within `timeout` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False



class Recorder:
    """A channel that records every delivery it accepts (each member of a digest) as
    (delivery id, attempt, who sent it), shared by the replicas of a test."""

    def __init__(self, name: str, sink: list[tuple[str, int, str]], sender: str) -> None:
        self.name, self.sink, self.sender = name, sink, sender

    def send(self, delivery: Any) -> Any:
        from engine.serve.channels.base import SendResult
        ids = delivery.notification.get("digest_of") or [delivery.id]
        self.sink.extend((i, delivery.attempt, self.sender) for i in ids)   # list.extend: atomic under the GIL
        return SendResult(ok=True)


CHANNEL_NAMES = ("dingtalk", "dingtalk_group", "email", "sms", "phone")


def recorders(sink: list[tuple[str, int, str]], sender: str) -> dict[str, Any]:
    """A recording channel per channel name, all appending to `sink`."""
    return {n: Recorder(n, sink, sender) for n in CHANNEL_NAMES}


def broadcast_ids(expected: list[dict[str, Any]], until: str) -> set[str]:
    """The delivery ids of the reference config's broadcasts (reports.yaml) that a replay of
    the same events up to `until` sends: each instant after the first event's, in the
    broadcast's modes, once per recipient, keyed by name, instant and recipient."""
    from zoneinfo import ZoneInfo

    import engine
    from engine.serve.keys import delivery_id
    from helpers import reference_engine
    eng, first = reference_engine(), datetime.fromisoformat(expected[0]["at"]).timestamp()
    ids = set()
    for b in engine.broadcasts(eng):
        for at in engine.broadcast_instants(b, first, datetime.fromisoformat(until).timestamp()):
            if b.runs_in(eng.mode_at(at)):
                when = datetime.fromtimestamp(at, ZoneInfo(b.timezone)).isoformat()
                ids |= {delivery_id(f"broadcast|{b.name}|{when}|dingtalk_group|group:{r}") for r in b.robots}
                ids |= {delivery_id(f"broadcast|{b.name}|{when}|email|address:{a}") for a in b.emails}
    return ids


def expected_ids(expected: list[dict[str, Any]]) -> set[str]:
    """The delivery ids an uninterrupted `gongdan evaluate` run's notifications must arrive
    under (the id is a function of the notification key), one per key."""
    from engine.serve.keys import delivery_id, notification_key
    ids = [delivery_id(notification_key(d["ticket"], n)) for d in expected for n in d.get("notifications", ())]
    assert len(ids) == len(set(ids))
    return set(ids)


TZ = datetime.fromisoformat("2026-11-10T00:00:00+08:00").tzinfo


def past_created(n: int, prefix: str, days: float = 2.0) -> list[dict[str, Any]]:
    """n `created` events `days` ago (whole seconds, +08:00): on the wall clock every due
    step of theirs is due."""
    from datetime import UTC, timedelta
    at = (datetime.now(UTC) - timedelta(days=days)).astimezone(TZ).replace(microsecond=0).isoformat()
    return [{"type": "created", "ticket": f"{prefix}-{i}", "at": at, "category": "infrastructure/security/data-leak",
             "source": "monitor"} for i in range(n)]


def chain(reference: Any, created: dict[str, Any]) -> list[dict[str, Any]]:
    """The decisions of a ticket left alone: created, then due() at each of its wake-ups."""
    d = reference.evaluate(created)
    out = [d.to_dict(with_state=False)]
    while d.next_wakeup_ts is not None:
        d = reference.due(d.state, datetime.fromtimestamp(d.next_wakeup_ts, TZ))
        out.append(d.to_dict(with_state=False))
    return out
