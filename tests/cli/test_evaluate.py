"""`gongdan evaluate`: a replayed stream is deterministic, its summary recounts, bad lines
are reported and skipped."""
from __future__ import annotations

import contextlib
import json
import math
import os
import pty
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from click.testing import CliRunner

import engine
from engine.cli import main
from engine.replay.stream import Replay
from engine.report.text import duration, pct
from helpers import REPO

EXAMPLE = REPO / "examples" / "double11-events.jsonl"


def run(*args: str, stdin: str | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, ["evaluate", "--config", str(REPO), *args], input=stdin)
    return result.exit_code, result.stdout_bytes, result.stderr


def team_rows(decisions: list[dict[str, Any]]) -> list[str]:
    """The summary's worst-teams rows, counted again straight from the decisions: each
    ticket's clocks as of its last decision, resolved from `created` to the first `resolved`
    after its last reopening, nearest-rank percentiles; laid out as docs/cli.md says."""
    last: dict[str, dict[str, Any]] = {}
    opened: dict[str, float] = {}
    resolved: dict[str, float | None] = {}
    for d in decisions:
        t, at = d["ticket"], datetime.fromisoformat(d["at"]).timestamp()
        opened.setdefault(t, at)
        if d["event"] == "resolved" and resolved.get(t) is None:
            resolved[t] = at
        if d["event"] == "reopened":
            resolved[t] = None
        last[t] = d
    teams: dict[str, list[str]] = defaultdict(list)
    for t, d in last.items():
        teams[d["team"]].append(t)
    rows = []
    for team, tickets in teams.items():
        state = Counter((clock, last[t]["sla"][clock]["state"]) for t in tickets for clock in ("response", "resolve"))
        times = sorted(resolved[t] - opened[t] for t in tickets if resolved.get(t) is not None)  # type: ignore[operator]
        rm, rb, sm, sb = (state[("response", "met")], state[("response", "breached")], state[("resolve", "met")],
                          state[("resolve", "breached")])
        ra, sa = (rm / (rm + rb) if rm + rb else None), (sm / (sm + sb) if sm + sb else None)
        median, p90 = ((times[math.ceil(p / 100 * len(times)) - 1] if times else None) for p in (50, 90))
        quick = sum(s <= 1800 for s in times) / len(tickets)
        rows.append(((2 if sa is None else sa, 2 if ra is None else ra, team),
                     (f"{team:<24} {len(tickets):>7} {rb:>9} {pct(ra):>8} {sb:>8} {pct(sa):>8} {pct(quick):>6} "
                      f"{duration(median):>10} {duration(p90):>8}")))
    return [row for _, row in sorted(rows)]


def test_the_example_replays_to_the_same_bytes_and_its_summary_recounts(tmp_path: Any) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    code, out, err = run("--summary", "-i", str(EXAMPLE), "-o", str(first))
    assert (code, err) == (0, "")
    assert run("--summary", "-i", str(EXAMPLE), "-o", str(second))[1] == out
    assert first.read_bytes() == second.read_bytes()
    decisions = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    events = [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines()]
    assert [(d["ticket"], d["event"], d["at"]) for d in decisions if d["event"] != "due"] == [
        (e["ticket"], e["type"], e["at"]) for e in events], "one decision per event, in order"
    assert any(d["event"] == "due" for d in decisions), "and the due firings between them"
    from engine.replay.stream import Summary
    summary = Summary()
    for d in decisions:
        summary.add(d)
    text = out.decode()
    assert max(len(line) for line in text.splitlines()) <= 100, "fits a 100-column terminal"
    headline, teams, views, resolutions, gaps = text.split("\n\n")
    tickets = len({d["ticket"] for d in decisions})
    assert headline.splitlines()[0] == f"tickets{' ' * 24}{tickets} ({tickets // 2} a day over 48 h)"
    title, header, *rows = teams.splitlines()
    expected = team_rows(decisions)
    assert title == f"worst teams by resolve attainment (10 of {len(expected)}; every team: gongdan report)"
    assert header.split() == ["team", "tickets", "resp", "brch", "resp", "att", "res", "brch", "res", "att",
                              "≤30m", "res", "median", "res", "p90"]
    assert rows == expected[:10], "the worst ten, counted again"
    assert views.splitlines()[1:] == [f"{r['view']:<24} {r['tickets']:>7} {r['in_now']:>7}"
                                      for r in summary.view_rows()]
    assert (resolutions.splitlines()[0].split(), gaps.splitlines()[0]) == (
        ["category", "resolution", "tickets"],
        "knowledge-base candidates: 20 tickets or more, no standard solution")
    assert_views_and_resolutions_recount(decisions, summary)


