"""A burst to one DingTalk group robot merged into one message (the outbox's answer to the
robot's 20 messages a minute): a title with the count, one line per item, bounded in bytes."""
from __future__ import annotations

from collections.abc import Sequence

from engine.serve.channels.base import Delivery
from engine.serve.channels.markdown import (
    MARKDOWN_LIMIT_BYTES,
    Mentions,
    fit,
    one_line,
    utf8_len,
)

ITEM_LIMIT_BYTES = 500     # one subject line; a longer one is cut so that others still fit


def digest(deliveries: Sequence[Delivery], *, id: str,
           limit: int = MARKDOWN_LIMIT_BYTES) -> Delivery:
    """One `dingtalk_group` delivery standing for `deliveries` (all to the same group): the
    title counts them all, the text lists each subject in order until `limit` bytes (after
    the @mentions of them all) and says how many more there are. `id` is the outbox's id for
    the digest; `notification.digest_of` lists the ids it stands for."""
    group = _one_group(deliveries)
    mentions = Mentions.merged([Mentions.of(d.notification) for d in deliveries])
    title = digest_title(len(deliveries))
    budget = limit - utf8_len(mentions.suffix(""))
    text = digest_text(title, [d.subject for d in deliveries], budget)
    notification = {"kind": "digest", "digest_of": [d.id for d in deliveries],
                    "mention": list(mentions.user_ids), "mention_mobiles": list(mentions.mobiles)}
    return Delivery(id=id, key=f"digest/{id}", ticket="", channel="dingtalk_group",
                    to={"group": group}, subject=title, body=text, notification=notification)


def digest_title(count: int) -> str:
    """`Gongdan: 7 notifications`."""
    return f"Gongdan: {count} notification{'' if count == 1 else 's'}"


def digest_text(title: str, subjects: Sequence[str], budget: int) -> str:
    """A heading and one list item per subject, the items that do not fit in `budget` bytes
    replaced by `- …and N more`."""
    head = f"#### {title}"
    items = [f"- {fit(one_line(subject), ITEM_LIMIT_BYTES, '…')}" for subject in subjects]
    kept = _fitting(head, items, budget)
    more = [] if kept == len(items) else [_more(len(items) - kept)]
    return "\n".join([head, *items[:kept], *more])


def _fitting(head: str, items: Sequence[str], budget: int) -> int:
    """How many items (from the first) fit after `head`, leaving room for the `more` line
    when some do not."""
    sizes = [utf8_len(item) + 1 for item in items]        # +1: the line break before it
    size = utf8_len(head)
    if size + sum(sizes) <= budget:
        return len(items)
    kept = 0
    for item_size in sizes:
        left_out = len(items) - kept - 1
        if size + item_size + utf8_len(_more(left_out)) + 1 > budget:
            break
        size += item_size
        kept += 1
    return kept


def _more(count: int) -> str:
    return f"- …and {count} more"


def _one_group(deliveries: Sequence[Delivery]) -> str:
    if not deliveries:
        raise ValueError("a digest needs at least one delivery")
    groups = {d.to.get("group") if d.channel == "dingtalk_group" else None for d in deliveries}
    group = groups.pop()
    if groups or not isinstance(group, str) or not group:
        raise ValueError("a digest merges dingtalk_group deliveries to one group endpoint")
    return group
