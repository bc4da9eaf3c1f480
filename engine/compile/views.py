"""Views per mode (views.yaml) compiled: each view's matcher as one predicate (and one per
top-level condition, for `--explain`), its SLA conditions as shares of a clock's budget,
and the views of each mode in view order."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.config.model import Config, ViewDef
from engine.config.values import parse_percentage
from engine.routing.matchers import OpenCalendar, Predicate, compile_matcher


@dataclass(frozen=True, slots=True)
class ClockCondition:
    """The clock has used `share` of its budget (1.0: `breached`) and was not met."""

    clock: str           # response | resolve
    share: float
    text: str            # `response breached`, `resolve used 80%`


@dataclass(frozen=True, slots=True)
class View:
    id: str
    title: Mapping[str, str]                      # locale -> title
    modes: tuple[str, ...]
    order: int
    predicate: Predicate | None                   # None: every open ticket
    parts: tuple[tuple[str, Predicate], ...]      # each top-level condition and its text
    clocks: tuple[ClockCondition, ...]
    min_level: int                                # 0: no escalation condition
    where: str                                    # views.yaml:LINE

    @property
    def conditions(self) -> list[str]:
        """Every condition in words, `when` first: what `--explain` and `gongdan views` say."""
        found = [text for text, _ in self.parts] + [c.text for c in self.clocks]
        if self.min_level:
            found.append(f"escalation level ≥ {self.min_level}")
        return found

    def to_dict(self, locale: str) -> dict[str, Any]:
        return {"id": self.id, "order": self.order, "title": self.title[locale], "modes": list(self.modes),
                "conditions": self.conditions, "where": self.where}


@dataclass(frozen=True, slots=True)
class Views:
    """Every view in view order, and each mode's views (a mode without any is absent)."""

    ordered: tuple[View, ...]
    by_mode: Mapping[str, tuple[View, ...]]
    mode_sensitive: bool = False    # whether modes differ in their views (a window edge can change them)

    def of(self, mode: str) -> tuple[View, ...]:
        return self.by_mode.get(mode, ())


NO_VIEWS = Views((), {})


def flow(value: Any) -> str:
    """A condition as YAML's flow style writes it: `{prefix: trade/}`, `[P1, P2]`."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _clock(clock: str, condition: Any) -> ClockCondition:
    if condition == "breached":
        return ClockCondition(clock, 1.0, f"{clock} breached")
    return ClockCondition(clock, parse_percentage(condition["used"]) / 100,
                          f"{clock} used {condition['used']}")


def compile_view(config: Config, view: ViewDef, calendars: Mapping[str, OpenCalendar]) -> View:
    """One view (the checks vouch for its calendars, levels, teams and modes)."""
    when = view.when or {}
    parts = tuple((f"{key} {flow(value)}", compile_matcher({key: value}, calendars))
                  for key, value in when.items())
    clocks = tuple(_clock(name, view.sla[name]) for name in ("response", "resolve") if name in view.sla)
    span = config.span(view.loc)
    return View(view.id, dict(view.title), view.modes, view.order,
                compile_matcher(when, calendars) if when else None, parts, clocks,
                int(view.sla.get("escalation_level", 0)), f"{span.file}:{span.line}")


def compile_views(config: Config, calendars: Mapping[str, OpenCalendar]) -> Views:
    """The views in view order (`order`, then file order), per mode, and whether the modes
    differ in them."""
    ordered = tuple(sorted((compile_view(config, v, calendars) for v in config.views),
                           key=lambda v: v.order))   # stable: file order between equals
    by_mode: dict[str, tuple[View, ...]] = {}
    for view in ordered:
        for mode in dict.fromkeys(view.modes):
            by_mode[mode] = (*by_mode.get(mode, ()), view)
    kinds = {tuple(view.id for view in by_mode.get(mode, ())) for mode in config.profiles}
    return Views(ordered, by_mode, len(kinds) > 1)
