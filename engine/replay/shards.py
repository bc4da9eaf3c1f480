"""Replaying a stream on several cores: one reader checks each line once and hands each
worker process, in batches, every line's time and the lines of its own tickets; outputs
merged by key into exactly what one process would write (`gongdan evaluate --jobs N`)."""
from __future__ import annotations

import contextlib
import heapq
import multiprocessing
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from engine.jsonio import dumps_line
from engine.replay.lines import Line, read_line
from engine.replay.stream import BadLine, Reading, Summary, read_events, replay_readings, ticket_shard
from engine.runtime.decision import Decision
from engine.runtime.engine import Engine
from engine.runtime.events import checked_elsewhere, instant_of

_SEPARATOR = b"\x00"  # between a line's sort key and its JSON; sorts before any key byte
BATCH = 2000          # lines per message to a worker: few messages, little held at once
# A line for one worker: its number, its event's `at` as written, and the line itself when
# the worker owns its ticket (a worker decodes only its own lines; re-reading JSON costs a
# microsecond, pickling the checked event ten).
Tick = tuple[int, str, Line | None]


@dataclass(frozen=True, slots=True)
class Job:
    """Everything a worker needs; workers get it by fork, not by pickling the engine."""

    engine: Engine
    mode: str | None
    until: datetime | None
    with_state: bool
    render: bool
    summary: bool
    shards: int
    folder: str
    inputs: tuple[Connection, ...]    # the reader's batches, one pipe per worker
    feeds: tuple[Connection, ...]     # the reader's ends of those pipes
    results: tuple[Connection, ...]   # each worker's summary and problems, at its end


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


def _received(inputs: Connection) -> Iterator[Reading]:
    """A worker's lines from the reader, until its end (an empty batch)."""
    while batch := pickle.loads(inputs.recv_bytes()):
        for number, at, line in batch:
            yield number, instant_of(at), checked_elsewhere(read_line(line)) if line is not None else None


def _run_shard(index: int) -> tuple[str, Summary | None, list[BadLine]]:
    job = _JOB
    assert job is not None  # forked from `run`, which sets it
    errors: list[BadLine] = []
    totals = Summary() if job.summary else None
    path = os.path.join(job.folder, f"shard-{index}.jsonl")
    with open(path, "wb") as out:
        for key, (data, text) in replay_readings(job.engine, _received(job.inputs[index]), job.mode, job.until,
                                                 errors, output=decision_line(job.with_state, job.render)):
            out.write(_sort_key(*key) + text)
            if totals is not None:
                totals.add(data)
    return path, totals, errors


def _worker(index: int) -> None:
    """A worker process: its shard, then its result to the parent (a failure as text)."""
    job = _JOB
    assert job is not None
    mine = {id(job.inputs[index]), id(job.results[index])}
    for conn in job.inputs + job.feeds + job.results:  # held open, another's pipe would never end
        if id(conn) not in mine:
            conn.close()
    try:
        result: Any = _run_shard(index)
    except OSError as exc:
        result = f"cannot write the shards' temporary files in {job.folder}: {exc.strerror or exc}"
    except EOFError:  # the reader stopped feeding: another worker failed, it says why
        result = "the --jobs reader stopped"
    except Exception as exc:  # a bug: raised again in the parent, as the contract for bugs asks
        result = exc
    job.results[index].send_bytes(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))


def _merged(paths: list[str]) -> Iterator[bytes]:
    try:  # only reading the shards' files: what the caller does with a line is its own
        with ExitStack() as stack:
            files = [stack.enter_context(open(p, "rb")) for p in paths]
            for line in heapq.merge(*files, key=lambda text: text[:text.index(_SEPARATOR)]):
                yield line[line.index(_SEPARATOR) + 1:]
    except OSError as exc:
        raise ShardsFailed(f"cannot read the shards' temporary files: {exc.strerror or exc}") from None


