"""`gongdan views`: the views (views.yaml) of a mode, or of every mode, in view order."""
from __future__ import annotations

import json
from pathlib import Path

import click

from engine.cli.common import config_option, load_or_exit
from engine.compile.views import View
from engine.runtime.engine import Engine


def _mode_text(mode: str, views: tuple[View, ...], locale: str) -> str:
    if not views:
        return f"{mode}: no views\n"
    lines = [f"{mode}:"]
    for view in views:
        lines.append(f"  {view.order:>4}  {view.id}  {view.title[locale]}  ({view.where})")
        lines.append(f"        {'; '.join(view.conditions) or 'every open ticket'}")
    return "\n".join(lines) + "\n"


def _modes(engine: Engine, mode: str | None) -> list[str]:
    if mode is None:
        return list(engine.modes)
    if mode not in engine.modes:
        raise click.BadParameter(f"unknown mode {mode!r} (modes: {', '.join(engine.modes)})", param_hint="--mode")
    return [mode]


@click.command()
@config_option
@click.option("--mode", default=None, help="one mode's views (default: every mode's)")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def views(config_dir: Path, mode: str | None, fmt: str) -> None:
    """The views of a mode (views.yaml): order, id, title and conditions."""
    engine = load_or_exit(config_dir)
    locale = engine.compiled.locale
    modes = _modes(engine, mode)
    if fmt == "json":
        click.echo(json.dumps({m: [v.to_dict(locale) for v in engine.views(m)] for m in modes},
                              ensure_ascii=False, indent=2))
        return
    click.echo("".join(_mode_text(m, engine.views(m), locale) for m in modes), nl=False)
