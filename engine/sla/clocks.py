"""The response and resolve clocks: JSON-ready state that runs, pauses, stops, resumes and
is re-targeted, and every due-time computation on them (budgets of working time on a
business calendar)."""
from __future__ import annotations

from typing import Any

from engine.sla.profiles import Target
from engine.timecalc.calendar import Calendar

CLOCKS = ("response", "resolve")
Clock = dict[str, Any]   # JSON-ready: calendar, budget, runs [[a, b]...], since, stopped, due


# --- clocks: plain dicts in the ticket state -----------------------------------------------
#
# A clock keeps the stretches it ran (`runs`), the start of the current one (`since`, None
# while paused or stopped), its budget and calendar, the deadline of the current run
# (`due`), and once stopped the instant and outcome. Working time is always recounted from
# the runs, so a new calendar or budget (a re-grade, a mode switch) is exact.

def start_clocks(target: Target, at: float, response_due: float, resolve_due: float
                 ) -> dict[str, Clock]:
    """Both clocks of a new ticket, started at `at` (the caller found the due times)."""
    return {"response": {"calendar": target.calendar, "budget": target.response, "runs": [],
                         "since": at, "due": response_due, "stopped": None, "outcome": None},
            "resolve": {"calendar": target.calendar, "budget": target.resolve, "runs": [],
                        "since": at, "due": resolve_due, "stopped": None, "outcome": None}}


def used(clock: Clock, calendar: Calendar, now: float) -> float:
    """Working seconds consumed by `now` (paused stretches do not count)."""
    total = sum(calendar.elapsed(a, b) for a, b in clock["runs"])
    if clock["since"] is not None:
        total += calendar.elapsed(clock["since"], now)
    return total


def pause(clock: Clock, now: float) -> None:
    if clock["since"] is not None:
        clock["runs"].append([clock["since"], now])
        clock["since"] = None


def resume(clock: Clock, now: float, calendar: Calendar) -> None:
    """Running again with what is left of the budget: the deadline moves by the working
    time spent paused, since that time was never consumed."""
    if clock["since"] is None and clock["stopped"] is None:
        left = max(clock["budget"] - used(clock, calendar, now), 0.0)
        clock["since"] = now
        clock["due"] = calendar.add(now, left)


def stop(clock: Clock, now: float, calendar: Calendar) -> None:
    """Stopped by its event: met if that came before the due time (docs/semantics.md#clocks)."""
    if clock["stopped"] is not None:
        return
    running = clock["since"] is not None
    met = now <= clock["due"] if running else used(clock, calendar, now) < clock["budget"]
    pause(clock, now)
    clock["stopped"], clock["outcome"] = now, "met" if met else "breached"


def reopen(clock: Clock, now: float, calendar: Calendar) -> None:
    clock["stopped"] = clock["outcome"] = None
    resume(clock, now, calendar)


def retarget(clock: Clock, budget: int, calendar_id: str, calendar: Calendar,
             not_before: float | None = None) -> None:
    """New targets measured from the original start: the working time already used is
    kept (recounted on the new calendar); the deadline follows from what is left."""
    clock["budget"], clock["calendar"] = budget, calendar_id
    if clock["stopped"] is None and clock["since"] is not None:
        due = _due(clock, calendar)
        clock["due"] = max(due, not_before) if not_before is not None else due


def _due(clock: Clock, calendar: Calendar) -> float:
    """When the budget runs out, counting the runs so far: in the past if it already has."""
    due = reach(clock, float(clock["budget"]), calendar)
    assert due is not None  # only called on a running clock
    return due


def state_of(clock: Clock, now: float, calendar: Calendar) -> str:
    """running | paused | met | breached (docs/semantics.md#clocks)."""
    if clock["stopped"] is not None:
        return str(clock["outcome"])
    if clock["since"] is None:
        return "breached" if used(clock, calendar, now) >= clock["budget"] else "paused"
    return "breached" if now > clock["due"] else "running"


def reach(clock: dict[str, Any], threshold: float, calendar: Calendar) -> float | None:
    """The instant the clock's used working time reaches `threshold`; None while the clock
    is paused or stopped short of it (a pause holds its timers)."""
    left = threshold
    for a, b in clock["runs"]:
        spent = calendar.elapsed(a, b)
        if left <= spent:
            return calendar.add(a, left)
        left -= spent
    if clock["since"] is None:
        return None
    return calendar.add(clock["since"], left)
