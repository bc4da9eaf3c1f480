"""The PostgreSQL store's hot paths, measured on a throwaway server (Unix socket, no TCP):

1. the timer claim alone: N due ticket rows claimed by P processes, each with the store's
   own claim (`PostgresTx.due_tickets`: FOR UPDATE SKIP LOCKED) and a write that moves the
   claimed rows' wake-up on, in transactions of `--batch` rows; every row must be claimed
   exactly once (checked), claims/s reported;
2. the event write path of one replica: `created` events applied through the store's
   writer (the service's own job, `ingest.apply_event`: lock, evaluate, ticket, decision,
   outbox, natural key; group commit), no HTTP, beside the same on SQLite in the same run.

    .venv/bin/python benchmarks/serve_pg_claim.py [--tickets 100000] [--procs 4] [--batch 500]
        [--events 3000] [--fsync on|off]

Needs PostgreSQL's server programs (Debian: /usr/lib/postgresql/*/bin) and the postgres
extra. Not part of the tests.
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]

from serve_load import created_events  # noqa: E402

import engine  # noqa: E402 (after the path is set)
from engine.serve.clock import WallClock  # noqa: E402
from engine.serve.ingest import Context, apply_event  # noqa: E402
from engine.serve.store import Store  # noqa: E402
from engine.serve.store.postgres import connect  # noqa: E402
from engine.serve.store.postgres_tx import PostgresTx  # noqa: E402
from engine.serve.store.urls import open_store  # noqa: E402
from serving import PgCluster, pg_bindir  # noqa: E402


def fill(url: str, n: int) -> None:
    """n tickets, every one due (a minimal state: the claim does not read it)."""
    with connect(url) as conn:
        conn.execute("INSERT INTO tickets (id, state, version, next_wakeup, utc_offset, closed, updated_at) "
                     "SELECT 'T-' || i, '{}', 1, 1000000 + i %% 1000, 28800, 0, 0 FROM generate_series(1, %s) i",
                     (n,))
        conn.execute("VACUUM ANALYZE tickets")


def claimer(url: str, batch: int, start: Any, out: Any) -> None:
    """Claim due rows until none is left; send back the ids claimed."""
    claimed: list[str] = []
    with connect(url) as conn:
        tx = PostgresTx(conn)
        start.wait()
        while True:
            conn.execute("BEGIN")
            rows = tx.due_tickets(2_000_000.0, batch)
            ids = [r[0] for r in rows]
            if ids:   # the step fired: the wake-up moves on (past the claim's horizon)
                conn.execute("UPDATE tickets SET next_wakeup = next_wakeup + 5000000, version = version + 1 "
                             "WHERE id = ANY(%s)", (ids,))
            conn.execute("COMMIT")
            if not ids:
                break
            claimed += ids
    out.put(claimed)


def measure_claims(url: str, tickets: int, procs: int, batch: int) -> tuple[float, int]:
    """(seconds, duplicates) for `procs` processes claiming `tickets` due rows."""
    fill(url, tickets)
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=claimer, args=(url, batch, start, out)) for _ in range(procs)]
    for w in workers:
        w.start()
    time.sleep(1.0)   # every process connected and waiting
    began = time.perf_counter()
    start.set()
    claimed = [out.get() for _ in workers]
    seconds = time.perf_counter() - began
    for w in workers:
        w.join()
    every = [i for part in claimed for i in part]
    assert len(set(every)) == tickets, f"{len(set(every))} of {tickets} claimed"
    print(f"  per process: {', '.join(str(len(c)) for c in claimed)}")
    return seconds, len(every) - len(set(every))


def measure_writes(store: Store, events: list[dict[str, Any]]) -> float:
    """Events/s through one store's writer (all submitted at once, as a batch request does)."""
    ctx = Context(engine.load(REPO), WallClock(), frozenset({"dingtalk", "dingtalk_group", "email", "sms", "phone"}))
    began = time.perf_counter()
    futures: list[Future[Any]] = [store.submit(lambda tx, e=e: apply_event(tx, ctx, e)) for e in events]
    for f in futures:
        f.result()
    return len(events) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--fsync", choices=("on", "off"), default="on")
    args = parser.parse_args()
    bindir = pg_bindir()
    if bindir is None:
        sys.exit("PostgreSQL's server programs are not installed (apt-get install postgresql)")
    print(f"command: {' '.join(sys.argv)}")
    cluster = PgCluster(bindir, fsync=args.fsync == "on")
    try:
        cluster.migrated_template()
        seconds, duplicates = measure_claims(cluster.fresh_database(), args.tickets, args.procs, args.batch)
        print(f"timer claim: {args.tickets} due tickets claimed by {args.procs} processes in {seconds:.2f} s = "
              f"{args.tickets / seconds:,.0f} claims/s (batches of {args.batch}, fsync {args.fsync}); "
              f"each claimed once: {duplicates == 0}")
        events = created_events(args.events, "B")
        pg_store = open_store(cluster.fresh_database())
        try:
            rate = measure_writes(pg_store, events)
        finally:
            pg_store.close()
        with tempfile.TemporaryDirectory() as folder:
            sqlite_store = open_store(f"sqlite:///{folder}/bench.db")
            try:
                sqlite_rate = measure_writes(sqlite_store, created_events(args.events, "S"))
            finally:
                sqlite_store.close()
        print(f"event write path, one replica (apply_event through the writer, no HTTP): "
              f"PostgreSQL {rate:,.0f} events/s, SQLite {sqlite_rate:,.0f} events/s ({args.events} created events)")
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
