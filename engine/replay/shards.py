"""Replaying a stream on several cores: tickets split by shard, one process each, outputs
merged by key into exactly what one process would write (`gongdan evaluate --jobs N`)."""
from __future__ import annotations

import heapq
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.replay.jsonio import dumps_line
from engine.replay.lines import Line
from engine.replay.stream import BadLine, Summary, replay_keyed
from engine.runtime.decision import Decision
from engine.runtime.engine import Engine

_SEPARATOR = b"\x00"  # between a line's sort key and its JSON; sorts before any key byte


@dataclass(frozen=True, slots=True)
class Job:
    """Everything a shard needs; workers get it by fork, not by pickling the lines."""

    engine: Engine
    lines: list[Line]
    mode: str | None
    until: datetime | None
    with_state: bool
    render: bool
    summary: bool
    shards: int
    folder: str


_JOB: Job | None = None  # set in the parent right before forking


class ShardsFailed(Exception):
    """The shards could not run: their temporary files could not be written, or a worker
    process died (killed by the system, say); the message says which."""


def _sort_key(line: int, kind: int, wake: float, ticket: str) -> bytes:
    """Bytes that sort like the key tuple (times shifted to stay positive). The ticket id is
    in hex of its UTF-8, which sorts as the id does and holds no newline or NUL of its own."""
    return f"{line:012d}{kind}{wake + 1e11:024.6f}{ticket.encode('utf-8').hex()}".encode() + _SEPARATOR


def decision_line(with_state: bool, render: bool) -> Callable[[Decision], tuple[dict[str, Any], bytes]]:
    """A decision as `gongdan evaluate` writes it: its dict (for the summary) and its line."""
    def line(decision: Decision) -> tuple[dict[str, Any], bytes]:
        data = decision.to_dict(with_state=with_state, render=render)
        return data, dumps_line(data)
    return line


def _run_shard(index: int) -> tuple[str, Summary | None, list[BadLine]]:
    job = _JOB
    assert job is not None  # forked from `run`, which sets it
    errors: list[BadLine] = []
    totals = Summary() if job.summary else None
    path = os.path.join(job.folder, f"shard-{index}.jsonl")
    with open(path, "wb") as out:
        for key, (data, text) in replay_keyed(job.engine, job.lines, job.mode, job.until, errors,
                                              shard=(index, job.shards),
                                              output=decision_line(job.with_state, job.render)):
            out.write(_sort_key(*key) + text)
            if totals is not None:
                totals.add(data)
    return path, totals, errors


def _merged(paths: list[str]) -> Iterator[bytes]:
    try:  # only reading the shards' files: what the caller does with a line is its own
        with ExitStack() as stack:
            files = [stack.enter_context(open(p, "rb")) for p in paths]
            for line in heapq.merge(*files, key=lambda text: text[:text.index(_SEPARATOR)]):
                yield line[line.index(_SEPARATOR) + 1:]
    except OSError as exc:
        raise ShardsFailed(f"cannot read the shards' temporary files: {exc.strerror or exc}") from None


def run(engine: Engine, lines: list[Line], write: Callable[[bytes], object], jobs: int, mode: str | None,
        until: datetime | None, with_state: bool, render: bool, summary: bool
        ) -> tuple[Summary | None, list[BadLine]]:
    """Replay on `jobs` processes; decisions go to `write` in single-process order.
    Raises ShardsFailed when the shards cannot run."""
    try:
        folder_of_shards = tempfile.TemporaryDirectory(prefix="gongdan-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise ShardsFailed(f"cannot make a folder for the shards' files in {tempfile.gettempdir()}: "
                           f"{exc.strerror or exc}") from None
    with folder_of_shards as folder:
        results = _shards(Job(engine, lines, mode, until, with_state, render, summary, jobs, folder))
        for line in _merged([r[0] for r in results]):
            write(line)
    totals = Summary() if summary else None
    errors: list[BadLine] = []
    for _, part, shard_errors in results:
        errors += shard_errors
        if totals is not None and part is not None:
            totals.merge(part)
    errors.sort(key=BadLine.order)  # as one process meets them
    return totals, errors


def _shards(job: Job) -> list[tuple[str, Summary | None, list[BadLine]]]:
    global _JOB
    _JOB = job
    try:  # an executor, not a Pool: a Pool waits forever for a worker that was killed
        with ProcessPoolExecutor(job.shards, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run_shard, range(job.shards)))
    except BrokenProcessPool:
        raise ShardsFailed("a --jobs worker process died (killed by the system?); run again, "
                           "or with fewer jobs") from None
    except OSError as exc:
        raise ShardsFailed(f"cannot write the shards' temporary files in {job.folder}: "
                           f"{exc.strerror or exc}") from None
    finally:
        _JOB = None


