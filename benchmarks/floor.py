"""The floors issue #19 asks for: the same output built by the simplest Python that could
build it, measured in the same run as Gongdan.

Each floor is handed every answer the engine works out (routing, the person on duty, the
deadlines, the timer plan, the recipients) and only builds the objects a decision
consists of, as Python literals: a new ticket's state with its attributes, clocks and
trace, its timer plan and its assign notification; for `due`, the host's state copied
(the engine never changes it), the fired step recorded, the notification and its trace
line. No implementation in CPython can return the same objects for less, so the ratio
to the floor is how much of a decision's time is deciding rather than building.
`check()` asserts that each floor builds exactly what the engine returns.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import engine


def _created_state(e: dict[str, Any], s: dict[str, Any]) -> dict[str, Any]:
    """The new ticket's state from the event and the known answer `s`, literally."""
    a, c, r, q, g = s["attrs"], s["category"], s["clocks"]["response"], s["clocks"]["resolve"], s["assignee"]
    return {
        "v": s["v"], "config_version": s["config_version"], "ticket": e["ticket"], "start": s["start"],
        "last": s["last"], "status": "open", "closed": False, "mode": s["mode"],
        "attrs": {"category": e["category"], "title": e.get("title"), "tags": list(a["tags"]),
                  "source": e.get("source"), "submitter": e.get("submitter"), "fields": e.get("fields") or {},
                  "proposed": e.get("severity")},
        "category": {"id": c["id"], "matched": c["matched"], "fallback": c["fallback"]},
        "severity": s["severity"], "team": s["team"], "tags": list(s["tags"]), "flags": [], "fired": [],
        "until": s["until"], "explicit_mode": None,
        "assignee": {"person": g["person"], "source": g["source"]}, "policy": s["policy"],
        "clocks": {"response": {"calendar": r["calendar"], "budget": r["budget"], "runs": [], "since": r["since"],
                                "due": r["due"], "stopped": None, "outcome": None},
                   "resolve": {"calendar": q["calendar"], "budget": q["budget"], "runs": [], "since": q["since"],
                               "due": q["due"], "stopped": None, "outcome": None}},
    }


def created_floor(eng: engine.Engine, events: list[dict[str, Any]]) -> Callable[[dict[str, Any]], Any]:
    """One created decision's objects from its known answer: the state, the trace, the timer
    plan (a list of (instant, timer) pairs) and the assign notification."""
    known = {e["ticket"]: eng.evaluate(e) for e in events}

    def floor(e: dict[str, Any]) -> Any:
        d = known[e["ticket"]]
        sent = [{"at": n["at"], "clock": n["clock"], "kind": n["kind"], "level": n["level"],
                 "channel": n["channel"], "to": {"person": n["to"]["person"], "address": n["to"]["address"]}}
                for n in d.sent]
        return _created_state(e, d.state), list(d.trace), [(t, timer) for t, timer in d.waiting], sent
    return floor


def due_floor(eng: engine.Engine, cases: list[tuple[dict[str, Any], Any]]) -> Callable[[tuple[dict[str, Any], Any]],
                                                                                        Any]:
    """One `due` decision's objects from its known answer: the host's state copied with the
    fired step and the new `until`, the notifications, the trace line and the steps still
    pending."""
    known = {id(state): eng.due(state, at) for state, at in cases}

    def floor(case: tuple[dict[str, Any], Any]) -> Any:
        state = case[0]
        d = known[id(state)]
        s, r, q = d.state, state["clocks"]["response"], state["clocks"]["resolve"]
        new = {**state, "attrs": {**state["attrs"], "tags": list(state["attrs"]["tags"])},
               "category": dict(state["category"]), "tags": list(state["tags"]), "flags": list(s["flags"]),
               "fired": list(s["fired"]), "until": s["until"], "assignee": dict(state["assignee"]),
               "clocks": {"response": {**r, "runs": list(r["runs"])}, "resolve": {**q, "runs": list(q["runs"])}}}
        sent = [{**n, "to": dict(n["to"])} for n in d.sent]
        return new, list(d.trace), sent, [(t, timer) for t, timer in d.waiting]
    return floor


def check(eng: engine.Engine, events: list[dict[str, Any]], cases: list[tuple[dict[str, Any], Any]]) -> None:
    """Each floor builds what the engine returns (so it does the same work, no less)."""
    made = created_floor(eng, events)
    for e in events[:200]:
        d = eng.evaluate(e)
        assert made(e) == (d.state, d.trace, d.waiting, d.sent), e
    fired = due_floor(eng, cases)
    for case in cases[:200]:
        d = eng.due(*case)
        assert fired(case) == (d.state, d.trace, d.sent, d.waiting), case
