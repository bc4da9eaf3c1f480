"""Every figure of the report, recomputed straight from the decision lines by a second,
plainer reading of docs/report.md, must match exactly."""
from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.report.build import make_report
from engine.report.figures import GRID_MINUTES, Figures


def decisions_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def nearest_rank(values: list[float], p: int) -> float | None:
    """The textbook nearest-rank percentile: the value at rank ceil(p/100 * n)."""
    if not values:
        return None
    return sorted(values)[max(math.ceil(p / 100 * len(values)), 1) - 1]


def per_ticket(decisions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per ticket: first and last decision, when answered and resolved, the steps fired."""
    tickets: dict[str, dict[str, Any]] = {}
    for d in decisions:
        t = tickets.setdefault(d["ticket"], {"first": d, "answered": None, "resolved": None, "kinds": set(),
                                             "steps": {}, "channels": Counter()})
        at = datetime.fromisoformat(d["at"]).timestamp()
        t["last"] = d
        if d["event"] in ("acknowledged", "resolved") and t["answered"] is None:
            t["answered"] = at
        if d["event"] == "resolved" and t["resolved"] is None:
            t["resolved"] = at
        if d["event"] == "reopened":
            t["resolved"] = None
        for n in d["notifications"]:
            t["kinds"].add(n["kind"])
            t["channels"][n["channel"]] += 1
            if n["kind"] == "escalate":
                t["steps"][(n["clock"], n["step"], n["level"])] = n["level"]
    for t in tickets.values():
        t["opened"] = datetime.fromisoformat(t["first"]["at"]).timestamp()
    return tickets


@pytest.fixture(scope="module")
def example(example_decisions: Path) -> tuple[dict[str, dict[str, Any]], Figures]:
    return per_ticket(decisions_of(example_decisions)), make_report([example_decisions]).figures


def test_the_headline_recounts(example: tuple[dict[str, dict[str, Any]], Figures]) -> None:
    tickets, figures = example
    h = figures.headline
    final = Counter((clock, t["last"]["sla"][clock]["state"]) for t in tickets.values()
                    for clock in ("response", "resolve"))
    resolve_s = [t["resolved"] - t["opened"] for t in tickets.values() if t["resolved"] is not None]
    respond_s = [t["answered"] - t["opened"] for t in tickets.values() if t["answered"] is not None]
    quick = len([s for s in resolve_s if s <= 30 * 60])
    assert (h.tickets, h.response_met, h.response_breached, h.resolve_met, h.resolve_breached) == (
        len(tickets), final[("response", "met")], final[("response", "breached")],
        final[("resolve", "met")], final[("resolve", "breached")])
    assert h.response_attainment == final[("response", "met")] / (final[("response", "met")]
                                                                 + final[("response", "breached")])
    assert h.resolve_attainment == final[("resolve", "met")] / (final[("resolve", "met")]
                                                               + final[("resolve", "breached")])
    assert (h.resolved, h.resolved_in_30m, h.share_in_30m) == (len(resolve_s), quick, quick / len(tickets))
    assert (h.resolve.median_s, h.resolve.p90_s) == (nearest_rank(resolve_s, 50), nearest_rank(resolve_s, 90))
    assert (h.respond.median_s, h.respond.p90_s) == (nearest_rank(respond_s, 50), nearest_rank(respond_s, 90))
    assert h.breached_tickets == sum("breached" in (t["last"]["sla"]["response"]["state"],
                                                    t["last"]["sla"]["resolve"]["state"]) for t in tickets.values())
    channels = sum((t["channels"] for t in tickets.values()), Counter())
    assert {c.name: c.value for c in h.notifications} == dict(channels)
    levels = Counter(level for t in tickets.values() for level in t["steps"].values())
    assert [(c.name, c.value) for c in h.escalations] == [(f"L{k}", v) for k, v in sorted(levels.items())]
    top = max(levels)
    assert (h.top_level, h.top_tickets) == (top, sum(max(t["steps"].values(), default=-1) == top
                                                     for t in tickets.values()))
    assert h.top_people == ("ceo",), "the reference org's chain ends at its CEO"


def test_the_funnel_recounts(example: tuple[dict[str, dict[str, Any]], Figures]) -> None:
    tickets, figures = example
    tops = [max(t["steps"].values()) for t in tickets.values() if t["steps"]]
    expected = [("tickets", len(tickets)), ("reminded", sum("remind" in t["kinds"] for t in tickets.values())),
                ("breached", sum("breach" in t["kinds"] for t in tickets.values()))]
    expected += [(f"L{k}", sum(top >= k for top in tops)) for k in range(max(tops) + 1)]
    assert [(c.name, c.value) for c in figures.funnel] == expected
    values = [v for _, v in expected]
    assert values == sorted(values, reverse=True), "a funnel only narrows"


def test_teams_recount_worst_first(example: tuple[dict[str, dict[str, Any]], Figures]) -> None:
    tickets, figures = example
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in tickets.values():
        groups[t["last"]["team"]].append(t)
    assert {r.key for r in figures.teams} == set(groups)
    for row in figures.teams:
        members = groups[row.key]
        met = sum(t["last"]["sla"]["resolve"]["state"] == "met" for t in members)
        breached = sum(t["last"]["sla"]["resolve"]["state"] == "breached" for t in members)
        times = [t["resolved"] - t["opened"] for t in members if t["resolved"] is not None]
        assert (row.tickets, row.resolve_met, row.resolve_breached) == (len(members), met, breached)
        assert row.resolve_attainment == (met / (met + breached) if met + breached else None)
        assert row.resolved_in_30m == sum(s <= 1800 for s in times)
        assert (row.resolve_median_s, row.resolve_p90_s) == (nearest_rank(times, 50), nearest_rank(times, 90))
        assert row.escalations == sum(len(t["steps"]) for t in members)
    attainments = [r.resolve_attainment for r in figures.teams if r.resolve_attainment is not None]
    assert attainments == sorted(attainments), "worst first"


def test_hours_load_and_the_cumulative_curve_recount(example: tuple[dict[str, dict[str, Any]], Figures]) -> None:
    tickets, figures = example
    zone = datetime.fromisoformat(next(iter(tickets.values()))["first"]["at"]).tzinfo
    opened = Counter(datetime.fromtimestamp(t["opened"] // 3600 * 3600, zone).isoformat() for t in tickets.values())
    assert {h.start: h.tickets for h in figures.hours if h.tickets} == dict(opened)
    assert len(figures.hours) == 48 and figures.hours[0].start == "2026-11-10T12:00:00+08:00"
    promotion = [h.start for h in figures.hours if h.mode == "promotion"]
    assert (promotion[0], promotion[-1], len(promotion)) == ("2026-11-10T20:00:00+08:00",
                                                             "2026-11-12T01:00:00+08:00", 30), \
        "the double11-2026 window of sla_profiles.yaml, 20:00 to 02:00"
    taken = Counter(t["first"]["assignee"]["person"] for t in tickets.values() if t["first"]["assignee"])
    assert {c.name: c.value for c in figures.load} == dict(taken)
    resolve_s = [t["resolved"] - t["opened"] for t in tickets.values() if t["resolved"] is not None]
    assert [(p.minutes, p.share) for p in figures.cumulative] == [
        (m, len([s for s in resolve_s if s <= m * 60]) / len(tickets)) for m in GRID_MINUTES]


def test_both_modes_in_one_stream_are_set_side_by_side(example_decisions: Path) -> None:
    tickets = per_ticket(decisions_of(example_decisions))
    comparison = make_report([example_decisions]).comparison
    assert comparison is not None
    assert (comparison.baseline.label, comparison.current.label) == ("daily", "promotion")
    for side in (comparison.baseline, comparison.current):
        mine = [t for t in tickets.values() if t["first"]["mode"] == side.label]
        quick = sum(t["resolved"] is not None and t["resolved"] - t["opened"] <= 1800 for t in mine)
        assert (side.headline.tickets, side.headline.resolved_in_30m) == (len(mine), quick)
        assert side.headline.share_in_30m == quick / len(mine)
        hours = 30 if side.label == "promotion" else 48 - 30
        assert (side.headline.hours, side.headline.per_day) == (hours, round(len(mine) * 24 / hours, 1)), \
            "a day's volume over the hours the mode was in force"
    b, c = comparison.baseline.headline, comparison.current.headline
    assert comparison.ratios.volume_x == round(c.per_day / b.per_day, 2)
    assert comparison.ratios.resolve_speed_x == round(b.resolve.median_s / c.resolve.median_s, 2)  # type: ignore[operator]


def test_a_report_of_no_tickets_has_no_figures(tmp_path: Path) -> None:
    empty = tmp_path / "none.jsonl"
    empty.write_text("\n", encoding="utf-8")
    figures = make_report([empty]).figures
    assert (figures.headline.tickets, figures.headline.share_in_30m, figures.headline.resolve.median_s,
            figures.hours, figures.funnel[0].value, figures.worst) == (0, None, None, (), 0, ())


def test_hours_are_read_in_the_streams_offset(example_decisions: Path) -> None:
    figures = make_report([example_decisions]).figures
    assert {datetime.fromisoformat(h.start).utcoffset() for h in figures.hours} == {timedelta(hours=8)}
