"""The `gongdan` command line: one module per command, no logic of its own."""
from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from engine.cli.common import Exit
from engine.cli.evaluate import evaluate
from engine.cli.oncall import oncall
from engine.cli.route import route
from engine.cli.test import test_command
from engine.cli.validate import validate
from engine.cli.views import views


class _Group(click.Group):
    """Turns an unexpected exception into exit code 3 with a short report."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:
            click.echo(f"gongdan: internal error: {exc!r}", err=True)
            click.echo(traceback.format_exc(), err=True)
            sys.exit(Exit.INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gongdan")
def main() -> None:
    """Gongdan: ticket routing and SLA rules as code."""


main.add_command(validate)
main.add_command(route)
main.add_command(test_command)
main.add_command(oncall)
main.add_command(evaluate)
main.add_command(views)
