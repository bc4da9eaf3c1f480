"""Supervisors on random ticket lives (transfers with and without supervision, removals,
acknowledgements, resolutions, reopens, due() calls at random times): each supervisor gets
every notification they are owed (each person channel of every breach step and of every
step naming `supervisors`, and the acknowledged and resolved notices) and never two
messages for one step and channel, whatever other role names them."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import engine
from engine.runtime.decision import Decision

TZ = timezone(timedelta(hours=8))
START = datetime(2026, 11, 10, 23, 50, tzinfo=TZ)     # Double 11: promotion targets, 24x7
PEOPLE = ["li-qiang", "xu-ying", "meng-tianyou", "ding-ling", "duan-ling"]
EVENTS = st.one_of(
    st.builds(lambda p, s: {"type": "transferred", "to": {"person": p}, **s}, st.sampled_from(PEOPLE),
              st.sampled_from([{}, {"supervise": True}, {"supervise": False}])),
    st.builds(lambda t, s: {"type": "transferred", "to": {"team": t}, **s},
              st.sampled_from(["trade-order", "payment-gateway", "goc-desk"]),
              st.sampled_from([{}, {"supervise": True}])),
    st.builds(lambda p: {"type": "updated", "changes": {"supervisors_remove": p}},
              st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=2)),
    st.just({"type": "acknowledged"}),
    st.just({"type": "resolved"}),
    st.just({"type": "reopened"}),
    st.builds(lambda s: {"type": "status_changed", "status": s}, st.sampled_from(["pending", "open"])),
)
LIVES = st.tuples(st.sampled_from(["trade/order/create-failed", "payment/gateway/charge-failed", "hr/unknown"]),
                  st.sampled_from([[], ["资损"]]),
                  st.lists(st.tuples(st.integers(0, 20), st.one_of(st.none(), EVENTS)), max_size=14))


def _at(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


def _key(n: dict[str, Any]) -> tuple[Any, ...]:
    """A message's step (or notice), person and the channel it was asked for."""
    step = (n["policy"], n["clock"], n["step"], n["level"]) if "policy" in n else (n["kind"],)
    return (*step, n["to"].get("person"), n.get("instead_of", n["channel"]))


def _owed_by_steps(eng: engine.Engine, before: dict[str, Any], after: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    """(step, supervisor, channel) for each step this call fired that tells supervisors."""
    owed: Counter[tuple[Any, ...]] = Counter()
    for key in set(after.get("fired", [])) - set(before.get("fired", [])):
        policy, clock, index, level = key.split(":")
        step = eng.compiled.policies[policy].steps[clock][int(index)]
        breach = _is_breach(eng, policy, clock, int(index), int(level), after["clocks"][clock]["budget"])
        if breach or "supervisors" in step.notify:
            channels = [c for c in step.channels if c != "dingtalk_group"] or ["dingtalk"]
            owed.update((policy, clock, int(index), int(level), person, channel)
                        for person in before.get("supervisors", []) for channel in channels)
    return owed


def _is_breach(eng: engine.Engine, policy: str, clock: str, index: int, level: int, budget: float) -> bool:
    """A step at exactly the budget (`at: 100%`, or `after` steps adding up to it; a climb
    repeats its `after` once per level)."""
    total = 0.0
    steps = eng.compiled.policies[policy].steps[clock]
    for step in steps[:index + 1]:
        total = step.at_pct / 100 * budget if step.at_pct is not None else total + (step.after_s or 0)
    if level > 1:
        total += (level - 1) * (steps[index].after_s or 0)
    return total == budget


def _owed_notices(event: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    kind, clock = {"acknowledged": ("acknowledged", "response"),
                   "resolved": ("resolved", "resolve")}.get(event["type"], (None, None))
    if kind is None or clock is None:
        return Counter()
    if before["clocks"][clock]["stopped"] is not None or after["clocks"][clock]["stopped"] is None:
        return Counter()
    return Counter((kind, person, "dingtalk") for person in after.get("supervisors", []))


def _supervisor_messages(decision: Decision, supervisors: set[str]) -> Counter[tuple[Any, ...]]:
    """Every message of the decision to someone who supervised before or after it, keyed,
    with the notices (acknowledged, resolved) kept whoever they went to."""
    return Counter(_key(n) for n in decision.sent
                   if n["to"].get("person") in supervisors or n["kind"] in ("acknowledged", "resolved"))


# The trade-order lead xu-ying handed the ticket on and supervises it: the P1 team-lead step
# (team_lead, supervisors) names her twice.
LEAD_SUPERVISES = ("trade/order/create-failed", ["资损"], [
    (1, {"type": "transferred", "to": {"person": "xu-ying"}}),
    (1, {"type": "transferred", "to": {"person": "li-qiang"}}), (20, None)])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LIVES)
@example(LEAD_SUPERVISES)
def test_supervisors_get_what_they_are_owed_once(reference: engine.Engine, life: Any) -> None:
    category, tags, steps = life
    decision = reference.evaluate({"type": "created", "ticket": "T-1", "at": _at(0), "category": category,
                                   "tags": tags})
    now = 0
    every: Counter[tuple[Any, ...]] = Counter()
    for gap, event in steps:
        now += gap
        before = json.loads(json.dumps(decision.state))
        try:
            decision = (reference.due(before, _at(now)) if event is None else
                        reference.evaluate({"ticket": "T-1", "at": _at(now), **event}, before))
        except engine.EventError:
            continue
        after = decision.state
        watching = set(before.get("supervisors", [])) | set(after.get("supervisors", []))
        got = _supervisor_messages(decision, watching)
        owed = _owed_by_steps(reference, before, after) if event is None else _owed_notices(event, before, after)
        assert {k: n for k, n in got.items() if k in owed or k[0] in ("acknowledged", "resolved")} == owed
        every.update(_key(n) for n in decision.sent if "policy" in n)
    assert [k for k, n in every.items() if n > 1] == [], "a person got two messages for one step and channel"
