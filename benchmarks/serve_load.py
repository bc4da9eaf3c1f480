"""Load on `gongdan serve` over loopback, bounded in count and time: single-event
requests/s with p50/p99 latency, batched events/s, and the ratio to in-process
`engine.evaluate` throughput measured in the same run.

    .venv/bin/python benchmarks/serve_load.py [--events 3000] [--clients 16] [--batch 200]

The server is a `gongdan serve` subprocess (its own interpreter, so the client does not
share its GIL) on a fresh SQLite file in a temporary folder, on the wall clock, with the
events moved two days ahead so no due step fires during the run (what is measured is
ingest: evaluate, store, answer; in-process does evaluate and to_dict). The
client is raw asyncio HTTP/1.1 with keep-alive (a client library's own overhead would be
measured otherwise). Besides the rates it prints the server process's CPU time per event
(user + system, from /proc): what the service spends, which moves far less with the
machine's load than a rate does. Not part of the tests.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import engine  # noqa: E402 (after the path is set)

DEADLINE = 300.0   # seconds: the whole run stops by then whatever happens


def _ahead(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events moved so the first is two days from now (offsets kept)."""
    first = datetime.fromisoformat(events[0]["at"])
    shift = datetime.now(first.tzinfo) + timedelta(days=2) - first
    return [{**e, "at": (datetime.fromisoformat(e["at"]) + shift).replace(microsecond=0).isoformat()}
            for e in events]


def created_events(n: int, tag: str) -> list[dict[str, Any]]:
    """n independent `created` events (the stream's, each under a ticket id of its own)."""
    out = []
    with (REPO / "examples" / "double11-events.jsonl").open(encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            if event["type"] == "created":
                out.append({**event, "ticket": f"{tag}-{len(out)}"})
                if len(out) == n:
                    break
    return _ahead(out)


def stream_events(n: int) -> list[dict[str, Any]]:
    """The stream's first n events in order (every event type), moved ahead."""
    with (REPO / "examples" / "double11-events.jsonl").open(encoding="utf-8") as f:
        return _ahead([json.loads(next(f)) for _ in range(n)])


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.writer.write(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (path.encode(), len(body), body))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def singles(port: int, events: list[dict[str, Any]], clients: int) -> tuple[float, list[float]]:
    """Each event its own request, `clients` connections at once: (seconds, latencies)."""
    queue = list(reversed([json.dumps(e, ensure_ascii=False).encode() for e in events]))
    latencies: list[float] = []

    async def client() -> None:
        conn = await Connection.open(port)
        while queue:
            body = queue.pop()
            t = time.perf_counter()
            status, _ = await conn.post("/v1/events", body)
            latencies.append(time.perf_counter() - t)
            assert status == 200, status
        conn.close()
    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - start, latencies


async def batches(port: int, events: list[dict[str, Any]], size: int, connections: int = 1) -> float:
    """The stream in order, `size` events a request: seconds. With several connections,
    each sends the events of its share of the tickets (by a hash of the ticket id), in the
    stream's order, as a host partitioning its tickets would."""
    shares: list[list[dict[str, Any]]] = [[] for _ in range(connections)]
    for event in events:
        shares[zlib.crc32(event["ticket"].encode()) % connections].append(event)

    async def send(share: list[dict[str, Any]]) -> None:
        conn = await Connection.open(port)
        for i in range(0, len(share), size):
            status, body = await conn.post("/v1/events", json.dumps(share[i:i + size], ensure_ascii=False).encode())
            assert status == 200 and all(r["status"] == 200 for r in json.loads(body)["results"])
        conn.close()
    start = time.perf_counter()
    await asyncio.gather(*(send(share) for share in shares))
    return time.perf_counter() - start


def in_process(events: list[dict[str, Any]]) -> float:
    """Events/s of `engine.evaluate(...).to_dict()` in this process (what the service does per event)."""
    eng = engine.load(REPO)
    eng.evaluate(events[0]).to_dict()
    start = time.perf_counter()
    for e in events:
        eng.evaluate(e).to_dict(with_state=False)
    return len(events) / (time.perf_counter() - start)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    return sum(cpu_split(pid))


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds so far of a process and of every process under it (the
    workers of `--workers N`), from Linux /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:   # gone meanwhile
                continue
    tree, user, system = {pid}, 0.0, 0.0
    for p in sorted(stats):   # a child's pid is above its parent's, short of pid wrap-around
        if p in tree or int(stats[p][1]) in tree:
            tree.add(p)
            user, system = user + int(stats[p][11]) / tick, system + int(stats[p][12]) / tick
    return user, system


def serve(folder: Path, workers: int) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-m", "engine", "serve", "--config", str(REPO),
                             "--store", f"sqlite:///{folder}/bench.db", "--listen", "127.0.0.1:0",
                             "--outbox-workers", "0", "--workers", str(workers)],
                            cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    found = re.search(r"listening on http://[^ ]+:(\d+)", line)
    assert found, line
    # the rest of its log is drained (a full pipe would block the server), kept for a failure
    threading.Thread(target=_drain, args=(proc.stderr, folder / "serve.log"), daemon=True).start()
    return proc, int(found.group(1))


