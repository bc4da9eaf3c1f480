"""Generates a promotion-day event stream on the reference organisation at a fixed seed.

    python benchmarks/stream.py [--tickets 3000] [--seed 1111] [-o examples/double11-events.jsonl]

Tickets open around the Double 11 window (2026-11-10 12:00 to 2026-11-12 12:00, +08:00),
busiest just after midnight; each lives a realistic life: acknowledged (some late),
sometimes put on hold and resumed, transferred, re-graded, resolved, reopened, closed.
Some transfers ask the previous assignee to stay on as a supervisor (a few of those are
handed on again and a supervisor then steps back), and most resolutions say how, with a
code of the category's standard solution (categories.yaml). Those extras are drawn from a
second generator per ticket, so the events the base life draws are the same as before
they existed: same seed, same stream, and an old stream's lines are all still in it.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

import yaml

REPO = Path(__file__).resolve().parents[1]
TZ = timezone(timedelta(hours=8))
START = datetime(2026, 11, 10, 12, 0, tzinfo=TZ)
HOURS = 48
PEAK = datetime(2026, 11, 11, 0, 30, tzinfo=TZ)


def categories(root: Path) -> list[str]:
    data = yaml.safe_load((root / "categories.yaml").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(nodes: list[dict[str, Any]], prefix: str) -> None:
        for node in nodes:
            cid = f"{prefix}{node['key']}"
            if not node.get("children"):
                found.append(cid)
            walk(node.get("children", []), cid + "/")
    walk(data["categories"], "")
    return found


def teams(root: Path) -> list[str]:
    data = yaml.safe_load((root / "rosters.yaml").read_text(encoding="utf-8"))
    return [t["id"] for t in data["teams"]]


def people(root: Path) -> list[str]:
    data = yaml.safe_load((root / "rosters.yaml").read_text(encoding="utf-8"))
    return sorted({m for t in data["teams"] for m in t.get("members", [])})


def resolution_codes(root: Path) -> dict[str, tuple[str, ...]]:
    """Category id -> the codes its standard solution offers, inheritance resolved."""
    sys.path.insert(0, str(REPO))
    from engine.config.solutions import effective_solutions
    from engine.loader import build_config
    config, _ = build_config(root)
    assert config is not None, f"{root} does not load"
    return {cid: s.resolution_codes for cid, s in effective_solutions(config).items()}


def _opening(rng: random.Random) -> datetime:
    """Busier near the midnight peak: a mixture of a spike and a flat background."""
    if rng.random() < 0.6:
        minutes = rng.gauss(0, 90)
        at = PEAK + timedelta(minutes=minutes)
        if START <= at < START + timedelta(hours=HOURS):
            return at
    return START + timedelta(seconds=rng.randrange(HOURS * 3600))


def _created(rng: random.Random, ticket: str, at: datetime, cats: list[str]) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "created", "ticket": ticket, "at": at.isoformat(),
                             "category": rng.choice(cats), "source": rng.choice(["web", "app", "monitor", "hotline"])}
    if rng.random() < 0.03:
        event["tags"] = ["资损"]
    elif rng.random() < 0.05:
        event["tags"] = [rng.choice(["舆情", "安全", "大促"])]
    fields: dict[str, Any] = {}
    if rng.random() < 0.3:
        fields["region"] = rng.choice(["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-hongkong"])
    if rng.random() < 0.1:
        fields["merchant_tier"] = "KA"
    if rng.random() < 0.05:
        fields["gmv_loss_cny"] = rng.randrange(1000, 300000)
    if fields:
        event["fields"] = fields
    if rng.random() < 0.1:
        event["severity"] = rng.choice(["P1", "P2"])
    return event


class Extras(NamedTuple):
    """What the supervision and resolution extras draw from."""

    rng: random.Random          # one per ticket, apart from the base life's
    people: list[str]
    teams: list[str]
    codes: dict[str, tuple[str, ...]]


def lifecycle(rng: random.Random, ticket: str, cats: list[str], team_ids: list[str],
              extras: Extras | None = None) -> list[dict[str, Any]]:
    """One ticket's events, in time order."""
    at = _opening(rng)
    events = [_created(rng, ticket, at, cats)]

    def later(minutes: float, kind: str, **extra: Any) -> None:
        nonlocal at
        at += timedelta(seconds=max(1, int(minutes * 60)))
        events.append({"type": kind, "ticket": ticket, "at": at.isoformat(), **extra})

    later(rng.expovariate(1 / 12), "acknowledged", by="on-duty")
    if rng.random() < 0.1:
        later(rng.expovariate(1 / 20), "status_changed", status="pending")
        later(rng.expovariate(1 / 60), "status_changed", status="investigating")
    if rng.random() < 0.05:
        later(rng.expovariate(1 / 15), "transferred", to={"team": rng.choice(team_ids)})
    if rng.random() < 0.03:
        later(rng.expovariate(1 / 15), "updated", changes={"severity": rng.choice(["P1", "P2", "P3"])})
    later(rng.lognormvariate(math.log(45), 1.0), "resolved")
    if rng.random() < 0.05:
        later(rng.expovariate(1 / 120), "reopened")
        later(rng.lognormvariate(math.log(30), 0.8), "resolved")
    if rng.random() < 0.9:
        later(rng.expovariate(1 / 60) + 10, "closed")
    if extras is not None:
        _supervised_transfers(extras, ticket, events)
        _resolutions(extras, events)
    return events


