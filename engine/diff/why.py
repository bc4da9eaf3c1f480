"""Why an outcome differs: the rule, route, roster layer, target, calendar or mode window
that decides the field in HEAD, read from the tickets' traces and states and pointed at
as `file:line` in HEAD (BASE's decider is added when it was a different rule or route)."""
from __future__ import annotations

import re
from collections.abc import Sequence

from engine.config.values import parse_datetime
from engine.diff.courses import Course
from engine.diff.sides import Side

_WHERE = re.compile(r"\(([^()\s]+:\d+)\)")


def team_decider(trace: Sequence[str]) -> str | None:
    """The last transfer to a team, else the first rule that set a team, else the route
    that matched, else the category."""
    moved = [line for line in trace if line.startswith("transferred to team ")]
    if moved:
        return moved[-1]
    for line in trace:
        head, arrow, effects = line.partition(" → ")
        if line.startswith("rule ") and arrow and any(
                e.startswith("team ") and "ignored" not in e for e in effects.split(", ")):
            return head
        if line.startswith("route ") and " → team " in line:
            return head
        if line.startswith("team ") and " from " in line:
            return "team of " + line.partition(" from ")[2]
    return None


def severity_decider(trace: Sequence[str]) -> str | None:
    final = next((line for line in reversed(trace) if line.startswith("severity ") and " (" in line), None)
    if final is None:
        return None
    level, _, reason = final.removeprefix("severity ").partition(" (")
    reason = reason.removesuffix(")")
    if reason == "raised by rules":
        raisers = [line.partition(" → ")[0] for line in trace if line.startswith("rule ")
                   and f"severity {level}" in line.partition(" → ")[2].split(", ")]
        return raisers[-1] if raisers else reason
    return reason


def tag_deciders(trace: Sequence[str], tags: set[str]) -> list[str]:
    """The rules that added any of `tags`."""
    found = []
    for line in trace:
        head, _, effects = line.partition(" → ")
        added = next((e.removeprefix("tags +") for e in effects.split(", ") if e.startswith("tags +")), "")
        if line.startswith("rule ") and tags & set(added.removesuffix("; stop").split(",")):
            found.append(head)
    return found


def duty_source(trace: Sequence[str]) -> str | None:
    line = next((line for line in trace if line.startswith(("on duty ", "roster gap: "))), None)
    if line is None or line.startswith("roster gap: "):
        return line
    return line.rpartition(" (")[2].removesuffix(")")


class Why:
    """Causes for the outcome rows of one pair of sides."""

    def __init__(self, a: Side, b: Side) -> None:
        self.a, self.b = a, b

    def shown(self, text: str | None, side: Side | None = None) -> str:
        """A trace's `(file:line)` with the side's folder in front; `?` when unknown."""
        if text is None:
            return "?"
        locate = (side or self.b).locate
        return _WHERE.sub(lambda m: f"({locate.path(m.group(1))})", text)

    def _pair(self, before: str | None, after: str | None) -> str:
        text = self.shown(after)
        if before != after and before is not None and before.startswith(("rule ", "route ")):
            text += f" (BASE: {self.shown(before, self.a)})"
        return text

    def team(self, x: Course, y: Course) -> str:
        return self._pair(team_decider(x.trace), team_decider(y.trace))

    def severity(self, x: Course, y: Course) -> str:
        return self._pair(severity_decider(x.trace), severity_decider(y.trace))

    def tags(self, x: Course, y: Course) -> str:
        before, after = set(x.state["tags"]), set(y.state["tags"])
        found = [self.shown(r) for r in tag_deciders(y.trace, after - before)]
        found += [f"BASE: {self.shown(r, self.a)}" for r in tag_deciders(x.trace, before - after)]
        return "; ".join(found) or self.severity(x, y)

    def mode(self, x: Course, y: Course) -> str:
        start, change = y.state["start"], f"mode {x.state['mode']} → {y.state['mode']}"
        for side, label in ((self.b, ""), (self.a, "BASE ")):
            w = next((w for w in side.config.modes.windows if _inside(w.start, w.end, start)), None)
            if w is not None:
                return f"{change}: window {w.name} ({label}{side.locate.window(w.name)})"
        return f"{change}: the default ({self.b.locate.modes()})"

    def assignee(self, x: Course, y: Course) -> str:
        if x.state["team"] != y.state["team"]:
            return "team: " + self.team(x, y)
        if x.state["mode"] != y.state["mode"]:
            return self.mode(x, y)
        moved = [line for line in y.trace if line.startswith("transferred to ")]
        if moved:
            return moved[-1]
        source = duty_source(y.trace)
        if source is None or source.startswith("roster gap: "):
            return source or "?"
        schedule, _, layer = source.rpartition("/")
        return f"{source} ({self.b.locate.schedule(schedule, layer) or '?'})"

    def target(self, y: Course) -> str:
        line = next((line for line in y.trace if line.startswith("targets ")), None)
        if line is None:
            return "?"
        source = line.removeprefix("targets ").partition(":")[0]
        pid, _, rest = source.partition(" ")
        if rest.startswith("override "):
            index = int(rest.split()[1])
            return f"{pid} override {index} ({self.b.locate.override(pid, index) or '?'})"
        level = rest.removesuffix(" target")
        return f"{pid} {level} target ({self.b.locate.target(pid, level) or '?'})"

    def deadlines(self, x: Course, y: Course, clock: str) -> str:
        if x.state["mode"] != y.state["mode"]:
            return self.mode(x, y)
        if x.state["severity"] != y.state["severity"]:
            return "severity: " + self.severity(x, y)
        before, after = (c["clocks"][clock] for c in (x.state, y.state))
        if (before["budget"], before["calendar"]) != (after["budget"], after["calendar"]):
            return self.target(y)
        return f"calendar {after['calendar']} ({self.b.locate.calendar(after['calendar']) or 'built in'})"

    def escalations(self, x: Course, y: Course) -> str:
        if x.dues != y.dues:
            clock = "response" if x.dues[0] != y.dues[0] else "resolve"
            return self.deadlines(x, y, clock)
        if x.state["team"] != y.state["team"] or x.state["assignee"] != y.state["assignee"]:
            return self.assignee(x, y)
        pid = y.state.get("policy")
        if pid != x.state.get("policy"):
            return self.target(y)
        pa, pb = self.a.engine.compiled.policies.get(pid or ""), self.b.engine.compiled.policies.get(pid or "")
        if pa is None or pb is None or pa != pb:
            return f"policy {pid} ({self.b.locate.policy(pid) or '?'})"
        team = y.state["team"]
        return f"who policy {pid} reaches: duty or chain of team {team} ({self.b.locate.team(team) or '?'})"


def _inside(start: str, end: str, ts: float) -> bool:
    return parse_datetime(start).timestamp() <= ts < parse_datetime(end).timestamp()
