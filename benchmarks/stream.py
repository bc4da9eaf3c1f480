"""Generates the example event streams on the reference organisation at a fixed seed, from
one behavioural model of the people who handle tickets.

    python benchmarks/stream.py [--tickets 3000] [--seed 1111] [-o examples/double11-events.jsonl]
    python benchmarks/stream.py --daily-week [--tickets 5250] [--seed 2611] [-o examples/daily-week.jsonl]

The model (`Behaviour`, one per mode):

- **Volume**: the Double 11 window carries 1,500 tickets a day, a daily week half that
  (750 a day: the promotion doubles the volume). Double 11 tickets open around the window
  (2026-11-10 12:00 to 2026-11-12 12:00, +08:00), busiest just after midnight; a daily week
  (Monday 2026-10-26 to Sunday 2026-11-01, no holiday) opens three times as many an hour
  from 09:00 to 22:00 as at night, and fewer at weekends.
- **Staff on duty**: the promotion staffs twice the daily people (`staff` 1.0 against 0.5),
  so waits to acknowledge (exponential, mean 12 minutes at full staff) and the work to
  resolve (log-normal, median 45 minutes at full staff) are twice as long on a daily day.
  On a daily day only P1 is picked up out of office hours (weekdays 09:00-18:30); the
  promotion works 24x7. Its targets are tighter too, but that is the config's doing
  (sla_profiles.yaml), not the model's.
- **Reminders and escalations make handlers act**: each step the engine plans for the ticket
  (its `created` decision's timers) that comes before the handler would have acted anyway
  makes them act sooner: a reminder within 8 minutes on average, a breach or an escalation
  within 3 (to acknowledge) or 20 and 10 (to resolve), all exponential.

The Double 11 stream (`--tickets 3000 --seed 1111`) was drawn before the model grew its
reminder reaction and office hours, and is kept byte for byte (goldens depend on it): its
life is `lifecycle` with the promotion's parameters. Each of its tickets lives a realistic
life: acknowledged (some late), sometimes put on hold and resumed, transferred, re-graded,
resolved, reopened, closed. Some transfers ask the previous assignee to stay on as a
supervisor (a few of those are handed on again and a supervisor then steps back), and most
resolutions say how, with a code of the category's standard solution (categories.yaml).
Those extras are drawn from a second generator per ticket, so the events the base life draws
are the same as before they existed: same seed, same stream, and an old stream's lines are
all still in it. The daily week (`daily_week`) draws each ticket's life from the whole model,
asking the engine for the ticket's level and planned steps.
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


class Behaviour(NamedTuple):
    """How the people on duty behave in a mode (the module docstring is the model)."""

    staff: float                 # people on duty, against the promotion's
    ack_mean_min: float          # mean wait to acknowledge at full staff
    resolve_median_min: float    # median work to resolve at full staff
    office_only: bool            # P2-P4 picked up in office hours only
    reminded_min: float          # mean minutes from a reminder to acting on it
    escalated_ack_min: float     # ... from a breach or an escalation to acknowledging
    escalated_fix_min: tuple[float, float]   # ... from a resolve reminder, a breach or escalation, to resolving


PROMOTION = Behaviour(1.0, 12, 45, False, 8, 3, (20, 10))
DAILY = Behaviour(0.5, 12, 45, True, 8, 3, (20, 10))
DAILY_START = datetime(2026, 10, 26, tzinfo=TZ)     # a Monday: no holiday, no make-up day that week
DAILY_DAYS = 7


def _daily_opening(rng: random.Random) -> datetime:
    """A day of the week (weekends 0.7), then an hour (09:00-22:00 three times the night's)."""
    day = rng.choices(range(DAILY_DAYS), weights=[1, 1, 1, 1, 1, 0.7, 0.7])[0]
    hour = rng.choices(range(24), weights=[3 if 9 <= h < 22 else 1 for h in range(24)])[0]
    return DAILY_START + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))


