"""What the outbox hands a channel and what a channel answers (Alertmanager's notifier
shape: `send(notification) -> (retry, error)`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to send: an outbox row as the channel sees it.

    `id` is the stable delivery id (the same on every attempt of this row); a channel sends
    it downstream wherever the receiver can dedupe on it (a webhook header, the email
    Message-ID, the text of a DingTalk work notification).
    """

    id: str
    key: str                      # the notification key: ticket, clock, step, level, channel, recipient
    ticket: str
    channel: str                  # dingtalk | dingtalk_group | email | sms | phone | webhook | file
    to: dict[str, Any]            # {"person": id, "address": str | None} or {"group": endpoint}
    subject: str
    body: str
    notification: dict[str, Any] = field(default_factory=dict)   # the decision's notification
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class SendResult:
    """A channel's answer. Not `ok` and not `retry`: a permanent failure (reported, not
    retried). `retry_after`: seconds the receiver asked to wait (throttling)."""

    ok: bool
    retry: bool = False
    error: str | None = None
    retry_after: float | None = None


class Channel(Protocol):
    """A configured channel. `send` never raises for a delivery problem: it answers."""

    name: str

    def send(self, delivery: Delivery) -> SendResult: ...
