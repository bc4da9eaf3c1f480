"""Gongdan benchmarks (targets in README.md and docs/performance.md): each figure is a
median beside a baseline measured in the same process, since shared machines drift.

    python benchmarks/run.py [--quick] [--only validate,routing,views,replay,render,durable]

Never a timed assertion: this prints figures; the README and issue notes quote them.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datetime import UTC

from events import created_events
from floor import created_floor, due_floor
from scale import Scale, write

import engine
from engine.config.files import config_files


def median_time(func: Callable[[], Any], runs: int) -> float:
    """Median wall time of `runs` calls, after one warm-up call."""
    func()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired(baseline: Callable[[], Any], subject: Callable[[], Any], runs: int) -> tuple[float, float, float]:
    """Median wall times of `baseline` and `subject` run in alternation, and the median of
    their per-round ratios: alternating keeps a drifting machine from favouring either. Each
    timed call follows an untimed one, so neither is measured with the other's data in the
    caches."""
    def warm(func: Callable[[], Any]) -> float:
        func()
        start = time.perf_counter()
        func()
        return time.perf_counter() - start

    pairs = [(warm(baseline), warm(subject)) for _ in range(runs)]
    return (statistics.median(b for b, _ in pairs), statistics.median(s for _, s in pairs),
            statistics.median(s / b for b, s in pairs))


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_times(func: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median wall and CPU time (this process) of `runs` calls, after one warm-up call: on
    a shared machine the CPU time drifts less than the wall time."""
    func()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus)


def cold_load(root: Path) -> tuple[float, float]:
    """Wall and CPU seconds of the first `engine.load` in a fresh process (after the
    import): what a CLI command or a service's start pays, one-time compiles included."""
    import subprocess
    code = ("import sys, time, engine; w, c = time.perf_counter(), time.process_time(); "
            "engine.load(sys.argv[1]); print(time.perf_counter() - w, time.process_time() - c)")
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.split()
    return float(out[0]), float(out[1])


def bench_validate(root: Path, runs: int) -> None:
    """`engine.check` (what `gongdan validate` runs) and `engine.load` on the scale config,
    beside two baselines in the same run: a bare C-loader `yaml.load` of the same files
    (issue #19's yardstick) and the floor, the C composer's node tree of the same files
    (the strict loader's first step, PyYAML's C parser alone: every later stage reads what
    it makes, and every diagnostic's line and column come from its marks)."""
    import gc

    from engine.config.source import _compose
    files = [root / name for name, _ in config_files(root)]

    def bare() -> None:
        for path in files:
            yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

    def floor() -> None:   # with the collector paused, as engine.load and engine.check have it
        gc.disable()
        try:
            for path in files:
                _compose(path.read_text(encoding="utf-8"))
        finally:
            gc.enable()

    base, base_cpu = median_times(bare, runs)
    least, least_cpu = median_times(floor, runs)
    check, check_cpu = median_times(lambda: engine.check(root), runs)
    load, load_cpu = median_times(lambda: engine.load(root), runs)
    cold, cold_cpu = cold_load(root)
    print(f"validate  bare C-loader yaml.load {base * 1e3:7.1f} ms | floor (C composer) {least * 1e3:6.1f} ms | "
          f"engine.check {check * 1e3:6.1f} ms ({check / base:.2f}x the bare load, {check / least:.2f}x the floor) | "
          f"engine.load {load * 1e3:6.1f} ms ({load / base:.2f}x, {load / least:.2f}x the floor) | "
          f"peak RSS {rss_mb():.0f} MB")
    print(f"          CPU: bare {base_cpu * 1e3:.1f} ms | floor {least_cpu * 1e3:.1f} ms | "
          f"check {check_cpu * 1e3:.1f} ms | load {load_cpu * 1e3:.1f} ms ({load_cpu / least_cpu:.2f}x the floor) | "
          f"first load in a fresh process {cold * 1e3:.1f} ms ({cold_cpu * 1e3:.1f} ms CPU)")


def _tickets(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"category": e["category"], "severity": None, "tags": list(e.get("tags", ())),
             "source": e.get("source"), "submitter": e.get("submitter"), "title": e.get("title"),
             "fields": e.get("fields", {}), "at": 0.0} for e in events]


