"""Clock, policy and mode semantics at their edges (docs/semantics.md#boundaries): each
bug found by differential testing pinned by the scenario that showed it.

The config (tests/data/valid/semantics) has an office calendar of 10:00-18:00 on weekdays,
so every budget below can be counted by hand; 2026-11-02 is a Monday.
"""
from __future__ import annotations

import shutil
from typing import Any

import pytest

import engine
from helpers import DATA

SEMANTICS = DATA / "valid" / "semantics"
ORDER = "shop/order/create-failed"       # team shop-order, P2
STUCK = "shop/order"                     # team shop-order, P3 (inherited from shop)


@pytest.fixture(scope="module")
def keep() -> engine.Engine:
    return engine.load(SEMANTICS)


@pytest.fixture(scope="module")
def recompute(tmp_path_factory: pytest.TempPathFactory) -> engine.Engine:
    folder = tmp_path_factory.mktemp("recompute") / "config"
    shutil.copytree(SEMANTICS, folder)
    profiles = folder / "sla_profiles.yaml"
    profiles.write_text(profiles.read_text().replace("on_switch: keep", "on_switch: recompute"))
    return engine.load(folder)


class Ticket:
    """One ticket's life through the engine, keeping its state and every notification."""

    def __init__(self, eng: engine.Engine, at: str, category: str, mode: str | None = None,
                 **extra: Any) -> None:
        self.eng, self.mode = eng, mode
        self.sent: list[tuple[str, str, str, int, str, str]] = []
        self.decision = eng.evaluate({"type": "created", "ticket": "T-1", "at": at, "category": category,
                                      **extra}, mode=mode)

    @property
    def state(self) -> dict[str, Any]:
        return self.decision.state

    def event(self, kind: str, at: str, **extra: Any) -> dict[str, Any]:
        self.decision = self.eng.evaluate({"type": kind, "ticket": "T-1", "at": at, **extra}, self.state,
                                          mode=self.mode)
        return self.decision.to_dict()

    def due(self, at: str) -> list[tuple[str, str, str, int, str, str]]:
        self.decision = self.eng.due(self.state, at)
        fired = [(n["at"], n["kind"], n["policy"], n["level"], n["channel"],
                  n["to"].get("person") or n["to"]["group"]) for n in self.decision.to_dict()["notifications"]]
        self.sent += fired
        return fired

    def run_until(self, at: str) -> None:
        """`due()` at every wake-up up to `at`, as a host that polls on time does."""
        while self.decision.next_wakeup is not None and self.decision.next_wakeup <= at:
            self.due(self.decision.next_wakeup)

    def clock(self, name: str) -> tuple[str, str | None]:
        view = self.decision.to_dict()["sla"][name]
        return view["state"], view["due"]


# --- 1. a spent clock stays breached ---------------------------------------------------------

def test_a_clock_breached_before_a_pause_stays_breached_when_it_runs_again(keep: engine.Engine) -> None:
    t = Ticket(keep, "2026-11-02T10:00:00+08:00", ORDER)          # P2: response 1h -> due 11:00
    assert t.clock("response") == ("running", "2026-11-02T11:00:00+08:00")
    t.event("status_changed", "2026-11-02T12:00:00+08:00", status="pending")
    assert t.clock("response") == ("breached", None)
    t.event("status_changed", "2026-11-02T20:00:00+08:00", status="open")
    assert t.clock("response") == ("breached", "2026-11-02T11:00:00+08:00")
    # The resolve clock ran 10:00-12:00 (2h of 8h) and resumes at Tuesday's opening: 10:00 + 6h.
    assert t.clock("resolve") == ("running", "2026-11-03T16:00:00+08:00")
    t.event("acknowledged", "2026-11-02T21:00:00+08:00")
    assert t.clock("response") == ("breached", "2026-11-02T11:00:00+08:00")


def test_a_breached_resolve_clock_stays_breached_when_reopened(keep: engine.Engine) -> None:
    t = Ticket(keep, "2026-11-02T10:00:00+08:00", ORDER)          # resolve 8h of office time: 18:00
    t.event("resolved", "2026-11-03T11:00:00+08:00")
    assert t.clock("resolve") == ("breached", "2026-11-02T18:00:00+08:00")
    t.event("reopened", "2026-11-03T12:00:00+08:00")
    assert t.clock("resolve") == ("breached", "2026-11-02T18:00:00+08:00")


