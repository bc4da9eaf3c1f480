"""A template preview for config authors (`gongdan render`): the exact text one message
renders to, its length against the channel's limit, and what a bound cut off."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Template

from engine.notify.channels import SMS_LIMIT, SUBJECTLESS
from engine.notify.render import TRUNCATED, Renderer, render_template
from engine.notify.sandbox import MAX_OUTPUT

# The limits a channel puts on a message's body, in characters (every block of every
# channel is also bounded to MAX_OUTPUT characters when it renders).
CHANNEL_LIMITS = {"sms": SMS_LIMIT}


@dataclass(frozen=True, slots=True)
class Cut:
    """What the block bound (MAX_OUTPUT) left out of one block."""

    block: str          # subject | body
    text: str


@dataclass(frozen=True, slots=True)
class Preview:
    """One message as it goes out, with what its limits did to it."""

    template: str       # the file that rendered it (`default:zh/breach.sms.j2` for a default)
    channel: str
    subject: str
    body: str
    cuts: tuple[Cut, ...]

    @property
    def limit(self) -> int:
        """The body's limit on this channel, in characters."""
        return CHANNEL_LIMITS.get(self.channel, MAX_OUTPUT)

    @property
    def over(self) -> str:
        """The end of a body past the channel's limit (what a carrier would split or drop)."""
        return self.body[self.limit:] if len(self.body) > self.limit else ""

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.template, "channel": self.channel, "subject": self.subject,
                "body": self.body, "length": len(self.body), "limit": self.limit, "over": self.over,
                "cut": [{"block": c.block, "text": c.text} for c in self.cuts]}


def preview(renderer: Renderer, kind: str, channel: str, context: Mapping[str, Any], category: str,
            *, default: bool = False) -> Preview:
    """The message `kind` on `channel` for a ticket of `category` (or the locale's default
    template with `default=True`): rendered as it is sent, and rendered once more without
    the block bound to show what that bound cut."""
    name, template = renderer.default(kind, channel) if default else renderer.choose(kind, channel, category)
    marker = TRUNCATED[renderer.locale]
    subject, body = render_template(template, channel, context, marker)
    cuts = tuple(cut for cut in (_cut(template, "subject", channel, context, subject, marker),
                                 _cut(template, "body", channel, context, body, marker)) if cut is not None)
    return Preview(name, channel, subject, body, cuts)


def _cut(template: Template, block: str, channel: str, context: Mapping[str, Any], sent: str,
         marker: str) -> Cut | None:
    """What the bound left out of `block`, if its sent text ends with the marker."""
    if not sent.endswith(marker):
        return None
    kept = sent.removesuffix(marker).rstrip()
    ctx = template.new_context(dict(context))
    render = template.blocks.get(block)
    full = "".join(render(ctx) if render is not None else template.root_render_func(ctx)).strip()
    if channel in SUBJECTLESS or block == "subject":
        full = " ".join(full.split())
    return Cut(block, full[len(kept):].strip() if full.startswith(kept) else full)