THREE = "".join(json.dumps({"type": kind, "ticket": t, "at": f"2026-11-01T{at}+08:00", **extra}) + "\n"
                for kind, t, at, extra in [
                    ("created", "T1", "10:00:00", {"category": "infrastructure/security/data-leak"}),
                    ("created", "T2", "10:00:30", {"category": "infrastructure/security/data-leak"}),
                    ("created", "T3", "10:01:00", {"category": "infrastructure/security/data-leak"}),
                    ("acknowledged", "T1", "10:05:00", {}), ("resolved", "T1", "10:20:00", {}),
                    ("acknowledged", "T2", "10:40:00", {}), ("resolved", "T2", "11:30:00", {})])

# The three tickets of tests/cli/test_report.py (worked out by hand there), as the summary
# prints them: the headline, the worst teams, and the views, resolutions and gaps (none).
THREE_SUMMARY = """\
tickets                        3 (72 a day over 1 h)
response attainment            33.3% (2 breached)
resolve attainment             100.0% (0 breached)
tickets with a breach          2
resolved within 30 min         33.3% (1 of 3)
time to respond, median / p90  5m 00s / 39m 30s
time to resolve, median / p90  20m 00s / 1h 29m
notifications by channel       dingtalk 9, phone 8, sms 4, dingtalk_group 2
escalation steps by level      L0 2, L1 2, L2 1, L3 1
tickets escalated to the top   1 (L3: ceo)

worst teams by resolve attainment (1 of 1; every team: gongdan report)
team                     tickets resp brch resp att res brch  res att   ≤30m res median  res p90
infra-security                 3         2    33.3%        0   100.0%  33.3%    20m 00s   1h 29m

view                     tickets  in now

category                                 resolution               tickets
resolved with text alone: 0; without saying how: 2

knowledge-base candidates: 20 tickets or more, no standard solution
category                                 tickets
"""


def test_the_summary_of_three_tickets_exactly(tmp_path: Any) -> None:
    assert run("--summary", "-o", str(tmp_path / "d.jsonl"), stdin=THREE) == (0, THREE_SUMMARY.encode(), "")
    code, out, err = run("--summary", "--jobs", "2", "-o", str(tmp_path / "e.jsonl"), stdin=THREE)
    assert (code, out, err) == (0, THREE_SUMMARY.encode(), ""), "the same from shards"


def test_a_progress_bar_on_a_terminal_only(tmp_path: Any) -> None:
    """stderr a real terminal (a pty): a bar every 5,000 decisions and a full one at the end;
    the same run with stderr a pipe writes nothing there."""
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"".join(EXAMPLE.read_bytes().splitlines(keepends=True)[:6000]))
    command = [sys.executable, "-m", "engine", "evaluate", "--config", str(REPO), "-i", str(events), "-o"]
    primary, secondary = pty.openpty()
    try:
        subprocess.run([*command, str(tmp_path / "a.jsonl")], stderr=secondary, cwd=REPO, timeout=120, check=True)
    finally:
        os.close(secondary)
    seen = b""
    with contextlib.suppress(OSError):  # EIO once the terminal's other side is closed
        while chunk := os.read(primary, 65536):
            seen += chunk
    os.close(primary)
    decisions = len((tmp_path / "a.jsonl").read_bytes().splitlines())
    bars = re.findall(rb"\r\[([#.]{30})\] +(\d+)% (\d+) decisions", seen)
    assert [int(n) for _, _, n in bars] == [*range(5000, decisions, 5000), decisions]
    shares = [int(p) for _, p, _ in bars]
    assert shares == sorted(shares) and shares[-1] == 100 and bars[-1][0] == b"#" * 30
    assert seen.endswith(b"\r\n")
    piped = subprocess.run([*command, str(tmp_path / "b.jsonl")], capture_output=True, cwd=REPO, timeout=120)
    assert (piped.returncode, piped.stderr) == (0, b"")


