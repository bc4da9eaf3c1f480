"""Golden config folders: valid ones have no diagnostics, each invalid one its exact list."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import engine
from engine.checks.registry import CHECKS, run_checks
from engine.diagnostics import render_text
from engine.loader import build_config
from helpers import DATA, MINIMAL, REPO, materialise

INVALID = sorted(p for p in (DATA / "invalid").iterdir() if p.is_dir())
VALID = [*sorted(p for p in (DATA / "valid").iterdir() if p.is_dir()), REPO]


@pytest.mark.parametrize("case", INVALID, ids=[p.name for p in INVALID])
def test_invalid_config_gives_exact_diagnostics(case: Path, tmp_path: Path) -> None:
    config_dir = materialise(case, tmp_path)
    assert render_text(engine.check(config_dir)) == (case / "expected.txt").read_text()


@pytest.mark.parametrize("case", INVALID, ids=[p.name for p in INVALID])
def test_invalid_config_loads_with_its_diagnostics_or_refuses(case: Path, tmp_path: Path) -> None:
    """`engine.load` never crashes where the checks passed something compile cannot take:
    a config with errors raises ConfigError with exactly the checks' diagnostics, one with
    only warnings loads and keeps them."""
    config_dir = materialise(case, tmp_path)
    expected = (case / "expected.txt").read_text()
    if " error[" in expected:
        with pytest.raises(engine.ConfigError) as refused:
            engine.load(config_dir)
        assert render_text(refused.value.diagnostics) == expected
    else:
        assert render_text(engine.load(config_dir).diagnostics) == expected


@pytest.mark.parametrize("config_dir", VALID, ids=[p.name or "reference" for p in VALID])
def test_valid_config_has_no_diagnostics(config_dir: Path) -> None:
    assert engine.check(config_dir) == []


def test_every_invalid_case_fails_or_warns() -> None:
    """A golden case with an empty expected.txt would test nothing."""
    empty = [case.name for case in INVALID if not (case / "expected.txt").read_text().strip()]
    assert empty == []


UNKNOWN_REFS_FIRST = ("categories.yaml:17:76: error[ref.unknown-calendar]: unknown calendar 'ofice' "
                      "(did you mean 'office'?) (and 14 more)")
"""The message of ConfigError for the unknown-refs case: its first diagnostic and how many follow."""


def test_load_raises_config_error_with_all_diagnostics(tmp_path: Path) -> None:
    config_dir = materialise(DATA / "invalid" / "unknown-refs", tmp_path)
    with pytest.raises(engine.ConfigError) as info:
        engine.load(config_dir)
    assert render_text(info.value.diagnostics) == (DATA / "invalid" / "unknown-refs" / "expected.txt").read_text()
    assert str(info.value) == UNKNOWN_REFS_FIRST


def test_load_accepts_warnings_and_keeps_them(tmp_path: Path) -> None:
    config_dir = materialise(DATA / "invalid" / "not-a-member", tmp_path)
    eng = engine.load(config_dir)
    assert [d.code for d in eng.diagnostics] == ["roster.not-a-member", "roster.not-a-member"]


def test_check_never_raises_on_a_missing_dir(tmp_path: Path) -> None:
    diags = engine.check(tmp_path / "nowhere")
    assert [d.code for d in diags] == ["config.not-a-directory"]


def test_check_registry_runs_only_what_is_named(minimal: Path) -> None:
    (minimal / "categories.yaml").write_text(
        (minimal / "categories.yaml").read_text().replace("team: shop-order\n", "team: nope\n"))
    config, _ = build_config(minimal)
    assert config is not None
    assert [d.code for d in run_checks(config, only=["calendars"])] == []
    assert [d.code for d in run_checks(config, only=["refs.categories"])] == ["ref.unknown-team"]
    assert {"duplicates", "refs.categories", "org.managers", "calendars", "sla.profiles"} <= set(CHECKS)


def test_schema_stage_stops_the_pipeline(minimal: Path) -> None:
    """Semantic checks only run on schema-valid files: no cascade of follow-on errors."""
    text = (minimal / "categories.yaml").read_text()
    (minimal / "categories.yaml").write_text(text.replace("team: shop-order\n", "team: [nope]\n"))
    assert [d.code for d in engine.check(minimal)] == ["schema.type"]


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.mark.parametrize("now", [
    pytest.param(NOW, id="late-november"),
    pytest.param(datetime(2026, 11, 1, 0, 0, tzinfo=UTC), id="across-double-11"),
    pytest.param(datetime(2026, 6, 1, 0, 0, tzinfo=UTC), id="june"),
])
def test_reference_rosters_have_no_gaps(now: datetime) -> None:
    assert engine.check(REPO, now=now, gap_days=28) == []


def test_a_gap_is_reported_at_the_duty_line(minimal: Path) -> None:
    rosters = minimal / "rosters.yaml"
    text = rosters.read_text().replace(
        '        handoff: "0 9 * * 1"\n  order-backup',
        '        handoff: "0 9 * * 1"\n        active: [{cron: "0 9 * * 1-5", for: 9h}]\n  order-backup')
    rosters.write_text(text.replace("      daily: {primary: order-primary, backup: order-backup}\n",
                                    "      daily: {primary: order-primary}\n"))
    diags = engine.check(minimal, now=NOW, gap_days=7)
    assert [d.render() for d in diags] == [
        ("rosters.yaml:41:24: error[roster.gap]: team 'shop-order' has nobody on duty in mode 'daily' "
        "from 2026-11-26T18:00+08:00 to 2026-11-27T09:00+08:00 (5 gaps, 123h in the next 7 days) "
        "(an error because mode 'daily' runs P1 on the 24x7 calendar; tickets fall to the team lead; "
        "add a layer, a backup schedule or an override)"),
        ("rosters.yaml:55:24: error[roster.gap]: team 'desk' has nobody on duty in mode 'daily' "
        "from 2026-11-26T18:00+08:00 to 2026-11-27T09:00+08:00 (5 gaps, 123h in the next 7 days) "
        "(an error because mode 'daily' runs P1 on the 24x7 calendar; tickets fall to the team lead; "
        "add a layer, a backup schedule or an override)"),
    ]


def test_a_gap_is_an_error_for_a_team_an_override_runs_round_the_clock(minimal: Path) -> None:
    """Office-hours levels, but an SLA override puts shop-order's tickets on 24x7: its gap
    is an error that names the override; desk's stays a warning."""
    rosters = minimal / "rosters.yaml"
    text = rosters.read_text().replace(
        '        handoff: "0 9 * * 1"\n  order-backup',
        '        handoff: "0 9 * * 1"\n        active: [{cron: "0 9 * * 1-5", for: 9h}]\n  order-backup')
    rosters.write_text(text.replace("      daily: {primary: order-primary, backup: order-backup}\n",
                                    "      daily: {primary: order-primary}\n"))
    sla = minimal / "sla_profiles.yaml"
    sla.write_text(sla.read_text().replace("P1: {response: 15m, resolve: 4h, calendar: 24x7, policy: critical}",
                                           "P1: {response: 15m, resolve: 4h, policy: critical}").replace(
        "        target: {response: 5m, resolve: 1h, calendar: 24x7}\n",
        "        target: {response: 5m, resolve: 1h, calendar: 24x7}\n"
        "      - when: {team: shop-order}\n        target: {calendar: 24x7}\n"))
    diags = engine.check(minimal, now=NOW, gap_days=7)
    assert [d.render() for d in diags] == [
        ("rosters.yaml:41:24: error[roster.gap]: team 'shop-order' has nobody on duty in mode 'daily' "
        "from 2026-11-26T18:00+08:00 to 2026-11-27T09:00+08:00 (5 gaps, 123h in the next 7 days) "
        "(an error because mode 'daily' runs override 1 (team shop-order) on the 24x7 calendar; tickets fall "
        "to the team lead; add a layer, a backup schedule or an override)"),
        ("rosters.yaml:55:24: warning[roster.gap]: team 'desk' has nobody on duty in mode 'daily' "
        "from 2026-11-26T18:00+08:00 to 2026-11-27T09:00+08:00 (5 gaps, 123h in the next 7 days) "
        "(tickets fall to the team lead; add a layer, a backup schedule or an override)"),
    ]


