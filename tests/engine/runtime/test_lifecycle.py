"""The ticket lifecycle on the reference config: exact deadlines through every event type."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import engine
from helpers import MINIMAL


def play(eng: engine.Engine, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event's decision, the state passed on through JSON as a host would store it."""
    decisions, state = [], None
    for given in events:
        event = {"ticket": "T-1", **given}
        decision = eng.evaluate(event, state).to_dict()
        state = json.loads(json.dumps(decision["state"]))
        decisions.append(decision)
    return decisions


def sla(decision: dict[str, Any], clock: str) -> tuple[str | None, str, Any, Any]:
    view = decision["sla"][clock]
    return view["due"], view["state"], view["elapsed_s"], view["remaining_s"]


STUCK = {"type": "created", "category": "trade/order/order-stuck"}  # P3: 4h / 3d on cn-office


@pytest.mark.parametrize("at, response_due, resolve_due", [
    pytest.param("2026-11-06T17:00:00+08:00", "2026-11-09T11:30:00+08:00", "2026-11-19T17:00:00+08:00",
                 id="friday-evening-rolls-to-monday"),
    pytest.param("2026-11-07T10:00:00+08:00", "2026-11-09T14:30:00+08:00", "2026-11-19T18:30:00+08:00",
                 id="saturday-waits-for-monday"),
    pytest.param("2026-11-09T11:00:00+08:00", "2026-11-09T16:30:00+08:00", "2026-11-20T11:00:00+08:00",
                 id="across-the-lunch-break"),
    pytest.param("2026-09-30T17:00:00+08:00", "2026-10-08T11:30:00+08:00", "2026-10-19T17:00:00+08:00",
                 id="across-national-day"),
    pytest.param("2026-10-09T18:00:00+08:00", "2026-10-10T14:00:00+08:00", "2026-10-21T18:00:00+08:00",
                 id="make-up-saturday-counts"),
])
def test_created_deadlines_on_office_hours(reference: engine.Engine, at: str, response_due: str,
                                           resolve_due: str) -> None:
    [d] = play(reference, [{**STUCK, "at": at}])
    assert (d["severity"], d["sla"]["profile"]) == ("P3", "daily")
    assert sla(d, "response") == (response_due, "running", 0, 4 * 3600)
    assert sla(d, "resolve") == (resolve_due, "running", 0, 72 * 3600)


def test_p1_runs_round_the_clock_in_daily_mode(reference: engine.Engine) -> None:
    [d] = play(reference, [{**STUCK, "at": "2026-11-07T03:00:00+08:00", "tags": ["资损"]}])
    assert d["severity"] == "P1"
    assert sla(d, "response") == ("2026-11-07T03:15:00+08:00", "running", 0, 900)
    assert d["sla"]["response"]["calendar"] == "24x7"


def test_an_override_replaces_the_level_target(reference: engine.Engine) -> None:
    [d] = play(reference, [{"type": "created", "category": "payment/gateway/charge-failed",
                            "at": "2026-11-07T03:00:00+08:00"}])
    assert (d["severity"], sla(d, "response")[0], sla(d, "resolve")[0]) == (
        "P1", "2026-11-07T03:05:00+08:00", "2026-11-07T04:00:00+08:00")


def test_acknowledgement_in_time_is_met_and_late_is_breached(reference: engine.Engine) -> None:
    start = {**STUCK, "at": "2026-11-09T09:00:00+08:00"}
    met = play(reference, [start, {"type": "acknowledged", "at": "2026-11-09T14:29:59+08:00", "by": "xiong-yan"}])
    late = play(reference, [start, {"type": "acknowledged", "at": "2026-11-09T14:30:01+08:00"}])
    assert sla(met[1], "response") == ("2026-11-09T14:30:00+08:00", "met", 4 * 3600 - 1, 1)
    assert sla(late[1], "response")[1] == "breached"
    assert met[1]["trace"] == ["acknowledged by xiong-yan: response met"]
    assert sla(met[1], "resolve")[1] == "running"


