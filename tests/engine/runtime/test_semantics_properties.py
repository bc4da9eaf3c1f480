"""Property tests of the clock, policy and mode families against small brute-force
references written from docs/semantics.md: working time counted minute by minute, the
mode found by scanning the windows, the DST rule found by scanning instants."""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.timecalc.modes import Modes
from engine.timecalc.wallclock import local_instant
from helpers import DATA

SEMANTICS = DATA / "valid" / "semantics"
SHANGHAI = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)     # an hour before the office opens
ENGINE = engine.load(SEMANTICS)   # loaded once: the properties below run hundreds of lives each


def _recompute_engine(folder: Path) -> engine.Engine:
    shutil.copytree(SEMANTICS, folder)
    profiles = folder / "sla_profiles.yaml"
    profiles.write_text(profiles.read_text().replace("on_switch: keep", "on_switch: recompute"))
    return engine.load(folder)


# --- clock transitions against minute counting -------------------------------------------------

def _working(minute: int) -> bool:
    """Whether minute `minute` after MONDAY is office time (Mon-Fri 10:00-18:00, Shanghai)."""
    local = MONDAY + timedelta(minutes=minute)
    return local.weekday() < 5 and 10 <= local.hour < 18


@dataclass
class RefClock:
    """A clock as docs/semantics.md#clocks describes it, on a grid of whole minutes."""

    budget: int                                # working minutes
    runs: list[tuple[int, int]] = field(default_factory=list)
    since: int | None = 0
    stopped: int | None = None
    outcome: str | None = None
    frozen: int | None = None                  # the due time shown once stopped

    def used_by(self, end: int) -> int:
        spans = [*self.runs] + ([(self.since, end)] if self.since is not None else [])
        return sum(_working(m) for a, b in spans for m in range(a, min(b, end)))

    def spent_at(self) -> int | None:
        """The instant the budget ran out over the runs (and the running stretch, if any)."""
        spans = [*self.runs] + ([(self.since, 10 ** 6)] if self.since is not None else [])
        left = self.budget
        for a, b in spans:
            for m in range(a, b):
                if _working(m):
                    left -= 1
                    if left == 0:
                        return m + 1
        return None

    def due(self) -> int:
        if self.frozen is not None:
            return self.frozen
        spent = self.spent_at()
        assert spent is not None
        return spent

    def breached_while_paused(self) -> bool:
        spent = self.spent_at()
        return spent is not None and bool(self.runs) and spent < self.runs[-1][1]

    def view(self, now: int) -> tuple[str, int | None]:
        if self.stopped is not None:
            return str(self.outcome), self.due()
        if self.since is None:
            return ("breached" if self.breached_while_paused() else "paused"), None
        return ("breached" if now > self.due() else "running"), self.due()

    def pause(self, now: int) -> None:
        if self.since is not None:
            self.runs.append((self.since, now))
            self.since = None

    def resume(self, now: int) -> None:
        if self.since is None and self.stopped is None:
            self.since = now

    def stop(self, now: int) -> None:
        """Met unless the due time passed while running; the due shown is as of the stop."""
        if self.stopped is not None:
            return
        if self.since is not None:
            met, frozen = now <= self.due(), self.due()
        else:
            met = not self.breached_while_paused()
            self.since = now
            frozen = self.due()
            self.since = None
        self.pause(now)
        self.stopped, self.outcome, self.frozen = now, "met" if met else "breached", frozen

    def reopen(self, now: int) -> None:
        self.stopped = self.outcome = self.frozen = None
        self.resume(now)


def _apply(kind: str, clocks: dict[str, RefClock], status: list[str], now: int) -> None:
    if kind == "pending" and status[0] not in ("pending",):
        for c in clocks.values():
            c.pause(now)
        status[0] = "pending"
    elif kind == "open" and status[0] == "pending":
        for c in clocks.values():
            c.resume(now)
        status[0] = "open"
    elif kind == "acknowledged":
        clocks["response"].stop(now)
    elif kind == "resolved":
        for c in clocks.values():
            c.stop(now)
        status[0] = "resolved"
    elif kind == "reopened" and clocks["resolve"].stopped is not None:
        clocks["resolve"].reopen(now)
        status[0] = "open"


