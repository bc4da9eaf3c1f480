"""Standard solutions down the category tree: a category without one takes its parent's,
one with `extend: true` adds its checklist and codes to the parent's."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.config.model import Config, SolutionDef


@dataclass(frozen=True, slots=True)
class EffectiveSolution:
    """A category's solution with inheritance resolved; `sources` are the definitions it
    is made of, the parent's first (for the checks to point at)."""

    runbook: str | None
    checklist: Mapping[str, tuple[str, ...]]      # locale -> steps
    related: tuple[str, ...]
    resolution_codes: tuple[str, ...]
    sources: tuple[SolutionDef, ...]

    def checklist_in(self, locale: str) -> tuple[str, ...]:
        """The steps in `locale`, else in the other locale a checklist was written in."""
        found = self.checklist.get(locale)
        if found is None:
            found = next(iter(self.checklist.values()), ())
        return found


def _own(own: SolutionDef) -> EffectiveSolution:
    return EffectiveSolution(own.runbook, dict(own.checklist), own.related or (), own.resolution_codes, (own,))


def _extended(parent: EffectiveSolution, own: SolutionDef) -> EffectiveSolution:
    checklist = dict(parent.checklist)
    for locale, steps in own.checklist.items():
        checklist[locale] = checklist.get(locale, ()) + steps
    return EffectiveSolution(own.runbook or parent.runbook, checklist,
                             own.related if own.related is not None else parent.related,
                             parent.resolution_codes + own.resolution_codes, (*parent.sources, own))


def effective_solutions(config: Config) -> dict[str, EffectiveSolution]:
    """Category id -> its solution, for the categories that have one after inheritance
    (the model lists parents before their children)."""
    found: dict[str, EffectiveSolution] = {}
    for cat in config.categories:
        parent = found.get(cat.parent) if cat.parent is not None else None
        own = cat.solution
        if own is None:
            if parent is not None:
                found[cat.id] = parent
        elif own.extend and parent is not None:
            found[cat.id] = _extended(parent, own)
        else:
            found[cat.id] = _own(own)
    return found
