"""A ticket's state as the runtime keeps it: its attributes, what routing reads, who is on
duty for it, its targets, and the managers its escalations climb."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from engine.compile.compiled import Compiled
from engine.sla import clocks as sla
from engine.sla.escalation import manager_chain

STATE_VERSION = 2


State = dict[str, Any]


def attributes(raw: Mapping[str, Any], ts: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new ticket's attributes as the host gave them (kept in its state), and the ticket
    routing reads (`matcher_ticket` of them at `ts`, built in the same pass)."""
    get = raw.get
    category, title, source, submitter = raw["category"], get("title"), get("source"), get("submitter")
    tags, fields, proposed = get("tags"), get("fields") or {}, get("severity")
    attrs = {"category": category, "title": title, "tags": list(tags) if tags else [],
             "source": source, "submitter": submitter, "fields": fields, "proposed": proposed}
    return attrs, {"category": category, "severity": proposed, "tags": list(tags) if tags else [],
                   "source": source, "submitter": submitter, "title": title, "fields": fields, "at": ts}


def matcher_ticket(attrs: dict[str, Any], severity: str | None, tags: list[str], ts: float
                   ) -> dict[str, Any]:
    return {"category": attrs["category"], "severity": severity, "tags": tags,
            "source": attrs["source"], "submitter": attrs["submitter"], "title": attrs["title"],
            "fields": attrs["fields"], "at": ts}


def assign_on_duty(compiled: Compiled, state: State, ts: float, mode: str, trace: list[str]) -> None:
    taker = compiled.teams[state["team"]].assignee(ts, mode, compiled.modes.default)
    state["assignee"] = {"person": taker.person, "source": taker.source}
    if taker.gap:
        if "roster_gap" not in state["flags"]:
            state["flags"].append("roster_gap")
        trace.append(f"roster gap: nobody on duty for {state['team']} → {taker.source} "
                     f"{taker.person or '(none)'}")
    else:
        source = taker.source  # only an override's source has more to say (its reason)
        text = source_text(compiled, source, ts) if source.endswith("override") else source
        trace.append(f"on duty {taker.person} ({text})")


def source_text(compiled: Compiled, source: str, ts: float) -> str:
    """An assignee's source as the trace shows it: an override with its `reason`."""
    schedule, _, what = source.rpartition("/")
    reason = (compiled.schedules[schedule].override_reason(ts)
              if what == "override" and schedule in compiled.schedules else None)
    return f"{source}: {reason}" if reason else source


def mode_text(compiled: Compiled, mode: str, ts: float, explicit: str | None) -> str:
    """A mode as the trace shows it: with the name of the window that put it in force."""
    window = compiled.modes.window_name(ts, explicit)
    return f"{mode} (window {window})" if window else mode


def retarget(compiled: Compiled, state: State, ts: float, trace: list[str],
             not_before: float | None = None) -> None:
    """The targets of the ticket's level in its mode's profile as of `ts` (an override
    may match on the event time), applied to both clocks from their original start."""
    ticket = matcher_ticket(state["attrs"], state["severity"], state["tags"], ts)
    target = compiled.profiles[state["mode"]].target(ticket, state["severity"], state["team"])
    state["policy"] = target.policy
    for name, clock in state["clocks"].items():
        sla.retarget(clock, target.budget(name), target.calendar, compiled.calendars[target.calendar],
                     not_before)
    # No step of the new targets fires before the change that made it (a P3 raised to P1
    # two hours in pages at the raise, not at an instant before anybody knew).
    state["steps_from"] = not_before if not_before is not None else ts
    trace.append(target.trace_line)


def retarget_for_team(compiled: Compiled, state: State, from_team: str, ts: float, trace: list[str]) -> None:
    """After a transfer to another team: new targets from `ts` if an override that names
    a team now chooses differently (docs/semantics.md#targets)."""
    profile = compiled.profiles[state["mode"]]
    if not profile.reads_team:
        return
    ticket = matcher_ticket(state["attrs"], state["severity"], state["tags"], ts)
    if profile.target(ticket, state["severity"], from_team) != profile.target(ticket, state["severity"], state["team"]):
        retarget(compiled, state, ts, trace, not_before=ts)


def mode_in_force(compiled: Compiled, state: State, ts: float) -> str:
    """The mode at `ts` for this ticket: the host's explicit mode it holds, else the
    window containing `ts`, else the default (whom to page, whom to assign)."""
    return compiled.modes.at(ts, state.get("explicit_mode"))


def climb_chain(compiled: Compiled, state: State) -> tuple[str, ...]:
    """Managers a climbing step goes to: the team lead's manager up to the top (for a
    team without a lead, the assignee's manager up)."""
    team = compiled.teams[state["team"]]
    if team.lead is not None:
        return compiled.climb_chains[team.id]
    first = state["assignee"]["person"]
    return manager_chain(compiled.people, compiled.people[first].manager if first in compiled.people else None)


def format_time(ts: float, tz: tzinfo | None = None) -> str:
    """An instant as RFC 3339 text, in UTC unless `tz` is given (for trace lines)."""
    return datetime.fromtimestamp(ts, tz or UTC).isoformat()
