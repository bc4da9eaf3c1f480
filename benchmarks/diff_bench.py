"""`gongdan diff` on the scale config (5,000 categories, 500 teams, 5,000 people): the scale
config is generated into a temporary dir, copied with a one-line change, and
`gongdan diff DIR_A DIR_B` is run end to end as a user would (a new process each time,
probe set included); the figure is the median of 3 runs. Target: under 10 s.

    python benchmarks/diff_bench.py [--runs 3] [--change category-team,sla-target,roster-handoff]

Each change is one line of YAML; what it costs differs because of what it touches:
`category-team` moves a business unit (and the categories inheriting its team) to another
team, `sla-target` changes every daily P3 ticket's deadlines and ladder, `roster-handoff`
moves one team's weekly handoff. Never a timed assertion.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import Scale, write

AT = "2026-11-02T00:00:00+08:00"
CHANGES = {
    # (file, the line as generated, the line after the change)
    "category-team": ("categories.yaml", "- key: bu00\n  name: 事业部0\n  team: {team}\n",
                      "- key: bu00\n  name: 事业部0\n  team: team0001\n"),
    "sla-target": ("sla_profiles.yaml", "P3: {response: 4h, resolve: 3d}", "P3: {response: 3h, resolve: 3d}"),
    "roster-handoff": ("rosters.yaml", "handoff: 0 9 * * 1\n", "handoff: 0 10 * * 1\n"),
}


def one_line_change(base: Path, into: Path, change: str) -> str:
    """A copy of `base` with one line changed; returns that line before and after."""
    shutil.copytree(base, into)
    name, old, new = CHANGES[change]
    path = into / name
    text = path.read_text(encoding="utf-8")
    if "{team}" in old:   # the first business unit's team, whatever the seed made it
        team = text.split("- key: bu00\n", 1)[1].split("team: ", 1)[1].split("\n", 1)[0]
        old = old.format(team=team)
    assert old in text, (change, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    before, after = (next(x for x, y in zip(old.splitlines(), new.splitlines(), strict=True) if x != y),
                     next(y for x, y in zip(old.splitlines(), new.splitlines(), strict=True) if x != y))
    return f"{name}: {before.strip()!r} -> {after.strip()!r}"


def time_diff(a: Path, b: Path, runs: int) -> tuple[float, str]:
    """Median wall time of `gongdan diff A B` over `runs` runs, and its headline."""
    command = [sys.executable, "-m", "engine", "diff", str(a), str(b), "--at", AT, "--format", "text"]
    times, headline = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - start)
        headline = done.stdout.splitlines()[0]
    return statistics.median(times), headline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--change", default="category-team", help=f"comma-separated, of: {', '.join(CHANGES)}")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gongdan-diff-bench-") as scratch:
        base = Path(scratch) / "a"
        write(base, Scale())
        for change in args.change.split(","):
            what = one_line_change(base, Path(scratch) / change, change)
            seconds, headline = time_diff(base, Path(scratch) / change, args.runs)
            print(f"{change}: {what}")
            print(f"  gongdan diff, scale config, median of {args.runs}: {seconds:.2f} s  (target < 10 s)")
            print(f"  {headline.split(': ', 1)[1]}")


if __name__ == "__main__":
    main()
