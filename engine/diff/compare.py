"""Comparing one ticket's courses: team, assignee, level, tags, deadlines, and the
notification ladder by role, each difference with its cause."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import tzinfo
from typing import Any

from engine.diff.courses import Course, Notice
from engine.diff.model import OutcomeRow
from engine.diff.sides import Side
from engine.diff.why import Why
from engine.diff.words import NOBODY, NONE, listed, local


def roles(side: Side, state: dict[str, Any]) -> dict[str, str]:
    """Who fills which role for a ticket: its assignee, its team's lead, group and the
    managers a climb reaches. Ladders are compared by role, so a ladder that only follows
    a new team or assignee (already a row of its own) is not reported again."""
    compiled = side.engine.compiled
    team = compiled.teams.get(state["team"])
    found = {m: f"manager {i}" for i, m in enumerate(compiled.climb_chains.get(state["team"], ()), 1)}
    if team is not None:
        found.update({f"group {g}": "team group" for g in team.group.values()})
        if team.lead:
            found[team.lead] = "team lead"
    if state["assignee"]["person"]:
        found[state["assignee"]["person"]] = "assignee"
    return found


def _by_role(ladder: Sequence[Notice], role: dict[str, str]) -> dict[Notice, list[Notice]]:
    """Each notice keyed with its recipient's role (its id when it has none)."""
    out: dict[Notice, list[Notice]] = defaultdict(list)
    for n in ladder:
        out[(*n[:4], role.get(n[4], n[4]), n[5])].append(n)
    return out


def ladder_change(x: Course, y: Course, rx: dict[str, str], ry: dict[str, str]) -> tuple[str, str] | None:
    """The notices of each ladder the other lacks, role for role; None when they agree."""
    kx, ky = _by_role(x.ladder, rx), _by_role(y.ladder, ry)
    cx, cy = Counter({k: len(v) for k, v in kx.items()}), Counter({k: len(v) for k, v in ky.items()})
    if cx == cy:
        return None
    only_x = [n for k, count in (cx - cy).items() for n in kx[k][:count]]
    only_y = [n for k, count in (cy - cx).items() for n in ky[k][:count]]
    return _group(only_x, rx, y.tz), _group(only_y, ry, y.tz)


def _group(notices: Iterable[Notice], role: dict[str, str], tz: tzinfo | None) -> str:
    """`2026-11-09 18:25 escalate L1 → cto, manager 1 (dingtalk, phone)`: channels of a step joined."""
    steps: dict[tuple[Any, ...], list[str]] = {}
    for at, _clock, kind, level, who, channel in sorted(notices):
        steps.setdefault((at, kind, level, who), []).append(channel)
    items = [f"{local(at, tz)} {kind}{f' L{level}' if level else ''} → {who}"
             + (f", {role[who]}" if who in role else "") + f" ({', '.join(chs)})"
             for (at, kind, level, who), chs in steps.items()]
    return listed(items, 3) if items else NONE


class Found:
    """The rows found so far, and the courses of the tickets they are about."""

    def __init__(self, a: Side, b: Side) -> None:
        self.a, self.b, self.why = a, b, Why(a, b)
        self.rows: list[OutcomeRow] = []
        self.pairs: dict[str, tuple[Course, Course]] = {}

    def add(self, ticket: str, x: Course, y: Course) -> None:
        rows = compare(ticket, x, y, self.why)
        ladder = ladder_change(x, y, roles(self.a, x.state), roles(self.b, y.state))
        if ladder is not None:
            rows.append(OutcomeRow(ticket, "escalations", "notifications", *ladder, self.why.escalations(x, y)))
        if rows:
            self.rows += rows
            self.pairs[ticket] = (x, y)

    def impact(self) -> dict[str, list[str]]:
        """Rule id -> the categories of tickets whose team, level or tags changed and
        whose trace names the rule on either side."""
        touched: dict[str, set[str]] = defaultdict(set)
        for row in self.rows:
            if row.kind not in ("team", "severity", "tags"):
                continue
            x, y = self.pairs[row.ticket]
            for line in x.trace + y.trace:
                if line.startswith("rule "):
                    touched[line.split()[1]].add(y.state["category"]["id"])
        return {rid: sorted(cats) for rid, cats in touched.items()}


def compare(ticket: str, x: Course, y: Course, why: Why) -> list[OutcomeRow]:
    """The outcome rows of one ticket but its ladder (none when BASE and HEAD agree)."""
    sx, sy, tz = x.state, y.state, y.tz
    rows = []
    if sx["team"] != sy["team"]:
        rows.append(OutcomeRow(ticket, "team", "team", sx["team"], sy["team"], why.team(x, y)))
    px, py = sx["assignee"]["person"], sy["assignee"]["person"]
    if px != py:
        rows.append(OutcomeRow(ticket, "assignee", "assignee", px or NOBODY, py or NOBODY, why.assignee(x, y)))
    if sx["severity"] != sy["severity"]:
        rows.append(OutcomeRow(ticket, "severity", "severity", sx["severity"], sy["severity"], why.severity(x, y)))
    if sx["tags"] != sy["tags"]:
        rows.append(OutcomeRow(ticket, "tags", "tags", ", ".join(sx["tags"]) or NONE, ", ".join(sy["tags"]) or NONE,
                               why.tags(x, y)))
    for i, clock in enumerate(("response", "resolve")):
        before, after = x.dues[i], y.dues[i]
        if before != after:
            rows.append(OutcomeRow(ticket, "deadlines", f"{clock} due", _time(before, tz), _time(after, tz),
                                   why.deadlines(x, y, clock)))
    return rows


def _time(ts: float | None, tz: tzinfo | None) -> str:
    return local(ts, tz) if ts is not None else "(paused)"
