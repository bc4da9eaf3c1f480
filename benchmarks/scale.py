"""Generates a large organisation config (the scale reference of docs/performance.md) at a fixed seed.

    python benchmarks/scale.py OUT_DIR [--categories 5000 --teams 500 --people 5000 --rules 50]
                                       [--views 6] [--solutions]

The output is a valid config dir (`gongdan validate OUT_DIR` is clean) shaped like the
reference one: a 3-level category tree with routes, rotating rosters, daily and promotion
profiles, and rule packs mixing every kind of matcher. `--views N` adds a views.yaml of N
views in both modes (the reference config's kinds: a business unit's P1/P2, a tag, teams,
an escalation level, a breached response, a P1's resolve at risk), `--solutions` standard
solutions on every business unit, extended by a third of the domains; both draw from a
generator of their own, so the rest of the config is the same with or without them.
"""
from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

SLA_PROFILES = """\
version: 1
levels: [{id: P1, name: 紧急}, {id: P2, name: 高}, {id: P3, name: 中}, {id: P4, name: 低}]
calendars:
  cn-office:
    timezone: Asia/Shanghai
    week: {mon-fri: ["09:00-12:00", "13:30-18:30"]}
    holidays: [2026-10-01, 2026-10-02, 2026-10-05, 2026-10-06, 2026-10-07]
    workdays: {2026-10-10: ["09:00-12:00", "13:30-18:30"]}
modes:
  default: daily
  on_switch: keep
  windows:
    - {name: double11, mode: promotion, start: 2026-11-10T20:00:00+08:00, end: 2026-11-12T02:00:00+08:00}
profiles:
  daily:
    calendar: cn-office
    pause_when: [pending]
    targets:
      P1: {response: 15m, resolve: 4h, calendar: 24x7}
      P2: {response: 30m, resolve: 8h}
      P3: {response: 4h, resolve: 3d}
      P4: {response: 1d, resolve: 10d}
    policy: standard
  promotion:
    extends: daily
    calendar: 24x7
    targets: {P1: {response: 5m, resolve: 1h}, P2: {response: 10m, resolve: 2h}}
escalation_policies:
  standard:
    response:
      - {at: 50%, notify: [assignee], channels: [dingtalk]}
      - {at: 100%, notify: [assignee, team_group], channels: [dingtalk, dingtalk_group]}
      - {after: 10m, notify: [team_lead], channels: [dingtalk, sms]}
      - {after: 15m, notify: [manager], climb: true, channels: [dingtalk, phone]}
    resolve:
      - {at: 80%, notify: [assignee], channels: [dingtalk]}
      - {at: 100%, notify: [team_lead], channels: [dingtalk, email]}
      - {after: 1h, notify: [manager], climb: true, channels: [email, phone]}
"""
LEVELS = ("P1", "P2", "P3", "P4")
REGIONS = ("cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "ap-singapore")
TAGS = ("资损", "安全", "大促", "舆情", "数据", "性能", "体验", "合规")


@dataclass(frozen=True)
class Scale:
    categories: int = 5000
    teams: int = 500
    people: int = 5000
    rules: int = 50
    seed: int = 7
    views: int = 0
    solutions: bool = False


def _person(pid: str, manager: str | None, n: int) -> dict[str, object]:
    person: dict[str, object] = {"id": pid, "name": f"员工{n}"}
    if manager:
        person["manager"] = manager
    person["contacts"] = {"dingtalk": f"{n:06d}", "email": f"{pid}@example.com",
                          "phone": f"+86139{n:08d}"}
    return person


def people_and_teams(scale: Scale, rng: random.Random) -> tuple[list[dict], dict, list[dict]]:
    """A management tree (ceo, VPs, directors, team leads, members) and rotating rosters."""
    people = [_person("ceo", None, 0)]
    vps = [f"vp{i:02d}" for i in range(10)]
    people += [_person(v, "ceo", i + 1) for i, v in enumerate(vps)]
    directors = [f"dir{i:03d}" for i in range(max(10, scale.teams // 5))]
    people += [_person(d, vps[i % len(vps)], 100 + i) for i, d in enumerate(directors)]
    leads = [f"lead{i:04d}" for i in range(scale.teams)]
    people += [_person(lead, directors[i % len(directors)], 1000 + i) for i, lead in enumerate(leads)]
    members_total = max(scale.people - len(people), scale.teams * 3)
    per_team = members_total // scale.teams
    teams, schedules = [], {}
    for t in range(scale.teams):
        tid = f"team{t:04d}"
        members = [f"p{t:04d}-{k}" for k in range(per_team)]
        people += [_person(m, leads[t], 10000 + t * per_team + k) for k, m in enumerate(members)]
        rotated = members[1:] + members[:1]
        schedules[f"{tid}-primary"] = _schedule(members, "0 9 * * 1", "2026-01-05T09:00")
        schedules[f"{tid}-backup"] = _schedule(rotated, "0 9 * * 1", "2026-01-05T09:00")
        schedules[f"{tid}-d11"] = _schedule(members, "0 9,21 * * *", "2026-11-01T09:00")
        teams.append({"id": tid, "name": f"团队{t}", "lead": leads[t], "members": members,
                      "group": {"dingtalk_group": f"{tid}-robot"},
                      "duty": {"daily": {"primary": f"{tid}-primary", "backup": f"{tid}-backup"},
                               "promotion": {"primary": f"{tid}-d11", "backup": f"{tid}-backup"}}})
    rng.shuffle(teams)
    return people, schedules, teams


def _schedule(members: list[str], handoff: str, start: str) -> dict[str, object]:
    return {"timezone": "Asia/Shanghai",
            "layers": [{"name": "rotation", "members": members, "start": start, "handoff": handoff}]}


def category_tree(scale: Scale, team_ids: list[str], rng: random.Random) -> list[dict]:
    """3 levels: ~2% BUs, ~10% domains, the rest leaves; total exactly `scale.categories`."""
    n_top = max(1, scale.categories // 50)
    n_mid = max(n_top, scale.categories // 10)
    n_leaf = scale.categories - n_top - n_mid
    tops = [{"key": f"bu{i:02d}", "name": f"事业部{i}", "team": rng.choice(team_ids),
             "severity": "P3", "children": []} for i in range(n_top)]
    mids = []
    for j in range(n_mid):
        mid = {"key": f"domain{j:03d}", "name": f"领域{j}", "team": rng.choice(team_ids), "children": []}
        tops[j % n_top]["children"].append(mid)
        mids.append(mid)
    for k in range(n_leaf):
        leaf: dict[str, object] = {"key": f"problem{k:04d}", "name": f"问题{k}"}
        if rng.random() < 0.3:
            leaf["team"] = rng.choice(team_ids)
        if rng.random() < 0.2:
            leaf["severity"] = rng.choice(LEVELS)
        if rng.random() < 0.1:
            leaf["routes"] = [{"id": "region", "when": {"fields.region": rng.choice(REGIONS)},
                               "team": rng.choice(team_ids)}]
        mids[k % n_mid]["children"].append(leaf)
    return tops


def rules(scale: Scale, tops: list[dict], team_ids: list[str], rng: random.Random) -> list[dict]:
    """A mix of anchored (tag, field, category) and unanchored (regex, any, not) rules."""
    out = []
    for i in range(scale.rules):
        kind = i % 10
        bu = rng.choice(tops)["key"]
        if kind in (0, 1):
            when: dict[str, object] = {"tags": {"contains": rng.choice(TAGS)}}
        elif kind in (2, 3, 4):
            when = {"category": {"prefix": f"{bu}/"}, "fields.merchant_tier": rng.choice(["KA", "SME"])}
        elif kind in (5, 6):
            when = {"fields.region": rng.choice(REGIONS), "category": {"prefix": f"{bu}/"}}
        elif kind == 7:
            when = {"submitter": [f"vp{rng.randrange(10):02d}", "ceo"]}
        elif kind == 8:
            when = {"category": {"prefix": f"{bu}/"}, "title": {"regex": f".*(故障|宕机){i}.*"}}
        else:
            when = {"category": {"prefix": f"{bu}/"},
                    "any": [{"fields.gmv_loss_cny": {"gte": 100000 + i}}, {"source": "monitor"}]}
        then: dict[str, object] = {"severity": rng.choice(LEVELS[:3])}
        if kind in (2, 5, 7):
            then = {"team": rng.choice(team_ids)}
        out.append({"id": f"rule{i:03d}", "description": f"规则{i}", "when": when, "then": then})
    return out


def add_solutions(tops: list[dict], rng: random.Random) -> None:
    """A solution on every business unit; a third of its domains extend it."""
    for top in tops:
        bu = top["key"]
        top["solution"] = {"runbook": f"https://wiki.example/runbooks/{bu}",
                           "checklist": {"zh": ["查看大盘与最近变更", "按单号定位"],
                                         "en": ["Check the dashboard", "Find the order"]},
                           "resolution_codes": ["rolled-back", "data-repaired", "user-guided"]}
        for mid in top["children"]:
            if rng.random() < 1 / 3:
                mid["solution"] = {"extend": True, "checklist": {"zh": [f"检查{mid['name']}的依赖"]},
                                   "resolution_codes": [f"{mid['key']}-fixed"]}


def views(scale: Scale, tops: list[dict], team_ids: list[str], rng: random.Random) -> list[dict]:
    """`scale.views` views in both modes, cycling through the reference config's kinds."""
    kinds = [
        lambda: {"when": {"category": {"prefix": f"{rng.choice(tops)['key']}/"}, "severity": ["P1", "P2"]}},
        lambda: {"when": {"tags": rng.choice(TAGS)}},
        lambda: {"when": {"team": rng.sample(team_ids, 4), "severity": ["P1", "P2"]}},
        lambda: {"sla": {"escalation_level": 2}},
        lambda: {"sla": {"response": "breached"}},
        lambda: {"when": {"severity": "P1"}, "sla": {"resolve": {"used": "80%"}}},
    ]
    return [{"id": f"view{i:02d}", "title": {"zh": f"视图{i}", "en": f"View {i}"},
             "modes": ["daily", "promotion"], "order": i, **kinds[i % len(kinds)]()}
            for i in range(scale.views)]


def write(out: Path, scale: Scale) -> None:
    rng = random.Random(scale.seed)
    people, schedules, teams = people_and_teams(scale, rng)
    team_ids = [t["id"] for t in teams]
    tops = category_tree(scale, team_ids, rng)
    rule_list = rules(scale, tops, team_ids, rng)
    extras = random.Random(scale.seed + 1)
    if scale.solutions:
        add_solutions(tops, extras)
    out.mkdir(parents=True, exist_ok=True)
    (out / "rules").mkdir(exist_ok=True)
    dump = {"allow_unicode": True, "sort_keys": False, "width": 120}
    (out / "sla_profiles.yaml").write_text(SLA_PROFILES, encoding="utf-8")
    (out / "rosters.yaml").write_text(yaml.safe_dump(
        {"version": 1, "people": people, "schedules": schedules, "teams": teams}, **dump), encoding="utf-8")
    (out / "categories.yaml").write_text(yaml.safe_dump(
        {"version": 1, "default": {"team": team_ids[0], "severity": "P3"}, "categories": tops}, **dump),
        encoding="utf-8")
    if scale.views:
        (out / "views.yaml").write_text(yaml.safe_dump(
            {"version": 1, "views": views(scale, tops, team_ids, extras)}, **dump), encoding="utf-8")
    half = len(rule_list) // 2
    for name, chunk in (("10-grading.yaml", rule_list[:half]), ("20-routing.yaml", rule_list[half:])):
        (out / "rules" / name).write_text(yaml.safe_dump({"version": 1, "rules": chunk}, **dump),
                                          encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    for field in ("categories", "teams", "people", "rules", "seed", "views"):
        parser.add_argument(f"--{field}", type=int, default=getattr(Scale(), field))
    parser.add_argument("--solutions", action="store_true")
    args = parser.parse_args()
    write(args.out, Scale(args.categories, args.teams, args.people, args.rules, args.seed, args.views,
                          args.solutions))


if __name__ == "__main__":
    main()