def test_paused_at_the_due_instant_holds_and_breaches_as_soon_as_it_runs(keep: engine.Engine) -> None:
    t = Ticket(keep, "2026-11-02T10:00:00+08:00", ORDER)
    t.event("status_changed", "2026-11-02T11:00:00+08:00", status="pending")   # exactly at the due
    assert t.clock("response") == ("paused", None)
    t.event("status_changed", "2026-11-02T11:30:00+08:00", status="open")
    assert t.clock("response") == ("breached", "2026-11-02T11:00:00+08:00")


def test_acknowledged_while_paused_at_the_due_instant_is_met(keep: engine.Engine) -> None:
    t = Ticket(keep, "2026-11-02T10:00:00+08:00", ORDER)
    t.event("status_changed", "2026-11-02T11:00:00+08:00", status="pending")
    t.event("acknowledged", "2026-11-02T15:00:00+08:00")
    # Stopped while paused with nothing left: it never ran past its due instant, so met;
    # its due stays the instant the budget ran out.
    assert t.clock("response") == ("met", "2026-11-02T11:00:00+08:00")


def test_a_clock_stopped_while_paused_shows_its_due_as_of_the_stop(keep: engine.Engine) -> None:
    t = Ticket(keep, "2026-11-02T10:00:00+08:00", ORDER)
    t.event("acknowledged", "2026-11-02T10:05:00+08:00")
    t.event("status_changed", "2026-11-02T13:00:00+08:00", status="pending")  # resolve: 3h used
    t.event("resolved", "2026-11-02T15:00:00+08:00")
    # 5h left from 15:00: 15:00-18:00, then Tuesday 10:00-12:00.
    assert t.clock("resolve") == ("met", "2026-11-03T12:00:00+08:00")


# --- 2. steps of another policy fire after a severity change ---------------------------------

def test_a_new_policys_steps_fire_after_a_raise_from_the_raise(keep: engine.Engine) -> None:
    t = Ticket(keep, "2026-11-02T10:00:00+08:00", STUCK)          # P3, standard: 2h, remind at 1h
    assert t.due("2026-11-02T11:00:00+08:00") == [
        ("2026-11-02T11:00:00+08:00", "remind", "standard", 0, "dingtalk", "alice")]
    t.event("updated", "2026-11-02T11:30:00+08:00", changes={"severity": "P1"})
    # P1 is critical on 24x7, 15m from the original start: breached at 10:15, its climb at
    # 10:20 (cto) and 10:25 (ceo); none fires before the raise, so all at 11:30.
    assert t.decision.next_wakeup == "2026-11-02T11:30:00+08:00"
    assert t.due("2026-11-02T11:30:00+08:00") == [
        ("2026-11-02T11:30:00+08:00", "breach", "critical", 0, "phone", "bob"),
        ("2026-11-02T11:30:00+08:00", "escalate", "critical", 1, "phone", "cto"),
        ("2026-11-02T11:30:00+08:00", "escalate", "critical", 2, "phone", "ceo"),
    ]
    assert t.state["fired"] == ["standard:response:0:0", "critical:response:0:0",
                                "critical:response:1:1", "critical:response:1:2"]


def test_a_version_1_state_keeps_its_fired_steps_under_its_policy(keep: engine.Engine) -> None:
    t = Ticket(keep, "2026-11-02T10:00:00+08:00", STUCK)
    t.due("2026-11-02T11:00:00+08:00")
    old = {**t.state, "v": 1, "fired": ["response:0:0"]}
    old.pop("until")
    decision = keep.due(old, "2026-11-02T11:10:00+08:00")
    assert (decision.state["v"], decision.state["fired"]) == (2, ["standard:response:0:0"])
    assert decision.to_dict()["notifications"] == []


# --- 3. recipients use the mode in force when the step fires ---------------------------------

def test_on_duty_inside_the_window_is_the_promotion_rosters_person(keep: engine.Engine) -> None:
    # Daily P2 (keep): 30m used by 18:00 on Tuesday, 30m more from Wednesday 10:00 -> due 10:30
    # on 11 November, inside the Double 11 window: its on_duty is the promotion roster's.
    t = Ticket(keep, "2026-11-10T17:30:00+08:00", ORDER)
    assert t.state["mode"] == "daily"
    t.run_until("2026-11-11T10:30:00+08:00")
    breach = [n for n in t.sent if n[1] == "breach"]
    assert breach == [("2026-11-11T10:30:00+08:00", "breach", "standard", 0, "dingtalk", "alice")]
    assert keep.oncall("shop-order", "2026-11-11T10:30:00+08:00").primary == "alice"
    assert keep.oncall("shop-order", "2026-11-11T10:30:00+08:00", mode="daily").primary == "carol"


