"""A decision's `views` against views.yaml read literally, on random views and random
ticket lives: the mode in force at the decision, each view's `when` walked as the docs say
(`literal_match`), its SLA conditions from the clocks' used working time, its escalation
level from the fired steps, a resolved ticket in none. And `next_wakeup` never skips an
instant where time alone would bring the ticket into a view."""
from __future__ import annotations

import json
import random
import shutil
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.config.values import parse_percentage
from engine.sla import clocks as sla
from helpers import REPO
from routing_reference import literal_match

TZ = timezone(timedelta(hours=8))
START = datetime(2026, 11, 10, 17, 0, tzinfo=TZ)      # three hours before the Double 11 window
WINDOW = (datetime(2026, 11, 10, 20, 0, tzinfo=TZ).timestamp(), datetime(2026, 11, 12, 2, 0, tzinfo=TZ).timestamp())
TOLERANCE = 1e-6        # seconds: used time is summed from the runs, the threshold multiplied


def _condition(rng: random.Random) -> tuple[str, Any]:
    return rng.choice([
        ("category", {"prefix": rng.choice(["trade/", "payment/", "trade/order/"])}),
        ("category", rng.choice(["trade/order/create-failed", "payment/gateway/charge-failed"])),
        ("severity", rng.choice([["P1", "P2"], "P3", {"not_in": ["P4"]}, {"in": ["P1"]}])),
        ("tags", rng.choice(["资损", {"in": ["资损", "舆情"]}, {"exists": False}])),
        ("team", rng.choice([["trade-order", "payment-gateway"], "goc-desk", {"not_in": ["trade-order"]}])),
        ("fields.region", rng.choice(["cn-hangzhou", {"exists": True}])),
        ("source", {"not_in": ["monitor"]}),
        ("during", "cn-office"),
    ])


def _when(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    when = dict(_condition(rng) for _ in range(rng.randint(1, 2)))
    if depth == 0 and rng.random() < 0.3:
        when["any"] = [_when(rng, 1) for _ in range(2)]
    if depth == 0 and rng.random() < 0.2:
        when["not"] = _when(rng, 1)
    return when


def _view(rng: random.Random, i: int) -> dict[str, Any]:
    view: dict[str, Any] = {"id": f"v{i}", "title": {"zh": f"视图 {i}", "en": f"View {i}"},
                            "modes": rng.choice([["promotion"], ["daily"], ["daily", "promotion"]]),
                            "order": rng.randint(0, 5)}
    if rng.random() < 0.8:
        view["when"] = _when(rng)
    conditions = {"response": rng.choice(["breached", {"used": "50%"}]),
                  "resolve": rng.choice(["breached", {"used": "80%"}, {"used": "150%"}]),
                  "escalation_level": rng.randint(1, 2)}
    chosen = rng.sample(sorted(conditions), rng.randint(0, 2))
    if chosen:
        view["sla"] = {key: conditions[key] for key in chosen}
    return view


_RNG = random.Random(7)
VIEWS = [_view(_RNG, i) for i in range(40)]


@pytest.fixture(scope="module")
def with_views(tmp_path_factory: pytest.TempPathFactory) -> engine.Engine:
    """The reference config with forty random views instead of its own."""
    root = tmp_path_factory.mktemp("views") / "config"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".*", "tests", "docs", "benchmarks", "examples",
                                                                "engine", "schemas"))
    (root / "views.yaml").write_text(yaml.safe_dump({"version": 1, "views": VIEWS}, allow_unicode=True))
    return engine.load(root)


# ---- views.yaml read literally

def _mode(state: dict[str, Any], now: float) -> str:
    explicit = state.get("explicit_mode")
    return explicit or ("promotion" if WINDOW[0] <= now < WINDOW[1] else "daily")


def _clock_holds(eng: engine.Engine, clock: dict[str, Any], condition: Any, now: float) -> bool:
    """`breached`: the budget is used up and the clock was not met, from the due instant;
    `{used: N%}`: at least N% of the budget used, and not met."""
    if clock["outcome"] == "met":
        return False
    if condition == "breached" and clock["since"] is not None:
        return bool(now >= clock["due"])
    share = 1.0 if condition == "breached" else parse_percentage(condition["used"]) / 100
    spent = sla.used(clock, eng.compiled.calendars[clock["calendar"]], now)
    return spent >= share * clock["budget"] - TOLERANCE


