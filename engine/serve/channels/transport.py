"""HTTP for the channels: an httpx client bounded in every phase, a request that answers a
retryable failure instead of raising for timeouts and broken connections, and Retry-After."""
from __future__ import annotations

import email.utils
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from engine.serve.channels.base import SendResult
from engine.serve.channels.results import permanent, retry

USER_AGENT = "gongdan"
DEFAULT_TIMEOUT_S = 10.0      # seconds for each phase of a request unless the channels file says


def http_client() -> httpx.Client:
    """One client per channel, shared by the outbox's worker threads (httpx clients are
    thread-safe). Each request passes its own timeout. Redirects are not followed: a receiver
    that moves is a change to the channels file, not something to follow silently."""
    return httpx.Client(follow_redirects=False, headers={"user-agent": USER_AGENT})


def bounded(timeout_s: float) -> httpx.Timeout:
    """The same bound on connect, write, read and the wait for a pooled connection."""
    return httpx.Timeout(timeout_s)


def request(client: httpx.Client, method: str, url: str, *, label: str, timeout_s: float,
            **options: Any) -> httpx.Response | SendResult:
    """The response, or a retryable failure standing in for one. Errors name the exception,
    never the URL, which may carry a token."""
    try:
        return client.request(method, url, timeout=bounded(timeout_s), **options)
    except httpx.TimeoutException as exc:
        return retry(f"{label}: timed out ({type(exc).__name__})")
    except httpx.HTTPError as exc:
        return retry(f"{label}: {type(exc).__name__}: {exc}")


def retry_after(headers: Mapping[str, str], now: Callable[[], float]) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date), if any."""
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:          # "-0000": a date whose zone the sender did not know
        return None
    return max(0.0, when.timestamp() - now())


def status_failure(response: httpx.Response, label: str,
                   now: Callable[[], float]) -> SendResult | None:
    """None for a 2xx answer; else a failure: retried for 408, 429 and 5xx (honouring
    Retry-After), permanent for any other status (redirects included: they are not followed)."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    if status in (408, 429) or status >= 500:
        return retry(f"{label}: HTTP {status}", retry_after(response.headers, now))
    return permanent(f"{label}: HTTP {status}")
