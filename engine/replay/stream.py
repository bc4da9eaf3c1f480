"""Replaying a stream of events (`gongdan evaluate`): per-ticket state, due steps fired
between events on the events' own clock, closed tickets dropped, and a summary."""
from __future__ import annotations

import heapq
import json
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.errors import EventError
from engine.runtime.decision import Decision
from engine.runtime.engine import Engine
from engine.runtime.events import Event, parse_event

# One JSON line per decision, as `gongdan evaluate` writes it. Decisions are trees the
# engine builds afresh, so the circular-reference check has nothing to find.
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


@dataclass(slots=True)
class BadLine:
    line: int
    message: str


@dataclass(slots=True)
class Replay:
    """Open tickets' states and a wake-up queue of (time, ticket, generation)."""

    engine: Engine
    mode: str | None = None
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    queue: list[tuple[float, str, int]] = field(default_factory=list)
    generation: dict[str, int] = field(default_factory=dict)

    def _remember(self, decision: Decision) -> None:
        ticket = decision.ticket
        if decision.state["closed"]:
            self.states.pop(ticket, None)
            self.generation.pop(ticket, None)
            return
        self.states[ticket] = decision.state
        gen = self.generation.get(ticket, 0) + 1
        self.generation[ticket] = gen
        wake = decision.next_wakeup_ts
        if wake is not None:
            heapq.heappush(self.queue, (wake, ticket, gen))

    def fire_until(self, at: datetime) -> Iterator[Decision]:
        """`due` decisions for every ticket with a step due by `at`, in time order."""
        ts = at.timestamp()
        while self.queue and self.queue[0][0] <= ts:
            wake, ticket, gen = heapq.heappop(self.queue)
            if self.generation.get(ticket) != gen:
                continue  # superseded by a later decision for the ticket
            decision = self.engine.due(self.states[ticket], datetime.fromtimestamp(wake, at.tzinfo))
            self._remember(decision)
            yield decision

    def feed(self, event: dict[str, Any]) -> Iterator[Decision]:
        parsed = parse_event(event)  # checked before anything fires, as evaluate would
        yield from self.fire_until(parsed.at)
        yield self.apply(parsed)

    def apply(self, parsed: Event) -> Decision:
        decision = self.engine.apply(parsed, self.states.get(parsed.ticket), self.mode)
        self._remember(decision)
        return decision


Key = tuple[int, int, float, str]  # (line, 0 due | 1 event, wake time, ticket): output order


def replay_keyed(engine: Engine, lines: Iterable[str], mode: str | None = None,
                 until: datetime | None = None, errors: list[BadLine] | None = None,
                 fail_fast: bool = False, shard: tuple[int, int] = (0, 1)) -> Iterator[tuple[Key, Decision]]:
    """Decisions for a JSONL stream, each with the key that orders the output.

    With `shard=(k, n)` only tickets whose id hashes to k are evaluated, yet every line's
    time still fires this shard's due steps, so shards merged by key give exactly the
    single-process output. Bad JSON or event shapes are reported by shard 0, a refused
    event by the shard owning its ticket.
    """
    run = Replay(engine, mode)
    number = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        problem, parsed = _parse(line)
        if parsed is not None:
            for due in run.fire_until(parsed.at):
                yield (number, 0, due.at_time.timestamp(), due.ticket), due
            if shard[1] == 1 or ticket_shard(parsed.ticket, shard[1]) == shard[0]:
                try:
                    decision = run.apply(parsed)
                except EventError as exc:
                    problem = str(exc)
                else:
                    yield (number, 1, 0.0, ""), decision
                    continue
            else:
                continue
        elif shard[0] != 0:
            continue
        if errors is not None:
            errors.append(BadLine(number, problem or ""))
        if fail_fast:
            return
    if until is not None:
        for due in run.fire_until(until):
            yield (number + 1, 0, due.at_time.timestamp(), due.ticket), due


