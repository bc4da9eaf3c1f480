"""Random ticket lives: only EventError ever escapes, states survive JSON, deadlines and
timers never precede the ticket's start, and due() fires each step once."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine

TZ = timezone(timedelta(hours=8))
START = datetime(2026, 11, 6, 17, 0, tzinfo=TZ)  # a Friday evening, days before Double 11
CATEGORIES = ["trade/order/create-failed", "trade/order/order-stuck", "payment/gateway/charge-failed",
              "customer-service/im/session-drop", "logistics/tracking/no-update", "hr/unknown"]
STEP = st.one_of(
    st.builds(lambda: {"type": "acknowledged"}),
    st.builds(lambda s: {"type": "status_changed", "status": s}, st.sampled_from(["pending", "investigating", "open"])),
    st.builds(lambda: {"type": "resolved"}),
    st.builds(lambda: {"type": "reopened"}),
    st.builds(lambda p: {"type": "transferred", "to": {"person": p}}, st.sampled_from(["li-qiang", "ceo"])),
    st.builds(lambda t: {"type": "transferred", "to": {"team": t}}, st.sampled_from(["trade-cart", "goc-desk"])),
    st.builds(lambda c: {"type": "updated", "changes": c}, st.one_of(
        st.fixed_dictionaries({"severity": st.sampled_from(["P1", "P2", "P3", "P4"])}),
        st.fixed_dictionaries({"category": st.sampled_from(CATEGORIES)}),
        st.fixed_dictionaries({"tags": st.sampled_from([["资损"], [], ["舆情"]])}))),
    st.builds(lambda: {"type": "closed"}),
)
LIVES = st.tuples(
    st.sampled_from(CATEGORIES),
    st.integers(0, 7 * 24 * 60),
    st.lists(st.tuples(st.integers(0, 36 * 60), STEP, st.booleans()), max_size=8),
)


def _at(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LIVES)
def test_a_random_life(reference: engine.Engine,
                       life: tuple[str, int, list[tuple[int, dict[str, Any], bool]]]) -> None:
    category, opened, steps = life
    decision = reference.evaluate({"type": "created", "ticket": "T-1", "at": _at(opened), "category": category})
    start = decision.state["start"]
    state, now, fired = decision.state, opened, set()
    for gap, step, call_due in steps:
        now += gap
        if call_due:
            due = reference.due(json.loads(json.dumps(state)), _at(now))
            keys = [(n["policy"], n["clock"], n["step"], n["level"]) for n in due.to_dict()["notifications"]]
            assert not fired & set(keys), "a step fired twice"
            fired |= set(keys)
            state = due.state
        try:
            decision = reference.evaluate({"ticket": "T-1", "at": _at(now), **step}, json.loads(json.dumps(state)))
        except engine.EventError:
            continue  # e.g. an event for a closed ticket: refused, the stored state unchanged
        out = decision.to_dict()
        assert json.loads(json.dumps(out)) == out
        for clock in ("response", "resolve"):
            due_text = out["sla"][clock]["due"]
            assert due_text is None or datetime.fromisoformat(due_text).timestamp() >= start
        assert all(datetime.fromisoformat(t["at"]).timestamp() >= start for t in out["timers"])
        state = decision.state


@settings(max_examples=300, deadline=None)
@given(category=st.sampled_from([*CATEGORIES, "security/data-leak", "trade"]), minutes=st.integers(0, 60 * 24 * 60),
       tags=st.sampled_from([[], ["资损"], ["安全"], ["大促"]]), severity=st.sampled_from([None, "P1", "P4"]))
def test_a_new_tickets_plan_is_the_plan_of_its_state(reference: engine.Engine, category: str, minutes: int,
                                                       tags: list[str], severity: str | None) -> None:
    """A created decision works its deadlines and timer plan out in one calendar walk; it must
    be exactly what `pending` (and the clocks' own arithmetic) gives for the new state."""
    from engine.runtime.timers import pending
    from engine.sla import clocks as sla

    at = START + timedelta(minutes=minutes)
    event = {"type": "created", "ticket": "T-1", "at": at.isoformat(), "category": category, "tags": tags}
    if severity:
        event["severity"] = severity
    decision = reference.evaluate(event)
    assert decision.waiting == pending(reference.compiled, decision.state)
    for clock in decision.state["clocks"].values():
        calendar = reference.compiled.calendars[clock["calendar"]]
        assert clock["due"] == sla.reach(clock, clock["budget"], calendar)
