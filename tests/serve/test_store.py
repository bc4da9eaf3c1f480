"""The store itself, on both implementations: migrations from an older schema, outcomes
fenced by the lease's attempt number, the lock taken while a budget is spent."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from engine.serve.store import NewDelivery, Tx
from engine.serve.store.migrations import LATEST, MIGRATIONS, for_postgres
from engine.serve.store.postgres import redact
from engine.serve.store.urls import open_store
from serving import rows

WALL = 1_000_000.0
ROW = NewDelivery("d-1", "k-1", "T-1", "email", "person:p", {"to": {"person": "p"}}, "pending", None, WALL)


def _version_1(url: str) -> None:
    """A store as the first release left it: migration 1 only."""
    statements = [*MIGRATIONS[0][1], "INSERT INTO meta (name, value) VALUES ('schema_version', '1')"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///"):]) as conn:
            for sql in statements:
                conn.execute(sql)
        return
    import psycopg
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("DROP TABLE meta, tickets, decisions, events_seen, outbox, idempotency, rate_budget, settings, "
                   "replicas")
        for sql in statements:
            pg.execute(for_postgres(sql))


def test_an_older_store_is_migrated_at_open(store_url: Any, tmp_path: Path) -> None:
    url = store_url(tmp_path / "old.db")
    _version_1(url)
    store = open_store(url)
    store.close()
    assert (store.schema_version, LATEST) == (3, 3)
    assert rows(url, "SELECT value FROM meta WHERE name = 'schema_version'") == [("3",)]
    assert rows(url, "SELECT COUNT(*) FROM replicas") == [(0,)]


def _run(url: str, job: Any) -> Any:
    store = open_store(url)
    try:
        return store.submit(job).result()
    finally:
        store.close()


def test_a_sender_whose_lease_was_taken_over_marks_nothing(store_url: Any, tmp_path: Path) -> None:
    url = store_url(tmp_path / "fence.db")

    def job(tx: Tx) -> list[int]:
        tx.add_deliveries([ROW], WALL)
        tx.lease(["d-1"], WALL + 30)      # attempt 1: its sender stalls past the lease
        tx.lease(["d-1"], WALL + 60)      # attempt 2: another sender took the row over
        return [tx.mark_sent([("d-1", 1)], WALL + 40), tx.reschedule([("d-1", 1)], WALL + 99, "late"),
                tx.mark_failed([("d-1", 1)], "late"), tx.mark_sent([("d-1", 2)], WALL + 41)]
    assert _run(url, job) == [0, 0, 0, 1]
    assert rows(url, "SELECT status, attempts, sent_at, last_error FROM outbox") == [("sent", 2, WALL + 41, None)]


def test_budget_accounting(store_url: Any, tmp_path: Path) -> None:
    url = store_url(tmp_path / "budget.db")

    def job(tx: Tx) -> list[int]:
        before = tx.budget_used("robot", 60.0)
        tx.spend_budget("robot", 60.0, 3)
        tx.spend_budget("robot", 60.0, 2)
        spent = tx.budget_used("robot", 60.0)
        tx.spend_budget("robot", 120.0, 1)   # a new window drops the older ones
        return [before, spent, tx.budget_used("robot", 120.0)]
    assert _run(url, job) == [0, 5, 1]
    assert rows(url, "SELECT endpoint, window_start, count FROM rate_budget") == [("robot", 120.0, 1)]


@pytest.mark.parametrize(("url", "shown"), [
    pytest.param("postgresql://gongdan:s3cret@db.internal:5432/gongdan",
                 "postgresql://gongdan:***@db.internal:5432/gongdan", id="password"),
    pytest.param("postgresql:///gongdan?host=/run/postgresql", "postgresql:///gongdan?host=/run/postgresql",
                 id="socket"),
    pytest.param("postgresql://gongdan@db/g", "postgresql://gongdan@db/g", id="no-password"),
])
def test_the_url_shown_has_no_password(url: str, shown: str) -> None:
    assert redact(url) == shown
