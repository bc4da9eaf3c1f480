"""SQLite store: WAL, synchronous=FULL, one writer thread owning the write connection and
group-committing queued jobs (each in a savepoint of its own), reads on per-thread
connections, and a checkpointer thread that copies the WAL back into the database file, so
the writer's commits never pay for it.

Shared by the worker processes of one `gongdan serve --workers N` (`shared=True`): each
process's writer takes an exclusive `flock` on `<file>-gongdan.lock` for its group's
transaction (the kernel queues the waiters and wakes the next at once, where SQLite's own
busy handler would poll with sleeps), and decides the group's events beforehand, outside
the lock, on the committed rows (`prepare.py`), so that what is held is mostly SQL. Its
connection commits with synchronous=NORMAL (the WAL written, not synced) and, the lock
released, fsyncs the WAL itself before any job of the group is answered: a 200 still means
on disk, and the workers' fsyncs overlap instead of queuing behind the lock.

synchronous=FULL because a 200 promises the event is durable: in WAL mode NORMAL may lose
the last transactions on power loss (not on a process crash). Group commit pays that
fsync once for every job queued meanwhile, so throughput is not one fsync per event.
"""
from __future__ import annotations

import fcntl
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from engine.serve.store import CommitListener, Reader, SettingListener, StoreUnavailable, Tx, not_listening
from engine.serve.store.migrations import LATEST, MIGRATIONS
from engine.serve.store.sqlite_tx import SQLiteReader, SQLiteTx
from engine.serve.store.writer import Job, JobQueue, Queued, deliver, gather, prepare_group

T = TypeVar("T")
log = logging.getLogger("gongdan.serve.store")
MAX_GROUP = 256          # jobs per transaction at most
CHECKPOINT_EVERY = 0.5   # seconds between the checkpointer's passes


