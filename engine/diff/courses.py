"""A ticket's course through one replay, as the outcome diff compares it: its `created`
trace, its last state and deadlines, and the notifications it was sent."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from engine.runtime.decision import Decision
from engine.runtime.engine import Engine

ReplayStream = Callable[[Engine, Iterable[str], str | None, datetime | None, list[Any] | None],
                        Iterator[Decision]]
"""`engine.replay.stream.replay(engine, lines, mode, until, errors)`."""

Notice = tuple[float, str, str, int, str, str]   # (at, clock, kind, level, recipient, channel)


@dataclass(slots=True)
class Course:
    """What the comparison keeps of one ticket on one side."""

    state: dict[str, Any]
    trace: tuple[str, ...]           # the `created` decision's, and later transfers
    tz: tzinfo | None                # the `created` event's offset: times are shown in it
    dues: tuple[float | None, float | None] = (None, None)
    ladder: list[Notice] = field(default_factory=list)


def _notice(n: dict[str, Any]) -> Notice:
    to = n["to"]
    who = to["person"] if "person" in to else f"group {to['group']}"
    return datetime.fromisoformat(n["at"]).timestamp(), n["clock"], n["kind"], n["level"], who, n["channel"]


def _dues(d: Decision) -> tuple[float | None, float | None]:
    sla = d.sla
    return tuple(datetime.fromisoformat(sla[c]["due"]).timestamp() if sla[c]["due"] else None  # type: ignore[return-value]
                 for c in ("response", "resolve"))


def follow(engine: Engine, lines: Iterable[str], replay: ReplayStream, until: datetime | None = None,
           errors: list[Any] | None = None, created_only: bool = False) -> dict[str, Course]:
    """Each ticket's course through one replay: its `created` trace, its last state and
    deadlines, and every notification but the `assign` ones (the assignee says those);
    with `created_only`, what the `created` decisions say and nothing after."""
    courses: dict[str, Course] = {}
    last: dict[str, Decision] = {}
    for d in replay(engine, lines, None, until, errors):
        if created_only and d.event != "created":
            continue
        course = courses.get(d.ticket)
        if course is None:
            course = courses[d.ticket] = Course(d.state, tuple(d.trace), d.at_time.tzinfo)
        elif d.event == "transferred":   # what decides the team or assignee from here on
            course.trace += tuple(f"{line} (event at {d.at})" for line in d.trace if line.startswith("transferred to "))
        course.ladder += [_notice(n) for n in d.sent if n["kind"] != "assign"]
        last[d.ticket] = d
    for ticket, d in last.items():
        courses[ticket].state, courses[ticket].dues = d.state, _dues(d)
    return courses
