"""A replay's floor (issue #19): the simplest Python that writes the same bytes as
`gongdan evaluate`: every event line parsed, every decision line, known beforehand (the
output of the run it is compared with, which has more lines than the stream: the steps
that fall due between events), written; checked byte for byte against that output.

    python benchmarks/stream.py --tickets 235000 --seed 7 -o STREAM
    /usr/bin/time -f "%e s wall %U user %S sys %M KB" python -m engine evaluate --no-render -j 2 -i STREAM -o OUT
    python benchmarks/replay_floor.py STREAM OUT {json,orjson}
"""
from __future__ import annotations

import filecmp
import json
import sys
import tempfile
import time
from pathlib import Path

import orjson


def main() -> None:
    stream, decided, which = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    loads = json.loads if which == "json" else orjson.loads
    with tempfile.TemporaryDirectory() as tmp:
        written = Path(tmp) / "out.jsonl"
        wall, cpu = time.perf_counter(), time.process_time()
        with stream.open("rb") as events, decided.open("rb") as decisions, written.open("wb") as out:
            for line in events:
                loads(line)
            for line in decisions:
                out.write(line)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        same = filecmp.cmp(written, decided, shallow=False)
    print(f"{which}: {wall:.2f} s wall, {cpu:.2f} s CPU; the same bytes: {same}")


if __name__ == "__main__":
    main()
