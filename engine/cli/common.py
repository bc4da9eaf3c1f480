"""What several commands share: exit codes, the limits of option values, loading a config
dir or reporting why it cannot be loaded, and messages for stderr."""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import IO, Any

import click

from engine.config.values import RANGE_TEXT, parse_datetime, seconds_in_range
from engine.diagnostics import render_text
from engine.errors import ConfigError, GongdanError
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
    PIPE_CLOSED = 141  # the reader of stdout went away (`| head`): 128 + SIGPIPE, as Unix tools


# The instants the command line takes (docs/cli.md#limits-and-errors) are the library's own
# range (engine.config.values: EARLIEST, LATEST, RANGE_TEXT).


def load_or_exit(config_dir: Path) -> Engine:
    """The engine, or the config's diagnostics on stderr and exit code 1."""
    try:
        return load(config_dir)
    except ConfigError as exc:
        warn(render_text(exc.diagnostics), nl=False)
        warn(f"gongdan: {config_dir}: the config has errors (run `gongdan validate`)")
        sys.exit(Exit.PROBLEMS)


def parse_option_time(text: str, option: str) -> datetime:
    """An RFC 3339 option value with its offset, in the supported range, or a usage error (exit 2)."""
    try:
        value = parse_datetime(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None
    if seconds_in_range(value) is None:
        raise click.BadParameter(f"{text!r} is outside the supported range ({RANGE_TEXT})", param_hint=option)
    return value


def is_documented(exc: Exception) -> bool:
    """Whether the library raised `exc` on purpose: a GongdanError, or the plain LookupError
    of an unknown team or mode. A KeyError or IndexError is a LookupError too, but from a bug."""
    return isinstance(exc, GongdanError) or type(exc) is LookupError


def check_mode(mode: str | None, modes: Sequence[str]) -> None:
    """A usage error (exit 2) for a mode the config does not define."""
    if mode is not None and mode not in modes:
        raise click.BadParameter(f"unknown mode {mode!r} (modes: {', '.join(modes)})", param_hint="--mode")


def warn(text: str, nl: bool = True) -> None:
    """Text for stderr. What cannot be written there has nowhere else to go: the exit code
    still says how the command went."""
    try:
        try:
            click.echo(text, err=True, nl=nl)
        except UnicodeEncodeError:  # stderr's encoding cannot show it all (a file name, a locale)
            click.echo(text.encode("ascii", "backslashreplace").decode("ascii"), err=True, nl=nl)
    except OSError:
        to_devnull(sys.stderr, 2)


def to_devnull(stream: IO[Any] | None, fd: int) -> None:
    """Point a standard descriptor that failed at /dev/null, so that Python's own flush at
    exit does not fail again (with a warning and exit code 120)."""
    try:
        if stream is None or stream.fileno() != fd:
            return
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except (OSError, ValueError):  # not a real descriptor (a test runner's buffer): nothing to do
        pass
