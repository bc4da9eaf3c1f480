"""The Engine: an immutable compiled config and the one evaluator behind every entry point."""
from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from typing import Any, Mapping

from engine.calendar import Calendar
from engine.checks import suggest
from engine.duty import OnCall, Team
from engine.decision import Decision
from engine.diagnostics import Diagnostic
from engine.errors import EventError
from engine.events import Event, parse_event, parse_time
from engine.model import Config
from engine.rosters import Schedule
from engine.router import Router
from engine.values import parse_datetime

STATE_VERSION = 1


class Engine:
    """Compiled config; pure and thread-safe: time is always a parameter, no I/O after load."""

    def __init__(self, config: Config, *, router: Router, calendars: Mapping[str, Calendar],
                 schedules: Mapping[str, Schedule], teams: Mapping[str, Team],
                 diagnostics: tuple[Diagnostic, ...] = ()) -> None:
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
        """The decision for one ticket event; raises EventError for an event it cannot take."""
        parsed = parse_event(event)
        if mode is not None and mode not in self.modes:
            raise EventError(f"unknown mode {mode!r} (modes: {', '.join(self.modes)})", "mode")
        if parsed.type == "created":
            if state is not None:
                raise EventError(f"ticket {parsed.ticket!r} already exists (a state was passed)", "type")
            return self._created(parsed, mode, explain)
        raise EventError(f"{parsed.type!r} events need the ticket lifecycle, which this engine "
                         "version does not run yet", "type")

    def _created(self, event: Event, mode: str | None, explain: bool) -> Decision:
        raw = event.raw
        submitted = raw.get("severity")
        if submitted is not None and submitted not in self.router.ranks:
            raise EventError(f"unknown level {submitted!r} (levels: {', '.join(self.levels)})",
                             "severity")
        ticket = {
            "category": raw["category"], "severity": submitted, "tags": list(raw.get("tags") or ()),
            "source": raw.get("source"), "submitter": raw.get("submitter"),
            "title": raw.get("title"), "fields": raw.get("fields") or {}, "at": event.ts,
        }
        notes: list[str] | None = [] if explain else None
        routing = self.router.route(ticket, submitted, notes)
        the_mode = self.mode_at(event.ts, mode)
        category = {"id": routing.category, "matched": routing.matched, "fallback": routing.fallback}
        taker = self.teams[routing.team].assignee(event.ts, the_mode, self.default_mode)
        flags = []
        if taker.gap:
            flags.append("roster_gap")
            routing.trace.append(f"roster gap: nobody on duty for {routing.team} → {taker.source} "
                                 f"{taker.person or '(none)'}")
        else:
            routing.trace.append(f"on duty {taker.person} ({taker.source})")
        assignee = {"person": taker.person, "source": taker.source}
        state = {
            "v": STATE_VERSION, "config_version": self.config_version, "ticket": event.ticket,
            "created_at": raw["at"], "last_at": raw["at"], "status": "open", "mode": the_mode,
            "category": routing.category, "severity": routing.severity, "team": routing.team,
            "tags": routing.tags, "submitter": raw.get("submitter"), "assignee": assignee,
        }
        return Decision(event.ticket, "created", event.at.isoformat(), self.config_version, the_mode,
                        category, routing.severity, routing.team, routing.tags, routing.trace,
                        state, assignee=dict(assignee), flags=flags, explain=notes)


def _aware(at: datetime | str, field: str) -> datetime:
    if isinstance(at, str):
        return parse_time(at, field)
    if at.tzinfo is None:
        raise EventError("naive datetime (no UTC offset)", field)
    return at