def bench_routing(root: Path, n: int, runs: int) -> None:
    eng = engine.load(root)
    events = list(created_events(sorted(eng.compiled.categories), n))
    tickets = _tickets(events)
    categories = eng.compiled.categories
    router = eng.compiled.router

    def baseline() -> None:
        for t in tickets:
            categories.get(t["category"])

    def routing() -> None:
        for t in tickets:
            t["tags"] = list(t["tags"])  # the router appends rule tags in place
            router.route(t, None)

    def evaluate() -> None:
        for e in events:
            eng.evaluate(e)

    build = created_floor(eng, events)

    def floor() -> None:
        for e in events:
            build(e)

    base, route, ratio = paired(baseline, routing, runs)
    _, full, full_ratio = paired(baseline, evaluate, runs)
    least, _, over_floor = paired(floor, evaluate, runs)
    print(f"routing   dict lookup {base / n * 1e6:6.3f} µs | route {route / n * 1e6:6.3f} µs ({ratio:.1f}x) | "
          f"created decision {full / n * 1e6:6.3f} µs ({full_ratio:.0f}x); its objects built from known "
          f"answers (the floor) {least / n * 1e6:6.3f} µs, the decision {over_floor:.1f}x the floor   [{n} events, "
          f"{len(categories)} categories, {len(router.rules)} rules]")


def bench_views(root: Path, featured: Path, n: int, runs: int) -> None:
    """The created decision on the scale config without and with views.yaml and solutions
    (6 views in both modes, one of each kind the reference config has; a solution on every
    business unit): the evaluation alone, and through `to_dict` (what a host stores and
    sends, without rendering), where the views and the solution are read."""
    plain, rich = engine.load(root), engine.load(featured)
    events = list(created_events(sorted(plain.compiled.categories), n))

    def evaluate(eng: engine.Engine) -> Callable[[], None]:
        def run() -> None:
            for e in events:
                eng.evaluate(e)
        return run

    def as_dict(eng: engine.Engine) -> Callable[[], None]:
        def run() -> None:
            for e in events:
                eng.evaluate(e).to_dict(with_state=False, render=False)
        return run

    base, featured_t, ratio = paired(evaluate(plain), evaluate(rich), runs)
    base_d, featured_d, ratio_d = paired(as_dict(plain), as_dict(rich), runs)
    shown = [rich.evaluate(e).to_dict(with_state=False, render=False) for e in events[:2000]]
    in_views = sum(bool(d["views"]) for d in shown) / len(shown)
    with_solution = sum(d["solution"] is not None for d in shown) / len(shown)
    print(f"views     created decision {base / n * 1e6:6.3f} µs → {featured_t / n * 1e6:6.3f} µs with views and "
          f"solutions ({ratio:.3f}x) | with to_dict {base_d / n * 1e6:6.3f} µs → {featured_d / n * 1e6:6.3f} µs "
          f"({ratio_d:.3f}x)   [{n} events, {len(rich.compiled.views.ordered)} views, "
          f"{in_views:.0%} in a view, {with_solution:.0%} with a solution]")


def due_cases(eng: engine.Engine, events: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Any]]:
    """Each new ticket's state and the instant its first step is due (`next_wakeup`)."""
    from datetime import datetime
    cases = []
    for e in events:
        decision = eng.evaluate(e)
        wake = decision.next_wakeup_ts
        if wake is not None:
            cases.append((decision.state, datetime.fromtimestamp(wake, UTC)))
    return cases


def bench_due(root: Path, n: int, runs: int) -> None:
    """`Engine.due` at each new ticket's first step: the state checked as a host's would be,
    the step fired, its recipients resolved (no rendering); and the same on a trusted state
    (a replay's own)."""
    eng = engine.load(root)
    cases = due_cases(eng, list(created_events(sorted(eng.compiled.categories), n)))
    categories = eng.compiled.categories
    keys = [state["attrs"]["category"] for state, _ in cases]
    sent = sum(len(eng.due(state, at).sent) for state, at in cases)

    def baseline() -> None:
        for key in keys:
            categories.get(key)

    def due() -> None:
        for state, at in cases:
            eng.due(state, at)

    def trusted() -> None:
        for state, at in cases:
            eng.due(state, at, trusted=True)

    build = due_floor(eng, cases)

    def floor() -> None:
        for case in cases:
            build(case)

    base, took, ratio = paired(baseline, due, runs)
    _, fast, fast_ratio = paired(baseline, trusted, runs)
    least, _, over_floor = paired(floor, due, runs)
    m = len(cases)
    print(f"due       dict lookup {base / m * 1e6:6.3f} µs | due() {took / m * 1e6:6.3f} µs ({ratio:.0f}x) | "
          f"trusted state {fast / m * 1e6:6.3f} µs ({fast_ratio:.0f}x) | its objects built from known answers "
          f"(the floor) {least / m * 1e6:6.3f} µs, due() {over_floor:.1f}x the floor   [{m} tickets, "
          f"{sent / m:.2f} notifications each]")


