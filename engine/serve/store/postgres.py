"""PostgreSQL store: several replicas on one database. Each replica has one writer thread
that group-commits its queued jobs (each in a savepoint of its own, as on SQLite, so a
batch keeps its order), a pool of read connections, and a LISTEN connection on which it
hears the other replicas' commits (an earlier wake-up, new outbox rows, a changed setting).

Concurrency between replicas is the database's: ticket rows are locked by whoever writes
them (`FOR UPDATE`), claims skip what another replica holds (`SKIP LOCKED`), and a group
that deadlocks with another replica's is rolled back and run again whole. A lost
connection fails the group's jobs with `StoreUnavailable` (nothing of them is known to be
stored; the API answers 503) and the next group connects again.
"""
from __future__ import annotations

import json
import logging
import math
import queue
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from engine.serve.store import CommitListener, Reader, SettingListener, StoreUnavailable, Tx, not_listening
from engine.serve.store.migrations import LATEST, MIGRATIONS, for_postgres
from engine.serve.store.postgres_tx import PostgresReader, PostgresTx
from engine.serve.store.writer import Job, JobQueue, Queued, deliver, gather

T = TypeVar("T")
log = logging.getLogger("gongdan.serve.store")
CHANNEL = "gongdan"      # the NOTIFY channel
MAX_GROUP = 64           # jobs per transaction at most: row locks are held until the commit
GROUP_TRIES = 5          # runs of a group that keeps deadlocking with other replicas' before it fails
CONNECT_TIMEOUT = 5      # seconds
READ_TIMEOUT = 2.0       # seconds to wait for a read connection before answering "unavailable"
# the pool backs off exponentially while the database is down, for this long at most (then
# it gives up on the connection and makes a new one at the next read): an outage of a few
# seconds must not leave the reads waiting on a backoff that has grown longer than it
RECONNECT_TIMEOUT = 4.0
LISTEN_POLL = 0.1        # seconds between looks at `closing` while listening (close() waits this long)


class _RunAgain(Exception):
    """The group lost a lock conflict with another replica (deadlock, serialization): roll
    it all back, releasing its locks, and run it again."""


def redact(url: str) -> str:
    """The URL without its password (what /v1/status shows)."""
    return re.sub(r"(://[^:/@?]*:)[^@/?]*@", r"\1***@", url)


def connect(conninfo: str) -> psycopg.Connection[Any]:
    """A connection in autocommit mode: transactions are explicit."""
    return psycopg.connect(conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT)


