"""Replaying a stream of events (`gongdan evaluate`): per-ticket state, due steps fired
between events on the events' own clock, closed tickets dropped, and a summary."""
from __future__ import annotations

import heapq
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from engine.errors import EventError
from engine.replay.lines import Line, NotAnEvent, is_blank, read_line
from engine.runtime.decision import Decision
from engine.runtime.engine import Engine
from engine.runtime.events import Event, parse_event


@dataclass(slots=True)
class BadLine:
    """A line the replay could not take, or a bug met on it; the stream went on."""

    line: int | None    # None: after the last line, firing the steps due by `until`
    message: str
    place: tuple[int, float, str] = (1, 0.0, "")  # on its line: due steps (0, wake, ticket), then the event

    @property
    def where(self) -> str:
        return f"line {self.line}" if self.line is not None else "after the last line"

    def order(self) -> tuple[bool, int, tuple[int, float, str]]:
        return self.line is None, self.line or 0, self.place


@dataclass(slots=True)
class Fault:
    """A bug met firing a ticket's due steps: that ticket's steps stop, the others go on."""

    ticket: str
    wake: float
    message: str


@dataclass(slots=True)
class Replay:
    """Open tickets' states and a wake-up queue of (time, ticket, generation). The states
    are the decisions' own, passed back as trusted (their shape not checked again): a
    caller of `replay` reads a decision's state and never changes it."""

    engine: Engine
    mode: str | None = None
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    queue: list[tuple[float, str, int]] = field(default_factory=list)
    generation: dict[str, int] = field(default_factory=dict)
    trusted: bool = True     # False: every state checked as a host's would be (the reference)

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

    def fire_until(self, at: datetime, faults: list[Fault] | None = None) -> Iterator[Decision]:
        """`due` decisions for every ticket with a step due by `at`, in time order. With
        `faults`, an exception for one ticket (a bug) is collected there and the others go on."""
        ts = at.timestamp()
        while self.queue and self.queue[0][0] <= ts:
            wake, ticket, gen = heapq.heappop(self.queue)
            if self.generation.get(ticket) != gen:
                continue  # superseded by a later decision for the ticket
            try:
                decision = self.engine.due(self.states[ticket], datetime.fromtimestamp(wake, at.tzinfo),
                                           trusted=self.trusted)
                self._remember(decision)
            except Exception as exc:
                if faults is None:
                    raise
                faults.append(Fault(ticket, wake, f"firing the steps of ticket {ticket!r} due at "
                                                  f"{_instant(wake, at)}: {internal(exc)}"))
                continue
            yield decision

    def feed(self, event: dict[str, Any]) -> Iterator[Decision]:
        parsed = parse_event(event)  # checked before anything fires, as evaluate would
        yield from self.fire_until(parsed.at)
        yield self.apply(parsed)

    def apply(self, parsed: Event) -> Decision:
        decision = self.engine.apply(parsed, self.states.get(parsed.ticket), self.mode, trusted=self.trusted)
        self._remember(decision)
        return decision

    def refusal(self, parsed: Event) -> str | None:
        """Why the stream cannot take an event for its ticket as it stands, said in the
        stream's terms (the engine would say it in terms of a state passed or missing)."""
        is_open = parsed.ticket in self.states
        if parsed.type == "created" and is_open:
            return f"ticket: {parsed.ticket!r} is already open (created earlier in the stream, not closed)"
        if parsed.type != "created" and not is_open:
            return (f"ticket: {parsed.ticket!r} is not open: it was closed earlier (a closed ticket takes "
                    f"no more events), or no `created` event for it came before this line")
        return None


Key = tuple[int, int, float, str]  # (line, 0 due | 1 event, wake time, ticket): output order
T = TypeVar("T")
# A line as the replay takes it: its number, its event's time (None: not an event, already
# reported) and its event (None also when another shard owns the ticket: the time alone
# still fires this replay's due steps).
Reading = tuple[int, datetime | None, Event | None]


def replay_keyed(engine: Engine, lines: Iterable[Line], mode: str | None = None,
                 until: datetime | None = None, errors: list[BadLine] | None = None,
                 fail_fast: bool = False, *, output: Callable[[Decision], T]) -> Iterator[tuple[Key, T]]:
    """`output(decision)` for each decision of a JSONL stream, with the key that orders it.

    Every problem with a line is collected in `errors` with its number, and the stream goes
    on (`fail_fast` stops after the first): a line that is not an event, an event the engine
    refuses, and an unexpected exception (a bug) met on the line, `output` included.
    """
    problems: list[BadLine] = errors if errors is not None else []
    readings = ((number, parsed.at if parsed else None, parsed) for number, _, parsed in read_events(lines, problems))
    return replay_readings(engine, readings, mode, until, problems, fail_fast, output=output)


