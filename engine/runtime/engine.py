"""`Engine`: the thin, immutable facade hosts hold. Every entry point (`evaluate`, `due`,
`oncall`, the CLI, replay, golden cases, the service) goes through it to the one
evaluator in `lifecycle` and `timers`."""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.compile.compiled import Compiled
from engine.compile.views import View
from engine.config.values import RANGE_TEXT, in_range, seconds_in_range
from engine.diagnostics import Diagnostic, suggest
from engine.duty.reports import DutyReport, duty_report
from engine.duty.teams import OnCall, Team
from engine.errors import EventError
from engine.runtime import lifecycle
from engine.runtime.decision import Decision, build_decision
from engine.runtime.events import Event, check_instant, describe, parse_event, parse_time
from engine.runtime.notifications import assign_notifications
from engine.runtime.state import checked_state
from engine.runtime.supervision import supervisor_notices
from engine.runtime.timers import Pending, fire_due
from engine.timecalc.modes import unknown_mode


class Engine:
    """A compiled config; pure and thread-safe: time is always a parameter, no I/O after
    load. `compiled` holds every index (and the memo caches, the only mutable part)."""

    __slots__ = ("compiled",)

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled

    @property
    def config_version(self) -> str:
        return self.compiled.config_version

    @property
    def root(self) -> Path:
        return self.compiled.root

    @property
    def levels(self) -> tuple[str, ...]:
        return self.compiled.levels

    @property
    def modes(self) -> tuple[str, ...]:
        return self.compiled.modes.ids

    @property
    def default_mode(self) -> str:
        return self.compiled.modes.default

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.compiled.diagnostics

    def mode_at(self, at: datetime | float, mode: str | None = None) -> str:
        """The host's explicit mode, else the window containing `at`, else the default."""
        return self.compiled.modes.at(_instant(at, "at"), self._known_mode(mode))

    def mode_spans(self, start: float, end: float, mode: str | None = None
                   ) -> list[tuple[float, float, str]]:
        """[start, end) cut where the mode in force changes, each piece with its mode."""
        return self.compiled.modes.spans(start, end, mode)

    def oncall(self, team: str, at: datetime | str | float, mode: str | None = None) -> OnCall:
        """Who the team's schedules have on duty at `at` (person ids, None in a gap)."""
        found = self._team(team)
        ts = _instant(at, "at")
        return found.oncall(ts, self.compiled.modes.at(ts, self._known_mode(mode)), self.compiled.modes.default)

    def duty_report(self, team: str, at: float, days: int, mode: str | None = None,
                    handoffs: int = 5) -> DutyReport:
        """One team's duty from `at` for `days` days (`engine.duty.reports`)."""
        return duty_report(self._team(team), self.compiled.modes, _instant(at, "at"), days,
                           self._known_mode(mode), handoffs)

    def views(self, mode: str) -> tuple[View, ...]:
        """The views of `mode` (views.yaml), in view order; LookupError for an unknown mode."""
        self._known_mode(mode)
        return self.compiled.views.of(mode)

    def _known_mode(self, mode: str | None) -> str | None:
        if mode is not None and mode not in self.compiled.modes.ids:
            raise LookupError(unknown_mode(mode, self.compiled.modes.ids))
        return mode

    def _team(self, team: str) -> Team:
        found = self.compiled.teams.get(team) if isinstance(team, str) else None
        if found is None:
            hint = suggest(team, self.compiled.teams) if isinstance(team, str) else None
            raise LookupError(f"unknown team {describe(team)}" + (f" ({hint})" if hint else ""))
        return found

    def evaluate(self, event: Mapping[str, Any], state: Mapping[str, Any] | None = None,
                 mode: str | None = None, *, explain: bool = False) -> Decision:
        """The decision for one ticket event; raises EventError for an event it cannot take.

        `state` is the previous decision's `state` (None for `created`); it is not changed.
        """
        return self.apply(parse_event(event), state, mode, explain=explain)

    def apply(self, parsed: Event, state: Mapping[str, Any] | None = None, mode: str | None = None,
              *, explain: bool = False, trusted: bool = False) -> Decision:
        """`evaluate` for an event already checked by `parse_event` (a replay parses once).
        `trusted`: `state` is the unchanged state of a decision this engine returned (a
        replay's own record), so its shape and names are not checked again."""
        compiled = self.compiled
        if mode is not None and mode not in compiled.modes.ids:
            raise EventError(unknown_mode(mode, compiled.modes.ids), "mode")
        notes: list[str] | None = [] if explain else None
        waiting: list[Pending] | None = None
        if parsed.type == "created":
            if state is not None:
                raise EventError(f"ticket {parsed.ticket!r} already exists (a state was passed)", "type")
            new_state, trace, waiting = lifecycle.created(compiled, parsed, mode, notes)
            before = None
        else:
            new_state, trace = lifecycle.continue_ticket(compiled, parsed, state, mode, trusted)
            before = state["assignee"]["person"] if isinstance(state, dict) else None
            if notes is not None:
                notes.extend(trace)
        flags: list[str] = []
        sent = []
        if new_state["assignee"]["person"] != before and not new_state["closed"]:
            sent = assign_notifications(compiled, new_state, parsed.iso, flags)
        if "supervisors" in new_state and state is not None:
            sent += supervisor_notices(compiled, state, new_state, parsed, flags)
        return build_decision(compiled, new_state, parsed.type, parsed.at, trace, notes, sent, flags,
                              waiting, parsed.iso, parsed.ts)

    def due(self, state: Mapping[str, Any], now: datetime | str, *, trusted: bool = False) -> Decision:
        """Fire every step due by `now` (once: the returned state records it), in time order;
        `trusted` as for `apply`."""
        compiled = self.compiled
        at, ts = _aware_ts(now, "now")
        current = checked_state(compiled, "due", state, ts, trusted=trusted)
        trace: list[str] = []
        flags: list[str] = []
        sent: list[dict[str, Any]] = []
        for edge in _switches(compiled, current, ts):  # steps due before a switch fire first
            sent += fire_due(compiled, current, edge, at.tzinfo, trace, flags)[0]
            lifecycle.follow_mode(compiled, current, edge, trace)
            current["until"] = edge
        more, waiting = fire_due(compiled, current, ts, at.tzinfo, trace, flags)
        current["until"] = max(current["until"], ts)
        return build_decision(compiled, current, "due", at, trace, None, sent + more, flags, waiting, at_ts=ts)


