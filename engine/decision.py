"""The Decision: what the engine answers for one event, and its JSON form (SPEC §7)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from engine import sla
from engine.timers import Pending, pending
from engine.values import format_ts

if TYPE_CHECKING:
    from engine.engine import Engine


@dataclass(slots=True)
class Decision:
    """One event's outcome; `state` is what the host stores and passes to the next call.

    Parts that a stage did not decide stay None and are left out of `to_dict()`.
    """

    ticket: str
    event: str
    at: str
    config_version: str
    mode: str
    category: dict[str, Any]
    severity: str
    team: str
    tags: list[str]
    trace: list[str]
    state: dict[str, Any]
    assignee: dict[str, Any] | None = None
    sla: dict[str, Any] | None = None
    timers: list[dict[str, Any]] | None = None
    notifications: list[dict[str, Any]] | None = None
    flags: list[str] = field(default_factory=list)
    next_wakeup: str | None = None
    explain: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys in the SPEC's order; undecided parts omitted."""
        out: dict[str, Any] = {
            "ticket": self.ticket, "event": self.event, "at": self.at,
            "config_version": self.config_version, "mode": self.mode,
            "category": dict(self.category), "severity": self.severity, "team": self.team,
            "tags": list(self.tags),
        }
        for key in ("assignee", "sla", "timers", "notifications"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["flags"] = list(self.flags)
        if self.timers is not None:
            out["next_wakeup"] = self.next_wakeup
        out["trace"] = list(self.trace)
        out["state"] = self.state
        return out


def _seconds(value: float) -> float | int:
    """Whole seconds as integers; fractions kept (to the microsecond)."""
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded


def _clock_view(engine: Engine, clock: sla.Clock, now: float, tz: tzinfo | None) -> dict[str, Any]:
    calendar = engine.calendars[clock["calendar"]]
    spent = sla.used(clock, calendar, now)
    due = clock["due"] if clock["since"] is not None or clock["stopped"] is not None else None
    return {"due": format_ts(due, tz) if due is not None else None,
            "calendar": clock["calendar"], "state": sla.state_of(clock, now, calendar),
            "elapsed_s": _seconds(spent), "remaining_s": _seconds(clock["budget"] - spent)}


def build_decision(engine: Engine, state: dict[str, Any], event: str, at: datetime,
                   trace: list[str], explain: list[str] | None,
                   sent: list[dict[str, Any]] | None = None, flags: list[str] | None = None,
                   waiting: list[Pending] | None = None) -> Decision:
    """The decision for the ticket as it stands after an event (or `due`) at `at`;
    `waiting` is the pending timers when the caller already has them."""
    now, tz = at.timestamp(), at.tzinfo
    view: dict[str, Any] = {"profile": state["mode"]}
    for name, clock in state["clocks"].items():
        view[name] = _clock_view(engine, clock, now, tz)
    timers = [{"at": format_ts(ts, tz), "clock": t.clock, "kind": t.kind,
               "step": t.step.index, "level": t.level, "notify": list(t.step.notify),
               "channels": list(t.step.channels)}
              for ts, t in (waiting if waiting is not None else pending(engine, state))]
    all_flags = list(state["flags"]) + [f for f in flags or () if f not in state["flags"]]
    return Decision(state["ticket"], event, at.isoformat(), engine.config_version, state["mode"],
                    dict(state["category"]), state["severity"], state["team"], list(state["tags"]),
                    trace, state, assignee=dict(state["assignee"]), sla=view, timers=timers,
                    notifications=sent or [], flags=all_flags,
                    next_wakeup=timers[0]["at"] if timers else None, explain=explain)
