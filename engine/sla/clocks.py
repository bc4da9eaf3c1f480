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
    runs = clock["runs"]
    if not runs:   # what `sum` gives for no runs or one, without a generator's frame
        total: float = 0
    elif len(runs) == 1:
        total = calendar.elapsed(runs[0][0], runs[0][1])
    else:
        total = sum(calendar.elapsed(a, b) for a, b in runs)
    since = clock["since"]
    if since is not None:
        total += calendar.elapsed(since, now)
    return total


def pause(clock: Clock, now: float) -> None:
    if clock["since"] is not None:
        clock["runs"].append([clock["since"], now])
        clock["since"] = None


def resume(clock: Clock, now: float, calendar: Calendar) -> None:
    """Running again with what is left of the budget: the deadline moves by the working
    time spent paused, since that time was never consumed. A clock whose budget was spent
    keeps the instant it ran out as its due time: it stays breached."""
    if clock["since"] is None and clock["stopped"] is None:
        clock["since"] = now
        clock["due"] = _due(clock, calendar)


def stop(clock: Clock, now: float, calendar: Calendar) -> None:
    """Stopped by its event: met unless its due time had passed while it ran (an event at
    the due instant meets it; docs/semantics.md#boundaries). A clock stopped while paused
    shows the due time it would have had from the stop."""
    if clock["stopped"] is not None:
        return
    if clock["since"] is not None:
        met = now <= clock["due"]
    else:
        met = not _breached_while_paused(clock, calendar)
        clock["due"] = _due({**clock, "since": now}, calendar)   # as of the stop, were it running
    pause(clock, now)
    clock["stopped"], clock["outcome"] = now, "met" if met else "breached"


def reopen(clock: Clock, now: float, calendar: Calendar) -> None:
    clock["stopped"] = clock["outcome"] = None
    resume(clock, now, calendar)


def retarget(clock: Clock, budget: int, calendar_id: str, calendar: Calendar,
             not_before: float | None = None) -> None:
    """New targets measured from the original start: the working time already used is
    kept (recounted on the new calendar); the deadline follows from what is left. With
    `not_before` (a mode switch), no deadline of these targets falls before it."""
    clock["budget"], clock["calendar"] = budget, calendar_id
    if not_before is not None:
        clock["floor"] = not_before
    if clock["stopped"] is None and clock["since"] is not None:
        clock["due"] = _due(clock, calendar)


def _due(clock: Clock, calendar: Calendar) -> float:
    """When the budget runs out, counting the runs so far (in the past if it already has),
    never before the clock's floor."""
    due = reach(clock, float(clock["budget"]), calendar)
    assert due is not None  # only called on a running clock
    floor = clock.get("floor")
    return due if floor is None or due >= floor else floor


def _breached_while_paused(clock: Clock, calendar: Calendar) -> bool:
    """Whether a paused clock's budget ran out (floored) before it was paused: a clock
    paused at its due instant holds there with nothing left, not breached."""
    spent_at = reach(clock, float(clock["budget"]), calendar)
    if spent_at is None or not clock["runs"]:
        return False
    floor = clock.get("floor")
    if floor is not None and floor > spent_at:
        spent_at = floor
    return bool(spent_at < clock["runs"][-1][1])


def state_of(clock: Clock, now: float, calendar: Calendar) -> str:
    """running | paused | met | breached (docs/semantics.md#clock-states)."""
    if clock["stopped"] is not None:
        return str(clock["outcome"])
    if clock["since"] is None:
        return "breached" if _breached_while_paused(clock, calendar) else "paused"
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
