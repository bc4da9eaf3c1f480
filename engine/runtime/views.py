"""Which views (views.yaml) a ticket is in at an instant, why (for `--explain`), and when
time alone will next change that: a clock reaching a view's share of its budget, or a
mode window edge that brings other views into force (both part of `next_wakeup`)."""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from engine.compile.compiled import Compiled
from engine.compile.views import ClockCondition, View
from engine.routing.tables import NoMatch
from engine.runtime.ticket import State, format_time
from engine.sla.clocks import reach

_ALWAYS = -math.inf     # a view without clock conditions: entered as soon as the rest holds


class ViewReading(NamedTuple):
    """The views a ticket is in at `now` (ids in view order) and the instants after `now`
    at which time alone brings it into one of the mode's other views."""

    now: float
    mode: str | None            # the mode in force; None for a resolved ticket
    ids: list[str]
    entering: list[float]


_reading = tuple.__new__   # one C call: a reading is made on every decision a host reads


def escalation_level(state: State) -> int:
    """The highest climb level among the ticket's fired steps (`policy:clock:step:level`)."""
    level: int | None = None
    for key in state.get("fired") or ():   # a loop: `max` over a generator costs a frame
        fired = int(key.rpartition(":")[2])
        if level is None or fired > level:
            level = fired
    return 0 if level is None else level


def view_ticket(state: State, now: float) -> dict[str, Any]:
    """The ticket as view matchers read it: its attributes as they stand, its final level
    and tags, its team, and the decision's instant (for `during`/`outside`)."""
    ticket: dict[str, Any] = state["attrs"].copy()   # a copy and four stores: cheaper than a merge into a new dict
    ticket["severity"], ticket["tags"], ticket["team"], ticket["at"] = (state["severity"], state["tags"],
                                                                      state["team"], now)
    return ticket


def read_views(compiled: Compiled, state: State, now: float, explain: list[str] | None = None
               ) -> ViewReading:
    """The views of the mode in force that the ticket is in at `now`; a resolved or closed
    ticket is in none. With `explain`, a line per view says why it is in or not."""
    if state["clocks"]["resolve"]["stopped"] is not None:
        if explain is not None and compiled.views.ordered:
            explain.append(NoMatch("views: none, the ticket is resolved"))
        return _reading(ViewReading, (now, None, [], []))
    mode = compiled.modes.at(now, state.get("explicit_mode"))   # the mode in force
    ids: list[str] = []
    entering: list[float] = []
    views = compiled.views.by_mode.get(mode, ())
    ticket = view_ticket(state, now) if views else {}
    level = escalation_level(state) if state.get("fired") else 0
    for view in views:   # on every decision a host reads: plain lookups, a call where a `when` holds
        predicate = view.predicate
        if (predicate is not None and not predicate(ticket)) or level < view.min_level:
            entered = None
        elif view.clocks:
            entered = _entered(compiled, state, view.clocks)
        else:
            entered = _ALWAYS
        if entered is not None and entered <= now:
            ids.append(view.id)
        elif entered is not None:
            entering.append(entered)
        if explain is not None:
            explain.append(_explained(view, ticket, level, entered, now))
    return _reading(ViewReading, (now, mode, ids, entering))


def _entered(compiled: Compiled, state: State, conditions: tuple[ClockCondition, ...]) -> float | None:
    """When the clock conditions all hold (they may lie ahead); None when they cannot by
    time alone (a clock met, or paused short of its share)."""
    clocks = state["clocks"]
    if len(conditions) == 1:   # the usual view: one clock
        return _clock_entered(compiled, clocks[conditions[0].clock], conditions[0].share)
    entered = _ALWAYS
    for condition in conditions:
        at = _clock_entered(compiled, clocks[condition.clock], condition.share)
        if at is None:
            return None
        entered = max(entered, at)
    return entered


def _clock_entered(compiled: Compiled, clock: dict[str, Any], share: float) -> float | None:
    """The instant the clock has used `share` of its budget: for the whole budget of a
    running clock, its due time (when the breach step fires). None for a met clock and
    for one stopped or paused short of it."""
    if clock["outcome"] == "met":
        return None
    if share == 1.0 and clock["since"] is not None:
        return clock["due"]  # type: ignore[no-any-return]  # a running clock's due is a number
    return reach(clock, share * clock["budget"], compiled.calendars[clock["calendar"]])


def next_entering(compiled: Compiled, state: State, reading: ViewReading) -> float | None:
    """The next instant after the reading's that time alone changes the ticket's views:
    a clock reaching a view's share, or a window edge where other views come into force."""
    soonest = min(reading.entering) if reading.entering else None
    if reading.mode is None or not compiled.views.mode_sensitive or state.get("explicit_mode") is not None:
        return soonest
    current = compiled.views.of(reading.mode)
    for edge in compiled.modes.edges(reading.now, math.inf):
        if soonest is not None and edge >= soonest:
            break
        if compiled.views.of(compiled.modes.at(edge)) != current:
            return edge
    return soonest


def _explained(view: View, ticket: dict[str, Any], level: int, entered: float | None, now: float) -> str:
    head = f"view {view.id} ({view.where})"
    if entered is not None and entered <= now:
        return f"{head}: in ({', '.join(view.conditions) or 'every open ticket'})"
    failed = next((text for text, test in view.parts if not test(ticket)), None)
    if failed is not None:
        return NoMatch(f"{head}: not in ({failed}: no match)")
    if level < view.min_level:
        return NoMatch(f"{head}: not in (escalation level {level} < {view.min_level})")
    if entered is not None:
        return NoMatch(f"{head}: not yet ({' and '.join(c.text for c in view.clocks)} "
                       f"at {format_time(entered)})")
    return NoMatch(f"{head}: not in ({' and '.join(c.text for c in view.clocks)}: not by time alone)")
