"""`gongdan evaluate`: replay a JSONL stream of events into a JSONL stream of decisions."""
from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import click

from engine.cli.common import Exit, check_mode, config_option, load_or_exit, parse_option_time, warn
from engine.cli.inputs import Input, InputFile
from engine.cli.outputs import Sink, open_output
from engine.cli.streams import Problem, out
from engine.replay.lines import Line, split_lines
from engine.replay.shards import ShardsFailed, decision_line
from engine.replay.shards import run as run_jobs
from engine.replay.stream import BadLine, Summary, replay_keyed
from engine.runtime.engine import Engine


@click.command()
@config_option
@click.option("--mode", default=None, help="force a mode for every event instead of the windows")
@click.option("--until", "until_text", default=None, metavar="DATETIME",
              help="after the last event, fire the steps due up to this time")
@click.option("--summary", is_flag=True,
              help="per team and level: tickets, clock outcomes, escalations, resolved within 30m")
@click.option("-i", "--input", "source", type=InputFile(), default="-",
              help="events, one JSON object a line (default: stdin)")
@click.option("-o", "--output", "output", default="-", metavar="FILE",
              help="decisions, one JSON object a line (default: stdout); a file is replaced when the run ends")
@click.option("--fail-fast", is_flag=True, help="stop at the first bad line")
@click.option("--state", "with_state", is_flag=True,
              help="include each decision's `state` (the replay keeps it; hosts replaying need not)")
@click.option("--no-render", is_flag=True, help="leave out the notifications' subject and body")
@click.option("-j", "--jobs", type=click.IntRange(min=1, max=64), default=1, show_default=True,
              help="processes to split tickets over (same output as one; not with --fail-fast)")
def evaluate(config_dir: Path, mode: str | None, until_text: str | None, summary: bool,
             source: Input, output: str, fail_fast: bool, with_state: bool, no_render: bool,
             jobs: int) -> None:
    """Decisions for a stream of events, firing due steps between events on their clock."""
    until = parse_option_time(until_text, "--until") if until_text else None
    if jobs > 1 and fail_fast:
        raise click.UsageError("--fail-fast stops at the first bad line in order: use it with --jobs 1")
    engine = load_or_exit(config_dir)
    check_mode(mode, engine.modes)
    with open_output(output, source) as sink:
        _batch_gc()
        lines = _lines(source)
        if jobs > 1:
            try:
                totals, errors = run_jobs(engine, lines, sink.write, jobs, mode, until, with_state,
                                          not no_render, summary)
            except ShardsFailed as exc:
                raise Problem(str(exc)) from None
            _report(errors, 0)
        else:
            totals, errors = _serial(engine, lines, sink, mode, until, fail_fast, with_state,
                                     not no_render, summary)
        sink.commit()  # the decisions are out before the summary: a file is whole once replaced
    if totals is not None:
        text = totals.render()
        if sink.is_stdout:
            warn(text.rstrip("\n"))
        else:
            out(text, nl=False)
    sys.exit(Exit.PROBLEMS if errors else Exit.OK)


def _lines(source: Input) -> Iterator[Line]:
    """The input's lines; a read that fails ends the run as a problem naming the input."""
    name = "stdin" if source.name == "-" else repr(source.name)
    try:
        yield from split_lines(source.stream)
    except OSError as exc:
        raise Problem(f"cannot read {name}: {exc.strerror or exc}") from None


def _batch_gc() -> None:
    """A replay keeps every open ticket's state alive, so the default collector keeps
    re-scanning a heap that only grows: the engine is frozen out of collections and full
    ones are made rare (the engine builds no reference cycles per event). A command-line
    batch setting only; a host embedding the library keeps its own."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 1_000)


def _serial(engine: Engine, lines: Iterator[Line], sink: Sink, mode: str | None, until: datetime | None,
            fail_fast: bool, with_state: bool, render: bool, summary: bool
            ) -> tuple[Summary | None, list[BadLine]]:
    """One process, streaming: decisions written as they come, bad lines reported as met."""
    errors: list[BadLine] = []
    totals = Summary() if summary else None
    progress = sys.stderr is not None and sys.stderr.isatty()
    count = reported = 0
    for _, (data, line) in replay_keyed(engine, lines, mode, until, errors, fail_fast,
                                        output=decision_line(with_state, render)):
        sink.write(line)
        if totals is not None:
            totals.add(data)
        count += 1
        if progress and count % 10000 == 0:
            click.echo(f"\r{count} decisions", err=True, nl=False)
        reported = _report(errors, reported)
    _report(errors, reported)
    if progress:
        click.echo(f"\r{count} decisions", err=True)
    return totals, errors


def _report(errors: list[BadLine], reported: int) -> int:
    """Bad lines go to stderr as they are met, and the stream goes on."""
    for error in errors[reported:]:
        warn(f"gongdan: {error.where}: {error.message}")
    return len(errors)
