"""`gongdan evaluate`: replay a JSONL stream of events into a JSONL stream of decisions."""
from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

import click

from engine.cli.common import Exit, check_mode, config_option, load_or_exit, parse_option_time, warn
from engine.cli.inputs import Input, InputFile
from engine.cli.outputs import Sink, open_output
from engine.cli.streams import Problem, out
from engine.replay.lines import Line, split_lines
from engine.replay.shards import ShardsFailed, decision_line
from engine.replay.shards import run as run_jobs
from engine.replay.stream import BadLine, Summary, replay_keyed
from engine.report.build import stream_offset
from engine.report.figures import compute
from engine.report.terminal import render_terminal
from engine.report.tickets import Folder
from engine.runtime.engine import Engine

BAR = 30               # characters of the progress bar
TICK = 5000            # decisions between redraws


@click.command()
@config_option
@click.option("--mode", default=None, help="force a mode for every event instead of the windows")
@click.option("--until", "until_text", default=None, metavar="DATETIME",
              help="after the last event, fire the steps due up to this time")
@click.option("--summary", is_flag=True,
              help="the headline figures and the worst teams (every figure: `gongdan report`), views, resolutions")
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
    folder = Folder() if summary else None
    with open_output(output, source) as sink:
        _batch_gc()
        lines = _lines(source)
        if jobs > 1:
            try:
                totals, errors = run_jobs(engine, lines, _folding(sink, folder), jobs, mode, until,
                                          with_state, not no_render, summary)
            except ShardsFailed as exc:
                raise Problem(str(exc)) from None
            _report(errors, 0)
        else:
            totals, errors = _serial(engine, lines, sink, mode, until, fail_fast, with_state,
                                     not no_render, folder, Progress.of(source))
        sink.commit()  # the decisions are out before the summary: a file is whole once replaced
    if totals is not None and folder is not None:
        records = folder.records()
        text = render_terminal(compute(records, "team", stream_offset(records))) + "\n" + totals.render()
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


def _folding(sink: Sink, folder: Folder | None) -> Callable[[bytes], None]:
    """Write a merged shard line, and fold it into the summary's tickets when asked for one."""
    def write(line: bytes) -> None:
        sink.write(line)
        if folder is not None:
            folder.add(json.loads(line))
    return write


class Progress:
    """A bar on stderr while a file is replayed (a count of decisions for stdin), drawn only
    when stderr is a terminal: a log or a pipe gets nothing."""

    def __init__(self, stream: IO[bytes] | None, size: int | None) -> None:
        self.stream, self.size, self.count = stream, size, 0

    @classmethod
    def of(cls, source: Input) -> Progress | None:
        if sys.stderr is None or not sys.stderr.isatty():
            return None
        try:
            size = os.fstat(source.stream.fileno()).st_size if source.identity is not None else None
        except (OSError, ValueError):
            size = None
        return cls(source.stream, size or None)

    def tick(self, final: bool = False) -> None:
        self.count += not final
        if final or self.count % TICK == 0:
            warn(f"\r{self.line(final)}", nl=final)

    def line(self, final: bool) -> str:
        if self.size is None or self.stream is None:
            return f"{self.count} decisions"
        try:
            done = 1.0 if final else min(self.stream.tell() / self.size, 1.0)
        except (OSError, ValueError):
            done = 0.0
        filled = int(done * BAR)
        return f"[{'#' * filled}{'.' * (BAR - filled)}] {done:4.0%} {self.count} decisions"


def _serial(engine: Engine, lines: Iterator[Line], sink: Sink, mode: str | None, until: datetime | None,
            fail_fast: bool, with_state: bool, render: bool, folder: Folder | None, progress: Progress | None
            ) -> tuple[Summary | None, list[BadLine]]:
    """One process, streaming: decisions written as they come, bad lines reported as met."""
    errors: list[BadLine] = []
    totals = Summary() if folder is not None else None
    reported = 0
    for _, (data, line) in replay_keyed(engine, lines, mode, until, errors, fail_fast,
                                        output=decision_line(with_state, render)):
        sink.write(line)
        if totals is not None and folder is not None:
            totals.add(data)
            folder.add(data)
        if progress is not None:
            progress.tick()
        reported = _report(errors, reported)
    _report(errors, reported)
    if progress is not None:
        progress.tick(final=True)
    return totals, errors


def _report(errors: list[BadLine], reported: int) -> int:
    """Bad lines go to stderr as they are met, and the stream goes on."""
    for error in errors[reported:]:
        warn(f"gongdan: {error.where}: {error.message}")
    return len(errors)
