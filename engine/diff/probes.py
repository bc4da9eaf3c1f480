"""The probe set: `created` events generated from the union of both configs so that every
category, every branch of every rule, every pair of rules whose order changed and every
route is tried at least once, each level at every probe instant, and each team whose duty
changed inside the stretches where it changed. No randomness: the same pair of configs
gives the same probes."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.config.model import RuleDef
from engine.config.values import parse_datetime
from engine.diff.duty import changed_teams, probe_times
from engine.diff.instants import Instant, probe_instants, probe_zone, quiet_monday
from engine.diff.rules import crossed
from engine.diff.sides import Side
from engine.diff.witness import Witness, branches, witness
from engine.diff.words import canonical

MAX_TICKET = 256
UNKNOWN_CATEGORY = "zz-probe/unknown"   # known nowhere: the ticket falls back to `default`


@dataclass(frozen=True, slots=True)
class Probe:
    ticket: str
    event: dict[str, Any]
    covers: str | None = None     # the trace line's start that shows it was reached: `rule vip (`


@dataclass(frozen=True, slots=True)
class Universe:
    """What the probes are built from: both configs' categories and the probe instants."""

    categories: tuple[str, ...]      # on either side, sorted
    instants: tuple[Instant, ...]    # working hours first, then end of day, night, weekend, ...
    common: str                      # the first category on both sides: for a probe that needs any

    @property
    def working(self) -> Instant:
        return self.instants[0]

    @property
    def night(self) -> Instant:
        return self.instants[2]

    def neutral(self) -> str:
        return self.common


def universe(a: Side, b: Side) -> Universe:
    ca, cb = set(a.engine.compiled.categories), set(b.engine.compiled.categories)
    common = min(ca & cb, default=UNKNOWN_CATEGORY)
    return Universe(tuple(sorted(ca | cb)), tuple(probe_instants(a, b)), common)


def _name(text: str) -> str:
    """A ticket id within the engine's bound (a long one keeps a digest of the whole)."""
    if len(text) <= MAX_TICKET:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return text[:MAX_TICKET - 14] + "…" + digest


def _created(ticket: str, instant: Instant, category: str, **extra: Any) -> dict[str, Any]:
    return {"type": "created", "ticket": _name(ticket), "at": _iso(instant.ts, instant), "category": category,
            **extra}


def _iso(ts: float, instant: Instant) -> str:
    return datetime.fromtimestamp(ts, instant.tz).isoformat()


def category_probes(u: Universe) -> list[Probe]:
    probes = [Probe(_name(f"probe {cid}"), _created(f"probe {cid}", u.working, cid)) for cid in u.categories]
    unknown = "probe (unknown category)"
    return [*probes, Probe(unknown, _created(unknown, u.working, UNKNOWN_CATEGORY))]


def _rule_versions(a: Side, b: Side) -> list[tuple[str, RuleDef]]:
    """Each rule as HEAD writes it, and as BASE does when that differs or HEAD lacks it."""
    rb = {r.id: r for r in b.config.rules}
    out = [("", r) for r in b.config.rules]
    for r in a.config.rules:
        if r.id not in rb:
            out.append(("", r))
        elif canonical(r.when) != canonical(rb[r.id].when):
            out.append((" (BASE)", r))
    return out


def _severity_home(side: Side, level: str) -> str | None:
    """The first category whose default level is `level`."""
    cats = side.engine.compiled.categories
    return next((cid for cid in sorted(cats) if cats[cid].severity == level), None)


def _witness_event(ticket: str, w: Witness, u: Universe, b: Side) -> dict[str, Any]:
    instant = u.working if w.time == "working" else u.night
    category = w.category or (_severity_home(b, w.severity) if w.severity else None) or u.neutral()
    return w.event(_name(ticket), _iso(instant.ts, instant), category)


def rule_probes(a: Side, b: Side, u: Universe) -> list[Probe]:
    probes = []
    for suffix, rule in _rule_versions(a, b):
        found = branches(rule.when)
        for i, branch in enumerate(found, 1):
            name = f"probe rule {rule.id}{suffix}" + (f" [{i}/{len(found)}]" if len(found) > 1 else "")
            w = witness(branch, u.categories)
            probes.append(Probe(_name(name), _witness_event(name, w, u, b), f"rule {rule.id} ("))
    return probes


def crossing_probes(a: Side, b: Side, u: Universe) -> list[Probe]:
    """A ticket meeting both rules of each pair tried in the opposite order in HEAD."""
    rules = {r.id: r for r in b.config.rules}
    probes = []
    for x, y in crossed(a.config.rules, b.config.rules):
        w = _merged(witness(branches(rules[x].when)[0], u.categories),
                    witness(branches(rules[y].when)[0], u.categories))
        name = f"probe rules {x} + {y}"
        probes.append(Probe(_name(name), _witness_event(name, w, u, b)))
    return probes