def test_gap_checks_need_a_clock(minimal: Path) -> None:
    """Without `now` the engine has no idea what 'ahead' means, so it does not guess."""
    rosters = minimal / "rosters.yaml"
    rosters.write_text(rosters.read_text().replace(
        '        start: 2026-11-02T09:00\n        handoff: "0 9 * * 1"\n  order-backup',
        '        start: 2026-11-02T09:00\n        handoff: "0 9 * * 1"\n        end: 2026-11-03T09:00\n  order-backup'))
    assert engine.check(minimal) == []
    assert [(d.code, d.span.line) for d in engine.check(minimal, now=NOW)] == [("roster.gap", 55)]


def _desk_without_a_promotion_roster(minimal: Path) -> None:
    """`shop-order`'s promotion roster (order-d11), without a backup, is cut to end before the
    window opens; its daily roster covers it outside the window."""
    rosters = minimal / "rosters.yaml"
    rosters.write_text(rosters.read_text().replace(
        '        handoff: "0 9,21 * * *"\n',
        '        handoff: "0 9,21 * * *"\n        end: 2026-11-05T09:00\n').replace(
        "promotion: {primary: order-d11, backup: order-backup}", "promotion: {primary: order-d11}"))


@pytest.mark.parametrize(("now", "days", "expected"), [
    pytest.param("2026-12-01T00:00:00+08:00", 28, [], id="window-in-the-past"),
    # dave's override in order-d11 covers 00:00-06:00 on 11 November, hence two gaps
    pytest.param("2026-11-08T00:00:00+08:00", 7, [
        ("rosters.yaml:42:28: error[roster.gap]: team 'shop-order' has nobody on duty in mode 'promotion' from "
        "2026-11-10T20:00+08:00 to 2026-11-11T00:00+08:00 (2 gaps, 24h in the next 7 days) (an error because "
        "mode 'promotion' runs P1, P2, P3, P4 on the 24x7 calendar; tickets fall to the team lead; add a "
        "layer, a backup schedule or an override)")], id="window-in-the-range"),
    pytest.param("2026-11-11T12:00:00+08:00", 7, [
        ("rosters.yaml:42:28: error[roster.gap]: team 'shop-order' has nobody on duty in mode 'promotion' from "
        "2026-11-11T12:00+08:00 to 2026-11-12T02:00+08:00 (1 gap, 14h in the next 7 days) (an error because "
        "mode 'promotion' runs P1, P2, P3, P4 on the 24x7 calendar; tickets fall to the team lead; add a "
        "layer, a backup schedule or an override)")], id="window-straddling-the-start"),
])
def test_gaps_are_checked_in_the_mode_in_force(minimal: Path, now: str, days: int, expected: list[str]) -> None:
    _desk_without_a_promotion_roster(minimal)
    diags = engine.check(minimal, now=datetime.fromisoformat(now), gap_days=days)
    assert [d.render() for d in diags] == expected


