"""Events decided before their write lock (`prepare.py`, the writer of a store that worker
processes share): a decision prepared on a ticket's committed row is stored only when the
row found under the lock is still that one, so what is stored and answered is byte for byte
what deciding under the lock gives, whatever another process committed meanwhile."""
from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.jsonio import dumps, dumps_text
from engine.serve.clock import ReplayClock
from engine.serve.encoded import encode
from engine.serve.ingest import Context, Outcome, apply_event, event_basics
from engine.serve.prepare import EventJob, Prepared, prepare_event
from engine.serve.problems import Problem
from engine.serve.store import Reader, TicketRow, Tx
from engine.serve.store.sqlite import SQLiteStore
from engine.serve.store.sqlite_tx import SQLiteReader
from helpers import REPO
from serving import Running, Start, StillClock, rows, stream

STORED = ["SELECT id, state, version, next_wakeup, utc_offset, closed FROM tickets ORDER BY id",
          "SELECT ticket, seq, event, at, body, source FROM decisions ORDER BY ticket, seq",
          "SELECT ticket, type, at, body_sha256, seq FROM events_seen ORDER BY ticket, seq",
          "SELECT id, key, ticket, channel, endpoint, payload, status, last_error FROM outbox ORDER BY id"]
Tables = list[list[tuple[Any, ...]]]


@pytest.fixture
def store_kind() -> str:
    """Only a shared SQLite store prepares (PostgreSQL's writer decides every event itself)."""
    return "sqlite"


def _stored(s: Running) -> Tables:
    return [s.rows(sql) for sql in STORED]


def _prepared(s: Running) -> dict[str, float | None]:
    get = s.service.metrics.registry.get_sample_value
    return {r: get("gongdan_events_prepared_total", {"result": r}) for r in ("held", "decided_again")}


@pytest.mark.parametrize(("batch", "counts"), [
    pytest.param(1, {"held": 282.0, "decided_again": None}, id="single-events"),
    pytest.param(60, {"held": 279.0, "decided_again": None}, id="batches-of-60"),
])
def test_a_shared_store_stores_and_answers_what_a_plain_one_does(start: Start, tmp_path: Path, batch: int,
                                                                 counts: dict[str, float | None]) -> None:
    events = stream(300)
    # a `created` sent again; an event older than its ticket's last; a ticket's last event sent
    # again (a client's retry: prepared, its ticket's row allowing it, then a duplicate)
    events += [events[5], {**events[7], "at": events[0]["at"]}, events[295]]
    shared = start(clock=StillClock(), db=tmp_path / "shared.db", processes=2)
    plain = start(clock=StillClock(), db=tmp_path / "plain.db")
    assert (shared.service.store.shared, plain.service.store.shared) == (True, False)
    for i in range(0, len(events), batch):
        chunk = events[i:i + batch] if batch > 1 else events[i]
        got, want = shared.post(chunk), plain.post(chunk)
        assert (got.status_code, got.content) == (want.status_code, want.content)
    assert _stored(shared) == _stored(plain)
    assert _prepared(plain) == {"held": None, "decided_again": None}
    # one process: nothing commits between prepare and lock, so every prepared decision
    # holds (none is decided again). Of the 303 events, 21 are not counted: 18 with due
    # steps to fire first (#10, #18, #57, #58, #64, #102, #123, #148, #184, #197, #211, #213,
    # #220, #221, #226, #261, #267, #285), the `created` sent again, the event older than
    # its ticket's last (a 409), all left to the writer, and the retry, prepared but a
    # duplicate (it stores and decides nothing); in batches of 60 also the 3 events (#44,
    # #155, #224) whose ticket had one with due steps earlier in the same batch. The
    # events keep their own times (the clock stands before them), so these are the same
    # whenever the test runs
    assert _prepared(shared) == counts


def _context(eng: engine.Engine, mode: str | None = None) -> Context:
    return Context(eng, StillClock(), frozenset({"email"}), mode)


def _prepare(ctx: Context, event: Any, row: TicketRow | None) -> Prepared | None:
    basics = event_basics(event)
    assert basics is not None
    return prepare_event(ctx, event, basics, row)


CREATED = {"type": "created", "ticket": "H-1", "at": "2026-11-10T12:02:25+08:00",
           "category": "infrastructure/security/data-leak", "source": "monitor"}
