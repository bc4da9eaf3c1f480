"""View checks (views.yaml): ids defined once, the modes, teams, levels and calendars a
view names exist, and no view that no ticket can enter."""
from __future__ import annotations

from collections.abc import Iterator

from engine.checks.common import duplicates, unknown, warning
from engine.checks.refs import matcher_refs, modes_hint, team_refs
from engine.checks.routing import never_matches
from engine.config.model import Config, ViewDef
from engine.diagnostics import Diagnostic
from engine.sla.escalation import manager_chain


def check_views(config: Config) -> Iterator[Diagnostic]:
    yield from duplicates(config, ((v.id, v.loc) for v in config.views), "view", "id")
    if not config.views:
        return   # the deepest climb walks every person's manager chain
    modes = set(config.profiles)
    teams = {t.id for t in config.teams}
    deepest = _deepest_climb(config)
    for view in config.views:
        for i, mode in enumerate(view.modes):
            if mode not in modes:
                yield unknown(config.span(view.loc, "modes", i), "mode", mode, modes, explain=modes_hint(modes))
        if view.when is not None:
            when = (view.loc[0], view.loc[1] + ("when",))
            yield from matcher_refs(config, view.when, when)
            yield from team_refs(config, view.when, when, teams)
        yield from _never_entered(config, view, deepest)


def _deepest_climb(config: Config) -> int:
    """The most levels any escalation can climb: 0 when no step climbs, else the longest
    manager chain above anybody (a team's climb starts at its lead's manager)."""
    if not any(step.climb for p in config.policies.values() for step in p.response + p.resolve):
        return 0
    people = {p.id: p for p in config.people}
    return max((len(manager_chain(people, p.manager)) for p in config.people), default=0)


def _never_entered(config: Config, view: ViewDef, deepest: int) -> Iterator[Diagnostic]:
    reason = never_matches(view.when) if view.when is not None else None
    if reason is not None:
        yield warning(config.span(view.loc, "id"), "view.never-entered",
                      f"no ticket can enter view {view.id!r}: {reason}")
    level = int(view.sla.get("escalation_level", 0))
    if level > deepest:
        yield warning(config.span(view.loc, "sla", "escalation_level"), "view.never-entered",
                      f"no ticket can enter view {view.id!r}: escalations climb at most {deepest} "
                      f"level{'s' if deepest != 1 else ''} here, not {level}",
                      "a climbing step (`climb: true`) goes one manager up per level")