def run(engine: Engine, lines: Iterable[Line], write: Callable[[bytes], object], jobs: int, mode: str | None,
        until: datetime | None, with_state: bool, render: bool, summary: bool
        ) -> tuple[Summary | None, list[BadLine]]:
    """Replay on `jobs` processes; decisions go to `write` in single-process order.
    Raises ShardsFailed when the shards cannot run."""
    try:
        folder_of_shards = tempfile.TemporaryDirectory(prefix="gongdan-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise ShardsFailed(f"cannot make a folder for the shards' files in {tempfile.gettempdir()}: "
                           f"{exc.strerror or exc}") from None
    errors: list[BadLine] = []
    with folder_of_shards as folder:
        results = _shards(engine, lines, errors, Job(engine, mode, until, with_state, render, summary, jobs, folder,
                                                     (), (), ()))
        for line in _merged([r[0] for r in results]):
            write(line)
    totals = Summary() if summary else None
    for _, part, shard_errors in results:
        errors += shard_errors
        if totals is not None and part is not None:
            totals.merge(part)
    errors.sort(key=BadLine.order)  # as one process meets them
    return totals, errors


def _shards(engine: Engine, lines: Iterable[Line], errors: list[BadLine], plan: Job
            ) -> list[tuple[str, Summary | None, list[BadLine]]]:
    """Fork the workers, feed them what this process reads, collect their results."""
    global _JOB
    fork = multiprocessing.get_context("fork")
    inputs = [fork.Pipe(duplex=False) for _ in range(plan.shards)]
    results = [fork.Pipe(duplex=False) for _ in range(plan.shards)]
    job = Job(plan.engine, plan.mode, plan.until, plan.with_state, plan.render, plan.summary, plan.shards,
              plan.folder, tuple(r for r, _ in inputs), tuple(w for _, w in inputs), tuple(w for _, w in results))
    _JOB = job
    try:
        workers = [fork.Process(target=_worker, args=(k,), daemon=True) for k in range(plan.shards)]
        for worker in workers:
            worker.start()
    finally:
        _JOB = None
    for reader, _ in inputs:
        reader.close()
    for _, writer in results:
        writer.close()
    try:
        try:
            _feed(lines, [w for _, w in inputs], errors)
        except ShardsFailed:  # a worker that ended early may have said why (a bug): that, first
            for conn, _ in results:
                if conn.poll(1.0):
                    with contextlib.suppress(ShardsFailed):
                        _result(conn)
            raise
        return [_result(conn) for conn, _ in results]
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
            worker.join()


def _feed(lines: Iterable[Line], outputs: list[Connection], errors: list[BadLine]) -> None:
    """Read and check each line once; every worker gets every event's time, the owner its line."""
    shards = len(outputs)
    batches: list[list[Tick]] = [[] for _ in outputs]
    try:
        for number, line, parsed in read_events(lines, errors):
            if parsed is None:
                continue
            owner = ticket_shard(parsed.ticket, shards)
            for k, batch in enumerate(batches):
                batch.append((number, parsed.raw["at"], line if k == owner else None))
            if len(batches[0]) >= BATCH:
                _send(outputs, batches)
        _send(outputs, batches)
        _send(outputs, batches)  # an empty batch: the end
    except (BrokenPipeError, ConnectionResetError):
        raise _died() from None
    finally:
        for conn in outputs:
            conn.close()


def _send(outputs: list[Connection], batches: list[list[Tick]]) -> None:
    for conn, batch in zip(outputs, batches, strict=True):
        conn.send_bytes(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
        batch.clear()


def _result(conn: Connection) -> tuple[str, Summary | None, list[BadLine]]:
    """A worker's summary and problems; its failure raised here (a bug as itself)."""
    try:
        result = pickle.loads(conn.recv_bytes())
    except (EOFError, OSError):
        raise _died() from None
    if isinstance(result, str):
        raise ShardsFailed(result)
    if isinstance(result, Exception):
        raise result
    return result  # type: ignore[no-any-return]


def _died() -> ShardsFailed:
    return ShardsFailed("a --jobs worker process died (killed by the system?); run again, or with fewer jobs")