def _sla_holds(eng: engine.Engine, conditions: dict[str, Any], state: dict[str, Any], now: float) -> bool:
    level = max((int(key.split(":")[3]) for key in state.get("fired", [])), default=0)
    if level < conditions.get("escalation_level", 0):
        return False
    return all(_clock_holds(eng, state["clocks"][name], conditions[name], now)
               for name in ("response", "resolve") if name in conditions)


def expected_views(eng: engine.Engine, state: dict[str, Any], now: float) -> list[str]:
    if state["status"] in ("resolved", "closed") or state["clocks"]["resolve"]["stopped"] is not None:
        return []
    attrs = state["attrs"]
    ticket = {"category": attrs["category"], "severity": state["severity"], "tags": state["tags"],
              "source": attrs["source"], "submitter": attrs["submitter"], "title": attrs["title"],
              "fields": attrs["fields"], "team": state["team"], "at": now}
    mode = _mode(state, now)
    return [v["id"] for v in sorted(VIEWS, key=lambda v: v["order"])
            if mode in v["modes"] and literal_match(v.get("when", {}), ticket, eng.compiled.calendars)
            and _sla_holds(eng, v.get("sla", {}), state, now)]


# ---- random lives

CATEGORIES = ["trade/order/create-failed", "trade/order/order-stuck", "payment/gateway/charge-failed",
              "payment/wallet/topup-failed", "logistics/tracking/no-update", "hr/unknown"]
EVENTS = st.one_of(
    st.just({"type": "acknowledged"}),
    st.builds(lambda s: {"type": "status_changed", "status": s}, st.sampled_from(["pending", "open"])),
    st.just({"type": "resolved"}),
    st.just({"type": "reopened"}),
    st.builds(lambda t: {"type": "transferred", "to": {"team": t}}, st.sampled_from(["trade-order", "goc-desk"])),
    st.builds(lambda c: {"type": "updated", "changes": c}, st.one_of(
        st.fixed_dictionaries({"severity": st.sampled_from(["P1", "P2", "P3"])}),
        st.fixed_dictionaries({"tags": st.sampled_from([["资损"], [], ["舆情"]])}),
        st.fixed_dictionaries({"category": st.sampled_from(CATEGORIES)}))),
)
CREATED = st.fixed_dictionaries({"category": st.sampled_from(CATEGORIES)}, optional={
    "tags": st.sampled_from([["资损"], ["舆情"]]), "severity": st.sampled_from(["P1", "P2"]),
    "source": st.sampled_from(["monitor", "app"]), "fields": st.just({"region": "cn-hangzhou"})})
LIVES = st.tuples(CREATED, st.integers(0, 30 * 60), st.sampled_from([None, None, "promotion", "daily"]),
                  st.lists(st.tuples(st.integers(0, 6 * 60), st.one_of(st.none(), EVENTS)), max_size=10))


def _at(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


def _check(eng: engine.Engine, decision: Any) -> None:
    now = decision.at_time.timestamp()
    assert decision.views == expected_views(eng, decision.state, now)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LIVES)
def test_a_decisions_views_are_the_views_read_literally(with_views: engine.Engine, life: Any) -> None:
    created, opened, mode, steps = life
    decision = with_views.evaluate({"type": "created", "ticket": "T-1", "at": _at(opened), **created}, mode=mode)
    _check(with_views, decision)
    now = opened
    for gap, event in steps:
        now += gap
        state = json.loads(json.dumps(decision.state))
        try:
            decision = (with_views.due(state, _at(now)) if event is None else
                        with_views.evaluate({"ticket": "T-1", "at": _at(now), **event}, state, mode=mode))
        except engine.EventError:
            continue        # a closed ticket, a reopen of an open one: refused, nothing to check
        _check(with_views, decision)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CREATED, st.integers(0, 30 * 60), st.integers(1, 48 * 60))
def test_no_view_is_entered_between_wake_ups(with_views: engine.Engine, created: dict[str, Any],
                                             opened: int, later: int) -> None:
    """Polling due() at every next_wakeup, the views at any instant in between are those of
    the last wake-up (no view is entered unseen), apart from `during` conditions, which
    follow the calendar and are read at each decision."""
    decision = with_views.evaluate({"type": "created", "ticket": "T-1", "at": _at(opened), **created})
    end = (START + timedelta(minutes=opened + later)).timestamp()
    while decision.next_wakeup_ts is not None and decision.next_wakeup_ts <= end:
        decision = with_views.due(decision.state, decision.next_wakeup)
    calendar_free = {v["id"] for v in VIEWS if "during" not in json.dumps(v.get("when", {}))}
    at_end = expected_views(with_views, decision.state, end)
    assert [v for v in at_end if v in calendar_free] == [v for v in decision.views if v in calendar_free]
