"""Signed webhooks (and sms and phone through them) against a loopback receiver that verifies
each request with `verify`; the Standard Webhooks test vector; statuses and Retry-After."""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import pytest

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.webhook import (
    Endpoint,
    WebhookChannel,
    WebhookVerificationError,
    secret_bytes,
    signature,
    verify,
)

from .receivers import Answer, Receiver, Reply, Request

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = 1_700_000_000.75
SPEC_ID, SPEC_TIMESTAMP = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

Start = Callable[[Answer], Receiver]


def delivery(**changes: Any) -> Delivery:
    fields: dict[str, Any] = {
        "id": "d-7", "key": "T-1/resolve/1/0/sms/alice", "ticket": "T-1", "channel": "sms",
        "to": {"person": "alice", "address": "+8613878886881"}, "subject": "",
        "body": "[P1] T-1 解决超时", "notification": {"kind": "breach", "clock": "resolve"}}
    return Delivery(**{**fields, **changes})


def verifying(secret: str, status: int = 204) -> Answer:
    """A receiver that answers 401 to a request `verify` refuses, else `status`."""
    def answer(request: Request) -> Reply:
        try:
            verify(secret, request.headers, request.body, now=NOW)
        except WebhookVerificationError as exc:
            return Reply(401, str(exc).encode())
        return Reply(status)
    return answer


def send(url: str, item: Delivery, name: str = "sms", secret: str = SECRET,
         timeout_s: float = 2.0) -> SendResult:
    hook = WebhookChannel(name, Endpoint(url + "/send", secret_bytes(secret), timeout_s),
                          now=lambda: NOW)
    try:
        return hook.send(item)
    finally:
        hook.close()


