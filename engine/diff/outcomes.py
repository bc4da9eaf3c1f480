"""The outcome diff: the corpus (the event files, then the probe set) replayed through both
engines by the one replay code (`engine.replay.stream.replay`, passed in for the reason
sides.py gives), each ticket compared (compare.py).

Probes take two passes. First each one's `created` decision alone. Then, with every due
step fired up to a horizon, only the tickets whose ladder can differ, one per group of
tickets whose ladders must be equal:

- after a ticket is created, `due()` reads its state, the SLA file (levels, calendars,
  modes, profiles on a mode switch, policies) and the rosters (people, teams, schedules),
  never the categories or rules; so with equal states, a ladder can only differ when the
  SLA file, the people, or the ticket's team's rosters changed;
- under `on_switch: keep`, `due()` reads neither the category, nor the tags, nor any
  attribute but the submitter: tickets whose states agree on everything else have the
  same ladder, and one replay per group serves them all (under `recompute` a mode switch
  re-matches the overrides, so only identical states are grouped).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from engine.diff.compare import Found
from engine.diff.courses import Course, ReplayStream, follow
from engine.diff.duty import changed_teams
from engine.diff.model import OutcomeRow, Outcomes
from engine.diff.probes import Probe, in_time_order, probe_set, unexercised
from engine.diff.sides import Side
from engine.diff.words import canonical

HORIZON = timedelta(days=60)   # after the last probe: long enough for every ladder to finish
EventFile = tuple[str, Sequence[str]]   # (name, lines)
NOT_READ_BY_DUE = ("ticket", "config_version", "category", "tags", "attrs")


def _ladder_scope(a: Side, b: Side) -> Callable[[Course, Course], bool]:
    """Whether a probe's ladder can differ, given its `created` courses on both sides."""
    da, db = a.config.docs, b.config.docs
    people = [canonical((d["rosters.yaml"].data or {}).get("people")) for d in (da, db)]
    everything = canonical(da["sla_profiles.yaml"].data) != canonical(db["sla_profiles.yaml"].data) \
        or people[0] != people[1]
    teams = set(changed_teams(a, b))

    def needs(x: Course, y: Course) -> bool:
        return everything or x.state["team"] in teams or y.state["team"] in teams \
            or _state(x.state, "config_version") != _state(y.state, "config_version")
    return needs


def _state(state: dict[str, Any], *leave_out: str) -> str:
    kept = {k: v for k, v in state.items() if k not in leave_out}
    if "attrs" in leave_out:
        kept["submitter"] = state["attrs"].get("submitter")
    return canonical(kept)


def _grouper(a: Side, b: Side) -> Callable[[Course, Course], tuple[str, str]]:
    """The key of the group whose members' ladders are equal on both sides."""
    keep = a.engine.compiled.modes.on_switch == b.engine.compiled.modes.on_switch == "keep"
    leave_out = NOT_READ_BY_DUE if keep else ("ticket", "config_version")
    return lambda x, y: (_state(x.state, *leave_out), _state(y.state, *leave_out))


def _created(side: Side, probes: Sequence[Probe], replay: ReplayStream) -> dict[str, Course]:
    """Each probe's `created` course. The probes are fed newest first: every step of a
    ticket falls at or after its creation, so none falls due before an older probe's
    event, and the replay fires nothing but a step due at a creation instant itself
    (which the `created` course leaves out)."""
    newest_first = in_time_order(probes)[::-1]
    lines = [json.dumps(p.event, ensure_ascii=False) for p in newest_first]
    return follow(side.engine, lines, replay, None, [], created_only=True)


def _ladders(a: Side, b: Side, probes: Sequence[Probe], replay: ReplayStream
             ) -> tuple[dict[str, Course], dict[str, Course]]:
    """Full courses (every due step fired) of the given probes, on both sides."""
    timed = in_time_order(probes)
    until = datetime.fromisoformat(timed[-1].event["at"]) + HORIZON
    lines = [json.dumps(p.event, ensure_ascii=False) for p in timed]
    return follow(a.engine, lines, replay, until, []), follow(b.engine, lines, replay, until, [])


