"""The three answers a channel gives (delivered, try again, give up), so every channel words
them alike and none builds a `SendResult` by hand."""
from __future__ import annotations

from engine.serve.channels.base import SendResult

ERROR_TEXT_LIMIT = 300     # characters of a receiver's own error text kept in a result

DELIVERED = SendResult(ok=True)


def retry(error: str, after: float | None = None) -> SendResult:
    """A failure worth another attempt; `after`: seconds the receiver asked us to wait."""
    return SendResult(ok=False, retry=True, error=error, retry_after=after)


def permanent(error: str) -> SendResult:
    """A failure no retry can fix (a refused recipient, a configuration the receiver rejects)."""
    return SendResult(ok=False, retry=False, error=error)


def clip(text: str) -> str:
    """A receiver's error text on one line and bounded, fit for a log line or a database column."""
    one_line = " ".join(text.split())
    if len(one_line) <= ERROR_TEXT_LIMIT:
        return one_line
    return one_line[:ERROR_TEXT_LIMIT - 1] + "…"
