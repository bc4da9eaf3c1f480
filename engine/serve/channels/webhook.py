"""Signed webhooks in the Standard Webhooks style (`webhook`, and `sms` and `phone` through a
bridge that texts or calls): a JSON body, `webhook-id`/`-timestamp`/`-signature` headers, and
`verify` for receivers."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.results import DELIVERED, permanent
from engine.serve.channels.transport import (
    DEFAULT_TIMEOUT_S,
    http_client,
    request,
    status_failure,
)

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_S = 300.0
ADDRESSED = frozenset({"sms", "phone"})      # channels whose receiver needs a phone number
HEADER_TOKEN = re.compile(r"[!-~]+")         # visible ASCII: what a webhook-id header can carry


class WebhookVerificationError(ValueError):
    """A request `verify` does not accept; the message says why."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A receiver: its URL (which may carry a token) and signing key are never shown."""

    url: str = field(repr=False)
    secret: bytes = field(repr=False)
    timeout_s: float = DEFAULT_TIMEOUT_S


def secret_bytes(secret: str) -> bytes:
    """The signing key: `whsec_<base64>` decoded, any other text as its UTF-8 bytes. Raises
    ValueError for a `whsec_` secret without a base64 key after the prefix."""
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode()
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except binascii.Error:
        key = b""
    if not key:
        raise ValueError("a whsec_ secret needs a base64 key after the prefix")
    return key


def signature(secret: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,` and base64(HMAC-SHA256(key=secret, msg="{id}.{timestamp}.{body}"))."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(secret, signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(mac).decode()}"


def payload(delivery: Delivery) -> bytes:
    """The JSON body, UTF-8, compact: what is signed is exactly what is sent."""
    document = {"id": delivery.id, "ticket": delivery.ticket, "channel": delivery.channel,
                "to": delivery.to, "subject": delivery.subject, "body": delivery.body,
                "notification": delivery.notification}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def headers(secret: bytes, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The request headers of one attempt."""
    return {"content-type": "application/json", "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, msg_id, timestamp, body)}


def verify(secret: str | bytes, request_headers: Mapping[str, str], body: bytes,
           tolerance_s: float = DEFAULT_TOLERANCE_S, now: float | None = None) -> None:
    """Accept a signed request or raise WebhookVerificationError: the three headers present,
    the timestamp within `tolerance_s` of `now` (replays), and one `v1` signature matching."""
    key = secret_bytes(secret) if isinstance(secret, str) else secret
    lowered = {name.lower(): value for name, value in request_headers.items()}
    msg_id, stamp, signatures = (_header(lowered, name) for name in
                                 ("webhook-id", "webhook-timestamp", "webhook-signature"))
    timestamp = _timestamp(stamp, time.time() if now is None else now, tolerance_s)
    expected = signature(key, msg_id, timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in signatures.split()):
        raise WebhookVerificationError("no webhook-signature matches the body")


class WebhookChannel:
    """A channel that posts each delivery to one signed webhook. `sms` and `phone` refuse a
    delivery without an address (the bridge needs a number); `webhook` sends whatever comes."""

    __slots__ = ("_client", "_endpoint", "_now", "name")

    def __init__(self, name: str, endpoint: Endpoint, *,
                 now: Callable[[], float] = time.time) -> None:
        self.name = name
        self._endpoint = endpoint
        self._client = http_client()
        self._now = now

    @property
    def endpoint(self) -> Endpoint:
        """The receiver as configured."""
        return self._endpoint

    def send(self, delivery: Delivery) -> SendResult:
        """Post the signed delivery: 2xx delivered; 408, 429, 5xx and network failures retried
        (after Retry-After when given); any other status permanent."""
        if self.name in ADDRESSED and not delivery.to.get("address"):
            person = delivery.to.get("person")
            return permanent(f"{self.name}: person {person!r} has no phone number")
        if not HEADER_TOKEN.fullmatch(delivery.id):
            return permanent(f"{self.name}: delivery id {delivery.id!r} cannot be a webhook-id")
        try:
            body = payload(delivery)
        except (TypeError, ValueError) as exc:     # a notification value JSON cannot hold
            return permanent(f"{self.name}: cannot encode the delivery: {exc}")
        timestamp = int(self._now())
        got = request(self._client, "POST", self._endpoint.url, label=self.name,
                      timeout_s=self._endpoint.timeout_s, content=body,
                      headers=headers(self._endpoint.secret, delivery.id, timestamp, body))
        if isinstance(got, SendResult):
            return got
        return status_failure(got, self.name, self._now) or DELIVERED

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()


def _header(lowered: Mapping[str, str], name: str) -> str:
    value = lowered.get(name)
    if not value:
        raise WebhookVerificationError(f"missing header {name}")
    return value


def _timestamp(value: str, now: float, tolerance_s: float) -> int:
    if not (value.isascii() and value.isdigit()):
        raise WebhookVerificationError("webhook-timestamp is not whole seconds")
    timestamp = int(value)
    if abs(now - timestamp) > tolerance_s:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance")
    return timestamp