def bench_oncall(root: Path, n: int, runs: int) -> None:
    """`Engine.oncall` at 500 teams (1,500 schedules) against a dict lookup, same instants."""
    import random
    eng = engine.load(root)
    rng = random.Random(5)
    teams = sorted(eng.compiled.teams)
    base = 1794931200.0  # 2026-11-16T00:00Z
    queries = [(rng.choice(teams), base + rng.randrange(0, 28 * 86400)) for _ in range(n)]
    for team, ts in queries:  # build the timelines first: steady state is what hosts see
        eng.oncall(team, ts)
    table = {t: t for t in teams}

    def baseline() -> None:
        for team, _ in queries:
            table.get(team)

    def lookups() -> None:
        for team, ts in queries:
            eng.oncall(team, ts)

    b = median_time(baseline, runs) / n * 1e6
    o = median_time(lookups, runs) / n * 1e6
    print(f"oncall    dict lookup {b:6.3f} µs | Engine.oncall {o:6.3f} µs ({o / b:.1f}x)   "
          f"[{len(teams)} teams, {len(eng.compiled.schedules)} schedules]")


def bench_calendar(n: int, runs: int) -> None:
    """A 10-day (240 working hours) deadline on cn-office beside datetime + timedelta."""
    import random
    from datetime import datetime, timedelta
    eng = engine.load(Path(__file__).resolve().parents[1])
    cal = eng.compiled.calendars["cn-office"]
    rng = random.Random(3)
    starts = [1767225600.0 + rng.randrange(0, 365 * 86400) for _ in range(n)]
    dts = [datetime.fromtimestamp(s, UTC) for s in starts]
    step = timedelta(days=10)
    for s in starts:
        cal.add(s, 240 * 3600)

    def baseline() -> None:
        for d in dts:
            d + step

    def deadlines() -> None:
        for s in starts:
            cal.add(s, 240 * 3600)

    b = median_time(baseline, runs) / n * 1e6
    c = median_time(deadlines, runs) / n * 1e6
    print(f"calendar  datetime+timedelta {b:6.3f} µs | 10-day deadline on cn-office {c:6.3f} µs ({c / b:.1f}x)")


def bench_replay(events_path: Path, runs: int, label: str, render: bool = True) -> None:
    """`gongdan evaluate` in process: events per second, decisions serialised as the CLI does
    (without states; with or without the notifications' text)."""
    import json

    from engine.jsonio import dumps_line
    from engine.replay.stream import replay
    eng = engine.load(Path(__file__).resolve().parents[1])
    lines = events_path.read_text(encoding="utf-8").splitlines()

    def run() -> int:
        count = 0
        for d in replay(eng, lines):
            dumps_line(d.to_dict(with_state=False, render=render))
            count += 1
        return count

    def parse_only() -> None:
        for line in lines:
            json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":"))

    base = median_time(parse_only, runs)
    took = median_time(run, runs)
    label += "" if render else " --no-render"
    print(f"replay    {label}: {len(lines)} events in {took:.2f} s = {len(lines) / took:,.0f} events/s "
          f"(JSON parse+dump alone {len(lines) / base:,.0f}/s; {took / base:.0f}x)")


def bench_render(events_path: Path, runs: int) -> None:
    """The rendered replay (issue #19's goal: 20,000 events/s in one process) beside its
    floors, the simplest Python that writes the same bytes: each event line parsed and each
    decision, rendered beforehand, written, with the standard library's `json` and with
    orjson (what Gongdan reads and writes with where the two agree); and beside the same
    replay without rendering, whose difference is what rendering costs. The four run in
    turn in each round, each timed after an untimed warm-up; figures are medians."""
    import json

    import orjson

    from engine.jsonio import dumps_line
    from engine.replay.stream import replay
    eng = engine.load(Path(__file__).resolve().parents[1])
    lines = events_path.read_text(encoding="utf-8").splitlines()
    decided = [d.to_dict(with_state=False, render=True) for d in replay(eng, lines)]
    written = [dumps_line(d) for d in decided]
    sent = sum(len(d["notifications"]) for d in decided)
    same = (all(json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" == w
                for d, w in zip(decided, written, strict=True))
            and all(orjson.dumps(d) + b"\n" == w for d, w in zip(decided, written, strict=True)))

    def replayed(render: bool) -> Callable[[], None]:
        def run() -> None:
            for d in replay(eng, lines):
                dumps_line(d.to_dict(with_state=False, render=render))
        return run

    def floor_json() -> None:
        for line in lines:
            json.loads(line)
        for d in decided:
            json.dumps(d, ensure_ascii=False, separators=(",", ":"))

    def floor_orjson() -> None:
        for line in lines:
            orjson.loads(line)
        for d in decided:
            orjson.dumps(d)

    subjects = (floor_json, floor_orjson, replayed(False), replayed(True))
    times = [[_warm_time(f) for f in subjects] for _ in range(runs)]
    med = [statistics.median(t[i] for t in times) for i in range(len(subjects))]
    n = len(lines)
    added = statistics.median(t[3] - t[2] for t in times)
    print(f"render    example stream rendered {n / med[3]:,.0f} events/s, --no-render {n / med[2]:,.0f} events/s: "
          f"rendering adds {added / n * 1e6:.1f} µs an event, {added / sent * 1e6:.1f} µs a notification | floor "
          f"(each line parsed, each decision rendered beforehand written{'' if same else ', NOT the same bytes'}): "
          f"json {n / med[0]:,.0f} events/s, orjson {n / med[1]:,.0f} events/s; rendered replay "
          f"{statistics.median(t[3] / t[0] for t in times):.1f}x the json floor, "
          f"{statistics.median(t[3] / t[1] for t in times):.0f}x the orjson floor   "
          f"[{n} events, {len(decided)} decisions, {sent} notifications, {runs} rounds]")


