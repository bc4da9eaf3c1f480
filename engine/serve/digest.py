"""Merging deliveries for one rate-limited endpoint into one message.

A stand-in with the signature of the channels branch's
`engine.serve.channels.digest.digest(deliveries, *, id)` (DingTalk markdown, bounded in
bytes, @mentions merged): when that lands, the outbox's import switches to it and this
module goes.
"""
from __future__ import annotations

from collections.abc import Sequence

from engine.serve.channels.base import Delivery


def digest(deliveries: Sequence[Delivery], *, id: str) -> Delivery:
    """One delivery with the given `id` listing every subject in order;
    `notification.digest_of` lists the ids it stands for (for dedup downstream)."""
    first = deliveries[0]
    return Delivery(id=id, key=f"digest/{id}", ticket="", channel=first.channel, to=dict(first.to),
                    subject=f"{len(deliveries)} notifications",
                    body="\n".join(f"- {d.subject}" for d in deliveries),
                    notification={"kind": "digest", "digest_of": [d.id for d in deliveries]},
                    attempt=max(d.attempt for d in deliveries))
