"""`gongdan route`: the decision for one ticket event, as JSON or as an explained tree."""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from engine.cli.common import Exit, check_mode, config_option, is_documented, load_or_exit, warn
from engine.cli.inputs import Input, InputFile, read_event
from engine.cli.streams import out
from engine.errors import EventError
from engine.runtime.decision import Decision


def render_tree(decision: Decision) -> str:
    """The explain view: every step tried, in order, then the outcome."""
    lines = [f"{decision.ticket} {decision.event} at {decision.at} (mode {decision.mode})"]
    steps = decision.explain if decision.explain is not None else decision.trace
    for i, step in enumerate(steps):
        lines.append(("└─ " if i == len(steps) - 1 else "├─ ") + step)
    lines.append(f"⇒ team {decision.team}, severity {decision.severity}"
                 + (f", tags {', '.join(decision.tags)}" if decision.tags else ""))
    if decision.views:
        lines.append(f"  views: {', '.join(decision.views)}")
    if decision.category["fallback"]:
        lines.append(f"  (category {decision.category['id']} fell back to "
                     f"{decision.category['matched'] or 'the default'})")
    return "\n".join(lines) + "\n"


def _bad_event(exc: EventError | LookupError) -> str:
    if isinstance(exc, EventError) and exc.field == "state":  # any event but `created` continues a ticket
        return (f"{exc}; `route` passes none, so it takes only `created` events (replay a ticket's "
                "events with `gongdan evaluate`)")
    return str(exc.args[0]) if isinstance(exc, LookupError) and exc.args else str(exc)


@click.command()
@click.argument("event_file", type=InputFile(), metavar="EVENT.json")
@config_option
@click.option("--mode", default=None, help="force a mode (e.g. promotion) instead of the windows")
@click.option("--explain", is_flag=True, help="show every rule and route tried, as a tree")
def route(event_file: Input, config_dir: Any, mode: str | None, explain: bool) -> None:
    """The decision for one ticket event (`-` reads it from stdin)."""
    event = read_event(event_file, "EVENT")
    engine = load_or_exit(config_dir)
    check_mode(mode, engine.modes)
    try:  # only the errors the library documents for an event; anything else is a bug (exit 3)
        decision = engine.evaluate(event, mode=mode, explain=explain)
    except (EventError, LookupError) as exc:
        if not is_documented(exc):
            raise
        warn(f"gongdan: bad event: {_bad_event(exc)}")
        sys.exit(Exit.PROBLEMS)
    if explain:
        out(render_tree(decision), nl=False)
    else:
        out(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))