def assert_views_and_resolutions_recount(decisions: list[dict[str, Any]], summary: Any) -> None:
    """Per view, per resolution, and the busy categories without a solution, counted again."""
    ever: dict[str, set[str]] = defaultdict(set)
    last: dict[str, dict[str, Any]] = {}
    for d in decisions:
        for view in d["views"]:
            ever[view].add(d["ticket"])
        last[d["ticket"]] = d
    assert summary.view_rows() == [
        {"view": v, "tickets": len(ts), "in_now": sum(v in d["views"] for d in last.values())}
        for v, ts in sorted(ever.items())]
    coded = Counter((d["category"]["matched"], d["resolution"]["code"]) for d in last.values()
                    if d["resolution"] and d["resolution"]["code"])
    assert summary.resolution_rows() == [{"category": c, "code": code, "tickets": n}
                                         for (c, code), n in sorted(coded.items())]
    bare = Counter(d["category"]["matched"] or "(default)" for d in last.values() if d["solution"] is None)
    assert summary.knowledge_gaps() == [{"category": c, "tickets": n} for c, n in
                                        sorted(bare.items(), key=lambda p: (-p[1], p[0])) if n >= 20][:10]
    assert {row["view"] for row in summary.view_rows()} == {
        "trade-p1-p2", "payment-p1-p2", "capital-loss", "escalated-l2", "response-breached", "p1-resolve-at-risk"}
    assert summary.resolution_rows() and summary.knowledge_gaps(), "the example exercises both"
    kinds = Counter(n["kind"] for d in decisions for n in d["notifications"])
    assert kinds["acknowledged"] and kinds["resolved"], "supervisors are told in the example"
    assert any(d["supervisors"] for d in decisions) and any(d["solution"] for d in decisions)


def _events(*events: dict[str, Any]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)


CREATED = {"type": "created", "ticket": "T-1", "at": "2026-11-09T10:00:00+08:00",
           "category": "trade/order/create-failed", "tags": ["资损"]}


def test_due_steps_fire_between_events_in_time_order() -> None:
    code, out, _ = run(stdin=_events(CREATED, {"type": "acknowledged", "ticket": "T-1",
                                               "at": "2026-11-09T10:21:00+08:00"}))
    assert code == 0
    got = [(d["event"], d["at"]) for d in map(json.loads, out.decode().splitlines())]
    assert got == [("created", "2026-11-09T10:00:00+08:00"), ("due", "2026-11-09T10:07:30+08:00"),
                   ("due", "2026-11-09T10:15:00+08:00"), ("due", "2026-11-09T10:20:00+08:00"),
                   ("acknowledged", "2026-11-09T10:21:00+08:00")]


def test_until_drains_what_is_due_after_the_last_event() -> None:
    _, out, _ = run("--until", "2026-11-09T10:16:00+08:00", stdin=_events(CREATED))
    assert [json.loads(line)["at"] for line in out.decode().splitlines()] == [
        "2026-11-09T10:00:00+08:00", "2026-11-09T10:07:30+08:00", "2026-11-09T10:15:00+08:00"]


def test_bad_lines_are_reported_and_the_stream_goes_on() -> None:
    stream = "not json\n" + _events({"type": "created", "ticket": "T-2", "at": "2026-11-09T10:00:00",
                                      "category": "trade"}, CREATED)
    code, out, err = run("--until", "2026-11-09T10:00:00+08:00", stdin=stream)
    assert code == 1
    assert err == ("gongdan: line 1: not JSON: Expecting value: line 1 column 1 (char 0)\n"
                   "gongdan: line 2: at: '2026-11-09T10:00:00' has no UTC offset (add +08:00 or Z)\n")
    assert [json.loads(line)["ticket"] for line in out.decode().splitlines()] == ["T-1"]


