"""The store's operations as SQL on one PostgreSQL connection (psycopg 3): `PostgresTx` for
a replica's writer, whose ticket reads lock the row (`FOR UPDATE`) and whose claims skip
rows another replica holds (`FOR UPDATE SKIP LOCKED`), and the same reads for the pool's
read connections (autocommit: each statement sees what is committed)."""
from __future__ import annotations

from typing import Any

import psycopg

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
_TICKET = "SELECT id, state, version, next_wakeup, utc_offset, closed FROM tickets WHERE id = %s"
_DECISION_COLUMNS = "ticket, seq, event, at, body, source"
# every fenced outcome: the row as this sender's lease left it, or nothing
_FENCE = ("FROM unnest(%s::text[], %s::int[]) AS l(id, attempts) WHERE outbox.id = l.id "
          "AND outbox.attempts = l.attempts AND outbox.status IN ('leased', 'pending')")


def _outbox_row(r: tuple[Any, ...]) -> OutboxRow:
    return OutboxRow(r[0], r[1], r[2], r[3], r[4], loads(r[5]), r[6], r[7], r[8], r[9], r[10],
                     r[11], r[12])


def _ticket_row(r: tuple[Any, ...] | None) -> TicketRow | None:
    return TicketRow(r[0], loads(r[1]), r[2], r[3], r[4], bool(r[5])) if r else None


def _decision_row(r: tuple[Any, ...]) -> DecisionRow:
    return DecisionRow(r[0], r[1], r[2], r[3], loads(r[4]), loads(r[5]) if r[5] else None)


