"""Scheduled broadcasts (统计大盘播报): reports.yaml, read and checked by the config
pipeline (schemas/reports.schema.json, `config.build`, `checks/reports.py`), seen here as
what a broadcast needs to run: its schedule in its time zone, its modes, what it says and
to whom; and the instants its schedule names."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from croniter import croniter

from engine.config.build import REPORTS
from engine.config.model import BroadcastDef
from engine.diagnostics import Diagnostic, Span, suggest

REPORTS_FILE = REPORTS


@dataclass(frozen=True, slots=True)
class Broadcast:
    """One scheduled broadcast, as reports.yaml says it (`contents` defaulted)."""

    name: str
    schedule: str                       # 5-field cron, wall-clock in `timezone`
    timezone: str
    modes: tuple[str, ...]              # empty: every mode
    contents: tuple[str, ...]
    robots: tuple[str, ...]             # DingTalk group robots by name (rosters.yaml `group.dingtalk_group`)
    emails: tuple[str, ...]

    def runs_in(self, mode: str | None) -> bool:
        """Whether it is sent when `mode` is in force."""
        return not self.modes or mode in self.modes


def broadcasts_of(defs: Iterable[BroadcastDef]) -> tuple[Broadcast, ...]:
    """The broadcasts of a checked config, in file order."""
    return tuple(Broadcast(d.name, d.schedule, d.timezone, d.modes, d.contents, d.robots, d.emails) for d in defs)


def instants(b: Broadcast, after: float, until: float) -> list[float]:
    """The instants its schedule names in (after, until], oldest first (POSIX seconds;
    the schedule is read on the wall clock of its time zone)."""
    found: list[float] = []
    cron = croniter(b.schedule, datetime.fromtimestamp(after, ZoneInfo(b.timezone)))
    while True:
        at = cron.get_next(datetime).timestamp()
        if at > until:
            return found
        found.append(at)


def following(b: Broadcast, after: float) -> float:
    """The first instant its schedule names after `after` (the checks made sure it fires)."""
    cron = croniter(b.schedule, datetime.fromtimestamp(after, ZoneInfo(b.timezone)))
    return float(cron.get_next(datetime).timestamp())


def missing(name: str, broadcasts: Sequence[Broadcast], file: str) -> Diagnostic:
    """The diagnostic for a broadcast asked for by a name reports.yaml does not have."""
    hint = suggest(name, [b.name for b in broadcasts])
    return Diagnostic(Span(file), "report.unknown-broadcast",
                      f"no broadcast {name!r} in {REPORTS_FILE}" + (f" ({hint})" if hint else ""))