def _warm_time(func: Callable[[], Any]) -> float:
    """One call's wall time, after an untimed call."""
    func()
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def bench_durable(n: int, runs: int) -> None:
    """Routing by category equality at 500 rules: durable-rules beside the engine, same events."""
    try:
        from durable.lang import m, post, ruleset, when_all
    except ImportError:
        print("durable   skipped: durable-rules is not installed (pip install '.[bench]')")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cfg500"
        write(root, Scale(categories=500, teams=50, people=500, rules=0))
        eng = engine.load(root)
    ids = sorted(eng.compiled.categories)[:500]
    teams: dict[str, str] = {}
    name = f"routing{time.monotonic_ns()}"
    def action_for(team: str) -> Callable[[Any], None]:
        def action(c: Any) -> None:  # one parameter: durable passes a callback to two
            teams[c.m.ticket] = team
        return action

    with ruleset(name):
        for cid in ids:
            when_all(m.category == cid)(action_for(eng.compiled.categories[cid].team))
    events = [e for e in created_events(ids, n) if e["category"] in eng.compiled.categories][: n]
    tickets = _tickets(events)

    rounds = iter(range(10**9))

    def durable() -> None:
        # durable-rules refuses a message it has seen, so each round gets its own ids
        round_ = next(rounds)
        for e in events:
            post(name, {"id": f"{round_}-{e['ticket']}", "ticket": e["ticket"], "category": e["category"]})

    def ours() -> None:
        route = eng.compiled.router.route
        for t in tickets:  # no rules here, so nothing adds tags: no per-ticket copy needed
            route(t, None)

    mine, theirs, ratio = paired(ours, durable, runs)  # ratio: durable-rules time over ours
    mine, theirs = mine / len(tickets) * 1e6, theirs / len(events) * 1e6
    agree = sum(teams.get(e["ticket"]) == eng.compiled.router.route(dict(t, tags=list(t["tags"])), None).team
                for e, t in zip(events, tickets, strict=True))
    print(f"durable   durable-rules {theirs:8.2f} µs | engine route {mine:6.3f} µs | "
          f"engine is {ratio:.0f}x faster   [{len(events)} events, {len(ids)} rules; "
          f"same team on {agree}/{len(events)}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and events")
    parser.add_argument("--only", default="validate,routing,due,views,oncall,calendar,replay,render,durable")
    parser.add_argument("--million", action="store_true",
                        help="also replay a ~1,000,000-event stream (235,000 tickets)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    runs, n = (3, 5000) if args.quick else (7, 20000)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "scale"
        write(root, Scale())
        if "validate" in only:
            bench_validate(root, runs)
        if "routing" in only:
            bench_routing(root, n, runs)
        if "due" in only:
            bench_due(root, n, runs)
        if "views" in only:
            featured = Path(tmp) / "scale-views"
            write(featured, Scale(views=6, solutions=True))
            bench_views(root, featured, n, runs)
        if "oncall" in only:
            bench_oncall(root, n, runs)
    if "calendar" in only:
        bench_calendar(n, runs)
    if "replay" in only:
        example = Path(__file__).resolve().parents[1] / "examples" / "double11-events.jsonl"
        bench_replay(example, max(1, runs // 2), "example stream")
        bench_replay(example, max(1, runs // 2), "example stream", render=False)
    if "render" in only:
        bench_render(Path(__file__).resolve().parents[1] / "examples" / "double11-events.jsonl", max(3, runs // 2))
    if args.million:
        import json

        from stream import stream
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "million.jsonl"
            with path.open("w", encoding="utf-8") as out:
                for event in stream(235_000, 7):
                    out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
            bench_replay(path, 1, "1M stream", render=False)
    if "durable" in only:
        bench_durable(min(n, 3000), runs)


if __name__ == "__main__":
    main()
