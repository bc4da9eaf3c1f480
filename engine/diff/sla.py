"""SLA targets per mode and level (inheritance resolved), overrides and pause statuses;
escalation policies step by step, and each team's climb chain."""
from __future__ import annotations

from engine.config.model import TargetDef
from engine.config.profiles import effective_profile
from engine.config.values import format_duration
from engine.diff.model import Row, Section
from engine.diff.sides import Side
from engine.diff.words import canonical, matcher
from engine.sla.escalation import Step
from engine.sla.profiles import Target


def target_section(a: Side, b: Side) -> Section:
    pa, pb = a.engine.compiled.profiles, b.engine.compiled.profiles
    rows = [Row(pid, "mode added", None, "targets for " + ", ".join(pb[pid].targets), b.locate.profile(pid))
            for pid in pb if pid not in pa]
    rows += [Row(pid, "mode removed", "targets for " + ", ".join(pa[pid].targets), None, a.locate.profile(pid))
             for pid in pa if pid not in pb]
    for pid in (p for p in pb if p in pa):
        rows += _level_rows(a, b, pid)
        rows += _override_rows(a, b, pid)
        before, after = sorted(pa[pid].pause_when), sorted(pb[pid].pause_when)
        if before != after:
            rows.append(Row(pid, "pause when", ", ".join(before) or None, ", ".join(after) or None,
                            b.locate.profile(pid)))
    return Section("targets", "SLA targets", ("mode · level", "change"), tuple(rows))


def _target(t: Target | None) -> str | None:
    if t is None:
        return None
    text = f"response {format_duration(t.response)}, resolve {format_duration(t.resolve)} on {t.calendar}"
    return text + (f", policy {t.policy}" if t.policy else "")


def _level_rows(a: Side, b: Side, pid: str) -> list[Row]:
    ta, tb = a.engine.compiled.profiles[pid].targets, b.engine.compiled.profiles[pid].targets
    rows = []
    for level in [*tb, *(lv for lv in ta if lv not in tb)]:
        x, y = ta.get(level), tb.get(level)
        if _target(x) != _target(y):
            rows.append(Row(f"{pid} · {level}", "target", _target(x), _target(y), b.locate.target(pid, level)))
    return rows


def _fields(t: TargetDef) -> str:
    parts = [f"{name} {value}" for name, value in (("response", t.response), ("resolve", t.resolve),
                                                   ("calendar", t.calendar), ("policy", t.policy)) if value]
    return ", ".join(parts)


def _override_rows(a: Side, b: Side, pid: str) -> list[Row]:
    oa = effective_profile(a.config, pid).overrides
    ob = effective_profile(b.config, pid).overrides
    rows = []
    for i in range(max(len(oa), len(ob))):
        x = oa[i] if i < len(oa) else None
        y = ob[i] if i < len(ob) else None
        key_x = canonical([x.when, _fields(x.target)]) if x else None
        key_y = canonical([y.when, _fields(y.target)]) if y else None
        if key_x != key_y:
            rows.append(Row(f"{pid} · override {i}", "override",
                            f"when {matcher(x.when)}: {_fields(x.target)}" if x else None,
                            f"when {matcher(y.when)}: {_fields(y.target)}" if y else None,
                            b.locate.override(pid, i) or b.locate.profile(pid)))
    return rows


def _step(step: Step | None) -> str | None:
    if step is None:
        return None
    when = f"at {step.at_pct:g}%" if step.at_pct is not None else f"after {format_duration(step.after_s or 0)}"
    text = f"{when} → {', '.join(step.notify)} via {', '.join(step.channels)}"
    return text + (" (climbs)" if step.climb else "")


def escalation_section(a: Side, b: Side) -> Section:
    pa, pb = a.engine.compiled.policies, b.engine.compiled.policies
    rows = [Row(pid, "policy added", None, _policy_text(b, pid), b.locate.policy(pid)) for pid in pb if pid not in pa]
    rows += [Row(pid, "policy removed", _policy_text(a, pid), None, a.locate.policy(pid))
             for pid in pa if pid not in pb]
    for pid in (p for p in pb if p in pa):
        for clock in ("response", "resolve"):
            xs, ys = pa[pid].steps.get(clock, ()), pb[pid].steps.get(clock, ())
            for i in range(max(len(xs), len(ys))):
                x, y = _step(xs[i] if i < len(xs) else None), _step(ys[i] if i < len(ys) else None)
                if x != y:
                    rows.append(Row(f"{pid} · {clock} step {i}", "step", x, y, b.locate.policy(pid)))
    rows += _climb_rows(a, b)
    return Section("escalation", "Escalation", ("policy · step", "change"), tuple(rows))


def _policy_text(side: Side, pid: str) -> str:
    steps = side.engine.compiled.policies[pid].steps
    return ", ".join(f"{len(steps.get(c, ()))} {c} steps" for c in ("response", "resolve"))


def _climb_rows(a: Side, b: Side) -> list[Row]:
    """A climb repeats once per manager above the team lead: who that is, per team."""
    ca, cb = a.engine.compiled.climb_chains, b.engine.compiled.climb_chains
    teams = sorted(set(a.engine.compiled.teams) & set(b.engine.compiled.teams))
    rows = []
    for tid in teams:
        x, y = ca.get(tid, ()), cb.get(tid, ())
        if x != y:
            rows.append(Row(f"team {tid}", "climb chain", " → ".join(x) or None, " → ".join(y) or None,
                            b.locate.team(tid)))
    return rows