def test_a_running_clock_past_its_due_time_is_breached(reference: engine.Engine) -> None:
    d = play(reference, [{**STUCK, "at": "2026-11-09T09:00:00+08:00"},
                         {"type": "status_changed", "status": "investigating", "at": "2026-11-09T15:00:00+08:00"}])
    assert sla(d[1], "response") == ("2026-11-09T14:30:00+08:00", "breached", 4 * 3600 + 1800, -1800)


def test_pause_across_a_night_moves_the_deadline_by_working_time(reference: engine.Engine) -> None:
    d = play(reference, [{**STUCK, "at": "2026-11-09T09:00:00+08:00"},
                         {"type": "status_changed", "status": "pending", "at": "2026-11-09T11:00:00+08:00"},
                         {"type": "status_changed", "status": "investigating", "at": "2026-11-10T10:00:00+08:00"}])
    assert sla(d[1], "response") == (None, "paused", 7200, 7200)
    assert sla(d[2], "response") == ("2026-11-10T12:00:00+08:00", "running", 7200, 7200)
    assert d[1]["trace"] == ["status pending: clocks paused"]
    assert d[2]["trace"] == ["status investigating: clocks resumed"]


def test_pause_across_the_national_day_week(reference: engine.Engine) -> None:
    d = play(reference, [{**STUCK, "at": "2026-09-30T09:00:00+08:00"},
                         {"type": "status_changed", "status": "pending", "at": "2026-09-30T10:00:00+08:00"},
                         {"type": "status_changed", "status": "open", "at": "2026-10-05T10:00:00+08:00"}])
    # 1h used; resumed on a holiday: the remaining 3h start on Oct 8 at 09:00 and end
    # exactly at the 12:00 close, where the deadline stays
    assert sla(d[2], "response")[:2] == ("2026-10-08T12:00:00+08:00", "running")


def test_resolve_then_reopen_keeps_the_remaining_budget(reference: engine.Engine) -> None:
    d = play(reference, [{**STUCK, "at": "2026-11-09T09:00:00+08:00"},
                         {"type": "resolved", "at": "2026-11-09T10:00:00+08:00"},
                         {"type": "reopened", "at": "2026-11-10T09:00:00+08:00"}])
    assert sla(d[1], "resolve") == ("2026-11-19T18:30:00+08:00", "met", 3600, 71 * 3600)
    assert sla(d[1], "response")[1] == "met", "resolving is also the first reaction"
    assert sla(d[2], "resolve") == ("2026-11-20T17:30:00+08:00", "running", 3600, 71 * 3600)
    assert sla(d[2], "response")[1] == "met"


def test_severity_change_recomputes_from_the_original_start(reference: engine.Engine) -> None:
    d = play(reference, [{**STUCK, "at": "2026-11-09T09:00:00+08:00"},
                         {"type": "updated", "changes": {"severity": "P2"}, "at": "2026-11-09T09:20:00+08:00",
                          "by": "xu-ying"}])
    assert d[1]["severity"] == "P2"
    assert sla(d[1], "response") == ("2026-11-09T09:30:00+08:00", "running", 1200, 600)
    assert sla(d[1], "resolve") == ("2026-11-09T18:30:00+08:00", "running", 1200, 8 * 3600 - 1200)
    assert d[1]["trace"] == ["severity P2 set by the update (by xu-ying)",
                             "targets daily P2 target: response 30m, resolve 8h on cn-office"]


def test_a_tag_update_re_grades_through_the_rules(reference: engine.Engine) -> None:
    d = play(reference, [{**STUCK, "at": "2026-11-09T09:00:00+08:00"},
                         {"type": "updated", "changes": {"tags": ["资损"]}, "at": "2026-11-09T09:05:00+08:00"}])
    assert (d[1]["severity"], d[1]["tags"]) == ("P1", ["资损", "capital-loss"])
    assert sla(d[1], "response") == ("2026-11-09T09:15:00+08:00", "running", 300, 600)
    assert sla(d[1], "response")[0] != sla(d[0], "response")[0]