ACK = {"type": "acknowledged", "ticket": "H-1", "at": "2026-11-10T12:03:00+08:00", "by": "on-duty"}


def _first_row(reference: engine.Engine) -> TicketRow:
    """H-1's row after CREATED, as the store's reader gives it (with its state's text)."""
    encoded = encode(reference.evaluate(CREATED))
    return encoded.row(None, 28800)


def _other_state(row: TicketRow) -> TicketRow:
    state = {**row.state, "tags": ["changed"]}
    return replace(row, state=state, state_json=dumps_text(state))


@pytest.mark.parametrize(("found", "eng", "mode", "holds"), [
    pytest.param(lambda row: row, "same", None, True, id="the-same-row"),
    pytest.param(lambda row: replace(row, state_json=None), "same", None, True, id="the-same-row-decoded"),
    pytest.param(lambda row: row, "reloaded", None, False, id="the-config-reloaded"),
    pytest.param(lambda row: row, "same", "promotion", False, id="the-mode-overridden"),
    pytest.param(lambda row: replace(row, version=2), "same", None, False, id="another-version"),
    pytest.param(_other_state, "same", None, False, id="another-state"),
    pytest.param(lambda row: replace(_other_state(row), state_json=None), "same", None, False,
                 id="another-state-decoded"),
    pytest.param(lambda row: None, "same", None, False, id="the-row-gone"),
])
def test_a_prepared_decision_holds_only_for_its_engine_mode_and_row(
        reference: engine.Engine, found: Callable[[TicketRow], TicketRow | None], eng: str, mode: str | None,
        holds: bool) -> None:
    row = _first_row(reference)
    prepared = _prepare(_context(reference), ACK, row)
    assert prepared is not None and prepared.base is row
    writer = engine.load(REPO) if eng == "reloaded" else reference
    assert prepared.holds(_context(writer, mode), found(row)) is holds


def test_a_created_prepared_on_no_row_holds_only_while_there_is_none(reference: engine.Engine) -> None:
    prepared = _prepare(_context(reference), CREATED, None)
    assert prepared is not None and prepared.base is None
    assert prepared.holds(_context(reference), None) is True
    assert prepared.holds(_context(reference), _first_row(reference)) is False   # another `created` won


def test_nothing_is_prepared_where_the_writer_must_decide(reference: engine.Engine) -> None:
    row = _first_row(reference)
    closed_row = replace(row, next_wakeup=None, closed=True)
    ctx = _context(reference)
    late_ack = {**ACK, "at": "2026-11-11T12:03:00+08:00"}
    assert row.next_wakeup is not None and row.next_wakeup <= datetime.fromisoformat(late_ack["at"]).timestamp()
    assert _prepare(ctx, ACK, row) is not None                       # the same event, on time: prepared
    assert _prepare(ctx, CREATED, row) is None                       # created again: a 409 in the writer
    assert _prepare(ctx, ACK, None) is None                          # unknown ticket: a 404
    assert _prepare(ctx, ACK, closed_row) is None                    # closed: a 409
    assert _prepare(ctx, late_ack, row) is None                      # due steps before it fire first
    assert _prepare(ctx, {**CREATED, "severity": "P9"}, None) is None   # the engine refuses it: a 422
    assert _prepare(replace(ctx, clock=ReplayClock(0.0)), ACK, row) is None   # the replay clock fires first


def test_a_malformed_event_is_left_to_the_writer(tmp_path: Path, reference: engine.Engine) -> None:
    store = SQLiteStore(str(tmp_path / "g.db"))
    try:
        jobs = [EventJob(lambda: _context(reference), e) for e in ([CREATED], {**CREATED, "at": "yesterday"})]
        scratch: dict[str, Any] = {}
        store.read(lambda r: [job.prepare(r, scratch) for job in jobs])
        assert [job.prepared for job in jobs] == [None, None]
        assert scratch == {}
    finally:
        store.close()


def _apply(store: SQLiteStore, ctx: Context, event: dict[str, Any], prepared: Prepared | None = None) -> Outcome:
    return store.submit(lambda tx: apply_event(tx, ctx, event, prepared)).result()


def _row(store: SQLiteStore, ticket: str) -> TicketRow | None:
    return store.read(lambda r: r.ticket(ticket))


