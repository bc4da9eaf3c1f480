"""What several commands share: loading a config dir or reporting why it cannot be loaded."""
from __future__ import annotations

import sys
from datetime import datetime
from enum import IntEnum
from pathlib import Path

import click

from engine.config.values import parse_datetime
from engine.diagnostics import render_text
from engine.errors import ConfigError
from engine.loader import load
from engine.runtime.engine import Engine

config_option = click.option(
    "--config", "config_dir", default=".", show_default=True,
    type=click.Path(file_okay=False, path_type=Path), help="the config dir")


class Exit(IntEnum):
    """The exit codes of every command."""

    OK = 0
    PROBLEMS = 1      # invalid config, failed cases, bad lines, gaps found
    USAGE = 2         # click's own code for a usage error
    INTERNAL = 3      # a bug in Gongdan


def load_or_exit(config_dir: Path) -> Engine:
    """The engine, or the config's diagnostics on stderr and exit code 1."""
    try:
        return load(config_dir)
    except ConfigError as exc:
        click.echo(render_text(exc.diagnostics), err=True, nl=False)
        click.echo(f"gongdan: {config_dir}: the config has errors (run `gongdan validate`)", err=True)
        sys.exit(Exit.PROBLEMS)


def parse_option_time(text: str, option: str) -> datetime:
    """An RFC 3339 option value with its offset, or a usage error (exit 2)."""
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None