def connect(path: str, synchronous: str = "FULL") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, synchronous=FULL
    (NORMAL for the writer of workers, which syncs the WAL itself), no automatic checkpoint
    (the checkpointer thread does them: a commit that crossed the 1,000-page mark would
    otherwise copy the WAL back and fsync twice before answering)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations not yet applied; the schema version reached."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
        current = int(row[0]) if row else 0
        for version, statements in MIGRATIONS:
            if version > current:
                for sql in statements:
                    conn.execute(sql)
        conn.execute("INSERT INTO meta (name, value) VALUES ('schema_version', ?) ON CONFLICT (name) "
                     "DO UPDATE SET value = excluded.value", (str(LATEST),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return LATEST


class SQLiteStore(Queued):
    """The `Store` on one SQLite file, for one service, or for the worker processes of one
    service (`shared`)."""

    def __init__(self, path: str, url: str | None = None, shared: bool = False) -> None:
        self.path = str(Path(path))
        self.url = url or f"sqlite:///{path}"
        self.shared = shared
        self.lock_held: Callable[[float], None] = not_listening   # told how long each hold of the file lock took
        self._lock_fd = self._lead_fd = -1
        self._leading = not shared
        self._queue: JobQueue = queue.SimpleQueue()
        self._listeners: list[CommitListener] = []
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._wal_fd = -1        # the WAL, opened once written: the workers' writer syncs it after the lock
        try:
            if shared:
                self._lock_fd = os.open(self.path + "-gongdan.lock", os.O_RDWR | os.O_CREAT, 0o600)
                self._lead_fd = os.open(self.path + "-gongdan.lead", os.O_RDWR | os.O_CREAT, 0o600)
            conn = connect(self.path, "NORMAL" if shared else "FULL")
            self.schema_version = migrate(conn)
        except (sqlite3.Error, OSError) as exc:   # no such folder, not a database, no permission
            raise StoreUnavailable(f"{self.url}: {exc}") from None
        self._thread = threading.Thread(target=self._run, args=(conn,), name="gongdan-writer", daemon=True)
        self._thread.start()
        self._stopping = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoints, name="gongdan-checkpointer", daemon=True)
        self._checkpointer.start()

    def read(self, query: Callable[[Reader], T]) -> T:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path)
            with self._readers_lock:
                self._readers.append(conn)
        return query(SQLiteReader(conn))

    def leads(self) -> bool:
        """Whether this process runs the timers (scheduler, broadcasts). Alone on the file,
        always; among workers, the one holding an flock on `<file>-gongdan.lead`, taken
        without waiting and kept for the process's life: the kernel frees it when its holder
        dies, and the next worker to ask takes it over."""
        if not self._leading and self._lead_fd >= 0:
            try:
                fcntl.flock(self._lead_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            self._leading = True
        return self._leading

    def on_commit(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    def on_setting(self, listener: SettingListener) -> None:
        """Nothing to hear: no other process writes this file's settings."""

    def close(self) -> None:
        """Finish the queued jobs, stop the writer and the checkpointer, close every connection."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._stopping.set()
        self._checkpointer.join()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        for fd in (self._lock_fd, self._lead_fd, self._wal_fd):
            if fd >= 0:
                os.close(fd)
        self._lock_fd = self._lead_fd = self._wal_fd = -1

    def _run(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch, stop = gather(self._queue, first, MAX_GROUP)
                try:
                    self._commit_group(conn, batch)
                finally:
                    deliver(batch)
                if stop:
                    return
        finally:
            conn.close()

    def _checkpoints(self) -> None:
        """PASSIVE checkpoints on a connection of its own, every CHECKPOINT_EVERY seconds: they
        wait for no reader or writer, and the writer restarts the WAL from its beginning once
        a pass has copied all of it (so it stays small). SQLite releases the GIL meanwhile."""
        conn = connect(self.path)
        try:
            while not self._stopping.wait(CHECKPOINT_EVERY):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error:   # busy or I/O: the next pass tries again
                    log.exception("store: a checkpoint failed")
        finally:
            conn.close()

    def _commit_group(self, conn: sqlite3.Connection, batch: list[Job]) -> None:
        """One transaction for the whole group (under the file lock when shared, its jobs
        prepared before it is taken)."""
        if self._lock_fd < 0:
            self._transaction(conn, batch)
            return
        prepare_group(SQLiteReader(conn), batch)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        taken = time.perf_counter()
        held = True

        def unlock_then_sync() -> None:
            nonlocal held
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            held = False
            self.lock_held(time.perf_counter() - taken)
            self._sync_wal()
        try:
            self._transaction(conn, batch, unlock_then_sync)
        finally:
            if held:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                self.lock_held(time.perf_counter() - taken)

    def _sync_wal(self) -> None:
        """fsync the WAL: every frame committed to it so far, this group's and any other
        worker's before it, is on disk when this returns (while this process's connection
        is open the WAL is never deleted, only restarted after a checkpoint has synced the
        database file)."""
        if self._wal_fd < 0:
            self._wal_fd = os.open(self.path + "-wal", os.O_RDONLY)
        os.fsync(self._wal_fd)

    def _transaction(self, conn: sqlite3.Connection, batch: list[Job],
                     committed: Callable[[], None] | None = None) -> None:
        """One transaction for the whole group; a failing job rolls back its savepoint only.
        `committed` runs after the COMMIT and before any job is answered (the workers' writer
        releases its lock and syncs the WAL there)."""
        tx = SQLiteTx(conn)
        outcomes: list[tuple[bool, Any] | None] = []   # None: cancelled before it ran
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job, future in batch:
                outcomes.append(self._run_job(conn, tx, job) if future.set_running_or_notify_cancel() else None)
            conn.execute("COMMIT")
        except Exception as exc:  # the commit itself failed: nothing of the group is stored
            log.exception("store: a group commit failed")
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._fail(batch, exc)
            return
        if committed is not None:
            try:
                committed()
            except OSError as exc:   # stored, but not known durable: answered as a failure,
                log.exception("store: syncing the WAL failed")   # a retry is recognised
                self._fail(batch, StoreUnavailable(f"{self.url}: the write was not confirmed on disk: {exc}"))
                self._tell(tx)
                return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if outcome is not None:
                ok, value = outcome
                future.set_result(value) if ok else future.set_exception(value)
        self._tell(tx)

    @staticmethod
    def _fail(batch: list[Job], exc: Exception) -> None:
        for _, future in batch:
            if future.running():
                future.set_exception(exc)

    @staticmethod
    def _run_job(conn: sqlite3.Connection, tx: SQLiteTx, job: Callable[[Tx], Any]) -> tuple[bool, Any]:
        conn.execute("SAVEPOINT job")
        try:
            value = job(tx)
        except Exception as exc:  # the job's error goes to its Future
            conn.execute("ROLLBACK TO job")
            conn.execute("RELEASE job")
            return False, exc
        conn.execute("RELEASE job")
        return True, value

    def _tell(self, tx: SQLiteTx) -> None:
        for listener in self._listeners:
            try:
                listener(tx.earliest, tx.added)
            except Exception:  # a listener's fault must not stop the writer
                log.exception("store: a commit listener failed")
