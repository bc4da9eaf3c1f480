"""What a scheduled broadcast costs `gongdan serve`: the Double 11 example's decisions
(3,000 tickets) in a SQLite store, the hourly broadcast planned on a read connection (the
whole log read, folded, composed, the HTML report rendered) and enqueued by the writer.

    python benchmarks/serve_broadcast.py [--runs 5]
"""
from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from engine.replay.lines import split_lines  # noqa: E402
from engine.replay.shards import decision_line  # noqa: E402
from engine.replay.stream import replay_keyed  # noqa: E402
from engine.serve.broadcasts import enqueue, plan  # noqa: E402
from engine.serve.clock import ReplayClock  # noqa: E402
from engine.serve.ingest import Context  # noqa: E402
from engine.serve.store import Tx  # noqa: E402
from engine.serve.store.urls import open_store  # noqa: E402

AT = datetime.fromisoformat("2026-11-11T20:00:00+08:00").timestamp()


def decisions(eng: engine.Engine) -> list[dict[str, object]]:
    """The example stream replayed as `gongdan evaluate -o` writes it."""
    with (ROOT / "examples" / "double11-events.jsonl").open("rb") as events:
        return [json.loads(line) for _, (_, line) in
                replay_keyed(eng, split_lines(events), output=decision_line(False, True))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    eng = engine.load(ROOT)
    found = decisions(eng)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{folder}/gongdan.db")

        def fill(tx: Tx) -> None:
            for d in found:
                tx.append_decision(str(d["ticket"]), str(d["event"]), str(d["at"]), d, None)
        store.submit(fill).result()
        ctx = Context(eng, ReplayClock(AT), frozenset({"dingtalk_group", "email"}))
        planned, written = [], []
        for _ in range(runs):
            store.submit(lambda tx: tx.put_setting("broadcast:double11-hourly", repr(AT - 1))).result()
            started = time.perf_counter()
            plans = store.read(lambda r: plan(r, ctx, AT))
            middle = time.perf_counter()
            store.submit(functools.partial(enqueue, plans=plans)).result()
            planned.append(middle - started)
            written.append(time.perf_counter() - middle)
        store.close()
    rows = [r for p in plans for r in p.rows]
    print(f"{len(found)} decisions, {len({d['ticket'] for d in found})} tickets; {len(rows)} messages "
          f"({', '.join(f'{r.channel} {len(json.dumps(r.payload).encode())} bytes' for r in rows)})")
    print(f"plan on a read connection: median {statistics.median(planned):.3f} s (min {min(planned):.3f}); "
          f"the writer's insert: median {statistics.median(written) * 1000:.1f} ms over {runs} runs")


if __name__ == "__main__":
    main()