def _drain(stream: Any, path: Path) -> None:
    with path.open("w") as out:
        for line in stream:
            out.write(line)
            out.flush()


async def lock_seconds(port: int) -> float:
    """gongdan_store_lock_held_seconds_total from /metrics (0 without workers)."""
    conn = await Connection.open(port)
    conn.writer.write(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    head = await conn.reader.readuntil(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
    text = (await conn.reader.readexactly(length)).decode()
    conn.close()
    found = re.search(r"^gongdan_store_lock_held_seconds_total (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


async def measure(pid: int, port: int, args: argparse.Namespace) -> dict[str, float]:
    singles_events = created_events(args.events, "S")
    await singles(port, created_events(200, "W"), args.clients)   # warm-up
    user, system = cpu_split(pid)
    held = await lock_seconds(port)
    seconds, lat = await singles(port, singles_events, args.clients)
    held_single = await lock_seconds(port) - held
    user_after, system_after = cpu_split(pid)
    single_cpu = user_after - user + system_after - system
    lat.sort()
    stream = stream_events(args.events)
    cpu = cpu_seconds(pid)
    held = await lock_seconds(port)
    batch_seconds = await batches(port, stream, args.batch, args.batch_clients)
    batch_cpu = cpu_seconds(pid) - cpu
    held_batch = await lock_seconds(port) - held
    return {"single_rps": len(singles_events) / seconds, "p50_ms": statistics.median(lat) * 1000,
            "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000, "batched_eps": len(stream) / batch_seconds,
            "single_cpu_us": single_cpu / len(singles_events) * 1e6,
            "single_sys_us": (system_after - system) / len(singles_events) * 1e6,
            "batch_cpu_us": batch_cpu / len(stream) * 1e6,
            "single_lock_us": held_single / len(singles_events) * 1e6, "batch_lock_us": held_batch / len(stream) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--batch-clients", type=int, default=1,
                        help="connections sending batches at once, each its share of the tickets in order")
    parser.add_argument("--workers", type=int, default=1, help="gongdan serve --workers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = serve(Path(tmp), args.workers)
        try:
            figures = asyncio.run(asyncio.wait_for(measure(proc.pid, port, args), DEADLINE))
        except BaseException:
            print((Path(tmp) / "serve.log").read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            proc.terminate()
            proc.wait(30)
    baseline = in_process(created_events(args.events, "B"))
    print(f"single events: {figures['single_rps']:.0f} requests/s with {args.clients} clients, "
          f"p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms")
    print(f"batched ({args.batch} a request, the stream in order): {figures['batched_eps']:.0f} events/s")
    print(f"in-process engine.evaluate + to_dict: {baseline:.0f} events/s")
    print(f"ratio to in-process: single {figures['single_rps'] / baseline:.3f}, "
          f"batched {figures['batched_eps'] / baseline:.3f}")
    print(f"server CPU per event: single {figures['single_cpu_us']:.0f} us, batched {figures['batch_cpu_us']:.0f} us, "
          f"in-process {1e6 / baseline:.0f} us (single: system {figures['single_sys_us']:.0f} us of it)")
    if args.workers > 1:   # the part of each event no second worker can take on
        print(f"write lock held per event: single {figures['single_lock_us']:.0f} us, "
              f"batched {figures['batch_lock_us']:.0f} us")


if __name__ == "__main__":
    main()