def test_a_category_change_re_routes(reference: engine.Engine) -> None:
    d = play(reference, [{**STUCK, "at": "2026-11-09T10:00:00+08:00"},
                         {"type": "updated", "changes": {"category": "trade/cart/load-slow"},
                          "at": "2026-11-09T10:30:00+08:00"}])
    assert (d[1]["team"], d[1]["assignee"]) == ("trade-cart", {"person": "zheng-xiuying",
                                                              "source": "trade-cart-primary/weekly"})
    assert d[1]["trace"][:2] == ["updated category",
                                 "re-routed to team trade-cart for category trade/cart/load-slow"]


@pytest.mark.parametrize("to, team, assignee", [
    pytest.param({"person": "li-qiang"}, "trade-order", {"person": "li-qiang", "source": "transfer"}, id="to-person"),
    pytest.param({"team": "trade-cart"}, "trade-cart",
                 {"person": "zheng-xiuying", "source": "trade-cart-primary/weekly"}, id="to-team"),
])
def test_transfer_keeps_the_clocks(reference: engine.Engine, to: dict[str, str], team: str,
                                   assignee: dict[str, str]) -> None:
    d = play(reference, [{**STUCK, "at": "2026-11-09T10:00:00+08:00"},
                         {"type": "transferred", "to": to, "at": "2026-11-09T10:30:00+08:00"}])
    assert (d[1]["team"], d[1]["assignee"]) == (team, assignee)
    assert d[1]["sla"]["response"]["due"] == d[0]["sla"]["response"]["due"]