def _office(at: datetime) -> datetime:
    """`at`, or the next office opening (weekdays 09:00-18:30) when the office is closed."""
    while at.weekday() >= 5 or not (at.hour >= 9 and (at.hour, at.minute) < (18, 30)):
        nxt = at.replace(hour=9, minute=0, second=0, microsecond=0)
        at = nxt if at.hour < 9 and at.weekday() < 5 else nxt + timedelta(days=1)
    return at


def _acted(rng: random.Random, own: datetime, steps: list[tuple[datetime, str]],
           after: dict[str, float]) -> datetime:
    """When the handler acts: their own time, or sooner, prompted by a step planned before it."""
    prompted = [at + timedelta(minutes=rng.expovariate(1 / after[kind])) for at, kind in steps if at < own]
    return min([own, *prompted])


def daily_lifecycle(rng: random.Random, ticket: str, cats: list[str], engine: Any, extras: Extras,
                    model: Behaviour = DAILY) -> list[dict[str, Any]]:
    """One daily ticket's events from the model: the engine says its level and planned steps."""
    opened = _daily_opening(rng)
    created = _created(rng, ticket, opened, cats)
    decision = engine.evaluate(created).to_dict(render=False)
    steps = {clock: [(datetime.fromisoformat(t["at"]), t["kind"]) for t in decision["timers"] if t["clock"] == clock]
             for clock in ("response", "resolve")}
    start = _office(opened) if model.office_only and decision["severity"] != "P1" else opened
    own_ack = start + timedelta(minutes=rng.expovariate(model.staff / model.ack_mean_min))
    ack = _acted(rng, own_ack, steps["response"], {"remind": model.reminded_min, "breach": model.escalated_ack_min,
                                                   "escalate": model.escalated_ack_min})
    ack = max(ack, opened + timedelta(seconds=1))
    work = rng.lognormvariate(math.log(model.resolve_median_min / model.staff), 1.0)
    fix_remind, fix_late = model.escalated_fix_min
    resolved = _acted(rng, ack + timedelta(minutes=work), steps["resolve"],
                      {"remind": fix_remind, "breach": fix_late, "escalate": fix_late})
    resolved = max(resolved, ack + timedelta(seconds=1))
    events = [created, {"type": "acknowledged", "ticket": ticket, "at": _whole(ack), "by": "on-duty"},
              {"type": "resolved", "ticket": ticket, "at": _whole(resolved)}]
    if rng.random() < 0.9:
        events.append({"type": "closed", "ticket": ticket,
                       "at": _whole(resolved + timedelta(minutes=rng.expovariate(1 / 60) + 10))})
    _resolutions(extras, events)
    return events


def _whole(at: datetime) -> str:
    return at.replace(microsecond=0).isoformat()


def daily_week(tickets: int, seed: int, root: Path = REPO) -> Iterator[dict[str, Any]]:
    """A daily week's events merged in time order (ties keep ticket order)."""
    sys.path.insert(0, str(REPO))
    import engine as gongdan
    model_engine = gongdan.load(root)
    rng = random.Random(seed)
    cats, team_ids, persons, codes = categories(root), teams(root), people(root), resolution_codes(root)
    events = [e for i in range(tickets)
              for e in daily_lifecycle(rng, f"DAY-{i:06d}", cats, model_engine,
                                       Extras(random.Random(f"{seed}:DAY-{i:06d}"), persons, team_ids, codes))]
    events.sort(key=lambda e: datetime.fromisoformat(e["at"]))
    return iter(events)


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
    parser.add_argument("--daily-week", action="store_true", help="a daily week instead of the Double 11 window")
    parser.add_argument("--tickets", type=int, default=None, help="default: 3000, or 5250 for a daily week")
    parser.add_argument("--seed", type=int, default=None, help="default: 1111, or 2611 for a daily week")
    parser.add_argument("-o", "--output", type=Path, default=None, help="default: stdout")
    args = parser.parse_args()
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    if args.daily_week:
        events = daily_week(args.tickets or 5250, 2611 if args.seed is None else args.seed)
    else:
        events = stream(args.tickets or 3000, 1111 if args.seed is None else args.seed)
    for event in events:
        out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
