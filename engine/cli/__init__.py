"""The `gongdan` command line: one module per command, no logic of its own."""
from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from engine.cli.calendar import calendar
from engine.cli.common import Exit, warn
from engine.cli.diff import diff_command
from engine.cli.evaluate import evaluate
from engine.cli.oncall import oncall
from engine.cli.render import render
from engine.cli.report import report_command
from engine.cli.route import route
from engine.cli.serve import serve
from engine.cli.streams import PipeClosed, flush_stdout, hold_closed_descriptors
from engine.cli.test import test_command
from engine.cli.validate import validate
from engine.cli.views import views


class _Group(click.Group):
    """Turns an unexpected exception into exit code 3 with a short report; a reader of
    stdout that went away ends the command quietly."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        hold_closed_descriptors()
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
        except (SystemExit, click.exceptions.Exit):
            flush_stdout()  # the exit code stands only if the output is out
            raise
        except (click.ClickException, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # only a pipe or a socket raises it: here, stdout's reader left
            raise PipeClosed() from None
        except Exception as exc:
            warn(f"gongdan: internal error: {exc!r}")
            warn(traceback.format_exc())
            sys.exit(Exit.INTERNAL)
        flush_stdout()
        return result


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gongdan")
def main() -> None:
    """Gongdan: ticket routing and SLA rules as code."""


main.add_command(validate)
main.add_command(route)
main.add_command(test_command)
main.add_command(oncall)
main.add_command(evaluate)
main.add_command(serve)
main.add_command(diff_command)
main.add_command(render)
main.add_command(calendar)
main.add_command(views)
main.add_command(report_command)