@pytest.mark.parametrize("events, message", [
    pytest.param([{**STUCK, "at": "2026-11-09T10:00:00+08:00"},
                  {"type": "closed", "at": "2026-11-09T11:00:00+08:00"},
                  {"type": "reopened", "at": "2026-11-09T12:00:00+08:00"}],
                 "type: ticket 'T-1' is closed", id="event-after-close"),
    pytest.param([{**STUCK, "at": "2026-11-09T10:00:00+08:00"},
                  {"type": "acknowledged", "at": "2026-11-09T09:00:00+08:00"}],
                 "at: the event is older than the ticket's last event", id="older-event"),
    pytest.param([{**STUCK, "at": "2026-11-09T10:00:00+08:00"},
                  {"type": "transferred", "to": {"team": "nobody"}, "at": "2026-11-09T11:00:00+08:00"}],
                 "to.team: unknown team 'nobody'", id="transfer-to-unknown-team"),
    pytest.param([{**STUCK, "at": "2026-11-09T10:00:00+08:00"},
                  {"type": "updated", "changes": {"severity": "P9"}, "at": "2026-11-09T11:00:00+08:00"}],
                 "changes.severity: unknown level 'P9' (levels: P1, P2, P3, P4)", id="unknown-level"),
])
def test_refused_events(reference: engine.Engine, events: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(engine.EventError) as info:
        play(reference, events)
    assert str(info.value) == message


def test_a_later_event_needs_a_state(reference: engine.Engine) -> None:
    with pytest.raises(engine.EventError, match=r"^state: a 'acknowledged' event needs the ticket's state "
                                                r"from its last decision$"):
        reference.evaluate({"type": "acknowledged", "ticket": "T-1", "at": "2026-11-09T10:00:00+08:00"})


def test_the_state_passed_in_is_not_changed(reference: engine.Engine) -> None:
    first = reference.evaluate({**STUCK, "ticket": "T-1", "at": "2026-11-09T10:00:00+08:00"}).state
    before = json.dumps(first, sort_keys=True)
    reference.evaluate({"type": "resolved", "ticket": "T-1", "at": "2026-11-09T11:00:00+08:00"}, first)
    assert json.dumps(first, sort_keys=True) == before


def _config_copy(tmp_path: Path, old: str, new: str) -> Path:
    target = tmp_path / "cfg"
    shutil.copytree(MINIMAL, target)
    path = target / "sla_profiles.yaml"
    path.write_text(path.read_text().replace(old, new))
    return target


def test_a_state_from_another_config_version_carries_on(tmp_path: Path) -> None:
    old = engine.load(MINIMAL)
    new = engine.load(_config_copy(tmp_path, "P4: {response: 1d, resolve: 10d}", "P4: {response: 2d, resolve: 10d}"))
    state = old.evaluate({"type": "created", "ticket": "T-1", "at": "2026-11-09T10:00:00+08:00",
                          "category": "shop/order/slow"}).state
    d = new.evaluate({"type": "acknowledged", "ticket": "T-1", "at": "2026-11-09T10:30:00+08:00"}, state)
    assert d.state["config_version"] == new.config_version != old.config_version


def test_a_state_naming_what_is_gone_is_refused(tmp_path: Path) -> None:
    old = engine.load(MINIMAL)
    new = engine.load(_config_copy(tmp_path, "calendar: office\n    pause_when", "calendar: 24x7\n    pause_when"))
    state = old.evaluate({"type": "created", "ticket": "T-1", "at": "2026-11-09T10:00:00+08:00",
                          "category": "shop/order/slow"}).state
    state["clocks"]["response"]["calendar"] = "retired"
    message = (f"state: the state comes from config {old.config_version} and calendar 'retired' "
               f"no longer exist in {new.config_version}")
    with pytest.raises(engine.EventError, match=f"^{re.escape(message)}$"):
        new.evaluate({"type": "acknowledged", "ticket": "T-1", "at": "2026-11-09T10:30:00+08:00"}, state)


def test_on_switch_recompute_takes_the_new_modes_targets(tmp_path: Path) -> None:
    eng = engine.load(_config_copy(tmp_path, "on_switch: keep", "on_switch: recompute"))
    d = play(eng, [{"type": "created", "category": "shop/order/create-failed", "at": "2026-11-10T19:00:00+08:00"},
                   {"type": "status_changed", "status": "investigating", "at": "2026-11-10T20:30:00+08:00"}])
    # P2 daily: 30m response from 19:00 on office hours (closed) -> due Nov 11 09:30;
    # promotion P2: 10m on 24x7 from the start: used 90m > 10m, so due at the switch, 20:00
    assert sla(d[0], "response")[0] == "2026-11-11T09:30:00+08:00"
    assert (d[1]["mode"], sla(d[1], "response")[0]) == ("promotion", "2026-11-10T20:00:00+08:00")


def test_on_switch_keep_leaves_open_tickets_alone() -> None:
    d = play(engine.load(MINIMAL),
             [{"type": "created", "category": "shop/order/create-failed", "at": "2026-11-10T19:00:00+08:00"},
              {"type": "status_changed", "status": "investigating", "at": "2026-11-10T20:30:00+08:00"}])
    assert (d[1]["mode"], sla(d[1], "response")[0]) == ("daily", "2026-11-11T09:30:00+08:00")


def test_a_severity_set_by_hand_survives_later_updates_until_the_category_changes(reference: engine.Engine) -> None:
    d = play(reference, [{**STUCK, "at": "2026-11-09T09:00:00+08:00"},
                         {"type": "updated", "changes": {"severity": "P4"}, "at": "2026-11-09T09:10:00+08:00"},
                         {"type": "updated", "changes": {"title": "还是卡住"}, "at": "2026-11-09T09:20:00+08:00"},
                         {"type": "updated", "changes": {"category": "trade/order/duplicate-order"},
                          "at": "2026-11-09T09:30:00+08:00"}])
    assert [x["severity"] for x in d] == ["P3", "P4", "P4", "P2"]
    assert d[2]["trace"] == ["updated title", "severity P4 kept: set by an earlier update"]