def test_the_signature_matches_the_standard_webhooks_test_vector() -> None:
    assert signature(secret_bytes(SECRET), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE
    headers = {"Webhook-Id": SPEC_ID, "Webhook-Timestamp": str(SPEC_TIMESTAMP),
               "Webhook-Signature": SPEC_SIGNATURE}
    verify(SECRET, headers, SPEC_BODY, now=SPEC_TIMESTAMP + 10)       # raises if refused


@pytest.mark.parametrize("secret", [pytest.param(SECRET, id="whsec-base64"),
                                    pytest.param("plain secret text", id="plain-text")])
def test_a_delivery_is_posted_signed_with_its_json(receiver: Start, secret: str) -> None:
    bridge = receiver(verifying(secret))
    assert send(bridge.url, delivery(), secret=secret) == SendResult(ok=True)
    [request] = bridge.requests
    body = ('{"id":"d-7","ticket":"T-1","channel":"sms","to":{"person":"alice",'
            '"address":"+8613878886881"},"subject":"","body":"[P1] T-1 解决超时",'
            '"notification":{"kind":"breach","clock":"resolve"}}').encode()
    key = base64.b64decode(SECRET[6:]) if secret.startswith("whsec_") else secret.encode()
    mac = hmac.new(key, b"d-7.1700000000." + body, hashlib.sha256).digest()
    assert (request.method, request.path, request.body) == ("POST", "/send", body)
    assert {name: request.headers[name] for name in
            ("content-type", "webhook-id", "webhook-timestamp", "webhook-signature")} == {
        "content-type": "application/json", "webhook-id": "d-7",
        "webhook-timestamp": "1700000000",
        "webhook-signature": "v1," + base64.b64encode(mac).decode()}


def test_a_retry_is_signed_with_the_same_id(receiver: Start) -> None:
    bridge = receiver(verifying(SECRET))
    for attempt in (1, 2):
        assert send(bridge.url, delivery(attempt=attempt)) == SendResult(ok=True)
    assert [r.headers["webhook-id"] for r in bridge.requests] == ["d-7", "d-7"]


def signed(**changes: str) -> dict[str, str]:
    headers = {"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TIMESTAMP),
               "webhook-signature": SPEC_SIGNATURE}
    return {**headers, **changes}


@pytest.mark.parametrize(("headers", "body", "now", "error"), [
    pytest.param(signed(), b'{"test": 2432232315}', SPEC_TIMESTAMP,
                 "no webhook-signature matches the body", id="tampered-body"),
    pytest.param(signed(**{"webhook-id": "msg_other"}), SPEC_BODY, SPEC_TIMESTAMP,
                 "no webhook-signature matches the body", id="other-id"),
    pytest.param(signed(**{"webhook-signature": SPEC_SIGNATURE.replace("v1,", "v2,")}), SPEC_BODY,
                 SPEC_TIMESTAMP, "no webhook-signature matches the body", id="unknown-version"),
    pytest.param(signed(**{"webhook-timestamp": str(SPEC_TIMESTAMP + 1)}), SPEC_BODY,
                 SPEC_TIMESTAMP, "no webhook-signature matches the body", id="timestamp-moved"),
    pytest.param(signed(), SPEC_BODY, SPEC_TIMESTAMP + 301,
                 "webhook-timestamp is outside the tolerance", id="too-old"),
    pytest.param(signed(), SPEC_BODY, SPEC_TIMESTAMP - 301,
                 "webhook-timestamp is outside the tolerance", id="from-the-future"),
    pytest.param(signed(**{"webhook-timestamp": "1614265330.0"}), SPEC_BODY, SPEC_TIMESTAMP,
                 "webhook-timestamp is not whole seconds", id="not-whole-seconds"),
    pytest.param({"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TIMESTAMP)}, SPEC_BODY,
                 SPEC_TIMESTAMP, "missing header webhook-signature", id="unsigned"),
])
def test_verify_refuses(headers: dict[str, str], body: bytes, now: float, error: str) -> None:
    with pytest.raises(WebhookVerificationError) as refused:
        verify(SECRET, headers, body, now=now)
    assert str(refused.value) == error


def test_verify_accepts_any_one_matching_signature_during_a_key_rotation() -> None:
    headers = signed(**{"webhook-signature": f"v1,bm90IHRoaXMgb25l {SPEC_SIGNATURE}"})
    verify(SECRET, headers, SPEC_BODY, now=SPEC_TIMESTAMP + 300)      # raises if refused


def test_a_receiver_with_another_secret_refuses_for_good(receiver: Start) -> None:
    bridge = receiver(verifying("whsec_" + base64.b64encode(b"another key").decode()))
    assert send(bridge.url, delivery()) == SendResult(ok=False, retry=False, error="sms: HTTP 401")


@pytest.mark.parametrize(("reply", "timeout_s", "expected"), [
    pytest.param(Reply(200), 2.0, SendResult(ok=True), id="200"),
    pytest.param(Reply(202), 2.0, SendResult(ok=True), id="202"),
    pytest.param(Reply(429, headers=(("retry-after", "30"),)), 2.0,
                 SendResult(ok=False, retry=True, error="sms: HTTP 429", retry_after=30.0),
                 id="429-retry-after-seconds"),
    pytest.param(Reply(503, headers=(("retry-after", "Tue, 14 Nov 2023 22:15:00 GMT"),)), 2.0,
                 SendResult(ok=False, retry=True, error="sms: HTTP 503", retry_after=99.25),
                 id="503-retry-after-date"),
    pytest.param(Reply(503, headers=(("retry-after", "soon"),)), 2.0,
                 SendResult(ok=False, retry=True, error="sms: HTTP 503"), id="503-bad-retry-after"),
    pytest.param(Reply(500), 2.0, SendResult(ok=False, retry=True, error="sms: HTTP 500"),
                 id="500"),
    pytest.param(Reply(408), 2.0, SendResult(ok=False, retry=True, error="sms: HTTP 408"),
                 id="408"),
    pytest.param(Reply(400), 2.0, SendResult(ok=False, retry=False, error="sms: HTTP 400"),
                 id="400-permanent"),
    pytest.param(Reply(301, headers=(("location", "http://127.0.0.1:1/"),)), 2.0,
                 SendResult(ok=False, retry=False, error="sms: HTTP 301"),
                 id="redirect-not-followed"),
    pytest.param(Reply(slow=True), 0.2,
                 SendResult(ok=False, retry=True, error="sms: timed out (ReadTimeout)"), id="slow"),
])
def test_statuses(receiver: Start, reply: Reply, timeout_s: float, expected: SendResult) -> None:
    bridge = receiver(lambda request: reply)
    assert send(bridge.url, delivery(), timeout_s=timeout_s) == expected
    assert len(bridge.requests) == 1


@pytest.mark.parametrize(("name", "to", "expected"), [
    pytest.param("sms", {"person": "alice", "address": None},
                 SendResult(ok=False, retry=False, error="sms: person 'alice' has no phone number"),
                 id="sms-needs-a-number"),
    pytest.param("phone", {"person": "alice"},
                 SendResult(ok=False, retry=False,
                            error="phone: person 'alice' has no phone number"),
                 id="phone-needs-a-number"),
    pytest.param("webhook", {"group": "trade-order-robot"}, SendResult(ok=True),
                 id="webhook-takes-anything"),
])
def test_who_needs_an_address(receiver: Start, name: str, to: dict[str, Any],
                              expected: SendResult) -> None:
    bridge = receiver(verifying(SECRET))
    assert send(bridge.url, delivery(channel=name, to=to), name=name) == expected
    assert len(bridge.requests) == (1 if expected.ok else 0)


@pytest.mark.parametrize("bad_id", [pytest.param("d 1", id="space"),
                                    pytest.param("d-é", id="not-ascii"),
                                    pytest.param("d-1\nx: y", id="line-break")])
def test_an_id_that_cannot_be_a_header_is_refused_unsent(receiver: Start, bad_id: str) -> None:
    bridge = receiver(verifying(SECRET))
    assert send(bridge.url, delivery(id=bad_id)) == SendResult(
        ok=False, retry=False, error=f"sms: delivery id {bad_id!r} cannot be a webhook-id")
    assert bridge.requests == []


@pytest.mark.parametrize("secret", [pytest.param("whsec_not base64!", id="not-base64"),
                                    pytest.param("whsec_", id="empty")])
def test_a_whsec_secret_needs_a_base64_key(secret: str) -> None:
    with pytest.raises(ValueError) as refused:
        secret_bytes(secret)
    assert str(refused.value) == "a whsec_ secret needs a base64 key after the prefix"


def test_an_endpoint_shows_neither_url_nor_secret() -> None:
    assert repr(Endpoint("https://sms.example/send?token=t", b"k")) == "Endpoint(timeout_s=10.0)"
