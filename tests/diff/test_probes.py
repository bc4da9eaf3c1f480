"""The probe set: built from the two configs alone (the same pair gives the same probes,
whatever `--at` says), reaching every category, rule branch and route of the reference
config, at the instants the configs call for; and witnesses for matchers."""
from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from engine.diff.instants import probe_instants
from engine.diff.plan import Options, Stages, diff
from engine.diff.probes import probe_set
from engine.diff.sides import Side, Source, load_side
from engine.diff.witness import Witness, branches, regex_sample, value_for, witness
from engine.loader import build_config
from engine.replay.stream import replay
from helpers import MINIMAL, REPO

STAGES = Stages(build_config, replay)


def side(root: Path) -> Side:
    loaded = load_side(Source(root.name, root), build_config)
    assert isinstance(loaded, Side)
    return loaded


def test_the_minimal_configs_probe_instants() -> None:
    """The quiet week starts 2026-11-09 (the rosters start on the 2nd); the holidays and
    make-up day are samples (nothing changed); the window's edges cut three stretches."""
    a = side(MINIMAL)
    assert [i.label for i in probe_instants(a, a)] == [
        "working hours 2026-11-10 10:00", "end of day 2026-11-10 17:30", "night 2026-11-10 23:00",
        "weekend 2026-11-14 11:00", "before holiday 2026-10-01 17:00", "holiday 2026-10-02 10:00",
        "make-up workday 2026-10-10 10:00", "mode daily 2026-11-10 19:00", "mode promotion 2026-11-11 11:00",
        "mode daily 2026-11-12 03:00"]


def test_the_same_configs_give_the_same_probes() -> None:
    a, b = side(REPO), side(REPO)
    first, second = probe_set(a, b), probe_set(a, b)
    assert [(p.ticket, p.event) for p in first] == [(p.ticket, p.event) for p in second]
    assert len({p.ticket for p in first}) == len(first)


def test_every_category_rule_branch_and_route_of_the_reference_config_is_reached() -> None:
    report = diff(Source("a", REPO), Source("b", REPO), Options(datetime.fromisoformat("2026-11-02T00:00:00+08:00")),
                  STAGES)
    assert report.outcomes is not None
    assert report.outcomes.unexercised == ()
    a = side(REPO)
    tickets = {p.ticket for p in probe_set(a, a)}
    assert {f"probe {c}" for c in a.engine.compiled.categories} <= tickets
    rules = {r.id: len(branches(r.when)) for r in a.config.rules}
    assert {f"probe rule {rid}" + (f" [{i}/{n}]" if n > 1 else "") for rid, n in rules.items()
            for i in range(1, n + 1)} <= tickets
    routes = {f"probe route {r.id} of {c.id}" for c in a.config.categories for r in c.routes}
    assert routes <= tickets and len(routes) > 5


def test_the_outcome_rows_do_not_depend_on_at(tmp_path: Path) -> None:
    """`--at` only moves the duty section; the probes come from the configs."""
    b = tmp_path / "b"
    shutil.copytree(MINIMAL, b)
    text = (b / "categories.yaml").read_text(encoding="utf-8")
    (b / "categories.yaml").write_text(text.replace("severity: P4", "severity: P3"), encoding="utf-8")
    rows = [diff(Source("a", MINIMAL), Source("b", b), Options(datetime.fromisoformat(at)), STAGES).outcomes
            for at in ("2026-01-01T00:00:00+00:00", "2027-06-30T12:00:00-05:00")]
    assert rows[0] == rows[1] and rows[0] is not None and rows[0].rows


def shape(w: Witness) -> dict[str, Any]:
    """A witness's attributes that are set (and its time when it is not working hours)."""
    found = {"category": w.category, "tags": w.tags, "fields": w.fields, "text": w.text}
    found = {k: v for k, v in found.items() if v}
    return found | ({"time": w.time} if w.time != "working" else {})


@pytest.mark.parametrize(("when", "expected"), [
    pytest.param({"tags": {"contains": "资损"}}, [{"tags": ["资损"]}], id="tag"),
    pytest.param({"any": [{"tags": ["监管", "舆情"]}, {"source": "regulator"}]},
                 [{"tags": ["监管"]}, {"text": {"source": "regulator"}}], id="any-is-two-branches"),
    pytest.param({"fields.gmv_loss_cny": {"gte": 100000}}, [{"fields": {"gmv_loss_cny": 100000}}], id="gte"),
    pytest.param({"fields.a.b": {"gt": 5, "lt": 7}}, [{"fields": {"a": {"b": 6}}}], id="gt-and-lt"),
    pytest.param({"category": {"prefix": "shop/"}, "submitter": {"in": ["ceo"], "not_in": ["x"]}},
                 [{"category": "shop/order", "text": {"submitter": "ceo"}}], id="known-category-by-prefix"),
    pytest.param({"title": {"regex": ".*(全站|大面积).*"}, "during": "office"},
                 [{"text": {"title": "全站"}}], id="regex-during"),
    pytest.param({"not": {"source": "test"}, "outside": "office"}, [{"time": "night"}], id="not-outside"),
])
def test_witnesses(when: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    assert [shape(witness(b, ["pay", "shop", "shop/order"])) for b in branches(when)] == expected


@pytest.mark.parametrize("pattern", [".*(全站|大面积).*", ".*(故障|宕机)8.*", "^ab+c$", "(?:x|y)\\d{3}",
                                     "[A-Z]{2}-\\d+", "a|b", "order-[0-9]+"])
def test_regex_samples_match_in_full(pattern: str) -> None:
    assert re.fullmatch(pattern, regex_sample(pattern))


def test_exists_false_asks_for_a_missing_attribute() -> None:
    assert value_for({"exists": False}) is not value_for({"exists": True})
