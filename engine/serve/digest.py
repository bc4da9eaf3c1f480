"""Merging deliveries for one rate-limited endpoint into one message.

A stand-in until the channels branch lands its `digest(deliveries)` (DingTalk markdown):
the outbox calls this one name, so only the import changes then.
"""
from __future__ import annotations

from collections.abc import Sequence

from engine.serve.channels.base import Delivery
from engine.serve.keys import sha256_hex


def digest(deliveries: Sequence[Delivery]) -> Delivery:
    """One delivery listing every subject; its id is derived from the members' ids, and
    its `notification` lists each member's delivery id and key (for dedup downstream)."""
    first = deliveries[0]
    ids = sorted(d.id for d in deliveries)
    lines = [f"- {d.subject}" for d in deliveries]
    digest_id = "digest-" + sha256_hex("|".join(ids))[:32]
    return Delivery(id=digest_id, key="digest|" + "|".join(ids),
                    ticket=first.ticket, channel=first.channel, to=dict(first.to),
                    subject=f"{len(deliveries)} notifications", body="\n".join(lines),
                    notification={"digest": [{"id": d.id, "key": d.key} for d in deliveries]},
                    attempt=max(d.attempt for d in deliveries))