def _switches(compiled: Compiled, state: dict[str, Any], now: float) -> list[float]:
    """Window edges in (until, now] that `recompute` applies at, in time order."""
    if compiled.modes.on_switch != "recompute" or state["closed"] or state.get("explicit_mode"):
        return []
    return compiled.modes.edges(state["until"], now)


def _aware(at: datetime | str, field: str) -> datetime:
    """A time a host passed: RFC 3339 text or an aware datetime, in the supported range."""
    if isinstance(at, str):
        return parse_time(at, field)
    if not isinstance(at, datetime):
        raise EventError(f"expected a datetime or RFC 3339 text, got {type(at).__name__}", field)
    if at.tzinfo is None or at.utcoffset() is None:
        raise EventError("naive datetime (no UTC offset)", field)
    check_instant(at, field)
    return at


def _aware_ts(at: datetime | str, field: str) -> tuple[datetime, float]:
    """`_aware` and its POSIX seconds, the range check's own (one `timestamp()`)."""
    if type(at) is datetime and at.tzinfo is not None:
        ts = seconds_in_range(at)
        if ts is not None and at.utcoffset() is not None:
            return at, ts
    checked = _aware(at, field)
    return checked, checked.timestamp()


def _instant(at: datetime | str | float, field: str) -> float:
    """`_aware` for the calls that also take POSIX seconds."""
    if isinstance(at, bool):
        raise EventError("expected a time, got a boolean", field)
    if isinstance(at, (int, float)):
        ts = float(at) if -1e18 < at < 1e18 else math.nan   # float() of a huge int overflows
        if not in_range(ts):
            raise EventError(f"{describe(at)} is outside the supported range ({RANGE_TEXT})", field)
        return ts
    return _aware(at, field).timestamp()
