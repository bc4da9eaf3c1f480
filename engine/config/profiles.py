"""SLA profile inheritance: `extends` resolved into one effective profile per mode."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from engine.config.chains import extends_chain
from engine.config.model import Config, Loc, TargetDef, TargetOverride
from engine.timecalc.calendar import BUILTIN_CALENDAR

DEFAULT_CALENDAR = BUILTIN_CALENDAR


@dataclass(frozen=True, slots=True)
class EffectiveProfile:
    """A profile with everything it inherits filled in; targets merged field by field."""

    id: str
    chain: tuple[str, ...]          # the profile and its ancestors, nearest first
    calendar: str
    pause_when: tuple[str, ...]
    policy: str | None
    targets: Mapping[str, TargetDef]
    overrides: tuple[TargetOverride, ...]
    loc: Loc



def _merge_target(base: TargetDef | None, top: TargetDef) -> TargetDef:
    if base is None:
        return top
    return replace(top, response=top.response or base.response, resolve=top.resolve or base.resolve,
                   calendar=top.calendar or base.calendar, policy=top.policy or base.policy)


def effective_profile(config: Config, pid: str) -> EffectiveProfile:
    """Resolve `extends` for one profile (a looping chain stops at the loop)."""
    chain, _ = extends_chain(config.profiles, pid)
    calendar, pause, policy, overrides = None, None, None, None
    targets: dict[str, TargetDef] = {}
    for ancestor_id in reversed(chain):
        p = config.profiles[ancestor_id]
        calendar = p.calendar or calendar
        pause = p.pause_when if p.pause_when is not None else pause
        policy = p.policy or policy
        overrides = p.overrides if p.overrides is not None else overrides
        for level, target in p.targets.items():
            targets[level] = _merge_target(targets.get(level), target)
    return EffectiveProfile(pid, tuple(chain), calendar or DEFAULT_CALENDAR, pause or (), policy,
                            targets, overrides or (), config.profiles[pid].loc)