def read_events(lines: Iterable[Line], problems: list[BadLine]) -> Iterator[tuple[int, Line, Event | None]]:
    """Each line that is not blank, with its number and its checked event; a line that is
    not an event is reported in `problems` (and comes with None)."""
    for number, line in enumerate(lines, 1):
        if is_blank(line):
            continue
        try:
            problem, parsed = _parse(line)
        except Exception as exc:  # a bug in checking the event: the line is reported, not the stream ended
            problem, parsed = internal(exc), None
        if parsed is None:
            problems.append(BadLine(number, problem or ""))
        yield number, line, parsed


def replay_readings(engine: Engine, readings: Iterable[Reading], mode: str | None, until: datetime | None,
                    problems: list[BadLine], fail_fast: bool = False, *,
                    output: Callable[[Decision], T]) -> Iterator[tuple[Key, T]]:
    """The replay of lines already read: before each line's event, the steps due by its
    time; then its event's decision. A shard (`replay/shards.py`) gets every line's time and
    only its own tickets' events, so shards merged by key give exactly one process's output."""
    run = Replay(engine, mode)
    number = 0
    for number, at, parsed in readings:
        if at is None:  # not an event: reported as it was read
            if fail_fast:
                return
            continue
        before = len(problems)
        yield from _fire(run, number, at, output, problems)
        if parsed is not None:
            yield from _decide(run, number, parsed, output, problems)
        if fail_fast and len(problems) > before:
            return
    if until is not None:
        faults: list[Fault] = []
        for due in run.fire_until(until, faults):
            yield from _emit((number + 1, 0, due.at_time.timestamp(), due.ticket), due, output, problems, None)
        problems += _reported(faults, None)


def _fire(run: Replay, number: int, at: datetime, output: Callable[[Decision], T],
          problems: list[BadLine]) -> Iterator[tuple[Key, T]]:
    """The steps due by a line's time, fired before its event."""
    if not run.queue or run.queue[0][0] > at.timestamp():
        return
    faults: list[Fault] = []
    for due in run.fire_until(at, faults):
        yield from _emit((number, 0, due.at_time.timestamp(), due.ticket), due, output, problems, number)
    problems += _reported(faults, number)


def _decide(run: Replay, number: int, parsed: Event, output: Callable[[Decision], T],
            problems: list[BadLine]) -> Iterator[tuple[Key, T]]:
    """One line's event: its decision, or why the stream cannot take it."""
    try:
        problem = run.refusal(parsed)
        decision = run.apply(parsed) if problem is None else None
    except EventError as exc:
        problem, decision = str(exc), None
    except Exception as exc:  # a bug: reported with the line, the stream goes on
        problem, decision = internal(exc), None
    if decision is None:
        problems.append(BadLine(number, problem or ""))
        return
    yield from _emit((number, 1, 0.0, ""), decision, output, problems, number)


def _emit(key: Key, decision: Decision, output: Callable[[Decision], T], problems: list[BadLine],
          number: int | None) -> Iterator[tuple[Key, T]]:
    try:
        value = output(decision)
    except Exception as exc:  # a bug in writing one decision: reported, the stream goes on
        problems.append(BadLine(number, f"writing the {decision.event!r} decision of ticket "
                                        f"{decision.ticket!r}: {internal(exc)}", key[1:]))
        return
    yield key, value


def _reported(faults: list[Fault], number: int | None) -> list[BadLine]:
    return [BadLine(number, f.message, (0, f.wake, f.ticket)) for f in faults]


def internal(exc: Exception) -> str:
    """How a bug met on a line is reported: not the line's fault, and not the end of the stream."""
    return f"internal error: {exc!r} (a bug in Gongdan: please report it)"


def _instant(wake: float, at: datetime) -> str:
    try:
        return datetime.fromtimestamp(wake, at.tzinfo).isoformat()
    except (OverflowError, ValueError, OSError):
        return repr(wake)


def replay(engine: Engine, lines: Iterable[Line], mode: str | None = None, until: datetime | None = None,
           errors: list[BadLine] | None = None, fail_fast: bool = False) -> Iterator[Decision]:
    """Decisions for a JSONL stream; bad lines are collected in `errors` (or stop the run)."""
    for _, decision in replay_keyed(engine, lines, mode, until, errors, fail_fast, output=_itself):
        yield decision


def _itself(decision: Decision) -> Decision:
    return decision


