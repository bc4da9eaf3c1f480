"""`gongdan render`: preview a notification template on a sample ticket of the author's
own config: the exact text, its length against the channel's limit, and what was cut."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from engine.cli.common import check_mode, config_option, load_or_exit, parse_option_time
from engine.cli.streams import out
from engine.config.values import format_ts
from engine.errors import EventError
from engine.notify.channels import CHANNELS, SUBJECTLESS
from engine.notify.preview import Preview, preview
from engine.notify.render import KINDS, LOCALES
from engine.notify.sandbox import MAX_OUTPUT
from engine.runtime.decision import Decision
from engine.runtime.engine import Engine
from engine.runtime.messages import build_context, sample_notification

# The notices to supervisors follow an event; the sample's comes this long after creation.
NOTICE_DELAY = timedelta(minutes=10)
OPTIONS = {"category": "--category", "severity": "--severity", "title": "--title", "ticket": "--ticket"}
WORK_KINDS = ("assign", "acknowledged", "resolved")   # sent on an event, not by a step
SAMPLE_TITLES = {"zh": "示例工单: 支付成功但订单未创建", "en": "Sample ticket: paid but no order created"}


def _sample(engine: Engine, kind: str, event: dict[str, Any], mode: str | None) -> tuple[Decision, float]:
    """The ticket the engine makes of the sample event (and, for a notice to supervisors,
    of the event that stops its clock), and the instant the notice is sent."""
    decision = engine.evaluate(event, None, mode)
    at = datetime.fromisoformat(event["at"])
    if kind in ("acknowledged", "resolved"):
        at += NOTICE_DELAY
        decision = engine.evaluate({"type": kind, "ticket": event["ticket"], "at": at.isoformat()},
                                   decision.state, mode)
    return decision, at.timestamp()


def _header(decision: Decision, result: Preview, fired: dict[str, Any], ts: float, locale: str,
            planned: bool) -> list[str]:
    """What was rendered, for which ticket, as which message and when."""
    state = decision.state
    when = format_ts(ts, decision.at_time.tzinfo)
    step = f", step {fired['step']}" + (f", level {fired['level']}" if fired["level"] else "") if planned else ""
    why = ("" if planned or fired["kind"] in WORK_KINDS else
           f" (no step of the ticket's policy fires a {fired['kind']}: shown at this instant)")
    if planned and fired["channel"] not in fired["step_channels"]:
        why = (f" (step {fired['step']} does not send on {fired['channel']}: its channels are "
               f"{', '.join(fired['step_channels'])})")
    return [f"template  {result.template}",
            (f"ticket    {state['ticket']} {state['category']['id']}, {state['severity']}, mode {state['mode']}, "
             f"team {state['team']}, assignee {state['assignee']['person'] or '(nobody)'}"),
            (f"message   {fired['kind']} on {fired['channel']} in {locale}, {fired['clock']} clock{step}, "
             f"at {when}{why}")]


def _text(header: list[str], result: Preview) -> str:
    lines = [*header]
    lines.append(f"subject   ({result.channel} has no subject)" if result.channel in SUBJECTLESS
                 else f"subject   {result.subject}")
    lines.append(f"body      {len(result.body):,} of {result.limit:,} characters")
    lines += ["─" * 8, result.body, "─" * 8]
    if result.over:
        lines.append(f"over      {len(result.over):,} characters past the {result.channel} limit of "
                     f"{result.limit}: {result.over}")
    for cut in result.cuts:
        lines.append(f"cut       {cut.block}: {len(cut.text):,} characters past the block bound of "
                     f"{MAX_OUTPUT:,}, not sent:")
        lines += ["─" * 8, cut.text, "─" * 8]
    if not result.over and not result.cuts:
        lines.append("cut       nothing")
    return "\n".join(lines) + "\n"


@click.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("channel", type=click.Choice(CHANNELS))
@config_option
@click.option("--category", required=True, help="the sample ticket's category (as an event gives it)")
@click.option("--severity", default=None, help="the level the event proposes (rules may raise it)")
@click.option("--mode", default=None, help="hold this mode (default: the mode windows at --at)")
@click.option("--locale", type=click.Choice(LOCALES), default=None, help="default: notifications.locale")
@click.option("--at", "at_text", default=None, metavar="DATETIME", help="when the ticket is created (default: now)")
@click.option("--title", default=None, help="the sample ticket's title")
@click.option("--ticket", "ticket_id", default="T-1024", show_default=True, help="the sample ticket's id")
@click.option("--default", "use_default", is_flag=True, help="the shipped template, even where an override exists")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def render(kind: str, channel: str, config_dir: Path, category: str, severity: str | None, mode: str | None,
           locale: str | None, at_text: str | None, title: str | None, ticket_id: str, use_default: bool,
           fmt: str) -> None:
    """Preview the KIND message on CHANNEL for a sample ticket the engine makes from your config."""
    created = parse_option_time(at_text, "--at") if at_text else datetime.now(UTC)
    engine = load_or_exit(config_dir)
    check_mode(mode, engine.modes)
    compiled = engine.compiled
    the_locale = locale or compiled.locale
    event = {"type": "created", "ticket": ticket_id, "at": created.isoformat(), "category": category,
             "title": title if title is not None else SAMPLE_TITLES[the_locale]}
    if severity is not None:
        event["severity"] = severity
    try:
        decision, at = _sample(engine, kind, event, mode)
    except EventError as exc:   # what the options gave the sample event
        option = OPTIONS.get(exc.field or "", "the sample ticket")
        raise click.BadParameter(str(exc).removeprefix(f"{exc.field}: "), param_hint=option) from None
    fired, ts = sample_notification(compiled, decision.state, decision.waiting, kind, channel, at)
    context = build_context(compiled, decision.state, fired, ts, the_locale, compiled.ticket_url)
    result = preview(compiled.renderer.for_locale(the_locale), kind, channel, context,
                     decision.state["category"]["id"], default=use_default)
    planned = any(t.kind == kind for _, t in decision.waiting)
    if fmt == "json":
        out(json.dumps({**result.to_dict(), "ticket": decision.state["ticket"], "kind": kind,
                        "at": format_ts(ts, decision.at_time.tzinfo)}, ensure_ascii=False, indent=2))
        return
    out(_text(_header(decision, result, fired, ts, the_locale, planned), result), nl=False)
