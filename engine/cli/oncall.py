"""`gongdan oncall`: who is on duty now or at a time, the next handoffs, gaps, iCalendar."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from engine.cli.common import Exit, check_mode, config_option, is_documented, load_or_exit, parse_option_time
from engine.cli.streams import out, out_bytes
from engine.duty.reports import DutyReport, to_ics
from engine.runtime.engine import Engine


def _mode(report: DutyReport, ts: float, mode: str) -> str:
    window = report.window_of(ts)
    return f"{mode} (window {window})" if window else mode


def _source(source: str | None, reason: str | None) -> str:
    return f"  [{source}: {reason}]" if source and reason else f"  [{source}]" if source else ""


def _team_text(report: DutyReport, timeline: bool) -> str:
    team, now = report.team, report.now
    first = report.reason(0) if report.timeline and report.timeline[0].source == now.source else None
    lines = [f"{team.id} ({team.name}) at {report.local(report.at)}, mode {_mode(report, report.at, report.mode)}",
             f"  primary  {now.primary or '(nobody)'}" + _source(now.source, first),
             f"  backup   {now.backup or '(nobody)'}",
             f"  lead     {team.lead or '(none)'}"]
    if report.handoffs:
        lines.append("  next handoffs:")
        lines += [f"    {report.local(ts)}  → {person or '(nobody)'}" for ts, person in report.handoffs]
    if timeline and len(report.modes) > 1:
        lines.append("  modes:")
        lines += [f"    {report.local(a)} – {report.local(b)}  {_mode(report, a, m)}" for a, b, m in report.modes]
    if timeline:
        lines.append("  timeline:")
        lines += [f"    {report.local(s.start)} – {report.local(s.end)}  {s.person or '(nobody)'}"
                  + _source(s.source, report.reason(i)) for i, s in enumerate(report.timeline)]
    return "\n".join(lines) + "\n"


def _gaps_text(reports: list[DutyReport], days: int) -> str:
    lines = []
    for r in reports:
        lines += [f"{r.team.id}  {r.mode}  {r.local(lo)} – {r.local(hi)}  ({(hi - lo) / 3600:g}h)"
                  for lo, hi in r.gaps]
    return "\n".join(lines) + "\n" if lines else f"no roster gaps in the next {days} days\n"


def _to_json(report: DutyReport) -> dict[str, Any]:
    return report.to_dict()


def _reports(engine: Engine, team: str | None, at: float, days: int, mode: str | None) -> list[DutyReport]:
    ids = [team] if team else sorted(engine.compiled.teams)
    try:
        return [engine.duty_report(tid, at, days, mode) for tid in ids]
    except LookupError as exc:
        if not is_documented(exc):
            raise
        raise click.BadParameter(str(exc.args[0]), param_hint="TEAM") from None


@click.command()
@click.argument("team", required=False)
@config_option
@click.option("--at", "at_text", default=None, metavar="DATETIME", help="RFC 3339 time (default: now)")
@click.option("--mode", default=None, help="force a mode instead of the mode windows")
@click.option("--days", type=click.IntRange(min=1, max=366), default=7, show_default=True,
              help="how far ahead the timeline, gaps and calendar reach")
@click.option("--gaps", is_flag=True, help="list the stretches with nobody on duty, even after backup")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--ics", is_flag=True, help="the team's duty as an iCalendar feed (needs TEAM)")
def oncall(team: str | None, config_dir: Path, at_text: str | None, mode: str | None, days: int,
           gaps: bool, fmt: str, ics: bool) -> None:
    """Who is on duty (for TEAM, or every team), the next handoffs and roster gaps."""
    now = parse_option_time(at_text, "--at") if at_text else datetime.now(UTC)
    if ics and not team:
        raise click.UsageError("--ics exports one team: name it")
    if ics and (fmt != "text" or gaps):  # either would be ignored: the feed is the whole output
        clash = "--gaps" if gaps else f"--format {fmt}"
        raise click.UsageError(f"--ics writes an iCalendar feed, which does not go with {clash}")
    engine = load_or_exit(config_dir)
    check_mode(mode, engine.modes)
    reports = _reports(engine, team, now.timestamp(), days, mode)
    if ics:
        names = {pid: person.name for pid, person in engine.compiled.people.items()}
        out_bytes(to_ics(reports[0], now, names, engine.compiled.locale))
        return
    if fmt == "json":
        out(json.dumps([_to_json(r) for r in reports], ensure_ascii=False, indent=2))
    elif gaps:
        out(_gaps_text(reports, days), nl=False)
    else:
        out("".join(_team_text(r, timeline=team is not None) for r in reports), nl=False)
    if gaps and any(r.gaps for r in reports):
        sys.exit(Exit.PROBLEMS)
