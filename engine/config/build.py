"""build_model: schema-valid documents -> `Config` (what was written, with locations)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.config import model as m
from engine.config.model import TemplateSource
from engine.config.source import DataPath, SourceDocument

CATEGORIES = "categories.yaml"
ROSTERS = "rosters.yaml"
SLA_PROFILES = "sla_profiles.yaml"
VIEWS = "views.yaml"          # optional
RULES_DIR = "rules"


def build_model(root: Path, docs: Mapping[str, SourceDocument], digest: str = "",
                templates: Sequence[TemplateSource] = ()) -> m.Config:
    """Assemble the model; the documents passed the schema stage, so shapes are trusted."""
    sla = docs[SLA_PROFILES].data or {}
    rosters = docs[ROSTERS].data or {}
    cats = docs[CATEGORIES].data or {}
    rule_files = sorted(name for name in docs if name.startswith(RULES_DIR + "/"))
    return m.Config(
        root=root,
        docs=docs,
        levels=_levels(sla.get("levels", [])),
        calendars=_calendars(sla.get("calendars", {})),
        modes=_modes(sla.get("modes", {})),
        profiles=_profiles(sla.get("profiles", {})),
        policies=_policies(sla.get("escalation_policies", {})),
        people=tuple(_person(p, i) for i, p in enumerate(rosters.get("people", []))),
        schedules=_schedules(rosters.get("schedules", {})),
        teams=tuple(_team(t, i) for i, t in enumerate(rosters.get("teams", []))),
        default=_default(cats.get("default", {})),
        categories=tuple(_categories(cats.get("categories", []), None, ("categories",))),
        rules=tuple(r for name in rule_files for r in _rules(name, docs[name].data or {})),
        notifications=_notifications(sla.get("notifications", {})),
        templates=tuple(templates),
        digest=digest,
        views=_views(docs[VIEWS].data or {}) if VIEWS in docs else (),
        holiday_sets=_holiday_sets(sla.get("holiday_sets", {})),
    )


def _notifications(spec: Mapping[str, Any]) -> m.NotificationsDef:
    return m.NotificationsDef(spec.get("locale", "zh"), spec.get("ticket_url", ""), _sla("notifications"))


def _sla(*path: str | int) -> m.Loc:
    return (SLA_PROFILES, tuple(path))


def _levels(items: list[Any]) -> tuple[m.Level, ...]:
    levels = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            levels.append(m.Level(item, item, _sla("levels", i)))
        else:
            levels.append(m.Level(item["id"], item.get("name", item["id"]), _sla("levels", i)))
    return tuple(levels)


def _tuples(spec: Mapping[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(value) for key, value in spec.items()}


def _calendars(items: Mapping[str, Any]) -> dict[str, m.CalendarDef]:
    return {
        cid: m.CalendarDef(cid, c.get("timezone"), _tuples(c["week"]) if "week" in c else None,
                           tuple(c.get("holidays", [])), _tuples(c.get("workdays", {})),
                           _sla("calendars", cid), c.get("extends"), tuple(c.get("holiday_sets", [])),
                           c.get("country"))
        for cid, c in items.items()
    }


def _holiday_sets(items: Mapping[str, Any]) -> dict[str, m.HolidaySetDef]:
    return {sid: m.HolidaySetDef(sid, tuple(h.get("holidays", [])), tuple(h.get("workdays", [])),
                                 h.get("country"), _sla("holiday_sets", sid))
            for sid, h in items.items()}


def _modes(spec: Mapping[str, Any]) -> m.Modes:
    windows = tuple(
        m.ModeWindow(w["name"], w["mode"], w["start"], w["end"], _sla("modes", "windows", i))
        for i, w in enumerate(spec.get("windows", []))
    )
    return m.Modes(spec.get("default", "daily"), spec.get("on_switch", "keep"), windows,
                   _sla("modes"))


def _target(spec: Mapping[str, Any], loc: m.Loc) -> m.TargetDef:
    return m.TargetDef(spec.get("response"), spec.get("resolve"), spec.get("calendar"),
                       spec.get("policy"), loc)


def _profiles(items: Mapping[str, Any]) -> dict[str, m.ProfileDef]:
    profiles = {}
    for pid, p in items.items():
        targets = {level: _target(t, _sla("profiles", pid, "targets", level))
                   for level, t in p.get("targets", {}).items()}
        overrides = None
        if "overrides" in p:
            overrides = tuple(
                m.TargetOverride(o["when"], _target(o["target"], _sla("profiles", pid, "overrides", i, "target")),
                                 _sla("profiles", pid, "overrides", i))
                for i, o in enumerate(p["overrides"]))
        pause = tuple(p["pause_when"]) if "pause_when" in p else None
        profiles[pid] = m.ProfileDef(pid, p.get("extends"), p.get("calendar"), pause, targets,
                                     p.get("policy"), overrides, _sla("profiles", pid))
    return profiles


def _steps(items: list[Any], path: DataPath) -> tuple[m.StepDef, ...]:
    return tuple(
        m.StepDef(s.get("at"), s.get("after"), tuple(s["notify"]), tuple(s["channels"]),
                  bool(s.get("climb", False)), (SLA_PROFILES, path + (i,)))
        for i, s in enumerate(items)
    )


def _policies(items: Mapping[str, Any]) -> dict[str, m.PolicyDef]:
    return {
        pid: m.PolicyDef(pid, _steps(p.get("response", []), ("escalation_policies", pid, "response")),
                         _steps(p.get("resolve", []), ("escalation_policies", pid, "resolve")),
                         _sla("escalation_policies", pid))
        for pid, p in items.items()
    }


def _person(p: Mapping[str, Any], i: int) -> m.Person:
    return m.Person(p["id"], p.get("name", p["id"]), p.get("manager"), p.get("timezone"),
                    dict(p.get("contacts", {})), (ROSTERS, ("people", i)))


def _layer(spec: Mapping[str, Any], path: DataPath) -> m.LayerDef:
    active = tuple(m.ActiveDef(a["cron"], a["for"], (ROSTERS, path + ("active", i)))
                   for i, a in enumerate(spec.get("active", [])))
    return m.LayerDef(spec["name"], tuple(spec["members"]), spec["start"], spec["handoff"],
                      int(spec.get("turn_length", 1)), active, spec.get("end"), (ROSTERS, path))


def _schedules(items: Mapping[str, Any]) -> dict[str, m.ScheduleDef]:
    schedules = {}
    for sid, s in items.items():
        base = ("schedules", sid)
        layers = tuple(_layer(layer, base + ("layers", i)) for i, layer in enumerate(s["layers"]))
        overrides = tuple(
            m.OverrideDef(o["person"], o["start"], o["end"], o.get("reason", ""),
                          (ROSTERS, base + ("overrides", i)))
            for i, o in enumerate(s.get("overrides", [])))
        schedules[sid] = m.ScheduleDef(sid, s["timezone"], layers, overrides, (ROSTERS, base))
    return schedules


def _team(t: Mapping[str, Any], i: int) -> m.TeamDef:
    base = ("teams", i)
    duty = {mode: m.DutyDef(mode, d["primary"], d.get("backup"), (ROSTERS, base + ("duty", mode)))
            for mode, d in t.get("duty", {}).items()}
    return m.TeamDef(t["id"], t.get("name", t["id"]), t.get("lead"), tuple(t.get("members", [])),
                     dict(t.get("group", {})), duty, (ROSTERS, base),
                     bool(t.get("transfer", {}).get("supervise", False)))


def _default(spec: Mapping[str, Any]) -> m.DefaultRoute:
    return m.DefaultRoute(spec.get("team", ""), spec.get("severity", ""), (CATEGORIES, ("default",)))


def _categories(items: list[Any], parent: str | None, path: DataPath) -> list[m.CategoryDef]:
    found: list[m.CategoryDef] = []
    for i, c in enumerate(items):
        here = path + (i,)
        cid = f"{parent}/{c['key']}" if parent else c["key"]
        routes = tuple(m.RouteDef(r["id"], r["when"], r["team"], (CATEGORIES, here + ("routes", j)))
                       for j, r in enumerate(c.get("routes", [])))
        solution = _solution(c["solution"], here + ("solution",)) if "solution" in c else None
        found.append(m.CategoryDef(cid, c["key"], c.get("name", c["key"]), parent, c.get("team"),
                                   c.get("severity"), routes, (CATEGORIES, here), solution))
        found.extend(_categories(c.get("children", []), cid, here + ("children",)))
    return found


def _solution(spec: Mapping[str, Any], path: DataPath) -> m.SolutionDef:
    related = tuple(spec["related"]) if "related" in spec else None
    return m.SolutionDef(spec.get("runbook"), _tuples(spec.get("checklist", {})), related,
                         tuple(spec.get("resolution_codes", [])), bool(spec.get("extend", False)),
                         (CATEGORIES, path))


def _views(data: Mapping[str, Any]) -> tuple[m.ViewDef, ...]:
    return tuple(m.ViewDef(v["id"], dict(v["title"]), tuple(v["modes"]), v.get("when"),
                           dict(v.get("sla", {})), int(v["order"]), (VIEWS, ("views", i)))
                 for i, v in enumerate(data.get("views", [])))


def _rules(name: str, data: Mapping[str, Any]) -> list[m.RuleDef]:
    rules = []
    for i, r in enumerate(data.get("rules", [])):
        then = r["then"]
        rules.append(m.RuleDef(r["id"], r.get("description", ""), r["when"], then.get("team"),
                               then.get("severity"), tuple(then.get("tags", [])),
                               bool(r.get("stop", False)), (name, ("rules", i))))
    return rules
