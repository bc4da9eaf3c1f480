"""`gongdan route`: the decision for one ticket event, as JSON or as an explained tree."""
from __future__ import annotations

import json
import sys
from typing import IO, Any

import click

from engine.cli.common import Exit, config_option, load_or_exit
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


def _read_event(source: IO[str]) -> Any:
    try:
        return json.load(source)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="EVENT") from None


@click.command()
@click.argument("event_file", type=click.File("r", encoding="utf-8"), metavar="EVENT.json")
@config_option
@click.option("--mode", default=None, help="force a mode (e.g. promotion) instead of the windows")
@click.option("--explain", is_flag=True, help="show every rule and route tried, as a tree")
def route(event_file: IO[str], config_dir: Any, mode: str | None, explain: bool) -> None:
    """The decision for one ticket event (`-` reads it from stdin)."""
    event = _read_event(event_file)
    engine = load_or_exit(config_dir)
    try:
        decision = engine.evaluate(event, mode=mode, explain=explain)
    except EventError as exc:
        click.echo(f"gongdan: bad event: {exc}", err=True)
        sys.exit(Exit.PROBLEMS)
    if explain:
        click.echo(render_tree(decision), nl=False)
    else:
        click.echo(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))
