"""An in-process recording channel: keeps what it was sent, and can be told to fail the
next N sends (transiently or for good) or to answer retry_after. A real Channel, for
tests and local runs."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from engine.serve.channels.base import Delivery, SendResult


@dataclass
class MemoryChannel:
    """Records every delivery it accepts in `sent`, every attempt in `attempts`."""

    name: str
    sent: list[Delivery] = field(default_factory=list)
    attempts: list[Delivery] = field(default_factory=list)
    fail_next: int = 0                 # this many sends fail ...
    permanent: bool = False            # ... for good (not retried), else transiently
    retry_after: float | None = None   # what a transient failure asks to wait
    error: str = "simulated failure"
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, delivery: Delivery) -> SendResult:
        with self._lock:
            self.attempts.append(delivery)
            if self.fail_next > 0:
                self.fail_next -= 1
                return SendResult(ok=False, retry=not self.permanent, error=self.error,
                                  retry_after=self.retry_after)
            self.sent.append(delivery)
            return SendResult(ok=True)

    def fail(self, times: int, *, permanent: bool = False, retry_after: float | None = None) -> None:
        """Fail the next `times` sends."""
        with self._lock:
            self.fail_next, self.permanent, self.retry_after = times, permanent, retry_after


def memory_channels(*names: str) -> dict[str, MemoryChannel]:
    """One recording channel per name (default: every channel a decision may name)."""
    return {n: MemoryChannel(n) for n in names or ("dingtalk", "dingtalk_group", "email", "sms", "phone")}