def probe_rows(a: Side, b: Side, replay: ReplayStream, found: Found) -> tuple[int, list[str]]:
    """Adds the probe set's rows; returns its size and the rule branches and routes (and
    refused probes) it did not reach."""
    probes = probe_set(a, b)
    xs, ys = _created(a, probes, replay), _created(b, probes, replay)
    taken = [p for p in probes if p.ticket in xs and p.ticket in ys]
    needs, key = _ladder_scope(a, b), _grouper(a, b)
    groups: dict[tuple[str, str], str] = {}    # group key -> the probe replayed for it
    chosen = [(p, groups.setdefault(key(xs[p.ticket], ys[p.ticket]), p.ticket))
              for p in taken if needs(xs[p.ticket], ys[p.ticket])]
    if chosen:
        fx, fy = _ladders(a, b, [p for p in taken if p.ticket in set(groups.values())], replay)
        for p, rep in chosen:
            x, y = xs[p.ticket], ys[p.ticket]
            x.dues, x.ladder, y.dues, y.ladder = fx[rep].dues, fx[rep].ladder, fy[rep].dues, fy[rep].ladder
            found.add(p.ticket, x, y)
    traces = {p.ticket: xs[p.ticket].trace + ys[p.ticket].trace for p in taken}
    refused = [f"{p.ticket} (refused by {'BASE' if p.ticket not in xs else 'HEAD'})"
               for p in probes if p.ticket not in traces]
    return len(probes), unexercised(probes, traces) + refused


def event_rows(a: Side, b: Side, files: Sequence[EventFile], replay: ReplayStream, found: Found) -> int:
    """Adds the event files' rows (each file its own stream, on its own clock), a line one
    side refuses and the other takes among them; returns how many tickets they hold."""
    count = 0
    for name, lines in files:
        errors_x: list[Any] = []
        errors_y: list[Any] = []
        xs = follow(a.engine, lines, replay, None, errors_x)
        ys = follow(b.engine, lines, replay, None, errors_y)
        shown = partial(_named, name if len(files) > 1 else "")
        for ticket in sorted(xs.keys() & ys.keys()):
            found.add(shown(ticket), xs[ticket], ys[ticket])
        found.rows += _refusals(errors_x, errors_y, lines, shown)
        count += len(xs.keys() | ys.keys())
    return count


def _refusals(errors_x: list[Any], errors_y: list[Any], lines: Sequence[str], shown: Callable[[str], str]
              ) -> list[OutcomeRow]:
    """A row for each line that one side refuses and the other takes."""
    before = {e.line: e.message for e in errors_x}
    after = {e.line: e.message for e in errors_y}
    rows = []
    for line in sorted(before.keys() ^ after.keys()):
        rows.append(OutcomeRow(shown(_ticket_of(lines[line - 1])), "refused", "events",
                               f"refused: {before[line]}" if line in before else "accepted",
                               f"refused: {after[line]}" if line in after else "accepted", f"line {line}"))
    return rows


def _named(file: str, ticket: str) -> str:
    """A ticket as the report names it: `file:id` when several files are replayed."""
    return f"{file}:{ticket}" if file else ticket


def _ticket_of(line: str) -> str:
    try:
        ticket = json.loads(line).get("ticket")
    except (ValueError, AttributeError):
        return "?"
    return ticket if isinstance(ticket, str) and ticket else "?"


def outcome_diff(a: Side, b: Side, files: Sequence[EventFile], replay: ReplayStream
                 ) -> tuple[Outcomes, dict[str, list[str]]]:
    """The outcomes, and for each rule the categories whose outcome changed with it."""
    found = Found(a, b)
    tickets = event_rows(a, b, files, replay, found)
    probes, missed = probe_rows(a, b, replay, found)
    return Outcomes(probes, tickets, tuple(found.rows), tuple(missed)), found.impact()
