"""Replaying a stream on several cores: tickets split by shard, one process each, outputs
merged by key into exactly what one process would write (`gongdan evaluate --jobs N`)."""
from __future__ import annotations

import heapq
import multiprocessing
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from engine.replay.stream import BadLine, Key, Summary, encode, replay_keyed
from engine.runtime.engine import Engine

_SEPARATOR = "\x00"  # between a line's sort key and its JSON; sorts before any text


@dataclass(frozen=True, slots=True)
class Job:
    """Everything a shard needs; workers get it by fork, not by pickling the lines."""

    engine: Engine
    lines: list[str]
    mode: str | None
    until: datetime | None
    with_state: bool
    render: bool
    summary: bool
    shards: int
    folder: str


_JOB: Job | None = None  # set in the parent right before forking


def _sort_key(key: Key) -> str:
    """A string that sorts like the key tuple (times shifted to stay positive)."""
    line, kind, wake, ticket = key
    return f"{line:012d}{kind}{wake + 1e11:024.6f}{ticket}{_SEPARATOR}"


def _run_shard(index: int) -> tuple[str, Summary | None, list[BadLine]]:
    job = _JOB
    assert job is not None  # forked from `run`, which sets it
    errors: list[BadLine] = []
    totals = Summary() if job.summary else None
    path = os.path.join(job.folder, f"shard-{index}.jsonl")
    with open(path, "w", encoding="utf-8") as out:
        for key, decision in replay_keyed(job.engine, job.lines, job.mode, job.until, errors,
                                          shard=(index, job.shards)):
            data = decision.to_dict(with_state=job.with_state, render=job.render)
            out.write(_sort_key(key) + encode(data) + "\n")
            if totals is not None:
                totals.add(data)
    return path, totals, errors


def _merged(paths: list[str]) -> Iterator[str]:
    with ExitStack() as stack:
        files = [stack.enter_context(open(p, encoding="utf-8")) for p in paths]
        for line in heapq.merge(*files, key=lambda text: text[:text.index(_SEPARATOR)]):
            yield line[line.index(_SEPARATOR) + 1:]


def run(engine: Engine, lines: list[str], sink: IO[str], jobs: int, mode: str | None,
        until: datetime | None, with_state: bool, render: bool, summary: bool
        ) -> tuple[Summary | None, list[BadLine]]:
    """Replay on `jobs` processes; decisions go to `sink` in single-process order."""
    global _JOB
    with tempfile.TemporaryDirectory(prefix="gongdan-") as folder:
        _JOB = Job(engine, lines, mode, until, with_state, render, summary, jobs, folder)
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                results = pool.map(_run_shard, range(jobs))
        finally:
            _JOB = None
        for line in _merged([r[0] for r in results]):
            sink.write(line)
    totals = Summary() if summary else None
    errors: list[BadLine] = []
    for _, part, shard_errors in results:
        errors += shard_errors
        if totals is not None and part is not None:
            totals.merge(part)
    errors.sort(key=lambda e: e.line)
    return totals, errors


def lines_of(source: IO[str]) -> list[str]:
    return source.read().splitlines()