def _merged(x: Witness, y: Witness) -> Witness:
    return Witness(x.category or y.category, x.severity or y.severity,
                   [*x.tags, *(t for t in y.tags if t not in x.tags)], {**y.fields, **x.fields},
                   {**y.text, **x.text}, x.time)


def route_probes(a: Side, b: Side, u: Universe) -> list[Probe]:
    seen: set[tuple[str, str]] = set()
    probes = []
    for side in (b, a):
        for cat in side.config.categories:
            for route in cat.routes:
                if (cat.id, route.id) in seen:
                    continue
                seen.add((cat.id, route.id))
                w = witness(branches(route.when)[0], u.categories)
                if not (w.category or "").startswith(cat.id + "/"):
                    w.category = cat.id
                name = f"probe route {route.id} of {cat.id}"
                probes.append(Probe(_name(name), _witness_event(name, w, u, b), f"route {route.id} of {cat.id} ("))
    return probes


def level_samples(a: Side, b: Side, u: Universe) -> list[tuple[str, str, str | None]]:
    """(level, category, proposed level) for each level: a category whose default it is,
    else the neutral category with the level proposed by the submitter."""
    out: list[tuple[str, str, str | None]] = []
    for level in b.engine.levels:
        home = _severity_home(b, level) or _severity_home(a, level)
        out.append((level, home, None) if home else (level, u.neutral(), level))
    return out


def time_probes(a: Side, b: Side, u: Universe) -> list[Probe]:
    probes = []
    for instant in u.instants:
        for level, category, proposed in level_samples(a, b, u):
            name = f"probe {level} @ {instant.label}"
            extra = {"severity": proposed} if proposed else {}
            probes.append(Probe(_name(name), _created(name, instant, category, **extra)))
    return probes


def _team_home(side: Side, tid: str) -> str | None:
    """A category routed to the team: the first in order, else an unknown one for the
    default team."""
    cats = side.engine.compiled.categories
    found = next((cid for cid in sorted(cats) if cats[cid].team == tid), None)
    return found or (UNKNOWN_CATEGORY if side.engine.compiled.router.default.team == tid else None)


def duty_probes(a: Side, b: Side, u: Universe) -> list[Probe]:
    """For each team whose duty changed: a ticket in each stretch where its on-duty person
    differs, over the probe week and each mode window of either side."""
    tz = probe_zone(a, b)
    week = datetime.combine(quiet_monday(a, b), datetime.min.time(), tz).timestamp()
    ranges = [(week, 7)] + [(parse_datetime(w.start).timestamp(), _days(w.start, w.end))
                            for side in (a, b) for w in side.config.modes.windows]
    probes = []
    for tid in changed_teams(a, b):
        category = _team_home(b, tid) or _team_home(a, tid)
        if category is None:
            continue
        times = sorted({t for start, days in ranges for t in probe_times(a, b, tid, start, days)})
        for ts in times:
            instant = Instant(datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M"), ts, tz)
            name = f"probe {tid} @ {instant.label}"
            probes.append(Probe(_name(name), _created(name, instant, category)))
    return probes


def _days(start: str, end: str) -> int:
    span = parse_datetime(end) - parse_datetime(start)
    return max(1, min(7, -(-span // timedelta(days=1))))


def probe_set(a: Side, b: Side) -> list[Probe]:
    """Every probe, once per ticket id: categories, rules, crossed rules, routes, levels
    at each instant, duty (the order the report lists them in)."""
    u = universe(a, b)
    found = (category_probes(u) + rule_probes(a, b, u) + crossing_probes(a, b, u) + route_probes(a, b, u)
             + time_probes(a, b, u) + duty_probes(a, b, u))
    unique: dict[str, Probe] = {}
    for probe in found:
        unique.setdefault(probe.ticket, probe)
    return list(unique.values())


def in_time_order(probes: Sequence[Probe]) -> list[Probe]:
    """The order a replay takes them in (ties in the given order)."""
    return sorted(probes, key=lambda p: parse_datetime(p.event["at"]).timestamp())


def unexercised(probes: Sequence[Probe], traces: Mapping[str, Sequence[str]]) -> list[str]:
    """The rule branches and routes whose probe's trace never reached them."""
    missed = []
    for probe in probes:
        trace = traces.get(probe.ticket)
        if probe.covers and trace is not None and not any(line.startswith(probe.covers) for line in trace):
            missed.append(probe.ticket.removeprefix("probe "))
    return missed