def migrate(conn: psycopg.Connection[Any]) -> int:
    """Apply the migrations not yet applied, one replica at a time; the version reached."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('gongdan migrations', 0))")
        conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
        current = int(row[0]) if row else 0
        if current > LATEST:   # a newer replica migrated: its additions are invisible to this one
            log.warning("store: schema version %d is newer than this build's %d", current, LATEST)
            return current
        for version, statements in MIGRATIONS:
            if version > current:
                for sql in statements:
                    conn.execute(for_postgres(sql))
        conn.execute("INSERT INTO meta (name, value) VALUES ('schema_version', %s) ON CONFLICT (name) "
                     "DO UPDATE SET value = excluded.value", (str(LATEST),))
    return LATEST


def _conflict(exc: BaseException) -> bool:
    """A lock conflict with another transaction, which running again resolves: class 40
    (serialization failure, deadlock detected) or lock_not_available."""
    state = getattr(exc, "sqlstate", None) or ""
    return isinstance(exc, psycopg.Error) and (state.startswith("40") or state == "55P03")


class PostgresStore(Queued):
    """The `Store` on one PostgreSQL database, shared by every replica."""

    shared = True

    def __init__(self, conninfo: str, pool_size: int = 8) -> None:
        self.url = redact(conninfo)
        self.id = uuid.uuid4().hex          # tells this store's notifications from the others'
        self.lock_held: Callable[[float], None] = not_listening
        self._conninfo = conninfo
        self._queue: JobQueue = queue.SimpleQueue()
        self._listeners: list[CommitListener] = []
        self._setting_listeners: list[SettingListener] = []
        self._closing = threading.Event()
        try:
            conn = connect(conninfo)
        except psycopg.Error as exc:
            raise StoreUnavailable(f"{self.url}: {exc}") from exc
        try:
            self.schema_version = migrate(conn)
        except psycopg.Error as exc:
            conn.close()
            raise StoreUnavailable(f"{self.url}: {exc}") from exc
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=pool_size, kwargs={"autocommit": True},
                                    timeout=READ_TIMEOUT, check=ConnectionPool.check_connection,
                                    reconnect_timeout=RECONNECT_TIMEOUT, name="gongdan-read", open=True)
        self._writer = threading.Thread(target=self._run, args=(conn,), name="gongdan-writer", daemon=True)
        self._listener = threading.Thread(target=self._listen, name="gongdan-listen", daemon=True)
        self._writer.start()
        self._listener.start()

    def read(self, query: Callable[[Reader], T]) -> T:
        try:
            with self._pool.connection() as conn:
                return query(PostgresReader(conn))
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreUnavailable(f"{self.url}: {exc}") from exc

    def leads(self) -> bool:
        """Every replica runs the timers: their claims skip each other's rows."""
        return True

    def on_commit(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def on_setting(self, listener: SettingListener) -> None:
        self._setting_listeners.append(listener)

    def close(self) -> None:
        """Finish the queued jobs, stop the writer and the listener, close every connection."""
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()
        self._closing.set()
        self._listener.join()
        self._pool.close()

    # the writer

    def _run(self, conn: psycopg.Connection[Any] | None) -> None:
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch, stop = gather(self._queue, first, MAX_GROUP)
                try:
                    conn = self._commit_group(conn, [j for j in batch if j[1].set_running_or_notify_cancel()])
                finally:
                    deliver(batch)
                if stop:
                    return
        finally:
            if conn is not None:
                conn.close()

    def _commit_group(self, conn: psycopg.Connection[Any] | None, batch: list[Job]) -> psycopg.Connection[Any] | None:
        """Run the group in one transaction (again, whole, after a lock conflict); answer
        each job's Future once committed. The connection to use next (None: reconnect)."""
        error: Exception = StoreUnavailable("no attempt made")
        for _ in range(GROUP_TRIES):
            try:
                conn = conn if conn is not None and not conn.closed else connect(self._conninfo)
                tx, outcomes = self._attempt(conn, batch)
            except _RunAgain as exc:
                error = StoreUnavailable(f"a lock conflict with another replica persisted: {exc.__cause__}")
                continue
            except psycopg.Error as exc:   # the connection is gone (or the commit failed): nothing is known stored
                log.warning("store: a group of %d jobs failed: %s", len(batch), exc)
                if conn is not None:
                    conn.close()
                self._fail(batch, StoreUnavailable(f"{self.url}: {exc}"))
                return None
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                future.set_result(value) if ok else future.set_exception(value)
            self._tell(tx)
            return conn
        self._fail(batch, error)
        return conn

    def _attempt(self, conn: psycopg.Connection[Any], batch: list[Job]) -> tuple[PostgresTx, list[tuple[bool, Any]]]:
        tx = PostgresTx(conn)
        conn.execute("BEGIN")
        try:
            outcomes = [self._run_job(conn, tx, job) for job, _ in batch]
            tx.flush()
            self._notify(conn, tx)
            conn.execute("COMMIT")
        except BaseException as exc:
            if not conn.broken and not conn.closed:
                conn.execute("ROLLBACK")
            if _conflict(exc):
                raise _RunAgain() from exc
            raise
        return tx, outcomes

    @staticmethod
    def _run_job(conn: psycopg.Connection[Any], tx: PostgresTx, job: Callable[[Tx], Any]) -> tuple[bool, Any]:
        conn.execute("SAVEPOINT job")
        settings = dict(tx.settings_to_write)
        try:
            value = job(tx)
        except Exception as exc:
            if _conflict(exc) or conn.broken or conn.closed:
                raise   # the whole group runs again, or fails
            tx.settings_to_write = settings   # the job's settings go with its savepoint
            conn.execute("ROLLBACK TO job")
            conn.execute("RELEASE job")
            return False, exc
        conn.execute("RELEASE job")
        return True, value

    def _notify(self, conn: psycopg.Connection[Any], tx: PostgresTx) -> None:
        """Tell the other replicas, at our commit (NOTIFY is transactional), what they may
        want to act on: an earlier wake-up, outbox rows, a changed setting."""
        if tx.earliest is None and not tx.added and not tx.settings:
            return
        payload = json.dumps({"from": self.id, "earliest": tx.earliest, "added": tx.added,
                              "settings": sorted(tx.settings)})
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))

    @staticmethod
    def _fail(batch: list[Job], error: Exception) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(error)

    def _tell(self, tx: PostgresTx) -> None:
        for listener in self._listeners:
            try:
                listener(tx.earliest, tx.added)
            except Exception:  # a listener's fault must not stop the writer
                log.exception("store: a commit listener failed")

    # the other replicas' commits

    def _listen(self) -> None:
        """LISTEN for the other replicas' commits; after a lost connection, everyone is told
        to look again (what was committed meanwhile was not heard)."""
        heard_before = False
        while not self._closing.is_set():
            try:
                with connect(self._conninfo) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if heard_before:
                        self._heard(None)
                    heard_before = True
                    while not self._closing.is_set():
                        for note in conn.notifies(timeout=LISTEN_POLL):
                            self._heard(note.payload)
            except psycopg.Error as exc:
                if not self._closing.is_set():
                    log.warning("store: listening for other replicas failed (%s); polling until it is back", exc)
                    self._closing.wait(1.0)

    def _heard(self, payload: str | None) -> None:
        if payload is None:
            earliest, added, settings = -math.inf, 1, ["mode"]
        else:
            note = json.loads(payload)
            if note.get("from") == self.id:
                return
            earliest, added, settings = note.get("earliest"), int(note.get("added") or 0), note.get("settings", [])
        for listener in self._listeners:
            try:
                listener(earliest, added)
            except Exception:
                log.exception("store: a commit listener failed")
        for name in settings:
            for setting_listener in self._setting_listeners:
                try:
                    setting_listener(name)
                except Exception:
                    log.exception("store: a setting listener failed")
