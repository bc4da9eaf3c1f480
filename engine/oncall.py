"""Duty reports for people: who is on duty, the next handoffs, a timeline, gaps, iCalendar."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.duty import OnCall, Team, team_gaps
from engine.engine import Engine
from engine.rosters import Segment
from engine.values import zone


@dataclass(frozen=True, slots=True)
class DutyReport:
    """One team's duty from `at` for `days` days, in the mode in force at `at`."""

    team: Team
    mode: str
    at: float
    until: float
    timezone: str
    now: OnCall
    handoffs: list[tuple[float, str | None]]
    timeline: list[Segment]
    gaps: list[tuple[float, float]]

    def local(self, ts: float) -> str:
        return datetime.fromtimestamp(ts, zone(self.timezone)).isoformat(timespec="minutes")

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team.id, "name": self.team.name, "mode": self.mode, "at": self.local(self.at),
            "primary": self.now.primary, "backup": self.now.backup, "source": self.now.source,
            "lead": self.team.lead,
            "handoffs": [{"at": self.local(ts), "person": p} for ts, p in self.handoffs],
            "timeline": [{"start": self.local(s.start), "end": self.local(s.end), "person": s.person,
                          "source": s.source} for s in self.timeline],
            "gaps": [{"start": self.local(lo), "end": self.local(hi)} for lo, hi in self.gaps],
        }


def duty_report(engine: Engine, team_id: str, at: float, days: int, mode: str | None = None,
                handoffs: int = 5) -> DutyReport:
    """The report for one team; raises LookupError for an unknown team."""
    oncall = engine.oncall(team_id, at, mode)
    team = engine.teams[team_id]
    the_mode = engine.mode_at(at, mode)
    until = at + days * 86400
    duty = team.duty_in(the_mode, engine.default_mode)
    if duty is None:
        return DutyReport(team, the_mode, at, until, "UTC", oncall, [], [Segment(at, until, None, None)],
                          [(at, until)])
    return DutyReport(team, the_mode, at, until, duty.primary.timezone, oncall,
                      duty.primary.next_handoffs(at, handoffs, within_s=until - at),
                      duty.primary.segments(at, until),
                      team_gaps(team, the_mode, engine.default_mode, at, until))


def to_ics(report: DutyReport, stamp: datetime) -> bytes:
    """The team's primary duty as an iCalendar feed: one event per turn."""
    from icalendar import Calendar, Event  # only this export needs it

    cal = Calendar()
    cal.add("prodid", "-//Gongdan//on-call//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{report.team.name} 值班 ({report.team.id})")
    tz = zone(report.timezone)
    for segment in report.timeline:
        if segment.person is None:
            continue
        event = Event()
        event.add("uid", f"{report.team.id}-{int(segment.start)}-{segment.person}@gongdan")
        event.add("dtstamp", stamp)
        event.add("dtstart", datetime.fromtimestamp(segment.start, tz))
        event.add("dtend", datetime.fromtimestamp(segment.end, tz))
        event.add("summary", f"{report.team.id} on duty: {segment.person}")
        event.add("description", f"source: {segment.source}; mode: {report.mode}")
        cal.add_component(event)
    cal.add_missing_timezones()  # VTIMEZONE for the TZIDs used, as RFC 5545 asks
    data: bytes = cal.to_ical()
    return data