def replay(engine: Engine, lines: Iterable[str], mode: str | None = None, until: datetime | None = None,
           errors: list[BadLine] | None = None, fail_fast: bool = False) -> Iterator[Decision]:
    """Decisions for a JSONL stream; bad lines are collected in `errors` (or stop the run)."""
    for _, decision in replay_keyed(engine, lines, mode, until, errors, fail_fast):
        yield decision


def ticket_shard(ticket: str, shards: int) -> int:
    """A ticket's shard: stable across processes (unlike `hash`)."""
    return zlib.crc32(ticket.encode("utf-8")) % shards


def _parse(line: str) -> tuple[str | None, Event | None]:
    try:
        return None, parse_event(json.loads(line))
    except json.JSONDecodeError as exc:
        return f"not JSON: {exc}", None
    except EventError as exc:
        return str(exc), None


@dataclass(slots=True)
class Summary:
    """Per team and level: tickets, clock outcomes, escalations by level, quick resolutions."""

    last: dict[str, dict[str, Any]] = field(default_factory=dict)
    created_at: dict[str, float] = field(default_factory=dict)
    escalations: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    fired: set[tuple[str, str, int, int]] = field(default_factory=set)

    def add(self, d: dict[str, Any]) -> None:
        ticket = d["ticket"]
        if d["event"] == "created":
            self.created_at[ticket] = datetime.fromisoformat(d["at"]).timestamp()
        for n in d.get("notifications", ()):
            if n["kind"] != "escalate":
                continue
            key = (ticket, n["clock"], n["step"], n["level"])
            if key not in self.fired:
                self.fired.add(key)
                self.escalations[(d["team"], d["severity"], n["level"])] += 1
        self.last[ticket] = {"team": d["team"], "severity": d["severity"],
                             "response": d["sla"]["response"]["state"], "resolve": d["sla"]["resolve"]["state"],
                             "resolved_at": self._resolved_at(d, ticket)}

    def _resolved_at(self, d: dict[str, Any], ticket: str) -> float | None:
        previous = self.last.get(ticket, {}).get("resolved_at")
        if d["event"] == "resolved" and previous is None:
            return datetime.fromisoformat(d["at"]).timestamp()
        return None if d["event"] == "reopened" else previous

    def merge(self, other: Summary) -> None:
        """Add another shard's summary (shards hold disjoint tickets)."""
        self.last.update(other.last)
        self.created_at.update(other.created_at)
        self.escalations.update(other.escalations)
        self.fired |= other.fired

    def rows(self) -> list[dict[str, Any]]:
        groups: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {
            "tickets": 0, "response_met": 0, "response_breached": 0, "resolve_met": 0,
            "resolve_breached": 0, "resolved_in_30m": 0, "escalations": Counter()})
        for ticket, row in self.last.items():
            g = groups[(row["team"], row["severity"])]
            g["tickets"] += 1
            for clock in ("response", "resolve"):
                if row[clock] in ("met", "breached"):
                    g[f"{clock}_{row[clock]}"] += 1
            opened = self.created_at.get(ticket)
            if row["resolved_at"] is not None and opened is not None and row["resolved_at"] - opened <= 1800:
                g["resolved_in_30m"] += 1
        for (team, level, climb), count in self.escalations.items():
            groups[(team, level)]["escalations"][climb] += count
        return [{"team": team, "level": level, **g, "escalations": dict(sorted(g["escalations"].items()))}
                for (team, level), g in sorted(groups.items())]

    def render(self) -> str:
        lines = [(f"{'team':<24} {'level':<5} {'tickets':>7} {'resp met':>8} {'resp brch':>9} "
                 f"{'res met':>7} {'res brch':>8} {'≤30m':>6}  escalations by level")]
        for r in self.rows():
            share = f"{r['resolved_in_30m'] / r['tickets']:.0%}" if r["tickets"] else "-"
            esc = " ".join(f"L{k}:{v}" for k, v in r["escalations"].items()) or "-"
            lines.append(f"{r['team']:<24} {r['level']:<5} {r['tickets']:>7} {r['response_met']:>8} "
                         f"{r['response_breached']:>9} {r['resolve_met']:>7} {r['resolve_breached']:>8} "
                         f"{share:>6}  {esc}")
        return "\n".join(lines) + "\n"