def _event(kind: str, at: str) -> dict[str, Any]:
    if kind in ("pending", "open"):
        return {"type": "status_changed", "ticket": "T-1", "at": at, "status": kind}
    return {"type": kind, "ticket": "T-1", "at": at}


def _text(minute: int) -> str:
    return (MONDAY + timedelta(minutes=minute)).isoformat()


STEPS = st.lists(st.tuples(st.integers(0, 3 * 24 * 60),
                           st.sampled_from(["pending", "open", "acknowledged", "resolved", "reopened"])),
                 min_size=1, max_size=8)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.integers(0, 4 * 24 * 60), steps=STEPS)
def test_clock_transitions_match_minute_counting(start: int, steps: list[tuple[int, str]]) -> None:
    """P2 on the office calendar: response 1h, resolve 8h of working time."""
    decision = ENGINE.evaluate({"type": "created", "ticket": "T-1", "at": _text(start),
                                "category": "shop/order/create-failed"})
    ref = {"response": RefClock(60, since=start), "resolve": RefClock(480, since=start)}
    status, now = ["open"], start
    for gap, kind in steps:
        now += gap
        decision = ENGINE.evaluate(_event(kind, _text(now)), decision.state)
        _apply(kind, ref, status, now)
        sla = decision.to_dict()["sla"]
        for name, clock in ref.items():
            state, due = clock.view(now)
            assert (sla[name]["state"], sla[name]["due"]) == (state, _text(due) if due is not None else None), \
                (name, kind, _text(now))


# --- fired steps: each (policy, step, level) once, none lost -----------------------------------

LIFE = st.lists(st.tuples(st.integers(1, 6 * 60), st.one_of(
    st.builds(lambda s: {"type": "updated", "changes": {"severity": s}}, st.sampled_from(["P1", "P2", "P3", "P4"])),
    st.builds(lambda s: {"type": "status_changed", "status": s}, st.sampled_from(["pending", "open"])),
    st.just({"type": "acknowledged"}))), max_size=6)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.integers(0, 3 * 24 * 60), life=LIFE, polls=st.lists(st.integers(0, 9 * 60), max_size=6))
