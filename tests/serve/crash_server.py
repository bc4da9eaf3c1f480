"""A `gongdan serve` process for the crash test: the command's own `run()`, with a channel
per name that appends each delivery it accepts to a file (fsynced before it answers, as a
receiver that has the message would), so what was delivered survives a SIGKILL.

usage: python crash_server.py CONFIG_DIR DB_PATH|STORE_URL DELIVERIES_FILE
                              [LEASE_SECONDS [REPLICA [SEND_SECONDS [CLOCK [WORKERS]]]]]

A STORE_URL (postgresql://...) runs the process as one replica of several on that database;
SEND_SECONDS makes each send take that long after it is recorded (a receiver slow to answer),
so that a kill often lands between a send and its outcome being stored. CLOCK is `replay`
(the default) or `wall` (the scheduler fires due steps). WORKERS above 1 runs the
service as `gongdan serve --workers N` does (a supervisor and N worker processes, each
with its own recorders appending to the one file).
"""
from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from engine.serve.app import run
from engine.serve.channels.base import Delivery, SendResult
from engine.serve.outbox import RetryPolicy
from engine.serve.service import Options, Service
from engine.serve.workers import Supervisor


class FileRecorder:
    """Appends {id, attempt} for every delivery (each member of a digest)."""

    def __init__(self, name: str, path: Path, lock: threading.Lock, slow: float = 0.0) -> None:
        self.name, self.path, self.lock, self.slow = name, path, lock, slow

    def send(self, delivery: Delivery) -> SendResult:
        ids = delivery.notification.get("digest_of") or [delivery.id]
        line = "".join(json.dumps({"id": i, "attempt": delivery.attempt}) + "\n" for i in ids)
        with self.lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        time.sleep(self.slow)
        return SendResult(ok=True)


def recorders(out: str, slow: float) -> dict[str, Any]:
    """A recorder per channel name, appending to `out` (each process makes its own)."""
    lock = threading.Lock()
    return {n: FileRecorder(n, Path(out), lock, slow) for n in ("dingtalk", "dingtalk_group", "email", "sms", "phone")}


def main() -> None:
    config, db, out = sys.argv[1:4]
    lease = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
    replica = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
    slow = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
    clock = sys.argv[7] if len(sys.argv) > 7 else "replay"
    workers = int(sys.argv[8]) if len(sys.argv) > 8 else 1
    # a robot budget the test never reaches: waiting for the next minute is tested elsewhere
    retry = RetryPolicy(budgets={"dingtalk_group": 10_000}, lease=lease)
    options = Options(config_dir=Path(config), store_url=db if "://" in db else f"sqlite:///{db}", clock=clock,
                      outbox_workers=2, retry=retry, replica=replica, workers=workers)
    if workers > 1:
        supervisor = Supervisor(options, None, "127.0.0.1", 0, channels=functools.partial(recorders, out, slow))
        sys.exit(supervisor.run(lambda port: print(f"http://127.0.0.1:{port}", flush=True)))
    run(Service(options, recorders(out, slow)), "127.0.0.1:0", lambda url: print(url, flush=True))


if __name__ == "__main__":
    main()