def test_fail_fast_stops_at_the_first_bad_line() -> None:
    code, out, err = run("--fail-fast", stdin="{}\n" + _events(CREATED))
    assert (code, out) == (1, b"")
    assert err == "gongdan: line 1: type: expected one of created, acknowledged, transferred, updated, " \
                  "status_changed, resolved, reopened, closed, got None\n"


def test_closed_tickets_leave_memory(reference: engine.Engine) -> None:
    replay = Replay(reference)
    for event in (CREATED, {"type": "resolved", "ticket": "T-1", "at": "2026-11-09T10:05:00+08:00"}):
        list(replay.feed(event))
    assert list(replay.states) == ["T-1"]
    list(replay.feed({"type": "closed", "ticket": "T-1", "at": "2026-11-09T10:06:00+08:00"}))
    assert (replay.states, replay.generation) == ({}, {})
    assert list(replay.fire_until(datetime.fromisoformat("2026-11-10T00:00:00+08:00"))) == []


def test_states_are_left_out_unless_asked_for() -> None:
    plain = json.loads(run(stdin=_events(CREATED))[1].decode().splitlines()[0])
    full = json.loads(run("--state", stdin=_events(CREATED))[1].decode().splitlines()[0])
    assert "state" not in plain
    assert full["state"]["ticket"] == "T-1" and full["state"]["clocks"]["response"]["budget"] == 900
    assert {k: v for k, v in full.items() if k != "state"} == plain


def test_several_jobs_write_exactly_what_one_writes(tmp_path: Any) -> None:
    events = EXAMPLE.read_text(encoding="utf-8").splitlines()[:3000]
    events[10] = "not json"
    events[20] = events[20].replace('"at":"', '"at":"x')  # an unparseable time
    stream = tmp_path / "events.jsonl"
    stream.write_text("\n".join(events) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"out-{jobs}.jsonl"
        code, summary, err = run("--jobs", jobs, "--summary", "--until", "2026-11-12T12:00:00+08:00",
                                 "-i", str(stream), "-o", str(out))
        outputs.append((code, summary, err, out.read_bytes()))
    assert outputs[0][0] == 1 and outputs[0][2].startswith("gongdan: line 11: not JSON")
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


def test_jobs_do_not_go_with_fail_fast() -> None:
    assert run("--jobs", "2", "--fail-fast", stdin="")[0] == 2


def test_jobs_fed_in_small_batches_write_exactly_what_one_writes(tmp_path: Any, monkeypatch: Any) -> None:
    """The reader hands workers lines in batches: many batch edges (7 lines each), a line
    that is not an event, an event its ticket's worker refuses, states written: the same
    bytes and the same problems as one process."""
    import engine.replay.shards as shards
    monkeypatch.setattr(shards, "BATCH", 7)
    events = EXAMPLE.read_text(encoding="utf-8").splitlines()[:400]
    events[13] = "{}"               # not an event (a created one: its ticket's later lines are refused)
    events[50] = events[0]          # created again: the owning worker refuses it
    stream = tmp_path / "events.jsonl"
    stream.write_text("\n".join(events) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"out-{jobs}.jsonl"
        code, summary, err = run("--jobs", jobs, "--state", "--until", "2026-11-11T00:00:00+08:00",
                                 "-i", str(stream), "-o", str(out))
        outputs.append((code, summary, err, out.read_bytes()))
    gone = ("is not open: it was closed earlier (a closed ticket takes no more events), or no `created` event "
            "for it came before this line")
    assert outputs[0][2].splitlines() == [
        ("gongdan: line 14: type: expected one of created, acknowledged, transferred, updated, status_changed, "
         "resolved, reopened, closed, got None"),
        f"gongdan: line 17: ticket: 'D11-000564' {gone}",
        "gongdan: line 51: ticket: 'D11-001732' is already open (created earlier in the stream, not closed)",
        f"gongdan: line 76: ticket: 'D11-001688' {gone}", f"gongdan: line 120: ticket: 'D11-001688' {gone}",
        f"gongdan: line 287: ticket: 'D11-000564' {gone}", f"gongdan: line 305: ticket: 'D11-000564' {gone}",
        f"gongdan: line 322: ticket: 'D11-001688' {gone}"]
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]
    assert outputs[0][3].count(b"\n") > 400
