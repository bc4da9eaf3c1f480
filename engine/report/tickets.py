"""One record per ticket, folded from its decisions in stream order: when it opened, was
first answered and resolved, its clocks' last states, the steps that fired for it."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ANSWERED = frozenset({"acknowledged", "resolved"})   # the events that stop a response clock
EVENTS_KEPT = 40                                      # a ticket's timeline in the worst-tickets table


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """What the report knows of one ticket. Times are POSIX seconds; `responded` and
    `resolved` are None while not answered or not resolved (a reopening unresolves)."""

    ticket: str
    team: str
    severity: str
    category: str
    mode: str                      # the mode of its first decision (its `created` one)
    opened: float
    opened_text: str
    responded: float | None
    resolved: float | None
    closed: bool                   # its last decision is a `closed` one
    response: str                  # the clocks' states at its last decision
    resolve: str
    assignee: str | None           # who took it when it opened
    views: tuple[str, ...]         # every view it was ever in
    reminded: bool
    breached_step: bool            # a breach step fired
    escalations: tuple[int, ...]   # the level of each escalation step fired (clock, step, level once)
    top_people: tuple[str, ...]    # who the escalations at its top level went to
    channels: tuple[tuple[str, int], ...]
    trace: tuple[str, ...]         # its first decision's trace: why it went where it went
    timeline: tuple[str, ...]      # "at event" for each decision, at most EVENTS_KEPT

    @property
    def top_level(self) -> int | None:
        return max(self.escalations) if self.escalations else None

    @property
    def resolve_s(self) -> float | None:
        return None if self.resolved is None else self.resolved - self.opened

    @property
    def respond_s(self) -> float | None:
        return None if self.responded is None else self.responded - self.opened


@dataclass(slots=True)
class _Fold:
    first: dict[str, Any]
    opened: float
    last: dict[str, Any] = field(default_factory=dict)
    responded: float | None = None
    resolved: float | None = None
    views: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    escalated: dict[tuple[str, Any, int], int] = field(default_factory=dict)
    notified: set[tuple[int, str]] = field(default_factory=set)      # (level, person) of escalations
    channels: Counter[str] = field(default_factory=Counter)
    timeline: list[str] = field(default_factory=list)

    def add(self, d: dict[str, Any], at: float) -> None:
        self.last = d
        if d["event"] in ANSWERED and self.responded is None:
            self.responded = at
        if d["event"] == "resolved" and self.resolved is None:
            self.resolved = at
        elif d["event"] == "reopened":
            self.resolved = None
        self.views.update(d["views"])
        for n in d["notifications"]:
            self.kinds.add(n["kind"])
            self.channels[n["channel"]] += 1
            if n["kind"] == "escalate":
                self.escalated.setdefault((n.get("clock", ""), n.get("step"), n["level"]), n["level"])
                person = n["to"].get("person")
                if isinstance(person, str):
                    self.notified.add((n["level"], person))
        if len(self.timeline) < EVENTS_KEPT:
            self.timeline.append(f"{d['at']} {d['event']}{_steps(d)}")

    def record(self) -> TicketRecord:
        first, last = self.first, self.last
        person = (first.get("assignee") or {}).get("person")
        levels = tuple(sorted(self.escalated.values()))
        top = tuple(sorted(p for level, p in self.notified if levels and level == levels[-1]))
        return TicketRecord(
            first["ticket"], last["team"], last["severity"], first["category"].get("matched") or "(default)",
            first["mode"], self.opened, first["at"], self.responded, self.resolved, last["event"] == "closed",
            last["sla"]["response"]["state"], last["sla"]["resolve"]["state"], person,
            tuple(sorted(self.views)), "remind" in self.kinds, "breach" in self.kinds,
            levels, top, tuple(sorted(self.channels.items())),
            tuple(str(t) for t in first["trace"]), tuple(self.timeline))


def _steps(d: dict[str, Any]) -> str:
    kinds = sorted({f"{n['kind']} L{n['level']}" if n["kind"] == "escalate" else n["kind"]
                    for n in d["notifications"] if n["kind"] in ("remind", "breach", "escalate")})
    return f" ({', '.join(kinds)})" if kinds else ""


@dataclass(slots=True)
class Folder:
    """Decisions folded one at a time (a replay's summary takes them as they are written)."""

    folds: dict[str, _Fold] = field(default_factory=dict)

    def add(self, d: dict[str, Any]) -> None:
        at = datetime.fromisoformat(d["at"]).timestamp()
        current = self.folds.get(d["ticket"])
        if current is None:
            current = self.folds[d["ticket"]] = _Fold(d, at)
        current.add(d, at)

    def records(self) -> tuple[TicketRecord, ...]:
        """One record per ticket, in the order the tickets first appeared."""
        return tuple(f.record() for f in self.folds.values())


def fold(decisions: Iterable[dict[str, Any]]) -> tuple[TicketRecord, ...]:
    """One record per ticket, in the order the tickets first appear."""
    folder = Folder()
    for d in decisions:
        folder.add(d)
    return folder.records()
