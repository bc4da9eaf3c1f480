"""`gongdan serve --workers N`: N service processes on one machine, one address, one store.

The supervisor (this module's `Supervisor`, the process the user started) binds N listening
sockets to the one port with SO_REUSEPORT, so the kernel spreads connections across them,
and starts one worker process per socket. Each worker is a whole service (every route, its
own scheduler, outbox senders and retention) on the shared store: replicas as on PostgreSQL,
and on a SQLite file the store takes a file lock around each group's transaction and
decides events before taking it (`store/sqlite.py`, `prepare.py`). The supervisor holds the
sockets, so connections arriving while a worker restarts wait in its socket's backlog.

Signals: SIGTERM or SIGINT stops every worker (each finishes its requests and queued writes)
and then the supervisor; SIGHUP reloads the config in every worker. A worker whose
POST /-/reload or PUT /v1/mode succeeded tells the supervisor (SIGUSR2, SIGUSR1), which
passes the reload or the mode to the other workers. A worker that dies is started again
(after 1 s, doubling up to 30 s while it keeps dying young); one that fails before any
worker was ever ready (a broken config, a store it cannot open) stops the whole service.

Metrics: the workers write prometheus_client's multiprocess files into a folder of the
supervisor's, and whichever worker answers /metrics aggregates all of them.
"""
from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from engine.serve.channels.base import Channel
from engine.serve.service import Options
from engine.serve.store.urls import open_store

log = logging.getLogger("gongdan.serve.workers")
SIGNALS = {signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2}
SUPERVISOR = "GONGDAN_SUPERVISOR"        # in a worker's environment: the supervisor's pid
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
FIRST_BACKOFF, MAX_BACKOFF, YOUNG = 1.0, 30.0, 10.0   # seconds
STOP_GRACE = 30.0                         # seconds a worker has to stop before it is killed
ORPHAN_CHECK = 0.5                        # seconds between a worker's looks at its parent


ChannelsFactory = Callable[[], Mapping[str, Channel]]


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker process is started with (pickled to it)."""

    index: int
    options: Options
    channels_file: Path | None
    sock: socket.socket
    ready: Connection
    channels: ChannelsFactory | None = None   # instead of the channels file (a picklable callable)


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets listening on one port (the first picks it when `port` is 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            socks.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(2048)
            port = sock.getsockname()[1]
    except OSError:   # none is kept: the caller reports the address
        for sock in socks:
            sock.close()
        raise
    return socks


def run_worker(spec: WorkerSpec) -> None:
    """A worker process: one service on its socket until SIGTERM, or until its supervisor
    is gone (killed with SIGKILL, it cannot stop its workers: they stop themselves)."""
    # until the service handles them (at the end of its start), a reload or a mode change
    # passed on is not for it: it reads both as it starts (by default they would kill it)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)   # the supervisor's mask is inherited
    from engine.serve.app import server
    from engine.serve.channels.config import load_channels
    from engine.serve.service import Service

    logging.basicConfig(level=logging.INFO, format=f"%(levelname)s: [worker {spec.index}] %(message)s")
    channels = spec.channels() if spec.channels is not None else load_channels(spec.channels_file).by_name
    service = Service(spec.options, dict(channels))
    uvicorn_server = server(service, spec.sock, log_level="info")

    def tell_ready() -> None:
        if service.ready.wait(600):
            spec.ready.send(True)

    def orphaned() -> None:
        while os.getppid() == spec.options.supervisor:
            time.sleep(ORPHAN_CHECK)
        log.error("worker %d: the supervisor is gone; stopping", spec.index)
        uvicorn_server.should_exit = True
    threading.Thread(target=tell_ready, name="gongdan-ready", daemon=True).start()
    threading.Thread(target=orphaned, name="gongdan-orphaned", daemon=True).start()
    uvicorn_server.run(sockets=[spec.sock])


@dataclass
class _Worker:
    """The supervisor's view of one worker process."""

    spec: WorkerSpec
    process: BaseProcess
    started: float
    ready: Connection
    was_ready: bool = False
    backoff: float = FIRST_BACKOFF
    restart_at: float | None = None


