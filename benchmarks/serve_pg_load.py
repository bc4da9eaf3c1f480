"""Load on 1, 2 and 3 `gongdan serve` replicas sharing one PostgreSQL database that holds
100,000 open tickets whose timers keep falling due during the run (or one service on
SQLite, `--store sqlite`): single-event
requests/s with p50/p99 latency across the replicas, and the timer lag the replicas report
themselves.

    .venv/bin/python benchmarks/serve_pg_load.py [--tickets 100000] [--replicas 1,2,3]
        [--duration 40] [--clients 16] [--horizon 600] [--fsync on|off] [--store postgresql|sqlite]
        [--workers N]

A throwaway PostgreSQL server (tests/serving.py's `PgCluster`: Debian's server programs
run as the `postgres` user, a Unix socket, no TCP port; fsync on by default). The tickets
are the example stream's `created` events (cycled, each under an id of its own) evaluated
by the engine in this process at instants chosen so that their first wake-ups fall
evenly over the next `--horizon` seconds (100,000 over 600 s: about 167 due a second, the
phases seeing the first few minutes), and written with COPY (no decision log: what the replicas read
is the ticket row). The phases then follow on the same database: a phase starts its
replicas (`gongdan serve --store postgresql://... --outbox-workers 0`, wall clock),
sends `created` events of new tickets for `--duration` seconds over `--clients`
keep-alive connections spread round-robin over the replicas (moved two days ahead, so
they add no firings), and stops them. Meanwhile the replicas' schedulers fire the seeded
tickets that fall due. Timer lag is `gongdan_timer_lag_seconds` (the scheduler's clock minus
the ticket's wake-up), summed over the replicas' /metrics for the phase; its p99 is read
from the histogram's buckets as Prometheus' histogram_quantile does (linear within a
bucket), and the share of firings later than 1 s is exact. Bounded: every phase ends after
its duration, the whole run after DEADLINE. Not part of the tests.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]

from serve_load import Connection, created_events  # noqa: E402

import engine  # noqa: E402 (after the path is set)
from engine.jsonio import dumps_text  # noqa: E402
from engine.serve.store.postgres import connect  # noqa: E402
from engine.serve.store.urls import open_store  # noqa: E402
from serving import PgCluster, pg_bindir  # noqa: E402

DEADLINE = 600.0     # seconds: the whole run
SETTLE = 3.0         # seconds after replicas start before a phase's window opens


def _templates() -> list[dict[str, Any]]:
    with (REPO / "examples" / "double11-events.jsonl").open(encoding="utf-8") as f:
        return [e for e in map(json.loads, f) if e["type"] == "created"]


def seed(url: str, tickets: int, first: float, last: float) -> tuple[int, float]:
    """`tickets` open tickets whose first wake-ups fall evenly in [first, last] (epoch
    seconds): (tickets written, seconds spent)."""
    began = time.perf_counter()
    eng = engine.load(REPO)
    templates = _steady(eng, _templates(), (first + last) / 2)
    rows = []
    for i, (template, lead) in zip(range(tickets), itertools.cycle(templates), strict=False):
        wake = first + (last - first) * i / max(1, tickets - 1)
        at = datetime.fromtimestamp(round(wake - lead), datetime.fromisoformat(template["at"]).tzinfo)
        decision = eng.evaluate({**template, "ticket": f"P-{i}", "at": at.isoformat()})
        offset = int((at.utcoffset() or timedelta()).total_seconds())
        rows.append((f"P-{i}", dumps_text(decision.state), 1, decision.next_wakeup_ts, offset, 0, time.time()))
    write_tickets(url, rows)
    return len(rows), time.perf_counter() - began


def write_tickets(url: str, rows: list[tuple[Any, ...]]) -> None:
    """The ticket rows, COPY on PostgreSQL, one transaction on SQLite."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///"):]) as lite:
            lite.executemany("INSERT INTO tickets (id, state, version, next_wakeup, utc_offset, closed, updated_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return
    with connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY tickets (id, state, version, next_wakeup, utc_offset, closed, updated_at) "
                      "FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        conn.execute("VACUUM ANALYZE tickets")


def _steady(eng: engine.Engine, templates: list[dict[str, Any]], around: float) -> list[tuple[dict[str, Any], float]]:
    """The templates whose first wake-up comes the same time after `created` at their own
    instant and at `around` (timers on a 24x7 calendar, not waiting for business hours),
    with that lead in seconds: their wake-ups land where the run wants them."""
    out = []
    for template in templates:
        own = datetime.fromisoformat(template["at"])
        lead = _wakeup(eng, template) - own.timestamp()
        moved = datetime.fromtimestamp(round(around - lead), own.tzinfo).isoformat()
        if abs(_wakeup(eng, {**template, "at": moved}) - (around - lead) - lead) < 1:
            out.append((template, lead))
    return out


def _wakeup(eng: engine.Engine, event: dict[str, Any]) -> float:
    decision = eng.evaluate(event)
    assert decision.next_wakeup_ts is not None
    return decision.next_wakeup_ts


def start_replica(url: str, name: str, workers: int = 1) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-m", "engine", "serve", "--config", str(REPO), "--store", url,
                             "--listen", "127.0.0.1:0", "--outbox-workers", "0", "--replica", name,
                             "--workers", str(workers)],
                            cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    found = re.search(r"listening on http://[^ ]+:(\d+)", proc.stderr.readline())
    assert found
    # the rest of its log is read and dropped (a full pipe would block the server)
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    return proc, int(found.group(1))


