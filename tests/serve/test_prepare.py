"""Events decided before their write job (`ingest.prepare_event`): the writer stores such a
decision only when the ticket's row is still the one it was made on, so what is stored and
answered is byte for byte what deciding in the writer gives, whatever moved meanwhile."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.jsonio import dumps
from engine.serve.clock import WallClock
from engine.serve.encoded import encode
from engine.serve.ingest import Context, Outcome, Prepared, apply_event, prepare_event, prepare_events
from engine.serve.store import TicketRow
from engine.serve.store.sqlite import SQLiteStore
from helpers import REPO
from serving import Running, Start, rows, stream

STORED = ["SELECT id, state, version, next_wakeup, utc_offset, closed FROM tickets ORDER BY id",
          "SELECT ticket, seq, event, at, body, source FROM decisions ORDER BY ticket, seq",
          "SELECT ticket, type, at, body_sha256, seq FROM events_seen ORDER BY ticket, seq",
          "SELECT id, key, ticket, channel, endpoint, payload, status, last_error FROM outbox ORDER BY id"]


@pytest.fixture
def store_kind() -> str:
    """Only SQLite prepares (a shared store's writer decides every event itself)."""
    return "sqlite"


def ahead(events: list[dict[str, Any]], days: float = 2.0) -> list[dict[str, Any]]:
    """The events moved so the first is `days` from now: on the wall clock nothing falls due
    while a test runs, and a later event of a ticket may still find steps due before it."""
    first = datetime.fromisoformat(events[0]["at"])
    shift = datetime.now(first.tzinfo) + timedelta(days=days) - first
    return [{**e, "at": (datetime.fromisoformat(e["at"]) + shift).replace(microsecond=0).isoformat()}
            for e in events]


def _stored(s: Running) -> list[list[tuple[Any, ...]]]:
    return [s.rows(sql) for sql in STORED]


def _prepared(s: Running) -> dict[str, float | None]:
    get = s.service.metrics.registry.get_sample_value
    return {r: get("gongdan_events_prepared_total", {"result": r}) for r in ("held", "decided_again")}


@pytest.mark.parametrize(("batch", "counts"), [
    pytest.param(1, {"held": 285.0, "decided_again": None}, id="single-events"),
    pytest.param(60, {"held": 281.0, "decided_again": None}, id="batches-of-60"),
])
def test_prepared_decisions_store_and_answer_what_the_writer_decides(start: Start, tmp_path: Path, batch: int,
                                                                     counts: dict[str, float | None]) -> None:
    events = ahead(stream(300))
    events += [events[5], {**events[7], "at": events[0]["at"]}]   # a duplicate; one older than its ticket's last
    fast = start(clock=WallClock(), db=tmp_path / "prepared.db")
    slow = start(clock=WallClock(), db=tmp_path / "writer.db", prepare=False)
    for i in range(0, len(events), batch):
        chunk = events[i:i + batch] if batch > 1 else events[i]
        got, want = fast.post(chunk), slow.post(chunk)
        assert (got.status_code, got.content) == (want.status_code, want.content)
    assert _stored(fast) == _stored(slow)
    assert _prepared(slow) == {"held": None, "decided_again": None}
    # the 17 others: due steps to fire first (in the writer, and in a batch the ticket's
    # later events), a `created` sent again, an event older than its ticket's last
    assert _prepared(fast) == counts


def test_an_answer_is_the_encoding_of_the_decision_with_its_state(reference: engine.Engine) -> None:
    state = None
    for event in stream(40):
        if event["ticket"] != "D11-001488":
            continue
        decision = reference.evaluate(event, state)
        encoded = encode(decision)
        assert encoded.answer() == dumps(decision.to_dict())
        assert json.loads(encoded.body_json) == decision.to_dict(with_state=False)
        state = decision.state


def _context(eng: engine.Engine, mode: str | None = None) -> Context:
    return Context(eng, WallClock(), frozenset({"email"}), mode)


def _apply(store: SQLiteStore, ctx: Context, event: dict[str, Any], prepared: Prepared | None = None) -> Outcome:
    return store.submit(lambda tx: apply_event(tx, ctx, event, prepared)).result()


def _row(store: SQLiteStore, ticket: str) -> TicketRow | None:
    return store.read(lambda r: r.ticket(ticket))


def _tables(store: SQLiteStore) -> list[list[tuple[Any, ...]]]:
    return [rows(store.url, sql) for sql in STORED]


def test_a_decision_prepared_on_a_row_that_moved_on_is_made_again(tmp_path: Path, reference: engine.Engine) -> None:
    created, ack, resolved = ahead([
        {"type": "created", "ticket": "T-1", "at": "2026-11-10T12:02:25+08:00", "severity": "P2",
         "category": "infrastructure/security/data-leak", "source": "monitor"},
        {"type": "acknowledged", "ticket": "T-1", "at": "2026-11-10T12:05:00+08:00", "by": "on-duty"},
        {"type": "resolved", "ticket": "T-1", "at": "2026-11-10T12:06:00+08:00"}])
    ctx = _context(reference)
    moved, straight = SQLiteStore(str(tmp_path / "moved.db")), SQLiteStore(str(tmp_path / "straight.db"))
    try:
        for store in (moved, straight):
            _apply(store, ctx, created)
        stale = prepare_event(ctx, resolved, _row(moved, "T-1"))   # before the acknowledgement is stored
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


def test_a_batch_is_decided_on_the_rows_its_earlier_events_leave(reference: engine.Engine) -> None:
    events = ahead(stream(40))
    ctx = _context(reference)
    reads: list[str] = []

    def read(ticket: str) -> TicketRow | None:
        reads.append(ticket)
        return None
    prepared = list(prepare_events(ctx, read, events))
    assert reads == list(dict.fromkeys(e["ticket"] for e in events))   # each ticket read once
    state: dict[str, Any] = {}
    wakeup: dict[str, float | None] = {}
    unknown: set[str] = set()
    for event, p in zip(events, prepared, strict=True):
        ticket, at = event["ticket"], datetime.fromisoformat(event["at"]).timestamp()
        if ticket in unknown or (wakeup.get(ticket) or at + 1) <= at:   # due steps fire first, in the writer
            assert p is None
            unknown.add(ticket)
            continue
        decision = reference.evaluate(event, state.get(ticket))
        assert p is not None and p.encoded.answer() == dumps(decision.to_dict())
        state[ticket], wakeup[ticket] = json.loads(p.encoded.state_json), decision.next_wakeup_ts
    assert unknown == {"D11-000574", "D11-001064", "D11-001488"}   # both kinds are seen


CREATED = {"type": "created", "ticket": "H-1", "at": "2026-11-10T12:02:25+08:00",
           "category": "infrastructure/security/data-leak", "source": "monitor"}


@pytest.mark.parametrize(("change", "holds"), [
    pytest.param({}, True, id="the-same-row"),
    pytest.param({"engine": "another"}, False, id="the-config-reloaded"),
    pytest.param({"mode": "promotion"}, False, id="the-mode-overridden"),
    pytest.param({"version": 2}, False, id="another-version"),
    pytest.param({"state": "changed"}, False, id="another-state"),
    pytest.param({"row": None}, False, id="the-row-gone"),
])
def test_a_prepared_decision_holds_only_for_its_engine_mode_and_row(reference: engine.Engine,
                                                                    change: dict[str, Any], holds: bool) -> None:
    first = reference.evaluate(CREATED)
    row = TicketRow("H-1", json.loads(encode(first).state_json), 1, first.next_wakeup_ts, 28800, False)
    ack = {"type": "acknowledged", "ticket": "H-1", "at": "2026-11-10T12:03:00+08:00", "by": "on-duty"}
    prepared = prepare_event(_context(reference), ack, row)
    assert prepared is not None
    eng = engine.load(REPO) if change.get("engine") else reference
    found: TicketRow | None = row
    if "version" in change:
        found = TicketRow(row.id, row.state, change["version"], row.next_wakeup, row.utc_offset, row.closed)
    if "state" in change:
        found = TicketRow(row.id, {**row.state, "tags": ["changed"]}, 1, row.next_wakeup, row.utc_offset, row.closed)
    if "row" in change:
        found = None
    assert prepared.holds(_context(eng, change.get("mode")), found) is holds


def test_nothing_is_prepared_where_the_writer_must_decide(reference: engine.Engine) -> None:
    first = reference.evaluate(CREATED)
    row = TicketRow("H-1", first.state, 1, first.next_wakeup_ts, 28800, False)
    closed_row = TicketRow("H-1", first.state, 1, None, 28800, True)
    ctx = _context(reference)
    late_ack = {"type": "acknowledged", "ticket": "H-1", "at": "2026-11-11T12:03:00+08:00", "by": "on-duty"}
    assert prepare_event(ctx, CREATED, row) is None                  # created again: a 409 in the writer
    assert prepare_event(ctx, late_ack, None) is None                # unknown ticket: a 404
    assert prepare_event(ctx, late_ack, closed_row) is None          # closed: a 409
    assert prepare_event(ctx, late_ack, row) is None                 # due steps before it fire first
    assert prepare_event(ctx, {**CREATED, "severity": "P9"}, None) is None   # the engine refuses it: a 422
    assert prepare_event(ctx, [CREATED], None) is None