class Supervisor:
    """Starts, watches and stops the workers; see the module's docstring."""

    def __init__(self, options: Options, channels_file: Path | None, host: str, port: int,
                 channels: ChannelsFactory | None = None) -> None:
        self.options, self.channels_file, self.channels = options, channels_file, channels
        # created and migrated once, here: workers opening a new SQLite file at once race
        # to switch it to WAL, which SQLite refuses to one of them without waiting
        open_store(options.store_url).close()
        self.socks = listening_sockets(host, port, options.workers)
        self.port: int = self.socks[0].getsockname()[1]
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._stopping = False
        self._served = False      # some worker got ready: later failures are retried, not fatal
        self.exit_code = 0

    def run(self, announce: Callable[[int], None] | None = None) -> int:
        """Serve until SIGTERM/SIGINT (or a worker that never got ready); the exit code."""
        logging.basicConfig(level=logging.INFO, format="%(levelname)s: [supervisor] %(message)s")
        metrics_dir = tempfile.mkdtemp(prefix="gongdan-metrics-")
        os.environ[METRICS_DIR] = metrics_dir
        os.environ[SUPERVISOR] = str(os.getpid())
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            self._workers = [self._start(i) for i in range(len(self.socks))]
            if announce is not None:
                announce(self.port)
            while self._workers:
                self._step()
        finally:
            for sock in self.socks:
                sock.close()
            os.environ.pop(METRICS_DIR, None)
            os.environ.pop(SUPERVISOR, None)
            shutil.rmtree(metrics_dir, ignore_errors=True)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
        return self.exit_code

    def _start(self, index: int) -> _Worker:
        name = self.options.replica or f"{socket.gethostname()}-{os.getpid()}"
        receive, send = self._context.Pipe(duplex=False)
        options = replace(self.options, replica=name, worker=index, supervisor=os.getpid())
        spec = WorkerSpec(index, options, self.channels_file, self.socks[index], send, self.channels)
        process = self._context.Process(target=run_worker, args=(spec,), name=f"gongdan-worker-{index}")
        process.start()
        # multiprocessing's resource tracker, started with the first worker, unblocks
        # SIGINT and SIGTERM once it is up: block them again, for sigtimedwait
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        send.close()
        return _Worker(spec, process, time.monotonic(), receive)

    def _step(self) -> None:
        """Wait for a signal (or a second) and act on it and on the workers' states."""
        info = signal.sigtimedwait(SIGNALS, 1.0)
        if info is not None:
            self._signalled(info.si_signo, info.si_pid)
        self._watch()

    def _signalled(self, signo: int, sender: int) -> None:
        if signo in (signal.SIGTERM, signal.SIGINT) and not self._stopping:
            self._stop()
        elif signo == signal.SIGHUP:
            self._pass(signal.SIGHUP, None)
        elif signo == signal.SIGUSR2:     # a worker reloaded: the others do too
            self._pass(signal.SIGHUP, sender)
        elif signo == signal.SIGUSR1:     # a worker's mode override changed: the others read it
            self._pass(signal.SIGUSR1, sender)

    def _pass(self, signo: int, sender: int | None) -> None:
        for worker in self._workers:
            pid = worker.process.pid
            if pid is not None and pid != sender and worker.process.is_alive():
                os.kill(pid, signo)

    def _stop(self) -> None:
        self._stopping = True
        self._pass(signal.SIGTERM, None)
        deadline = time.monotonic() + STOP_GRACE
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                log.error("worker %d did not stop in %gs: killed", worker.spec.index, STOP_GRACE)
                worker.process.kill()
                worker.process.join()
        self._workers = []

    def _watch(self) -> None:
        """Note readiness; restart a worker that died (or stop all if it never got ready)."""
        now = time.monotonic()
        for i, worker in enumerate(self._workers):
            if worker.restart_at is not None:   # dead, its pipe closed: started again when due
                if now >= worker.restart_at:
                    self._workers[i] = replace(self._start(worker.spec.index), backoff=worker.backoff)
                continue
            if not worker.was_ready and worker.ready.poll():
                with contextlib.suppress(EOFError):   # it exited before it was ready: seen below
                    worker.was_ready = self._served = bool(worker.ready.recv())
            if worker.process.is_alive():
                continue
            self._died(worker, now)
            if self._stopping:
                return

    def _died(self, worker: _Worker, now: float) -> None:
        from prometheus_client import multiprocess
        code = worker.process.exitcode
        if worker.process.pid is not None:
            multiprocess.mark_process_dead(worker.process.pid, os.environ[METRICS_DIR])  # type: ignore[no-untyped-call]
        worker.ready.close()
        if not self._served and code is not None and code > 0:
            # its own failure before any worker ever served (a broken config, a store it
            # cannot open): the others will fail the same way
            log.error("worker %d exited with %s before it was ready: stopping", worker.spec.index, code)
            self.exit_code = 1
            self._stop()
            return
        young = now - worker.started < YOUNG
        worker.backoff = min(MAX_BACKOFF, worker.backoff * 2) if young else FIRST_BACKOFF
        worker.restart_at = now + worker.backoff
        log.error("worker %d exited with %s; starting it again in %gs", worker.spec.index, code, worker.backoff)
