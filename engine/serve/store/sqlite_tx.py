"""The store's operations as SQL on one SQLite connection: `SQLiteTx` for the writer,
whose reads see its own transaction, and the same reads for the read connections."""
from __future__ import annotations

import sqlite3
from typing import Any

from engine.jsonio import dumps_text, loads
from engine.serve.store import (
    DecisionRow,
    IdempotencyRow,
    NaturalKey,
    NewDelivery,
    OutboxRow,
    ReplicaRow,
    TicketRow,
)

_OUTBOX_COLUMNS = ("id, key, ticket, channel, endpoint, payload, status, attempts, next_attempt_at, "
                   "lease_until, last_error, sent_at, created_at")


def _outbox_row(r: tuple[Any, ...]) -> OutboxRow:
    return OutboxRow(r[0], r[1], r[2], r[3], r[4], loads(r[5]), r[6], r[7], r[8], r[9], r[10],
                     r[11], r[12])


def _in(ids: list[str]) -> str:
    return ",".join("?" * len(ids))


class SQLiteReader:
    """Reads on one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def ticket(self, ticket_id: str) -> TicketRow | None:
        r = self.conn.execute("SELECT id, state, version, next_wakeup, utc_offset, closed FROM tickets "
                              "WHERE id = ?", (ticket_id,)).fetchone()
        return TicketRow(r[0], loads(r[1]), r[2], r[3], r[4], bool(r[5]), state_json=r[1]) if r else None

    def decisions(self, ticket_id: str) -> list[DecisionRow]:
        rows = self.conn.execute("SELECT ticket, seq, event, at, body, source FROM decisions "
                                 "WHERE ticket = ? ORDER BY seq", (ticket_id,))
        return [DecisionRow(r[0], r[1], r[2], r[3], loads(r[4]), loads(r[5]) if r[5] else None)
                for r in rows]

    def decision_log(self) -> list[DecisionRow]:
        rows = self.conn.execute("SELECT ticket, seq, event, at, body, source FROM decisions ORDER BY ticket, seq")
        return [DecisionRow(r[0], r[1], r[2], r[3], loads(r[4]), loads(r[5]) if r[5] else None)
                for r in rows]

    def deliveries(self, ticket_id: str) -> list[OutboxRow]:
        rows = self.conn.execute(f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE ticket = ? "
                                 "ORDER BY created_at, id", (ticket_id,))
        return [_outbox_row(r) for r in rows]

    def earliest_wakeup(self) -> float | None:
        r = self.conn.execute("SELECT MIN(next_wakeup) FROM tickets WHERE next_wakeup IS NOT NULL").fetchone()
        return float(r[0]) if r and r[0] is not None else None

    def due_tickets(self, until: float, limit: int) -> list[tuple[str, float]]:
        rows = self.conn.execute("SELECT id, next_wakeup FROM tickets WHERE next_wakeup IS NOT NULL "
                                 "AND next_wakeup <= ? ORDER BY next_wakeup, id LIMIT ?", (until, limit))
        return [(str(r[0]), float(r[1])) for r in rows]

    def earliest_attempt(self) -> float | None:
        r = self.conn.execute("SELECT MIN(COALESCE(lease_until, next_attempt_at)) FROM outbox "
                              "WHERE status IN ('pending', 'leased')").fetchone()
        return float(r[0]) if r and r[0] is not None else None

    def backlog(self) -> tuple[int, float | None]:
        r = self.conn.execute("SELECT COUNT(*), MIN(created_at) FROM outbox "
                              "WHERE status IN ('pending', 'leased')").fetchone()
        return int(r[0]), (float(r[1]) if r[1] is not None else None)

    def setting(self, name: str) -> str | None:
        r = self.conn.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return str(r[0]) if r else None

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("tickets", "decisions", "events_seen", "outbox", "idempotency"):
            out[table] = int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        return out

    def replicas(self, since: float) -> list[ReplicaRow]:
        rows = self.conn.execute("SELECT id, host, pid, started_at, last_seen FROM replicas "
                                 "WHERE last_seen >= ? ORDER BY id", (since,))
        return [ReplicaRow(*r) for r in rows]

    def database(self) -> dict[str, Any]:
        version = self.conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
        return {"kind": "sqlite", "schema_version": int(version[0]) if version else 0,
                "sqlite_version": sqlite3.sqlite_version}

    def database_now(self) -> float | None:
        return None   # SQLite has no clock of its own worth sharing: the service's clock is it


class SQLiteTx(SQLiteReader):
    """One write transaction; remembers what the commit listeners need to hear."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self.earliest: float | None = None
        self.added = 0

    def lock_ticket(self, ticket_id: str) -> None:
        """Nothing to do: the one writer thread serialises every write."""

    def save_ticket(self, row: TicketRow, updated_at: float) -> None:
        self.conn.execute(
            "INSERT INTO tickets (id, state, version, next_wakeup, utc_offset, closed, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
            "version = excluded.version, next_wakeup = excluded.next_wakeup, "
            "utc_offset = excluded.utc_offset, closed = excluded.closed, updated_at = excluded.updated_at",
            (row.id, row.state_json or dumps_text(row.state), row.version, row.next_wakeup, row.utc_offset,
             int(row.closed), updated_at))
        if row.next_wakeup is not None and (self.earliest is None or row.next_wakeup < self.earliest):
            self.earliest = row.next_wakeup

    def append_decision(self, ticket: str, event: str, at: str, body: dict[str, Any],
                        source: dict[str, Any] | None, body_json: str | None = None) -> int:
        # one statement (as on PostgreSQL): the next seq is read and written together
        r = self.conn.execute("INSERT INTO decisions (ticket, seq, event, at, body, source) "
                              "SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ? FROM decisions WHERE ticket = ? "
                              "RETURNING seq", (ticket, event, at, body_json or dumps_text(body),
                                                dumps_text(source) if source is not None else None,
                                                ticket)).fetchone()
        return int(r[0])

    def decision(self, ticket: str, seq: int) -> DecisionRow | None:
        r = self.conn.execute("SELECT ticket, seq, event, at, body, source FROM decisions "
                              "WHERE ticket = ? AND seq = ?", (ticket, seq)).fetchone()
        return DecisionRow(r[0], r[1], r[2], r[3], loads(r[4]), loads(r[5]) if r[5] else None) if r else None

    def seen_event(self, key: NaturalKey) -> tuple[str, int] | None:
        r = self.conn.execute("SELECT ticket, seq FROM events_seen WHERE ticket = ? AND type = ? AND at = ? "
                              "AND body_sha256 = ?", key).fetchone()
        return (str(r[0]), int(r[1])) if r else None

    def remember_event(self, key: NaturalKey, seq: int) -> None:
        self.conn.execute("INSERT INTO events_seen (ticket, type, at, body_sha256, seq) VALUES (?, ?, ?, ?, ?)",
                          (*key, seq))

    def add_deliveries(self, rows: list[NewDelivery], first_attempt: float) -> int:
        before = self.conn.total_changes
        self.conn.executemany(
            "INSERT INTO outbox (id, key, ticket, channel, endpoint, payload, status, attempts, "
            "next_attempt_at, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(d.id, d.key, d.ticket, d.channel, d.endpoint, d.payload_json or dumps_text(d.payload), d.status,
              first_attempt, d.last_error, d.created_at) for d in rows])
        added = self.conn.total_changes - before
        self.added += added
        return added

    def ready_deliveries(self, now: float, limit: int) -> list[OutboxRow]:
        # pending rows whose time has come, and leases a crashed sender never gave back
        rows = self.conn.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE (status = 'pending' AND next_attempt_at <= ?) "
            "OR (status = 'leased' AND lease_until <= ?) ORDER BY next_attempt_at, id LIMIT ?", (now, now, limit))
        return [_outbox_row(r) for r in rows]

    def lease(self, ids: list[str], lease_until: float) -> None:
        self.conn.execute(f"UPDATE outbox SET status = 'leased', lease_until = ?, attempts = attempts + 1 "
                          f"WHERE id IN ({_in(ids)})", (lease_until, *ids))

    def release_leases(self) -> int:
        cur = self.conn.execute("UPDATE outbox SET status = 'pending', lease_until = NULL WHERE status = 'leased'")
        return cur.rowcount

    def mark_sent(self, leases: list[tuple[str, int]], sent_at: float) -> int:
        # fenced by the attempt count: a sender whose lease expired and was taken over
        # cannot mark the newer attempt's row
        return self._fenced("status = 'sent', sent_at = ?, lease_until = NULL, last_error = NULL",
                            (sent_at,), leases)

    def reschedule(self, leases: list[tuple[str, int]], next_attempt_at: float, error: str) -> int:
        return self._fenced("status = 'pending', next_attempt_at = ?, lease_until = NULL, last_error = ?",
                            (next_attempt_at, error), leases)

    def mark_failed(self, leases: list[tuple[str, int]], error: str) -> int:
        return self._fenced("status = 'failed', lease_until = NULL, last_error = ?", (error,), leases)

    def _fenced(self, assignments: str, values: tuple[Any, ...], leases: list[tuple[str, int]]) -> int:
        before = self.conn.total_changes
        self.conn.executemany(f"UPDATE outbox SET {assignments} WHERE id = ? AND attempts = ? "
                              "AND status IN ('leased', 'pending')", [(*values, i, n) for i, n in leases])
        return self.conn.total_changes - before

    def budget_used(self, endpoint: str, window_start: float) -> int:
        r = self.conn.execute("SELECT count FROM rate_budget WHERE endpoint = ? AND window_start = ?",
                              (endpoint, window_start)).fetchone()
        return int(r[0]) if r else 0

    def spend_budget(self, endpoint: str, window_start: float, count: int) -> None:
        self.conn.execute("DELETE FROM rate_budget WHERE endpoint = ? AND window_start < ?", (endpoint, window_start))
        self.conn.execute("INSERT INTO rate_budget (endpoint, window_start, count) VALUES (?, ?, ?) "
                          "ON CONFLICT (endpoint, window_start) DO UPDATE SET count = rate_budget.count + "
                          "excluded.count", (endpoint, window_start, count))

    def put_setting(self, name: str, value: str) -> None:
        self.conn.execute("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) "
                          "DO UPDATE SET value = excluded.value", (name, value))

    def idempotency(self, key: str) -> IdempotencyRow | None:
        r = self.conn.execute("SELECT key, request_hash, status, response_status, response, created_at "
                              "FROM idempotency WHERE key = ?", (key,)).fetchone()
        return IdempotencyRow(r[0], r[1], r[2], r[3], r[4], r[5]) if r else None

    def claim_idempotency(self, key: str, request_hash: str, now: float) -> None:
        self.conn.execute("INSERT INTO idempotency (key, request_hash, status, created_at) "
                          "VALUES (?, ?, 'in_flight', ?) ON CONFLICT (key) DO UPDATE SET "
                          "request_hash = excluded.request_hash, status = 'in_flight', "
                          "created_at = excluded.created_at", (key, request_hash, now))

    def finish_idempotency(self, key: str, status: int, response: str) -> None:
        self.conn.execute("UPDATE idempotency SET status = 'done', response_status = ?, response = ? "
                          "WHERE key = ?", (status, response, key))

    def drop_idempotency(self, key: str) -> None:
        self.conn.execute("DELETE FROM idempotency WHERE key = ?", (key,))

    def prune_closed(self, before: float, limit: int) -> int:
        ids = [str(r[0]) for r in self.conn.execute(
            "SELECT id FROM tickets WHERE closed = 1 AND updated_at < ? AND NOT EXISTS (SELECT 1 FROM outbox "
            "WHERE outbox.ticket = tickets.id AND outbox.status IN ('pending', 'leased')) "
            "ORDER BY updated_at LIMIT ?", (before, limit))]
        for table, column in (("decisions", "ticket"), ("events_seen", "ticket"), ("outbox", "ticket"),
                              ("tickets", "id")):
            self.conn.execute(f"DELETE FROM {table} WHERE {column} IN ({_in(ids)})", ids)
        return len(ids)

    def prune_sent(self, before: float, limit: int) -> int:
        return self.conn.execute("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status = 'sent' "
                                 "AND sent_at < ? LIMIT ?)", (before, limit)).rowcount

    def prune_idempotency(self, before: float, limit: int) -> int:
        return self.conn.execute("DELETE FROM idempotency WHERE key IN (SELECT key FROM idempotency "
                                 "WHERE status = 'done' AND created_at < ? LIMIT ?)", (before, limit)).rowcount

    def heartbeat(self, replica: ReplicaRow) -> None:
        self.conn.execute("INSERT INTO replicas (id, host, pid, started_at, last_seen) VALUES (?, ?, ?, ?, ?) "
                          "ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen",
                          (replica.id, replica.host, replica.pid, replica.started_at, replica.last_seen))