async def load(ports: list[int], clients: int, duration: float, tag: str) -> tuple[int, list[float]]:
    """`created` events of new tickets for `duration` seconds, connections round-robin over
    the replicas: (events answered 200, latencies)."""
    events = iter(itertools.cycle(created_events(3000, tag)))
    serial = itertools.count()
    latencies: list[float] = []
    stop = time.perf_counter() + duration

    async def client(port: int) -> None:
        conn = await Connection.open(port)
        while time.perf_counter() < stop:
            event = {**next(events), "ticket": f"{tag}-{next(serial)}"}
            t = time.perf_counter()
            status, _ = await conn.post("/v1/events", dumps_text(event).encode())
            latencies.append(time.perf_counter() - t)
            assert status == 200, status
        conn.close()
    await asyncio.gather(*(client(ports[i % len(ports)]) for i in range(clients)))
    return len(latencies), latencies


def lag_histogram(ports: list[int]) -> dict[float, float]:
    """gongdan_timer_lag_seconds_bucket summed over the replicas: upper bound -> count."""
    import httpx
    out: dict[float, float] = {}
    for port in ports:
        for line in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30).text.splitlines():
            if line.startswith("gongdan_timer_lag_seconds_bucket{"):
                le = line.split('le="')[1].split('"')[0]
                bound = float("inf") if le == "+Inf" else float(le)
                out[bound] = out.get(bound, 0.0) + float(line.rsplit(" ", 1)[1])
    return out


def quantile(q: float, buckets: dict[float, float]) -> float:
    """histogram_quantile: linear interpolation inside the bucket where the rank falls."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if total == 0:
        return 0.0
    rank, lower, below = q * total, 0.0, 0.0
    for bound in bounds:
        if buckets[bound] >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / max(buckets[bound] - below, 1e-9)
        lower, below = bound, buckets[bound]
    return lower


def phase(url: str, replicas: int, args: argparse.Namespace) -> dict[str, Any]:
    started = [start_replica(url, f"r{replicas}-{k}", args.workers) for k in range(replicas)]
    ports = [port for _, port in started]
    try:
        time.sleep(SETTLE)
        before = lag_histogram(ports)
        fired_at = time.time()
        answered, latencies = asyncio.run(load(ports, args.clients, args.duration, f"L{replicas}"))
        after = lag_histogram(ports)
        window = time.time() - fired_at
    finally:
        for proc, _ in started:
            proc.terminate()
        for proc, _ in started:
            proc.wait(60)
    lag = {b: after[b] - before.get(b, 0.0) for b in after}
    latencies.sort()
    fired = lag[float("inf")]
    return {"replicas": replicas, "events_per_s": answered / args.duration,
            "p50_ms": statistics.median(latencies) * 1000, "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
            "fired": fired, "fired_per_s": fired / window, "lag_p99_s": quantile(0.99, lag),
            "late_over_1s": (fired - lag.get(1.0, 0.0)) / fired if fired else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--replicas", default="1,2,3")
    parser.add_argument("--duration", type=float, default=40.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--horizon", type=float, default=600.0,
                        help="seconds over which the tickets' first wake-ups are spread (the phases see the start)")
    parser.add_argument("--fsync", choices=("on", "off"), default="on")
    parser.add_argument("--workers", type=int, default=1, help="gongdan serve --workers for each replica")
    parser.add_argument("--store", choices=("postgresql", "sqlite"), default="postgresql",
                        help="sqlite: the same with one service on a SQLite file (--replicas is 1)")
    args = parser.parse_args()
    print(f"command: {' '.join(sys.argv)}")
    if args.store == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/load.db"
            open_store(url).close()     # migrated
            run(url, [1], args)
        return
    bindir = pg_bindir()
    if bindir is None:
        sys.exit("PostgreSQL's server programs are not installed (apt-get install postgresql)")
    cluster = PgCluster(bindir, fsync=args.fsync == "on")
    try:
        cluster.migrated_template()
        run(cluster.fresh_database(), [int(n) for n in args.replicas.split(",")], args)
    finally:
        cluster.close()


def run(url: str, counts: list[int], args: argparse.Namespace) -> None:
    """Seed, then one phase per replica count."""
    began = time.monotonic()
    seed_seconds_guess = args.tickets / 2500 + 5      # evaluated here before the phases begin
    first = time.time() + seed_seconds_guess + SETTLE
    last = first + args.horizon
    written, seconds = seed(url, args.tickets, first, last)
    if time.time() > first - SETTLE:
        print(f"warning: seeding overran its guess by {time.time() - first + SETTLE:.0f} s; the first "
              "phase's window opens after its first wake-ups")
    time.sleep(max(0.0, first - SETTLE - 2 - time.time()))   # the first wake-ups come as phase 1 opens
    print(f"seeded {written:,} open tickets in {seconds:.1f} s; first wake-ups from "
          f"{first - time.time():+.0f} s to {last - time.time():+.0f} s from now "
          f"(~{written / (last - first):,.0f} due a second)")
    for n in counts:
        if time.monotonic() - began > DEADLINE:
            print("deadline reached: remaining phases skipped")
            break
        r = phase(url, n, args)
        print(f"{n} replica(s) of {args.workers} worker(s): {r['events_per_s']:,.0f} events/s "
              f"({args.clients} clients, single-event requests), p50 {r['p50_ms']:.1f} ms, "
              f"p99 {r['p99_ms']:.1f} ms; timers fired "
              f"{r['fired']:,.0f} ({r['fired_per_s']:,.0f}/s), lag p99 {r['lag_p99_s']:.2f} s, "
              f"{r['late_over_1s']:.1%} later than 1 s")


if __name__ == "__main__":
    main()
