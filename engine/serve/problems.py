"""RFC 9457 problem details: every error the service answers, as one exception type that
any layer may raise and the API renders as application/problem+json."""
from __future__ import annotations

from typing import Any

BASE = "https://gongdan.dev/problems/"

TITLES = {
    "invalid-json": "Request body is not valid JSON",
    "invalid-event": "Event refused by the engine",
    "unknown-ticket": "Unknown ticket",
    "event-conflict": "Event conflicts with the ticket's state",
    "payload-too-large": "Request body too large",
    "unsupported-media-type": "Content-Type must be application/json",
    "unauthorized": "Missing or wrong bearer token",
    "forbidden": "Only loopback clients are accepted without tokens",
    "idempotency-key-reused": "Idempotency-Key reused with a different request",
    "idempotency-in-flight": "A request with this Idempotency-Key is still being processed",
    "unknown-team": "Unknown team",
    "invalid-parameter": "Invalid parameter",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "not-replay-clock": "The service runs on the wall clock",
    "unavailable": "Service unavailable",
    "overloaded": "Too many events queued: retry after the time given",
}


class Problem(Exception):
    """An error answer: status, a type slug from TITLES, a detail, and the bad field."""

    def __init__(self, status: int, slug: str, detail: str, field: str | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.field = field
        self.retry_after = retry_after     # seconds, sent as the Retry-After header

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": BASE + self.slug, "title": TITLES[self.slug],
                               "status": self.status, "detail": self.detail}
        if self.field is not None:
            out["field"] = self.field
        return out