class PostgresReader:
    """Reads on one connection."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def _one(self, sql: str, *args: Any) -> tuple[Any, ...] | None:
        return self.conn.execute(sql, args).fetchone()

    def ticket(self, ticket_id: str) -> TicketRow | None:
        return _ticket_row(self._one(_TICKET, ticket_id))

    def due_tickets(self, until: float, limit: int) -> list[tuple[str, float]]:
        rows = self.conn.execute("SELECT id, next_wakeup FROM tickets WHERE next_wakeup <= %s "
                                 "ORDER BY next_wakeup, id LIMIT %s", (until, limit))
        return [(str(r[0]), float(r[1])) for r in rows]

    def decisions(self, ticket_id: str) -> list[DecisionRow]:
        rows = self.conn.execute(f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE ticket = %s ORDER BY seq",
                                 (ticket_id,))
        return [_decision_row(r) for r in rows]

    def decision_log(self) -> list[DecisionRow]:
        rows = self.conn.execute(f"SELECT {_DECISION_COLUMNS} FROM decisions ORDER BY ticket, seq")
        return [_decision_row(r) for r in rows]

    def deliveries(self, ticket_id: str) -> list[OutboxRow]:
        rows = self.conn.execute(f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE ticket = %s "
                                 "ORDER BY created_at, id", (ticket_id,))
        return [_outbox_row(r) for r in rows]

    def earliest_wakeup(self) -> float | None:
        r = self._one("SELECT MIN(next_wakeup) FROM tickets WHERE next_wakeup IS NOT NULL")
        return float(r[0]) if r and r[0] is not None else None

    def earliest_attempt(self) -> float | None:
        r = self._one("SELECT MIN(COALESCE(lease_until, next_attempt_at)) FROM outbox "
                      "WHERE status IN ('pending', 'leased')")
        return float(r[0]) if r and r[0] is not None else None

    def backlog(self) -> tuple[int, float | None]:
        r = self._one("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status IN ('pending', 'leased')")
        assert r is not None
        return int(r[0]), (float(r[1]) if r[1] is not None else None)

    def setting(self, name: str) -> str | None:
        r = self._one("SELECT value FROM settings WHERE name = %s", name)
        return str(r[0]) if r else None

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("tickets", "decisions", "events_seen", "outbox", "idempotency"):
            r = self._one(f"SELECT COUNT(*) FROM {table}")
            out[table] = int(r[0]) if r else 0
        return out

    def replicas(self, since: float) -> list[ReplicaRow]:
        rows = self.conn.execute("SELECT id, host, pid, started_at, last_seen FROM replicas "
                                 "WHERE last_seen >= %s ORDER BY id", (since,))
        return [ReplicaRow(*r) for r in rows]

    def database(self) -> dict[str, Any]:
        r = self._one("SELECT (SELECT value FROM meta WHERE name = 'schema_version'), "
                      "current_setting('server_version'), pg_is_in_recovery(), "
                      "extract(epoch FROM clock_timestamp())::float8, "
                      "pg_database_size(current_database()), current_database(), "
                      "(SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database())")
        assert r is not None
        return {"kind": "postgresql", "schema_version": int(r[0] or 0), "server_version": r[1],
                "in_recovery": r[2], "now": r[3], "size_bytes": r[4], "database": r[5], "connections": r[6]}

    def database_now(self) -> float | None:
        r = self._one("SELECT extract(epoch FROM clock_timestamp())::float8")
        return float(r[0]) if r else None


class PostgresTx(PostgresReader):
    """One write transaction of a replica's writer; remembers what to tell the listeners
    (this replica's, and the others' through NOTIFY)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        super().__init__(conn)
        self.earliest: float | None = None
        self.added = 0
        self.settings: set[str] = set()             # names written, for the other replicas to hear
        self.settings_to_write: dict[str, str] = {}

    def lock_ticket(self, ticket_id: str) -> None:
        # a transaction-scoped advisory lock on the ticket id: it exists before the row does,
        # so two replicas given the same `created` event apply it one after the other
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (ticket_id,))

    def ticket(self, ticket_id: str) -> TicketRow | None:
        # the row lock an event and a firing on the same ticket both take: they run one
        # after the other, whichever replica each is on
        return _ticket_row(self._one(_TICKET + " FOR UPDATE", ticket_id))

    def save_ticket(self, row: TicketRow, updated_at: float) -> None:
        self.conn.execute(
            "INSERT INTO tickets (id, state, version, next_wakeup, utc_offset, closed, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
            "version = excluded.version, next_wakeup = excluded.next_wakeup, "
            "utc_offset = excluded.utc_offset, closed = excluded.closed, updated_at = excluded.updated_at",
            (row.id, row.state_json or dumps_text(row.state), row.version, row.next_wakeup, row.utc_offset,
             int(row.closed), updated_at))
        if row.next_wakeup is not None and (self.earliest is None or row.next_wakeup < self.earliest):
            self.earliest = row.next_wakeup

    def append_decision(self, ticket: str, event: str, at: str, body: dict[str, Any],
                        source: dict[str, Any] | None, body_json: str | None = None) -> int:
        r = self._one("INSERT INTO decisions (ticket, seq, event, at, body, source) "
                      "SELECT %s, COALESCE(MAX(seq), 0) + 1, %s, %s, %s, %s FROM decisions WHERE ticket = %s "
                      "RETURNING seq", ticket, event, at, body_json or dumps_text(body),
                      dumps_text(source) if source is not None else None, ticket)
        assert r is not None
        return int(r[0])

    def decision(self, ticket: str, seq: int) -> DecisionRow | None:
        r = self._one(f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE ticket = %s AND seq = %s", ticket, seq)
        return _decision_row(r) if r else None

    def seen_event(self, key: NaturalKey) -> tuple[str, int] | None:
        r = self._one("SELECT ticket, seq FROM events_seen WHERE ticket = %s AND type = %s AND at = %s "
                      "AND body_sha256 = %s", *key)
        return (str(r[0]), int(r[1])) if r else None

    def remember_event(self, key: NaturalKey, seq: int) -> None:
        self.conn.execute("INSERT INTO events_seen (ticket, type, at, body_sha256, seq) VALUES (%s, %s, %s, %s, %s)",
                          (*key, seq))

    def due_tickets(self, until: float, limit: int) -> list[tuple[str, float]]:
        # the claim: rows another replica is firing (or applying an event to) are skipped,
        # not waited for; the locks taken here hold until this transaction commits
        rows = self.conn.execute("SELECT id, next_wakeup FROM tickets WHERE next_wakeup <= %s "
                                 "ORDER BY next_wakeup, id LIMIT %s FOR UPDATE SKIP LOCKED", (until, limit))
        return [(str(r[0]), float(r[1])) for r in rows]

    def add_deliveries(self, rows: list[NewDelivery], first_attempt: float) -> int:
        if not rows:
            return 0
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s)"] * len(rows))
        args = [v for d in rows for v in (d.id, d.key, d.ticket, d.channel, d.endpoint,
                                          d.payload_json or dumps_text(d.payload), d.status,
                                          first_attempt, d.last_error, d.created_at)]
        # the UNIQUE notification key: a step fired again (here or on another replica) adds nothing
        cur = self.conn.execute("INSERT INTO outbox (id, key, ticket, channel, endpoint, payload, status, attempts, "
                                f"next_attempt_at, last_error, created_at) VALUES {values} ON CONFLICT DO NOTHING",
                                args)
        self.added += cur.rowcount
        return cur.rowcount

    def ready_deliveries(self, now: float, limit: int) -> list[OutboxRow]:
        # pending rows whose time has come and expired leases, skipping rows another
        # replica's sender is leasing right now
        rows = self.conn.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE (status = 'pending' AND next_attempt_at <= %s) "
            "OR (status = 'leased' AND lease_until <= %s) ORDER BY next_attempt_at, id LIMIT %s "
            "FOR UPDATE SKIP LOCKED", (now, now, limit))
        return [_outbox_row(r) for r in rows]

    def lease(self, ids: list[str], lease_until: float) -> None:
        self.conn.execute("UPDATE outbox SET status = 'leased', lease_until = %s, attempts = attempts + 1 "
                          "WHERE id = ANY(%s)", (lease_until, ids))

    def release_leases(self) -> int:
        return self.conn.execute("UPDATE outbox SET status = 'pending', lease_until = NULL "
                                 "WHERE status = 'leased'").rowcount

    def _fenced(self, assignments: str, values: tuple[Any, ...], leases: list[tuple[str, int]]) -> int:
        ids, attempts = [i for i, _ in leases], [n for _, n in leases]
        return self.conn.execute(f"UPDATE outbox SET {assignments} {_FENCE}", (*values, ids, attempts)).rowcount

    def mark_sent(self, leases: list[tuple[str, int]], sent_at: float) -> int:
        return self._fenced("status = 'sent', sent_at = %s, lease_until = NULL, last_error = NULL",
                            (sent_at,), leases)

    def reschedule(self, leases: list[tuple[str, int]], next_attempt_at: float, error: str) -> int:
        return self._fenced("status = 'pending', next_attempt_at = %s, lease_until = NULL, last_error = %s",
                            (next_attempt_at, error), leases)

    def mark_failed(self, leases: list[tuple[str, int]], error: str) -> int:
        return self._fenced("status = 'failed', lease_until = NULL, last_error = %s", (error,), leases)

    def budget_used(self, endpoint: str, window_start: float) -> int:
        # the window's row exists before it is locked, so the first two replicas to spend a
        # new window queue on one row instead of both reading "nothing spent"
        self.conn.execute("INSERT INTO rate_budget (endpoint, window_start, count) VALUES (%s, %s, 0) "
                          "ON CONFLICT DO NOTHING", (endpoint, window_start))
        r = self._one("SELECT count FROM rate_budget WHERE endpoint = %s AND window_start = %s FOR UPDATE",
                      endpoint, window_start)
        return int(r[0]) if r else 0

    def spend_budget(self, endpoint: str, window_start: float, count: int) -> None:
        self.conn.execute("DELETE FROM rate_budget WHERE endpoint = %s AND window_start < %s",
                          (endpoint, window_start))
        self.conn.execute("INSERT INTO rate_budget (endpoint, window_start, count) VALUES (%s, %s, %s) "
                          "ON CONFLICT (endpoint, window_start) DO UPDATE SET count = rate_budget.count + "
                          "excluded.count", (endpoint, window_start, count))

    def put_setting(self, name: str, value: str) -> None:
        # written at the end of the transaction (`flush`): every replay event writes the
        # clock, and holding that one row locked from the first job of a group to its
        # commit would queue every replica behind it (and deadlock with ticket locks)
        self.settings_to_write[name] = value

    def setting(self, name: str) -> str | None:
        if name in self.settings_to_write:
            return self.settings_to_write[name]
        return super().setting(name)

    def flush(self) -> None:
        """Write the settings put during the transaction; the replay clock never moves back
        (two replicas replaying write it in either order)."""
        for name, value in self.settings_to_write.items():
            self.conn.execute(
                "INSERT INTO settings (name, value) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = "
                "CASE WHEN settings.name = 'replay_now' AND settings.value::float8 > excluded.value::float8 "
                "THEN settings.value ELSE excluded.value END", (name, value))
            self.settings.add(name)

    def idempotency(self, key: str) -> IdempotencyRow | None:
        # locked (before the row exists): two replicas given the same key claim it one after
        # the other, and the second sees the first's claim
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 1))", (key,))
        r = self._one("SELECT key, request_hash, status, response_status, response, created_at "
                      "FROM idempotency WHERE key = %s FOR UPDATE", key)
        return IdempotencyRow(*r) if r else None

    def claim_idempotency(self, key: str, request_hash: str, now: float) -> None:
        self.conn.execute("INSERT INTO idempotency (key, request_hash, status, created_at) "
                          "VALUES (%s, %s, 'in_flight', %s) ON CONFLICT (key) DO UPDATE SET "
                          "request_hash = excluded.request_hash, status = 'in_flight', "
                          "created_at = excluded.created_at", (key, request_hash, now))

    def finish_idempotency(self, key: str, status: int, response: str) -> None:
        self.conn.execute("UPDATE idempotency SET status = 'done', response_status = %s, response = %s "
                          "WHERE key = %s", (status, response, key))

    def drop_idempotency(self, key: str) -> None:
        self.conn.execute("DELETE FROM idempotency WHERE key = %s", (key,))

    def prune_closed(self, before: float, limit: int) -> int:
        # SKIP LOCKED: a ticket an event or another replica's pruning holds is left for later
        ids = [str(r[0]) for r in self.conn.execute(
            "SELECT id FROM tickets WHERE closed = 1 AND updated_at < %s AND NOT EXISTS (SELECT 1 FROM outbox "
            "WHERE outbox.ticket = tickets.id AND outbox.status IN ('pending', 'leased')) "
            "ORDER BY updated_at LIMIT %s FOR UPDATE SKIP LOCKED", (before, limit))]
        for table, column in (("decisions", "ticket"), ("events_seen", "ticket"), ("outbox", "ticket"),
                              ("tickets", "id")):
            self.conn.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", (ids,))
        return len(ids)

    def prune_sent(self, before: float, limit: int) -> int:
        return self.conn.execute("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status = 'sent' "
                                 "AND sent_at < %s LIMIT %s FOR UPDATE SKIP LOCKED)", (before, limit)).rowcount

    def prune_idempotency(self, before: float, limit: int) -> int:
        return self.conn.execute("DELETE FROM idempotency WHERE key IN (SELECT key FROM idempotency "
                                 "WHERE status = 'done' AND created_at < %s LIMIT %s FOR UPDATE SKIP LOCKED)",
                                 (before, limit)).rowcount

    def heartbeat(self, replica: ReplicaRow) -> None:
        self.conn.execute("INSERT INTO replicas (id, host, pid, started_at, last_seen) VALUES (%s, %s, %s, %s, %s) "
                          "ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen",
                          (replica.id, replica.host, replica.pid, replica.started_at, replica.last_seen))