def _tables(store: SQLiteStore) -> Tables:
    return [rows(store.url, sql) for sql in STORED]


def test_a_decision_prepared_on_a_row_that_moved_on_is_made_again(tmp_path: Path, reference: engine.Engine) -> None:
    created, ack, resolved = [
        {**CREATED, "ticket": "T-1", "severity": "P2"}, {**ACK, "ticket": "T-1", "at": "2026-11-10T12:05:00+08:00"},
        {"type": "resolved", "ticket": "T-1", "at": "2026-11-10T12:06:00+08:00"}]
    ctx = _context(reference)
    moved, straight = SQLiteStore(str(tmp_path / "moved.db"), shared=True), SQLiteStore(str(tmp_path / "straight.db"))
    try:
        for store in (moved, straight):
            _apply(store, ctx, created)
        stale = _prepare(ctx, resolved, _row(moved, "T-1"))   # before the acknowledgement is stored
        assert stale is not None and stale.base is not None and stale.base.version == 1
        for store in (moved, straight):
            _apply(store, ctx, ack)
        got, want = _apply(moved, ctx, resolved, stale), _apply(straight, ctx, resolved)
        assert (got.held, want.held) == (False, None)
        assert got.encoded is not None and want.encoded is not None
        assert got.encoded.answer() == want.encoded.answer() != stale.encoded.answer()
        assert _tables(moved) == _tables(straight)
    finally:
        moved.close()
        straight.close()


class CountingReader(SQLiteReader):
    """The store's reader, noting which tickets' rows were read."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self.reads: list[str] = []

    def ticket(self, ticket_id: str) -> TicketRow | None:
        self.reads.append(ticket_id)
        return super().ticket(ticket_id)


def test_a_group_is_prepared_on_the_rows_its_earlier_events_leave(tmp_path: Path, reference: engine.Engine) -> None:
    events = stream(60)
    ctx = _context(reference)
    jobs = [EventJob(lambda: ctx, e) for e in events]
    store = SQLiteStore(str(tmp_path / "group.db"))
    try:
        def prepare_all(r: Reader) -> list[str]:
            assert isinstance(r, SQLiteReader)
            reader = CountingReader(r.conn)
            scratch: dict[str, Any] = {}
            for job in jobs:
                job.prepare(reader, scratch)
            return reader.reads
        reads = store.read(prepare_all)
    finally:
        store.close()
    assert reads == list(dict.fromkeys(e["ticket"] for e in events))   # each ticket's row read once
    state: dict[str, Any] = {}
    wakeup: dict[str, float | None] = {}
    unprepared: set[str] = set()
    due_first: list[int] = []
    after: list[int] = []     # a ticket's events after its unprepared one
    for i, (event, job) in enumerate(zip(events, jobs, strict=True)):
        ticket, at = event["ticket"], datetime.fromisoformat(event["at"]).timestamp()
        if ticket in unprepared:
            after.append(i)
        elif (wakeup.get(ticket) or at + 1) <= at:   # due steps to fire first: the writer decides
            due_first.append(i)
            unprepared.add(ticket)
        else:
            decision = reference.evaluate(event, state.get(ticket))
            assert job.prepared is not None and job.prepared.encoded.answer() == dumps(decision.to_dict())
            state[ticket], wakeup[ticket] = json.loads(job.prepared.encoded.state_json), decision.next_wakeup_ts
            continue
        assert job.prepared is None
    assert (due_first, after) == ([10, 18, 57, 58], [44])


# the events of five tickets of the example stream (one with due steps before two of its
# events), a `created` and an acknowledgement sent again: what two processes' groups
# share, and race for
TICKETS = ("D11-002731", "D11-001798", "D11-001828", "D11-001603", "D11-001355")
RACED = [e for e in stream(300) if e["ticket"] in TICKETS]
RACED += [RACED[3], RACED[4]]


def _answer(future: Future[Outcome]) -> tuple[Any, ...]:
    """What a client is answered (the bytes, or the problem), and whether it was held."""
    try:
        outcome = future.result()
    except Problem as p:
        return p.status, p.slug, p.detail, p.field
    body = outcome.encoded.answer() if outcome.encoded is not None else dumps(outcome.body)
    return outcome.duplicate, body, outcome.held


class Race:
    """Two processes' stores on one file (`SQLiteStore(shared=True)` each): a process takes
    the next events as a group and prepares them on what is committed; later it commits the
    group, the other process's commits perhaps in between. `straight` applies the same
    events in the same commit order, unprepared, on a file of its own."""

    def __init__(self, folder: Path, ctx: Context) -> None:
        self.ctx = ctx
        self.procs = (SQLiteStore(str(folder / "shared.db"), shared=True),
                      SQLiteStore(str(folder / "shared.db"), shared=True))
        self.straight = SQLiteStore(str(folder / "straight.db"))
        self.pending: dict[int, list[EventJob]] = {}
        self.taken = 0
        self.answers: list[tuple[Any, ...]] = []
        self.order: list[dict[str, Any]] = []

    def step(self, proc: int, size: int) -> None:
        """Commit `proc`'s prepared group if it has one, else prepare its next `size` events
        (0: submit the next 3 to its writer, which prepares them just before its lock)."""
        if proc in self.pending:
            jobs = self.pending.pop(proc)
            # submitted wrapped (a lambda has no `prepare`): the writer keeps the decisions
            # prepared before, as if it had taken the lock only now
            self._commit(proc, jobs, [lambda tx, job=job: job(tx) for job in jobs])
            return
        jobs = [EventJob(lambda: self.ctx, e) for e in RACED[self.taken:self.taken + (size or 3)]]
        self.taken += len(jobs)
        if size == 0:
            self._commit(proc, jobs, list(jobs))
            return
        scratch: dict[str, Any] = {}
        self.procs[proc].read(lambda r: [job.prepare(r, scratch) for job in jobs])
        self.pending[proc] = jobs

    def _commit(self, proc: int, jobs: list[EventJob], submitted: list[Callable[[Tx], Outcome]]) -> None:
        futures = [self.procs[proc].submit(job) for job in submitted]
        self.answers += [_answer(f) for f in futures]
        self.order += [job.event for job in jobs]

    def finish(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Commit what is pending; the answers of the shared store and of the straight one."""
        for proc in sorted(self.pending):
            self.step(proc, 0)
        straight = [_answer(self.straight.submit(lambda tx, e=e: apply_event(tx, self.ctx, e))) for e in self.order]
        return self.answers, straight

    def close(self) -> None:
        for store in (*self.procs, self.straight):
            store.close()