def test_a_forced_mode_is_checked_when_asked(minimal: Path) -> None:
    _desk_without_a_promotion_roster(minimal)
    diags = engine.check(minimal, now=datetime.fromisoformat("2026-12-01T00:00:00+08:00"), gap_days=1,
                         mode="promotion")
    assert [d.render() for d in diags] == [
        ("rosters.yaml:42:28: error[roster.gap]: team 'shop-order' has nobody on duty in mode 'promotion' from "
        "2026-12-01T00:00+08:00 to 2026-12-02T00:00+08:00 (1 gap, 24h in the next 1 days) (an error because "
        "mode 'promotion' runs P1, P2, P3, P4 on the 24x7 calendar; tickets fall to the team lead; add a "
        "layer, a backup schedule or an override)")]


@pytest.mark.parametrize("enabled", [True, False], ids=["collector-on", "collector-off"])
def test_load_leaves_the_garbage_collector_as_it_found_it(enabled: bool, tmp_path: Path) -> None:
    """load and check pause the cyclic collector while they build, and restore the host's
    setting afterwards, also when the config is refused."""
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        engine.load(MINIMAL)
        assert gc.isenabled() is enabled
        with pytest.raises(engine.ConfigError, match=f"^{re.escape(UNKNOWN_REFS_FIRST)}$"):
            engine.load(materialise(DATA / "invalid" / "unknown-refs", tmp_path))
        assert gc.isenabled() is enabled
        engine.check(MINIMAL)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_the_model_is_freed_before_the_collector_is_back_on() -> None:
    """The first collection after a load scans everything the load allocated that is still
    alive: the engine only, not the model and its YAML trees (at scale a quarter of the
    load when they were still held)."""
    import gc

    from engine.config.model import Config

    seen: list[bool] = []
    earlier = [o for o in gc.get_objects() if isinstance(o, Config)]   # other tests' (kept alive here)
    known = {id(o) for o in earlier}

    def first_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and not seen:
            seen.append(any(isinstance(o, Config) and id(o) not in known for o in gc.get_objects(generation=0)))

    was, thresholds = gc.isenabled(), gc.get_threshold()
    gc.enable()
    gc.set_threshold(700, 10, 10)   # CPython's defaults (a replay test may have raised them)
    gc.callbacks.append(first_collection)
    held: list[list[int]] = []
    try:
        loaded = engine.load(MINIMAL)
        while not seen and len(held) < 100_000:   # the collection comes with new objects
            held.append([])
    finally:
        gc.callbacks.remove(first_collection)
        gc.set_threshold(*thresholds)
        gc.enable() if was else gc.disable()
    assert loaded.config_version.startswith("sha256:")
    assert seen == [False]


def test_every_code_the_golden_configs_show_is_documented() -> None:
    """docs/config.md is where codes are listed for tools that match on them."""
    docs = (REPO / "docs" / "config.md").read_text(encoding="utf-8")
    codes = {code for case in INVALID
             for code in re.findall(r"(?:error|warning)\[([a-z0-9.-]+)\]", (case / "expected.txt").read_text())}
    assert sorted(code for code in codes if f"`{code}`" not in docs) == []
