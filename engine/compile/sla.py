"""SLA profiles (inheritance resolved, overrides laid over each level's target) and
escalation policies compiled from sla_profiles.yaml."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.config.model import Config, TargetDef
from engine.config.profiles import effective_profile
from engine.config.values import parse_duration, parse_percentage
from engine.routing.matchers import OpenCalendar, compile_matcher, matcher_keys
from engine.sla.escalation import Policy, Step
from engine.sla.profiles import Override, Profile, Target, make_target


def compile_profiles(config: Config, calendars: Mapping[str, OpenCalendar]) -> dict[str, Profile]:
    """Every profile with inheritance resolved; the checks guarantee complete targets."""
    profiles = {}
    for pid in config.profiles:
        p = effective_profile(config, pid)
        targets = {
            level: make_target(parse_duration(t.response or ""), parse_duration(t.resolve or ""),
                               t.calendar or p.calendar, t.policy or p.policy, f"{pid} {level} target")
            for level, t in p.targets.items()}
        overrides = tuple(Override(compile_matcher(o.when, calendars), _laid_over(targets, o.target, pid, i),
                                   "team" in matcher_keys(o.when))
                          for i, o in enumerate(p.overrides))
        profiles[pid] = Profile(pid, frozenset(p.pause_when), targets, overrides)
    return profiles


def _laid_over(targets: Mapping[str, Target], fields: TargetDef, pid: str, index: int
               ) -> dict[str, Target]:
    """An override's fields over each level's target, resolved once at compile time."""
    return {
        level: make_target(parse_duration(fields.response) if fields.response else base.response,
                           parse_duration(fields.resolve) if fields.resolve else base.resolve,
                           fields.calendar or base.calendar, fields.policy or base.policy,
                           f"{pid} override {index} ({level})")
        for level, base in targets.items()}


def compile_policies(config: Config) -> dict[str, Policy]:
    def steps(defs: Any) -> tuple[Step, ...]:
        return tuple(Step(i, parse_percentage(s.at) if s.at else None,
                          parse_duration(s.after) if s.after else None, s.notify, s.channels, s.climb)
                     for i, s in enumerate(defs))
    return {pid: Policy(pid, {"response": steps(p.response), "resolve": steps(p.resolve)})
            for pid, p in config.policies.items()}
