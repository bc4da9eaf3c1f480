"""`Compiled`: every index the evaluator looks things up in, frozen, and the memo tables
it fills as it runs, named in one place (`Caches`)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.compile.solutions import Solution
from engine.compile.views import NO_VIEWS, Views
from engine.config.model import BroadcastDef, Person
from engine.diagnostics import Diagnostic
from engine.duty.schedules import Schedule
from engine.duty.teams import Team
from engine.notify.render import Renderer
from engine.routing.router import Router
from engine.routing.tables import CompiledCategory
from engine.sla.escalation import Opening, Policy, Timer
from engine.sla.profiles import Profile
from engine.timecalc.calendar import Calendar
from engine.timecalc.modes import Modes


@dataclass(slots=True)
class Caches:
    """The only state that changes after compile: memos of pure functions of the config,
    filled on first use. Entries are never replaced, so sharing them between threads is
    safe (two threads may compute the same entry; both results are equal)."""

    plans: dict[tuple[str, str, float, int], list[Timer]] = field(default_factory=dict)
    openings: dict[tuple[str | None, int, int, int], Opening] = field(default_factory=dict)
    timer_views: dict[str, dict[str, Any]] = field(default_factory=dict)   # a timer's key -> its view but the time


@dataclass(frozen=True, slots=True)
class Compiled:
    """A checked config compiled: what `Engine` and every runtime module read."""

    config_version: str
    root: Path
    levels: tuple[str, ...]                   # most urgent first
    level_names: Mapping[str, str | None]
    modes: Modes
    router: Router
    calendars: Mapping[str, Calendar]
    schedules: Mapping[str, Schedule]
    teams: Mapping[str, Team]
    profiles: Mapping[str, Profile]
    policies: Mapping[str, Policy]
    people: Mapping[str, Person]
    climb_chains: Mapping[str, tuple[str, ...]]  # team -> its lead's manager up to the top
    renderer: Renderer
    locale: str
    ticket_url: str
    diagnostics: tuple[Diagnostic, ...]       # the warnings the config loaded with
    caches: Caches = field(default_factory=Caches)
    views: Views = NO_VIEWS                   # views.yaml, per mode
    solutions: Mapping[str, Solution] = field(default_factory=dict)   # category -> its solution
    broadcasts: tuple[BroadcastDef, ...] = ()   # reports.yaml as written: the `reports` check passed them

    @property
    def categories(self) -> Mapping[str, CompiledCategory]:
        return self.router.categories