def _between(events: list[dict[str, Any]], after: int, rng: random.Random) -> str | None:
    """A time strictly between event `after` and the next (whole seconds), if there is room."""
    a, b = (datetime.fromisoformat(events[i]["at"]) for i in (after, after + 1))
    room = int((b - a).total_seconds())
    return (a + timedelta(seconds=rng.randint(1, room - 1))).isoformat() if room >= 2 else None


def _supervised_transfers(extras: Extras, ticket: str, events: list[dict[str, Any]]) -> None:
    """A transfer with `supervise: true` before or after the acknowledgement; in a third of
    those to a person, the new assignee hands on again and then steps back as a supervisor."""
    rng = extras.rng
    if rng.random() >= 0.08 or len(events) < 3:
        return
    after = rng.choice([0, 1])          # before the acknowledgement (its supervisor is told), or after
    at = _between(events, after, rng)
    if at is None:
        return
    to = {"person": rng.choice(extras.people)} if rng.random() < 0.6 else {"team": rng.choice(extras.teams)}
    events.insert(after + 1, {"type": "transferred", "ticket": ticket, "at": at, "to": to, "supervise": True})
    if "person" not in to or rng.random() >= 0.35:
        return
    again = _between(events, after + 1, rng)
    if again is None:
        return
    events.insert(after + 2, {"type": "transferred", "ticket": ticket, "at": again,
                              "to": {"team": rng.choice(extras.teams)}, "supervise": True})
    gone = _between(events, after + 2, rng)
    if gone is not None:
        events.insert(after + 3, {"type": "updated", "ticket": ticket, "at": gone,
                                  "changes": {"supervisors_remove": [to["person"]]}})


RESOLUTION_TEXTS = ["按标准方案处理", "已与用户确认", "渠道恢复后补偿", "配置回滚后恢复"]


def _resolutions(extras: Extras, events: list[dict[str, Any]]) -> None:
    """Most resolutions say how: a code of the category's solution (and a few words), or
    words alone where the category has no codes."""
    codes = extras.codes.get(events[0]["category"], ())
    for event in events:
        if event["type"] != "resolved" or extras.rng.random() >= 0.85:
            continue
        if codes:
            event["resolution"] = {"code": extras.rng.choice(codes)}
            if extras.rng.random() < 0.3:
                event["resolution"]["text"] = extras.rng.choice(RESOLUTION_TEXTS)
        else:
            event["resolution"] = {"text": extras.rng.choice(RESOLUTION_TEXTS)}


def stream(tickets: int, seed: int, root: Path = REPO) -> Iterator[dict[str, Any]]:
    """All tickets' events merged in time order (ties keep ticket order)."""
    rng = random.Random(seed)
    cats, team_ids, persons, codes = categories(root), teams(root), people(root), resolution_codes(root)
    events = [e for i in range(tickets)
              for e in lifecycle(rng, f"D11-{i:06d}", cats, team_ids,
                                 Extras(random.Random(f"{seed}:D11-{i:06d}"), persons, team_ids, codes))]
    events.sort(key=lambda e: datetime.fromisoformat(e["at"]))
    return iter(events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1111)
    parser.add_argument("-o", "--output", type=Path, default=None, help="default: stdout")
    args = parser.parse_args()
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    for event in stream(args.tickets, args.seed):
        out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
