"""The config as written: frozen dataclasses built from schema-valid documents.

Nothing here is resolved or compiled; every object keeps `loc` (file, data path) so the
checks can point at the YAML line of any of its fields.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.config.source import DataPath, SourceDocument
from engine.diagnostics import Span

Loc = tuple[str, DataPath]
Matcher = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Level:
    id: str
    name: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class CalendarDef:
    """A calendar as written: `timezone` and `week` are None where `extends` gives them
    (config/calendars.py resolves the chain and the holiday sets)."""

    id: str
    timezone: str | None
    week: Mapping[str, tuple[str, ...]] | None
    holidays: tuple[str, ...]
    workdays: Mapping[str, tuple[str, ...]]
    loc: Loc
    extends: str | None = None
    holiday_sets: tuple[str, ...] = ()
    country: str | None = None


@dataclass(frozen=True, slots=True)
class HolidaySetDef:
    """Holidays and make-up working days that calendars share (`holiday_sets`)."""

    id: str
    holidays: tuple[str, ...]
    workdays: tuple[str, ...]
    country: str | None
    loc: Loc


@dataclass(frozen=True, slots=True)
class ModeWindow:
    name: str
    mode: str
    start: str
    end: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class Modes:
    default: str
    on_switch: str
    windows: tuple[ModeWindow, ...]
    loc: Loc


@dataclass(frozen=True, slots=True)
class TargetDef:
    """A level's targets as written; fields left out are inherited through `extends`."""

    response: str | None
    resolve: str | None
    calendar: str | None
    policy: str | None
    loc: Loc


@dataclass(frozen=True, slots=True)
class TargetOverride:
    when: Matcher
    target: TargetDef
    loc: Loc


@dataclass(frozen=True, slots=True)
class ProfileDef:
    id: str
    extends: str | None
    calendar: str | None
    pause_when: tuple[str, ...] | None
    targets: Mapping[str, TargetDef]
    policy: str | None
    overrides: tuple[TargetOverride, ...] | None
    loc: Loc


@dataclass(frozen=True, slots=True)
class StepDef:
    at: str | None
    after: str | None
    notify: tuple[str, ...]
    channels: tuple[str, ...]
    climb: bool
    loc: Loc


@dataclass(frozen=True, slots=True)
class PolicyDef:
    id: str
    response: tuple[StepDef, ...]
    resolve: tuple[StepDef, ...]
    loc: Loc


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    manager: str | None
    timezone: str | None
    contacts: Mapping[str, str]
    loc: Loc


@dataclass(frozen=True, slots=True)
class ActiveDef:
    cron: str
    duration: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class LayerDef:
    name: str
    members: tuple[str, ...]
    start: str
    handoff: str
    turn_length: int
    active: tuple[ActiveDef, ...]
    end: str | None
    loc: Loc


@dataclass(frozen=True, slots=True)
class OverrideDef:
    person: str
    start: str
    end: str
    reason: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class ScheduleDef:
    id: str
    timezone: str
    layers: tuple[LayerDef, ...]
    overrides: tuple[OverrideDef, ...]
    loc: Loc


@dataclass(frozen=True, slots=True)
class DutyDef:
    mode: str
    primary: str
    backup: str | None
    loc: Loc


@dataclass(frozen=True, slots=True)
class TeamDef:
    id: str
    name: str
    lead: str | None
    members: tuple[str, ...]
    group: Mapping[str, str]
    duty: Mapping[str, DutyDef]
    loc: Loc
    supervise_transfers: bool = False   # `transfer: {supervise: true}`


@dataclass(frozen=True, slots=True)
class RouteDef:
    id: str
    when: Matcher
    team: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class SolutionDef:
    """A category's standard solution as written; `extend` adds it to the parent's."""

    runbook: str | None
    checklist: Mapping[str, tuple[str, ...]]    # locale -> steps
    related: tuple[str, ...] | None
    resolution_codes: tuple[str, ...]
    extend: bool
    loc: Loc


@dataclass(frozen=True, slots=True)
class CategoryDef:
    """One node of the tree; `id` is the keys joined by `/`, `parent` its parent's id."""

    id: str
    key: str
    name: str
    parent: str | None
    team: str | None
    severity: str | None
    routes: tuple[RouteDef, ...]
    loc: Loc
    solution: SolutionDef | None = None


@dataclass(frozen=True, slots=True)
class DefaultRoute:
    team: str
    severity: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class RuleDef:
    id: str
    description: str
    when: Matcher
    team: str | None
    severity: str | None
    tags: tuple[str, ...]
    stop: bool
    loc: Loc


@dataclass(frozen=True, slots=True)
class ViewDef:
    """A view of views.yaml as written: `sla` maps `response`/`resolve` to `breached` or
    `{used: N%}` and `escalation_level` to an integer."""

    id: str
    title: Mapping[str, str]                    # locale -> title
    modes: tuple[str, ...]
    when: Matcher | None
    sla: Mapping[str, Any]
    order: int
    loc: Loc


@dataclass(frozen=True, slots=True)
class TemplateSource:
    """A template override file: `name` relative to the config dir (`templates/breach.sms.j2`,
    or `templates/payment/breach.sms.j2` for categories under `payment/`)."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class NotificationsDef:
    locale: str
    ticket_url: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a config dir says, in file order, with the documents it came from."""

    root: Path
    docs: Mapping[str, SourceDocument]
    levels: tuple[Level, ...]
    calendars: Mapping[str, CalendarDef]
    modes: Modes
    profiles: Mapping[str, ProfileDef]
    policies: Mapping[str, PolicyDef]
    people: tuple[Person, ...]
    schedules: Mapping[str, ScheduleDef]
    teams: tuple[TeamDef, ...]
    default: DefaultRoute
    categories: tuple[CategoryDef, ...]
    rules: tuple[RuleDef, ...]
    notifications: NotificationsDef
    templates: tuple[TemplateSource, ...] = ()
    digest: str = ""
    views: tuple[ViewDef, ...] = ()
    holiday_sets: Mapping[str, HolidaySetDef] = field(default_factory=dict)

    def span(self, loc: Loc, *sub: str | int, key: bool = False) -> Span:
        """The span of `loc` or of a field below it (`key=True`: the key, not the value)."""
        file, path = loc
        return self.docs[file].span(path + tuple(sub), key=key)

    @property
    def level_ids(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.levels)
