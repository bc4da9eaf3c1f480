"""A JSONL sink (`file`): one line per delivery, appended, flushed and fsynced before `send`
answers, for audit trails and for tests that read what would have been sent."""
from __future__ import annotations

import fcntl
import json
import os
import threading
from pathlib import Path

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.results import DELIVERED, permanent, retry

FILE_MODE = 0o600      # bodies name people and tickets: readable by the service's user only


def line(delivery: Delivery) -> bytes:
    """The delivery as one JSON line (UTF-8, compact, fields in a fixed order)."""
    record = {"id": delivery.id, "key": delivery.key, "ticket": delivery.ticket,
              "channel": delivery.channel, "to": delivery.to, "subject": delivery.subject,
              "body": delivery.body}
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


class FileSink:
    """The `file` channel. Threads and processes (the workers of `serve --workers N`)
    append one at a time: a thread lock, and an flock on the file."""

    name = "file"
    __slots__ = ("_lock", "_path")

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        """The file appended to."""
        return self._path

    def send(self, delivery: Delivery) -> SendResult:
        """Append the delivery's line; a failed write (disk full) is retried."""
        try:
            data = line(delivery)
        except (TypeError, ValueError) as exc:     # a value JSON cannot hold
            return permanent(f"file: cannot encode the delivery: {exc}")
        try:
            with self._lock:
                _append(self._path, data)
        except OSError as exc:
            return retry(f"file: {type(exc).__name__}: {exc}")
        return DELIVERED

    def close(self) -> None:
        """Nothing to close: the file is opened for each line."""


def _append(path: Path, data: bytes) -> None:
    """Write all of `data` at the end and fsync; on failure the file is cut back to where it
    was, so a retry does not follow half a line. Opened per line, so log rotation just works."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)   # released with the close; another process's line waits
        start = os.fstat(fd).st_size
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, start)
            raise
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
