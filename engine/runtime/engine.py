"""The Engine: an immutable compiled config and the one evaluator behind every entry point."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from itertools import pairwise
from typing import Any

from engine.runtime import lifecycle
from engine.timecalc.calendar import Calendar
from engine.runtime.decision import Decision, build_decision
from engine.diagnostics import Diagnostic, suggest
from engine.duty.teams import OnCall, Team
from engine.errors import EventError
from engine.sla.escalation import Policy, Timer, manager_chain
from engine.runtime.events import Event, parse_event, parse_time
from engine.config.model import Config, Person
from engine.notify.render import Renderer
from engine.duty.schedules import Schedule
from engine.routing.router import Router
from engine.sla.clocks import Profile
from engine.runtime.timers import Opening, Pending, assign_notifications, fire_due
from engine.config.values import parse_datetime


class Engine:
    """Compiled config; pure and thread-safe: time is always a parameter, no I/O after load."""

    def __init__(self, config: Config, *, router: Router, calendars: Mapping[str, Calendar],
                 schedules: Mapping[str, Schedule], teams: Mapping[str, Team],
                 profiles: Mapping[str, Profile], policies: Mapping[str, Policy],
                 people: Mapping[str, Person], renderer: Renderer, diagnostics: tuple[Diagnostic, ...] = ()) -> None:
        self.config_version = config.digest
        self.root = config.root
        self.levels = config.level_ids
        self.level_names = {lv.id: lv.name for lv in config.levels}
        self.modes = tuple(config.profiles)
        self.default_mode = config.modes.default
        windows = sorted((parse_datetime(w.start).timestamp(), parse_datetime(w.end).timestamp(), w.mode)
                         for w in config.modes.windows)
        self._window_starts = tuple(w[0] for w in windows)
        self._windows = tuple(windows)
        self.router = router
        self.calendars = calendars
        self.schedules = schedules
        self.teams = teams
        self.diagnostics = diagnostics
        self.categories = router.categories
        self.profiles = profiles
        self.policies = policies
        self.people = people
        self.renderer = renderer
        self.locale = config.notifications.locale
        self.ticket_url = config.notifications.ticket_url
        self.climb_chains = {tid: manager_chain(people, people[t.lead].manager)
                             for tid, t in teams.items() if t.lead is not None and t.lead in people}
        self.plans: dict[tuple[str, str, float, int], list[Timer]] = {}  # memo, filled on use
        self.openings: dict[tuple[str | None, int, int, int], Opening] = {}  # likewise
        self.on_switch = config.modes.on_switch

    def mode_at(self, at: datetime | float, mode: str | None = None) -> str:
        """The host's explicit mode, else the window containing `at`, else the default."""
        if mode is not None:
            return mode
        ts = at if isinstance(at, (int, float)) else _aware(at, "at").timestamp()
        i = bisect_right(self._window_starts, ts) - 1
        if i >= 0 and ts < self._windows[i][1]:
            return self._windows[i][2]
        return self.default_mode

    def oncall(self, team: str, at: datetime | str | float, mode: str | None = None) -> OnCall:
        """Who the team's schedules have on duty at `at` (person ids, None in a gap)."""
        found = self.teams.get(team)
        if found is None:
            hint = suggest(team, self.teams)
            raise LookupError(f"unknown team {team!r}" + (f" ({hint})" if hint else ""))
        ts = float(at) if isinstance(at, (int, float)) else _aware(at, "at").timestamp()
        return found.oncall(ts, self.mode_at(ts, mode), self.default_mode)

    def evaluate(self, event: Mapping[str, Any], state: Mapping[str, Any] | None = None,
                 mode: str | None = None, *, explain: bool = False) -> Decision:
        """The decision for one ticket event; raises EventError for an event it cannot take.

        `state` is the previous decision's `state` (None for `created`); it is not changed.
        """
        return self.apply(parse_event(event), state, mode, explain=explain)

    def apply(self, parsed: Event, state: Mapping[str, Any] | None = None, mode: str | None = None,
              *, explain: bool = False) -> Decision:
        """`evaluate` for an event already checked by `parse_event` (a replay parses once)."""
        if mode is not None and mode not in self.modes:
            raise EventError(f"unknown mode {mode!r} (modes: {', '.join(self.modes)})", "mode")
        notes: list[str] | None = [] if explain else None
        waiting: list[Pending] | None = None
        if parsed.type == "created":
            if state is not None:
                raise EventError(f"ticket {parsed.ticket!r} already exists (a state was passed)", "type")
            new_state, trace, waiting = lifecycle.created(self, parsed, mode, notes)
            before = None
        else:
            new_state, trace = lifecycle.continue_ticket(self, parsed, state, mode)
            before = state["assignee"]["person"] if isinstance(state, dict) else None
            if notes is not None:
                notes.extend(trace)
        flags: list[str] = []
        sent = []
        if new_state["assignee"]["person"] != before and not new_state["closed"]:
            sent = assign_notifications(self, new_state, parsed.iso, flags)
        return build_decision(self, new_state, parsed.type, parsed.at, trace, notes, sent, flags, waiting,
                              parsed.iso)

    def due(self, state: Mapping[str, Any], now: datetime | str) -> Decision:
        """Fire every step due by `now` (once: the returned state records it), in time order."""
        at = _aware(now, "now")
        current = lifecycle.checked_state(self, "due", state, at.timestamp())
        trace: list[str] = []
        lifecycle.follow_mode(self, current, at.timestamp(), None, trace)
        flags: list[str] = []
        sent, waiting = fire_due(self, current, at.timestamp(), at.tzinfo, trace, flags)
        current["last"] = max(current["last"], at.timestamp())
        return build_decision(self, current, "due", at, trace, None, sent, flags, waiting)

    def mode_switch_between(self, a: float, b: float) -> float:
        """The last window boundary in (a, b], where the mode in force changed."""
        edges = [t for w in self._windows for t in w[:2] if a < t <= b]
        return max(edges) if edges else b

    def mode_spans(self, start: float, end: float, mode: str | None = None
                   ) -> list[tuple[float, float, str]]:
        """[start, end) cut at the window boundaries inside it, each piece with its mode
        (one piece in the host's explicit mode, when one is given)."""
        if mode is not None:
            return [(start, end, mode)]
        cuts = sorted({t for w in self._windows for t in w[:2] if start < t < end})
        edges = [start, *cuts, end]
        return [(a, b, self.mode_at(a)) for a, b in pairwise(edges)]

    def format_time(self, ts: float, tz: tzinfo | None = None) -> str:
        return datetime.fromtimestamp(ts, tz or UTC).isoformat()


def _aware(at: datetime | str, field: str) -> datetime:
    if isinstance(at, str):
        return parse_time(at, field)
    if at.tzinfo is None:
        raise EventError("naive datetime (no UTC offset)", field)
    return at