def _race(reference: engine.Engine, steps: list[tuple[int, int]]) -> tuple[list[Any], Tables, Tables]:
    """The answers (without `held`) compared, the held flags, and both stores' tables."""
    with tempfile.TemporaryDirectory() as folder:
        race = Race(Path(folder), _context(reference))
        try:
            for proc, size in steps:
                race.step(proc, size)
            got, want = race.finish()
            assert [a[:-1] if len(a) == 3 else a for a in got] == [a[:-1] if len(a) == 3 else a for a in want]
            return [a[-1] if len(a) == 3 else "refused" for a in got], _tables(race.procs[0]), _tables(race.straight)
        finally:
            race.close()


def test_an_event_prepared_before_another_process_commits_is_decided_again(reference: engine.Engine) -> None:
    # process 0 stores D11-001798's `created`; process 1 prepares its acknowledgement and
    # process 0 its transfer, both on that row; process 1 commits first, so the transfer
    # was prepared on a row that moved on: decided again, on the acknowledged row
    assert [(e["ticket"], e["type"]) for e in RACED[:3]] == [
        ("D11-001798", "created"), ("D11-001798", "acknowledged"), ("D11-001798", "transferred")]
    held, shared, straight = _race(reference, [(0, 1), (0, 1), (1, 1), (0, 1), (1, 1), (0, 1)])
    assert held == [True, True, False]
    assert shared == straight
    assert [(r[0], r[2]) for r in shared[0]] == [("D11-001798", 3)]   # the ticket at its third version


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from((0, 1)), st.integers(0, 6)), min_size=1, max_size=16))
def test_any_interleaving_of_two_processes_stores_what_one_writer_does(reference: engine.Engine,
                                                                       steps: list[tuple[int, int]]) -> None:
    held, shared, straight = _race(reference, steps)
    hypothesis.event(f"some decided again: {False in held}")
    assert shared == straight