def test_each_step_fires_once_and_late_events_keep_their_deadlines(
        start: int, life: list[tuple[int, dict[str, Any]]], polls: list[int]) -> None:
    """Random interleavings of due() and events that arrive after a firing: no step fires
    twice, and the deadlines equal those of the same events without any due() call."""
    first = {"type": "created", "ticket": "T-1", "at": _text(start), "category": "shop/order"}
    quiet = ENGINE.evaluate(first)
    busy = ENGINE.evaluate(first)
    now, fired = start, []
    for gap, step in life:
        now += gap
        event = {**step, "ticket": "T-1", "at": _text(now)}
        quiet = ENGINE.evaluate(event, quiet.state)
        for extra in polls[:2]:                 # due() polled past the next event's time
            busy = ENGINE.due(json.loads(json.dumps(busy.state)), _text(now - gap // 2 + extra))
            fired += [(n["policy"], n["clock"], n["step"], n["level"]) for n in busy.to_dict()["notifications"]]
        busy = ENGINE.evaluate(event, busy.state)
        assert busy.to_dict()["sla"] == quiet.to_dict()["sla"]
    assert len(fired) == len(set(fired)), "a step fired twice"


# --- the answers do not depend on when due() is polled ----------------------------------------

@pytest.fixture(scope="module")
def recompute(tmp_path_factory: pytest.TempPathFactory) -> engine.Engine:
    return _recompute_engine(tmp_path_factory.mktemp("recompute") / "config")


def _notifications(eng: engine.Engine, start: int, life: list[tuple[int, dict[str, Any]]],
                   polls: list[int], until: int) -> list[tuple[Any, ...]]:
    decision = eng.evaluate({"type": "created", "ticket": "T-1", "at": _text(start), "category": "shop/order"})
    sent: list[tuple[Any, ...]] = []
    now, pending_polls = start, sorted(start + p for p in polls)

    def fire_until(limit: int) -> None:
        nonlocal decision
        while True:
            wake = decision.next_wakeup_ts
            extra = pending_polls[0] * 60 + MONDAY.timestamp() if pending_polls else None
            candidates = [t for t in (wake, extra) if t is not None and t <= MONDAY.timestamp() + limit * 60]
            if not candidates:
                return
            at = min(candidates)
            if extra is not None and at == extra:
                pending_polls.pop(0)
            decision = eng.due(decision.state, datetime.fromtimestamp(at, SHANGHAI))
            sent.extend((n["at"], n["kind"], n["policy"], n["level"], n["channel"], json.dumps(n["to"]))
                        for n in decision.to_dict()["notifications"])

    for gap, step in life:
        now += gap
        fire_until(now)
        decision = eng.evaluate({**step, "ticket": "T-1", "at": _text(now)}, decision.state)
    fire_until(until)
    return sent


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(start=st.integers(7 * 24 * 60, 10 * 24 * 60), life=LIFE, polls=st.lists(st.integers(0, 3 * 24 * 60), max_size=8))
def test_answers_do_not_depend_on_polling(recompute: engine.Engine, start: int,
                                          life: list[tuple[int, dict[str, Any]]], polls: list[int]) -> None:
    """Around the Double 11 window with `recompute`: due() only at each next_wakeup, or also
    at random extra instants, gives the same notifications."""
    until = start + 4 * 24 * 60
    assert _notifications(recompute, start, life, polls, until) == _notifications(recompute, start, life, [], until)


# --- the mode at an instant --------------------------------------------------------------------

WINDOWS = st.lists(st.tuples(st.integers(0, 1000), st.integers(1, 300), st.sampled_from(["a", "b"])), max_size=5)


@given(windows=WINDOWS, ts=st.integers(-10, 1400), explicit=st.sampled_from([None, "forced"]))
def test_the_mode_at_an_instant_is_the_explicit_then_the_window_then_the_default(
        windows: list[tuple[int, int, str]], ts: int, explicit: str | None) -> None:
    spans = [(float(s), float(s + length), m) for s, length, m in windows]
    # Windows do not overlap in a checked config (sla.modes): keep the first of overlapping ones.
    kept: list[tuple[float, float, str]] = []
    for w in sorted(spans):
        if not kept or w[0] >= kept[-1][1]:
            kept.append(w)
    modes = Modes.build(("daily", "a", "b", "forced"), "daily", "keep", kept)
    reference = explicit or next((m for a, b, m in kept if a <= ts < b), "daily")
    assert modes.at(float(ts), explicit) == reference


# --- the one DST rule --------------------------------------------------------------------------

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Havana", "Asia/Beirut",
         "America/Santiago", "Asia/Shanghai", "Pacific/Chatham"]


def _reference_instant(local: datetime, zone: ZoneInfo) -> float:
    """The first whole minute whose wall-clock reading is `local` or later, by scanning."""
    t = int(local.replace(tzinfo=UTC).timestamp()) - 16 * 3600
    t -= t % 60
    while datetime.fromtimestamp(t, zone).replace(tzinfo=None) < local:
        t += 60
    return float(t)


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(datetime(2026, 1, 1).date(), datetime(2027, 12, 31).date()),
       minute=st.integers(0, 24 * 60 - 1))
def test_a_local_time_is_read_by_the_one_dst_rule(zone: str, day: Any, minute: int) -> None:
    local = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    assert local_instant(local, ZoneInfo(zone)) == _reference_instant(local, ZoneInfo(zone))


def test_an_override_inside_a_spring_forward_gap_starts_when_the_clock_jumps(tmp_path: Path) -> None:
    """02:33 does not exist in New York on 2026-03-08: the override starts at 03:00 EDT,
    as cron times and calendar windows in the gap do."""
    from engine.config.values import parse_local_datetime

    new_york = ZoneInfo("America/New_York")
    start = parse_local_datetime("2026-03-08T02:33", new_york)
    assert start.timestamp() == datetime(2026, 3, 8, 3, 0, tzinfo=new_york).timestamp()
    assert start.isoformat() == "2026-03-08T03:00:00-04:00"
