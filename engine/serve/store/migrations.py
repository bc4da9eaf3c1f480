"""The store's schema as numbered migrations, applied in order at start; `meta` records
the version reached. One text for both databases: SQLite takes it as written, PostgreSQL
after `for_postgres` (REAL is 8 bytes in SQLite but 4 in PostgreSQL, where epoch seconds
need DOUBLE PRECISION)."""
from __future__ import annotations

import re

Migrations = tuple[tuple[int, tuple[str, ...]], ...]

MIGRATIONS: Migrations = (
    (1, (
        "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # closed tickets keep their row (GET shows them; a late event gets a 409), but leave
        # the wake-up index: next_wakeup is NULL once closed, and the index is partial.
        """CREATE TABLE tickets (
            id TEXT PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL,
            next_wakeup REAL, utc_offset INTEGER NOT NULL, closed INTEGER NOT NULL,
            updated_at REAL NOT NULL)""",
        "CREATE INDEX tickets_wakeup ON tickets (next_wakeup) WHERE next_wakeup IS NOT NULL",
        """CREATE TABLE decisions (
            ticket TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL, at TEXT NOT NULL,
            body TEXT NOT NULL, source TEXT, PRIMARY KEY (ticket, seq))""",
        """CREATE TABLE events_seen (
            ticket TEXT NOT NULL, type TEXT NOT NULL, at TEXT NOT NULL, body_sha256 TEXT NOT NULL,
            seq INTEGER NOT NULL, PRIMARY KEY (ticket, type, at, body_sha256))""",
        """CREATE TABLE outbox (
            id TEXT PRIMARY KEY, key TEXT NOT NULL UNIQUE, ticket TEXT NOT NULL,
            channel TEXT NOT NULL, endpoint TEXT NOT NULL, payload TEXT NOT NULL,
            status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL, lease_until REAL, last_error TEXT, sent_at REAL,
            created_at REAL NOT NULL)""",
        "CREATE INDEX outbox_ready ON outbox (next_attempt_at) WHERE status IN ('pending', 'leased')",
        "CREATE INDEX outbox_ticket ON outbox (ticket)",
        """CREATE TABLE idempotency (
            key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status TEXT NOT NULL,
            response_status INTEGER, response TEXT, created_at REAL NOT NULL)""",
        """CREATE TABLE rate_budget (
            endpoint TEXT NOT NULL, window_start REAL NOT NULL, count INTEGER NOT NULL,
            PRIMARY KEY (endpoint, window_start))""",
        "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )),
    (2, (
        # one row per service process (replica), written by its heartbeat: /v1/status lists
        # the ones seen recently
        """CREATE TABLE replicas (
            id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,
            started_at REAL NOT NULL, last_seen REAL NOT NULL)""",
    )),
    (3, (
        # retention (Service.prune) finds what it may delete through these, not by scanning
        "CREATE INDEX tickets_closed ON tickets (updated_at) WHERE closed = 1",
        "CREATE INDEX outbox_sent ON outbox (sent_at) WHERE status = 'sent'",
        "CREATE INDEX idempotency_created ON idempotency (created_at)",
    )),
)

LATEST = MIGRATIONS[-1][0]


def for_postgres(sql: str) -> str:
    """A migration statement as PostgreSQL needs it."""
    return re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
