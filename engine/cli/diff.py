"""`gongdan diff`: what a change to the config does, as a pull-request comment, JSON or text."""
from __future__ import annotations

import gc
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import click

from engine.cli.common import Exit, parse_option_time
from engine.diff import markdown, plain
from engine.diff.plan import Options, Stages
from engine.diff.plan import diff as plan_diff
from engine.diff.revisions import RevisionError, source
from engine.loader import build_config
from engine.replay.stream import replay

RENDERERS = {"markdown": markdown.render, "text": plain.render}


def _batch_gc() -> None:
    """Two compiled configs stay alive for the whole run, and neither the replay nor the
    diff builds reference cycles, so the cyclic collector would only re-scan them (a
    third of the run on the scale config): collections are made rare, as `gongdan
    evaluate` does. A command-line batch setting; a host embedding the library keeps its own."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 1_000)


@click.command(name="diff")
@click.argument("base", required=False)
@click.argument("head", required=False)
@click.option("--config", "config_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="the config dir inside the repository, for revisions (default: .)")
@click.option("--events", "event_files", multiple=True, type=click.File("r", encoding="utf-8"), metavar="FILE",
              help="events to replay through both sides, one JSON object a line (repeatable)")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "text"]), default="markdown",
              show_default=True, help="markdown for a pull-request comment, json for tools, text for people")
@click.option("--exit-code", is_flag=True, help="exit 1 when anything changes, as `git diff --exit-code`")
@click.option("--max-rows", type=click.IntRange(min=0), default=50, show_default=True,
              help="rows shown per section (markdown and text)")
@click.option("--at", "at_text", default=None, metavar="DATETIME",
              help="where the duty section starts looking ahead (default: now)")
def diff_command(base: str | None, head: str | None, config_dir: Path | None, event_files: tuple[IO[str], ...],
                 fmt: str, exit_code: bool, max_rows: int, at_text: str | None) -> None:
    """What changes from BASE to HEAD: git revisions (default: the merge base with the
    default branch, and the working tree) or two config dirs."""
    at = parse_option_time(at_text, "--at") if at_text else datetime.now(UTC)
    if config_dir is not None and base and head and Path(base).is_dir() and Path(head).is_dir():
        raise click.UsageError("--config names the config inside a repository; BASE and HEAD are config dirs")
    events = tuple((f.name, f.read().splitlines()) for f in event_files)
    _batch_gc()
    with tempfile.TemporaryDirectory(prefix="gongdan-diff-") as scratch:
        try:
            before = source(base, config_dir or Path("."), Path(scratch), "base")
            after = source(head, config_dir or Path("."), Path(scratch), "head")
        except RevisionError as exc:
            raise click.UsageError(str(exc)) from None
        report = plan_diff(before, after, Options(at, events), Stages(build_config, replay))
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(RENDERERS[fmt](report, max_rows), nl=False)
    if not report.loaded or (exit_code and report.changed):
        sys.exit(Exit.PROBLEMS)