def ticket_shard(ticket: str, shards: int) -> int:
    """A ticket's shard: stable across processes (unlike `hash`)."""
    return zlib.crc32(ticket.encode("utf-8")) % shards


def _parse(line: Line) -> tuple[str | None, Event | None]:
    try:
        value = read_line(line)
    except NotAnEvent as exc:
        return str(exc), None
    if isinstance(value, list):
        return "one event per line (JSON Lines), got a list", None
    try:
        return None, parse_event(value)
    except EventError as exc:
        return str(exc), None


KB_MIN_TICKETS = 20     # a category this busy without a standard solution is worth writing one for
KB_LISTED = 10


@dataclass(slots=True)
class Summary:
    """What `gongdan evaluate --summary` adds below the report's headline and worst teams
    (engine/report, fed the same decisions): per view, the tickets that were ever in it and
    those in it at their last decision; per category, the resolutions given, and the busy
    categories without a standard solution (the knowledge-base candidates)."""

    last: dict[str, dict[str, Any]] = field(default_factory=dict)
    viewed: dict[str, set[str]] = field(default_factory=dict)     # ticket -> every view it was in

    def add(self, d: dict[str, Any]) -> None:
        ticket = d["ticket"]
        if d["views"]:
            self.viewed.setdefault(ticket, set()).update(d["views"])
        resolution = d["resolution"]
        self.last[ticket] = {"resolved": self._resolved(d, ticket), "views": d["views"],
                             "category": d["category"]["matched"] or "(default)",
                             "solution": d["solution"] is not None,
                             "resolution": None if resolution is None else resolution["code"] or ""}

    def _resolved(self, d: dict[str, Any], ticket: str) -> bool:
        if d["event"] in ("resolved", "reopened"):
            return bool(d["event"] == "resolved")
        previous = self.last.get(ticket)
        return previous is not None and previous["resolved"] is True

    def merge(self, other: Summary) -> None:
        """Add another shard's summary (shards hold disjoint tickets)."""
        self.last.update(other.last)
        self.viewed.update(other.viewed)

    def view_rows(self) -> list[dict[str, Any]]:
        """Per view, by name: tickets ever in it, and in it at their last decision."""
        ever = Counter(view for views in self.viewed.values() for view in views)
        now = Counter(view for row in self.last.values() for view in row["views"])
        return [{"view": view, "tickets": count, "in_now": now[view]} for view, count in sorted(ever.items())]

    def resolution_rows(self) -> list[dict[str, Any]]:
        """Per category and resolution code: the tickets whose last resolution gave it."""
        counts = Counter((row["category"], row["resolution"]) for row in self.last.values() if row["resolution"])
        return [{"category": c, "code": code, "tickets": n} for (c, code), n in sorted(counts.items())]

    def resolutions_without_code(self) -> tuple[int, int]:
        """Resolved tickets whose resolution is text alone, and those that said nothing."""
        rows = [row for row in self.last.values() if row["resolved"]]
        return (sum(row["resolution"] == "" for row in rows), sum(row["resolution"] is None for row in rows))

    def knowledge_gaps(self) -> list[dict[str, Any]]:
        """Categories with at least KB_MIN_TICKETS tickets and no standard solution, busiest first."""
        counts = Counter(row["category"] for row in self.last.values() if not row["solution"])
        busy = [(n, c) for c, n in counts.items() if n >= KB_MIN_TICKETS]
        return [{"category": c, "tickets": n} for n, c in sorted(busy, key=lambda p: (-p[0], p[1]))[:KB_LISTED]]

    def render(self) -> str:
        """Views, resolutions by category, knowledge-base candidates, blank lines between."""
        return "\n".join(self._sections()) + "\n"

    def _sections(self) -> list[str]:
        lines = [f"{'view':<24} {'tickets':>7} {'in now':>7}"]
        lines += [f"{r['view']:<24} {r['tickets']:>7} {r['in_now']:>7}" for r in self.view_rows()]
        lines += ["", f"{'category':<40} {'resolution':<24} {'tickets':>7}"]
        lines += [f"{r['category']:<40} {r['code']:<24} {r['tickets']:>7}" for r in self.resolution_rows()]
        text_only, unsaid = self.resolutions_without_code()
        lines.append(f"resolved with text alone: {text_only}; without saying how: {unsaid}")
        lines += ["", f"knowledge-base candidates: {KB_MIN_TICKETS} tickets or more, no standard solution",
                  f"{'category':<40} {'tickets':>7}"]
        lines += [f"{r['category']:<40} {r['tickets']:>7}" for r in self.knowledge_gaps()]
        return lines
