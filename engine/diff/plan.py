"""The diff's driver: two sources in, one `Report` out. Both sides are loaded; if either
does not, the report carries its diagnostics and nothing else. Otherwise the corpus is
replayed through both engines (outcomes) and the compiled configs are compared section by
section (structure)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.diff.calendars import calendar_section, mode_section
from engine.diff.categories import category_section
from engine.diff.courses import ReplayStream
from engine.diff.duty import duty_section
from engine.diff.model import Report, Section
from engine.diff.outcomes import EventFile, outcome_diff
from engine.diff.rules import rule_section
from engine.diff.sides import BuildConfig, Side, Source, load_side
from engine.diff.sla import escalation_section, target_section
from engine.diff.templates import template_section

DUTY_DAYS = 14


@dataclass(frozen=True, slots=True)
class Stages:
    """The loader's and the replay's entry points, handed in by the caller (sides.py says
    why): `engine.loader.build_config` and `engine.replay.stream.replay`."""

    build_config: BuildConfig
    replay: ReplayStream


@dataclass(frozen=True, slots=True)
class Options:
    at: datetime                            # where the duty section starts looking ahead
    events: tuple[EventFile, ...] = ()      # (name, JSON lines) of each event file
    duty_days: int = DUTY_DAYS


def diff(base: Source, head: Source, options: Options, stages: Stages) -> Report:
    """What changes from `base` to `head`, in structure and in outcomes."""
    a = load_side(base, stages.build_config)
    b = load_side(head, stages.build_config)
    at = options.at.isoformat()
    if not isinstance(a, Side) or not isinstance(b, Side):
        return Report(a.info, b.info, at)
    outcomes, impact = outcome_diff(a, b, options.events, stages.replay)
    return Report(a.info, b.info, at, structure(a, b, options, impact), outcomes)


def structure(a: Side, b: Side, options: Options, impact: Mapping[str, Sequence[str]]) -> tuple[Section, ...]:
    """Every structural section, in the order the report shows them."""
    return (category_section(a, b), rule_section(a, b, impact), target_section(a, b),
            escalation_section(a, b), calendar_section(a, b), mode_section(a, b),
            duty_section(a, b, options.at.timestamp(), options.duty_days), template_section(a, b))
