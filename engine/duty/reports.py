"""Duty reports for people: who is on duty, the next handoffs, a timeline, gaps, iCalendar."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from engine.config.values import zone
from engine.duty.schedules import Segment
from engine.duty.teams import OnCall, Team, team_gaps
from engine.timecalc.modes import Modes


@dataclass(frozen=True, slots=True)
class DutyReport:
    """One team's duty from `at` for `days` days. The timeline follows the mode windows:
    where a window opens or closes inside it, the other mode's schedules take over."""

    team: Team
    mode: str                               # the mode in force at `at`
    at: float
    until: float
    timezone: str
    now: OnCall
    handoffs: list[tuple[float, str | None]]
    timeline: list[Segment]
    gaps: list[tuple[float, float]]
    modes: list[tuple[float, float, str]]   # the modes over [at, until)
    windows: tuple[str | None, ...] = ()    # per mode span: the window's name (None: default)
    reasons: tuple[str | None, ...] = ()    # per timeline segment: an override's reason

    def local(self, ts: float) -> str:
        """An instant in the schedule's zone, to the minute: how people read a duty report."""
        return datetime.fromtimestamp(ts, zone(self.timezone)).isoformat(timespec="minutes")

    def exact(self, ts: float) -> str:
        """An instant as RFC 3339 with its seconds: how tools read it (`to_dict`)."""
        return datetime.fromtimestamp(ts, zone(self.timezone)).isoformat(timespec="seconds")

    def mode_of(self, ts: float) -> str:
        return next((m for a, b, m in self.modes if a <= ts < b), self.mode)

    def window_of(self, ts: float) -> str | None:
        """The name of the mode window in force at `ts`, if a window sets the mode."""
        return next((w for (a, b, _), w in zip(self.modes, self.windows, strict=False) if a <= ts < b), None)

    def reason(self, index: int) -> str | None:
        """The reason of the override behind timeline segment `index`, if any."""
        return self.reasons[index] if index < len(self.reasons) else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team.id, "name": self.team.name, "mode": self.mode, "at": self.exact(self.at),
            "primary": self.now.primary, "backup": self.now.backup, "source": self.now.source,
            "lead": self.team.lead,
            "handoffs": [{"at": self.exact(ts), "person": p} for ts, p in self.handoffs],
            "window": self.window_of(self.at),
            "timeline": [{"start": self.exact(s.start), "end": self.exact(s.end), "person": s.person,
                          "source": s.source, "reason": self.reason(i)} for i, s in enumerate(self.timeline)],
            "gaps": [{"start": self.exact(lo), "end": self.exact(hi)} for lo, hi in self.gaps],
            "modes": [{"start": self.exact(a), "end": self.exact(b), "mode": m, "window": self.window_of(a)}
                      for a, b, m in self.modes],
        }


def duty_report(team: Team, mode_table: Modes, at: float, days: int, mode: str | None = None,
                handoffs: int = 5) -> DutyReport:
    """The report for one team from `at`, the mode windows followed (or `mode` forced)."""
    default_mode = mode_table.default
    oncall = team.oncall(at, mode_table.at(at, mode), default_mode)
    until = at + days * 86400
    modes = mode_table.spans(at, until, mode)
    timeline: list[Segment] = []
    gaps: list[tuple[float, float]] = []
    for start, end, in_force in modes:
        duty = team.duty_in(in_force, default_mode)
        pieces = duty.primary.segments(start, end) if duty else [Segment(start, end, None, None)]
        for piece in pieces:  # neighbours across a mode boundary with the same duty join up
            last = timeline[-1] if timeline else None
            if last is not None and (last.person, last.source) == (piece.person, piece.source):
                piece = Segment(timeline.pop().start, piece.end, piece.person, piece.source)
            timeline.append(piece)
        for lo, hi in team_gaps(team, in_force, default_mode, start, end):
            if gaps and gaps[-1][1] == lo:  # a gap running on across the boundary
                lo = gaps.pop()[0]
            gaps.append((lo, hi))
    duty = team.duty_in(modes[0][2], default_mode)
    changes = [(s.start, s.person) for before, s in pairwise(timeline) if s.person != before.person]
    return DutyReport(team, modes[0][2], at, until, duty.primary.timezone if duty else "UTC", oncall,
                      changes[:handoffs], timeline, gaps, modes,
                      tuple(mode_table.window_name(a, mode) for a, _, _ in modes),
                      tuple(_reason(team, s) for s in timeline))


def _reason(team: Team, segment: Segment) -> str | None:
    """The reason of the override a segment comes from (`<schedule>/override`)."""
    if segment.source is None or not segment.source.endswith("/override"):
        return None
    schedule_id = segment.source.rpartition("/")[0]
    schedules = {d.primary.id: d.primary for d in team.duty.values()}
    schedule = schedules.get(schedule_id)
    return schedule.override_reason(segment.start) if schedule is not None else None


_ICS_WORDS = {
    "zh": {"calendar": "{team} 值班 ({id})", "summary": "{team} 值班: {person}", "source": "来源",
           "mode": "模式", "window": "窗口", "reason": "原因"},
    "en": {"calendar": "{team} on call ({id})", "summary": "{team} on duty: {person}", "source": "source",
           "mode": "mode", "window": "window", "reason": "reason"},
}


def to_ics(report: DutyReport, stamp: datetime, names: Mapping[str, str] | None = None,
           locale: str = "zh") -> bytes:
    """The team's primary duty as an iCalendar feed: one event per turn, in the config's
    locale, people by their names (`names`: person id -> name)."""
    from icalendar import Calendar, Event  # only this export needs it

    words = _ICS_WORDS.get(locale, _ICS_WORDS["zh"])
    cal = Calendar()
    cal.add("prodid", f"-//Gongdan//on-call//{locale.upper()}")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", words["calendar"].format(team=report.team.name, id=report.team.id))
    tz = zone(report.timezone)
    for i, segment in enumerate(report.timeline):
        if segment.person is None:
            continue
        person = (names or {}).get(segment.person) or segment.person
        event = Event()
        event.add("uid", f"{report.team.id}-{int(segment.start)}-{segment.person}@gongdan")
        event.add("dtstamp", stamp)
        event.add("dtstart", datetime.fromtimestamp(segment.start, tz))
        event.add("dtend", datetime.fromtimestamp(segment.end, tz))
        event.add("summary", words["summary"].format(team=report.team.name, person=person))
        event.add("description", _ics_description(report, i, words))
        cal.add_component(event)
    cal.add_missing_timezones()  # VTIMEZONE for the TZIDs used, as RFC 5545 asks
    data: bytes = cal.to_ical()
    return data


def _ics_description(report: DutyReport, index: int, words: Mapping[str, str]) -> str:
    segment = report.timeline[index]
    window = report.window_of(segment.start)
    reason = report.reason(index)
    return (f"{words['source']}: {segment.source}; {words['mode']}: {report.mode_of(segment.start)}"
            + (f" ({words['window']} {window})" if window else "")
            + (f"; {words['reason']}: {reason}" if reason else ""))
