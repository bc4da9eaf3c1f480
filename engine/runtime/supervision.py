"""Transfer with supervision (转交并监督): who keeps watching a ticket they handed over,
what ends it, and the notices supervisors get when the ticket is acknowledged or
resolved (at a breach they ride on the breach step: `runtime/notifications`)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.compile.compiled import Compiled
from engine.runtime.events import Event
from engine.runtime.notifications import ASSIGN_CHANNELS, to_person
from engine.runtime.ticket import State

# A ticket tells every supervisor at every breach: their number is bounded, like everything a
# host's events can grow (docs/limits.md); the one who handed over longest ago gives way.
MAX_SUPERVISORS = 32


def hand_over(compiled: Compiled, state: State, event: Event, before: str | None, from_team: str,
              trace: list[str]) -> None:
    """After a transfer: the previous assignee becomes a supervisor when the event says
    `supervise: true`, or says nothing and the team it left supervises by default."""
    supervise = event.raw.get("supervise")
    if supervise is None:
        supervise = compiled.teams[from_team].supervise_transfers
    if not supervise or before is None or before == state["assignee"]["person"]:
        return
    supervisors: list[str] = state.setdefault("supervisors", [])
    if before in supervisors:
        return
    if len(supervisors) >= MAX_SUPERVISORS:
        trace.append(f"{supervisors.pop(0)} no longer supervises the ticket "
                     f"(at most {MAX_SUPERVISORS} supervisors)")
    supervisors.append(before)
    trace.append(f"{before} supervises the ticket")


def stop_supervising(state: State, people: list[str], trace: list[str]) -> None:
    """`changes.supervisors_remove`: each person stops supervising (one who was not is
    named in the trace and otherwise ignored)."""
    supervisors: list[str] = state.get("supervisors") or []
    for person in people:
        if person in supervisors:
            supervisors.remove(person)
            trace.append(f"{person} no longer supervises the ticket")
        else:
            trace.append(f"{person} was not supervising the ticket")
    _store(state, supervisors)


def keep_apart(state: State, trace: list[str]) -> None:
    """The assignee is never also a supervisor: one who takes the ticket back (a transfer,
    a re-route to their duty) stops supervising it."""
    supervisors = state.get("supervisors")
    person = state["assignee"]["person"]
    if supervisors and person in supervisors:
        supervisors.remove(person)
        trace.append(f"{person} has the ticket again and no longer supervises it")
        _store(state, supervisors)


def _store(state: State, supervisors: list[str]) -> None:
    if supervisors:
        state["supervisors"] = supervisors
    else:
        state.pop("supervisors", None)   # a state without supervisors stays as it was


NOTICES = {"acknowledged": ("acknowledged", "response"), "resolved": ("resolved", "resolve")}


def supervisor_notices(compiled: Compiled, before: Mapping[str, Any], after: State, event: Event,
                       flags: list[str]) -> list[dict[str, Any]]:
    """`acknowledged` or `resolved` work notifications to each supervisor, when this event
    stopped the response clock (acknowledged) or the resolve clock (resolved)."""
    notice = NOTICES.get(event.type)
    supervisors = after.get("supervisors")
    if notice is None or not supervisors:
        return []
    kind, clock = notice
    if before["clocks"][clock]["stopped"] is not None or after["clocks"][clock]["stopped"] is None:
        return []
    base = {"at": event.iso, "clock": clock, "kind": kind, "level": 0}
    return [n for person in supervisors
            for n in to_person(compiled, base, person, ASSIGN_CHANNELS[0], ASSIGN_CHANNELS, flags)]