def test_on_duty_after_the_window_is_the_daily_rosters_person(keep: engine.Engine) -> None:
    # A promotion ticket (24x7, P2 response 20m) left open past the window's end at 02:00.
    t = Ticket(keep, "2026-11-12T01:50:00+08:00", ORDER)
    assert t.state["mode"] == "promotion"
    t.run_until("2026-11-12T02:10:00+08:00")
    assert [n for n in t.sent if n[1] == "breach"] == [
        ("2026-11-12T02:10:00+08:00", "breach", "standard", 0, "dingtalk", "carol")]
    assert keep.oncall("shop-order", "2026-11-12T02:10:00+08:00").primary == "carol"


# --- 4, 6. recompute: applied at the window edge, steps floored like the deadline ------------

def test_recompute_applies_at_the_edge_and_floors_the_steps(recompute: engine.Engine) -> None:
    # Daily P2 at 17:20: 50% of 1h office time at 17:50. At 20:00 the promotion targets (20m
    # on 24x7 from 17:20: 17:40) apply, with nothing before the switch.
    t = Ticket(recompute, "2026-11-10T17:20:00+08:00", ORDER)
    assert t.decision.next_wakeup == "2026-11-10T17:50:00+08:00"
    t.due("2026-11-10T17:50:00+08:00")
    assert t.decision.next_wakeup == "2026-11-10T20:00:00+08:00"     # the switch, not Wednesday
    fired = t.due("2026-11-10T20:00:00+08:00")
    assert t.state["mode"] == "promotion"
    assert t.clock("response") == ("running", "2026-11-10T20:00:00+08:00")
    assert fired == [
        ("2026-11-10T20:00:00+08:00", "breach", "standard", 0, "dingtalk", "alice"),
        ("2026-11-10T20:00:00+08:00", "escalate", "standard", 1, "phone", "cto"),
        ("2026-11-10T20:00:00+08:00", "escalate", "standard", 2, "phone", "ceo"),
        # resolve: 2h on 24x7 from 17:20 is 19:20, floored at the switch as well
        ("2026-11-10T20:00:00+08:00", "breach", "standard", 0, "email", "bob"),
    ]


def test_recompute_does_not_depend_on_when_due_is_polled(recompute: engine.Engine) -> None:
    on_time = Ticket(recompute, "2026-11-10T17:20:00+08:00", ORDER)
    on_time.run_until("2026-11-10T23:00:00+08:00")
    late = Ticket(recompute, "2026-11-10T17:20:00+08:00", ORDER)
    late.due("2026-11-10T23:00:00+08:00")                            # one call, hours after
    assert late.sent == on_time.sent
    assert late.state["mode"] == on_time.state["mode"] == "promotion"


# --- 5. the host's explicit mode holds through due() -----------------------------------------

def test_the_hosts_mode_holds_through_due_under_recompute(recompute: engine.Engine) -> None:
    t = Ticket(recompute, "2026-11-02T10:00:00+08:00", ORDER, mode="promotion")   # 20m on 24x7
    assert t.decision.next_wakeup == "2026-11-02T10:10:00+08:00"
    t.run_until("2026-11-02T10:30:00+08:00")
    assert t.state["mode"] == "promotion"
    assert [n[:2] for n in t.sent] == [
        ("2026-11-02T10:10:00+08:00", "remind"), ("2026-11-02T10:20:00+08:00", "breach"),
        ("2026-11-02T10:25:00+08:00", "escalate"), ("2026-11-02T10:30:00+08:00", "escalate")]


# --- late events: the order of host events is apart from how far timers fired ----------------

def test_an_event_before_the_last_firing_is_taken_at_its_own_time(keep: engine.Engine) -> None:
    t = Ticket(keep, "2026-11-02T10:00:00+08:00", ORDER)
    t.due("2026-11-02T11:00:00+08:00")                                # breach fired at 11:00
    t.event("acknowledged", "2026-11-02T10:59:59+08:00")              # arrives late
    assert t.clock("response") == ("met", "2026-11-02T11:00:00+08:00")
    with pytest.raises(engine.EventError, match="older than the ticket's last event"):
        t.event("status_changed", "2026-11-02T10:30:00+08:00", status="pending")
