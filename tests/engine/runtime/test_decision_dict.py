"""`Decision.to_dict` reads the state in place and copies each timer's view from one made
per step; its properties (`sla`, `timers`, `next_wakeup`...) and the literal timer view
are the reference: every decision of the example stream gives the same bytes both ways."""
from __future__ import annotations

import copy
import json
from datetime import UTC
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import engine
from engine.config.values import format_ts
from engine.jsonio import dumps_line
from engine.replay.stream import Replay
from engine.runtime.decision import Decision, _seconds, timer_view, timer_views
from engine.sla.escalation import Step, Timer
from helpers import REPO


def by_properties(d: Decision) -> dict[str, Any]:
    """The decision's JSON form from its public properties, one by one, and each timer's
    view built literally."""
    tz = d.at_time.tzinfo
    return {"ticket": d.ticket, "event": d.event, "at": d.at, "config_version": d.config_version, "mode": d.mode,
            "category": d.category, "severity": d.severity, "team": d.team, "tags": d.tags,
            "assignee": d.assignee, "supervisors": d.supervisors, "sla": d.sla, "views": d.views,
            "solution": d.solution, "resolution": d.resolution,
            "timers": [timer_view(format_ts(ts, tz), t) for ts, t in d.waiting],
            "notifications": d.sent, "flags": list(d.flags), "next_wakeup": d.next_wakeup,
            "trace": list(d.trace), "state": d.state}


def test_every_decision_of_the_example_stream_is_its_properties(reference: engine.Engine) -> None:
    events = [json.loads(line) for line in
              (REPO / "examples" / "double11-events.jsonl").read_text(encoding="utf-8").splitlines()]
    replay = Replay(reference)
    count = timers = 0
    for event in events:
        for decision in replay.feed(event):
            fresh = copy.copy(decision)   # nothing worked out yet on either
            got = decision.to_dict(render=False)
            assert dumps_line(got) == dumps_line(by_properties(fresh))   # bytes: 0 and 0.0 differ
            count += 1
            timers += len(got["timers"])
    assert (count, timers) == (16707, 73035)


def test_each_timer_view_has_lists_of_its_own(reference: engine.Engine) -> None:
    event = {"type": "created", "ticket": "T-1", "at": "2026-11-10T12:02:25+08:00",
             "category": "infrastructure/security/data-leak", "severity": "P2"}
    first = reference.evaluate(event).to_dict()["timers"]
    first[0]["notify"].append("changed")
    first[0]["channels"].clear()
    decision = reference.evaluate(event)
    again = decision.to_dict()["timers"]
    assert (again[0]["notify"], again[0]["channels"]) == (["assignee"], ["dingtalk"])
    assert again == [timer_view(format_ts(ts, decision.at_time.tzinfo), t) for ts, t in decision.waiting]


def reference_seconds(value: float) -> float | int:
    """Whole seconds as integers, fractions kept to the microsecond (docs/api.md): as
    written before the fast path."""
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded


@given(st.one_of(st.integers(0, 10 ** 9), st.floats(-1e9, 1e9, allow_nan=False),
                 st.integers(0, 10 ** 9).map(float), st.integers(0, 10 ** 9).map(lambda n: n + 0.5e-6)))
def test_whole_seconds_are_the_rounding_rule(value: float) -> None:
    got, want = _seconds(value), reference_seconds(value)
    assert (type(got), got) == (type(want), want)


def test_a_step_whose_kind_changes_with_the_budget_keeps_each_kind(reference: engine.Engine) -> None:
    """An `after` step's kind follows its threshold against the budget: the same key is a
    remind under one budget and an escalation under a smaller one."""
    step = Step(index=0, at_pct=None, after_s=600, notify=("assignee",), channels=("dingtalk",), climb=False)
    early = Timer("response", "test-after", step, 0, 600.0, "remind", "test-after:response:0:0")
    late = Timer("response", "test-after", step, 0, 600.0, "escalate", "test-after:response:0:0")
    views = timer_views(reference.compiled, [(0.0, early), (60.0, late), (120.0, early)], UTC)
    assert views == [timer_view("1970-01-01T00:00:00+00:00", early), timer_view("1970-01-01T00:01:00+00:00", late),
                     timer_view("1970-01-01T00:02:00+00:00", early)]
    assert [v["kind"] for v in views] == ["remind", "escalate", "remind"]
