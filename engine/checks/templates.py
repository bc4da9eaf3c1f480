"""Template checks: overrides parse, use documented variables, render a sample ticket, and
are used: a kind and channel some notification goes out on, a category prefix that exists."""
from __future__ import annotations

from collections.abc import Iterator

from engine.checks.common import warning
from engine.config.model import Config, StepDef
from engine.config.values import parse_percentage
from engine.diagnostics import Diagnostic, Span, suggest
from engine.notify.channels import CHANNEL_CONTACT, CHANNELS, FALLBACK_ORDER
from engine.notify.context import ticket_url_problem
from engine.notify.render import parse_name
from engine.notify.template_checks import check_templates

# Work notifications (assign, and the supervisors' notices) go out on DingTalk.
WORK_KINDS = ("assign", "acknowledged", "resolved")
_STEP_KINDS = frozenset({"remind", "breach", "escalate"})


def check_notifications(config: Config) -> Iterator[Diagnostic]:
    settings = config.notifications
    yield from check_templates(config.templates, settings.locale)
    problem = ticket_url_problem(settings.ticket_url) if settings.ticket_url else None
    if problem is not None:
        yield Diagnostic(config.span(settings.loc, "ticket_url"), "notify.ticket-url", problem)


def check_unused_templates(config: Config) -> Iterator[Diagnostic]:
    """`template.unused`: an override of a kind and channel no notification goes out on;
    `template.unknown-prefix`: a folder naming a category prefix no category has."""
    if not config.templates:
        return   # nothing to look at: what is sent walks every person's contacts
    sent = _sent(config)
    categories = [c.id for c in config.categories]
    for source in config.templates:
        parsed = parse_name(source.name)
        if parsed is None:
            continue   # template.name says why
        if (parsed.kind, parsed.channel) not in sent:
            yield warning(Span(source.name), "template.unused",
                          f"no {parsed.kind} notification goes out on {parsed.channel}: this override is never used",
                          _unused_hint(parsed.kind, parsed.channel))
        if parsed.prefix and not any(c == parsed.prefix or c.startswith(parsed.prefix + "/") for c in categories):
            yield warning(Span(source.name), "template.unknown-prefix",
                          f"no category is {parsed.prefix!r} or under it: this override is never used",
                          suggest(parsed.prefix, categories) or "a folder under templates/ names a category prefix")


def _unused_hint(kind: str, channel: str) -> str:
    if kind in WORK_KINDS:
        return f"{kind} notifications go out on dingtalk, or on a person's fallback channel when they have no DingTalk"
    return f"add {channel} to the `channels` of a step that sends {kind} notifications"


def _sent(config: Config) -> set[tuple[str, str]]:
    """(kind, channel) of every notification the policies and work notifications can send,
    a person's fallback channel (a contact they lack) included."""
    fallbacks = _fallbacks(config)
    sent = {(kind, channel) for kind in WORK_KINDS for channel in ("dingtalk", *fallbacks.get("dingtalk", ()))}
    supervised = any(team.supervise_transfers for team in config.teams)
    for policy in config.policies.values():
        for steps in (policy.response, policy.resolve):
            for step, kinds in zip(steps, _step_kinds(steps), strict=True):
                for channel in step.channels:
                    sent |= {(kind, c) for kind in kinds for c in (channel, *fallbacks.get(channel, ()))}
                if "breach" in kinds and supervised:   # supervisors hear of a breach on DingTalk
                    sent |= {("breach", c) for c in ("dingtalk", *fallbacks.get("dingtalk", ()))}
    return sent


def _step_kinds(steps: tuple[StepDef, ...]) -> Iterator[frozenset[str]]:
    """The kinds each step can fire as: `at` below, at or over 100%; an `after` step over
    100% once a step before it is at 100% or later, else any (it depends on the budget)."""
    floor = 0.0
    for step in steps:
        if step.at is not None:
            floor = parse_percentage(step.at)
            kinds = {"remind"} if floor < 100 else {"breach"} if floor == 100 else {"escalate"}
            yield frozenset(kinds | ({"escalate"} if step.climb and step.after else set()))
        else:
            yield frozenset({"escalate"}) if floor >= 100 else _STEP_KINDS


def _fallbacks(config: Config) -> dict[str, tuple[str, ...]]:
    """Per channel, the channels a person lacking its contact falls back to."""
    found: dict[str, set[str]] = {}
    for person in config.people:
        for channel in CHANNELS:
            contact = CHANNEL_CONTACT.get(channel)
            if contact is None or person.contacts.get(contact):
                continue
            # which one depends on the step's channels: count every one they could take
            found.setdefault(channel, set()).update(
                o for o in FALLBACK_ORDER if person.contacts.get(CHANNEL_CONTACT[o]))
    return {channel: tuple(sorted(others)) for channel, others in found.items()}
