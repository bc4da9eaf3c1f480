"""Team duty: the mode's schedules, the fallback chain and `Engine.oncall`."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import engine
from engine.duty.teams import OnCall
from helpers import MINIMAL


@pytest.mark.parametrize("team, at, mode, expected", [
    pytest.param("trade-order", "2026-11-02T10:00:00+08:00", None,
                 OnCall("xiong-yan", "ding-ling", "trade-order-primary/business-hours"), id="business-hours"),
    pytest.param("trade-order", "2026-11-02T20:00:00+08:00", None,
                 OnCall("sun-chen", "ding-ling", "trade-order-primary/weekly"), id="evening-weekly"),
    pytest.param("trade-order", "2026-11-11T00:05:00+08:00", None,
                 OnCall("meng-tianyou", "li-qiang", "trade-order-d11/override"), id="promotion-override"),
    pytest.param("trade-order", "2026-11-02T10:00:00+08:00", "promotion",
                 OnCall("ding-ling", "ding-ling", "trade-order-d11/shifts"), id="forced-promotion"),
    pytest.param("trade-cart", "2026-11-02T10:00:00+08:00", None,
                 OnCall("wei-ping", "zheng-xiuying", "trade-cart-primary/weekly"), id="plain-weekly"),
    pytest.param("trade-cart", "2026-01-05T08:00:00+08:00", None, OnCall(None, None, None),
                 id="before-the-rosters-start"),
])
def test_oncall_reports_the_schedules_as_they_are(reference: engine.Engine, team: str, at: str, mode: str | None,
                                                   expected: OnCall) -> None:
    assert reference.oncall(team, at, mode) == expected


def test_oncall_takes_datetimes_and_refuses_naive_ones(reference: engine.Engine) -> None:
    at = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    assert reference.oncall("trade-cart", at).primary == "wei-ping"
    with pytest.raises(engine.EventError, match=r"^at: naive datetime \(no UTC offset\)$"):
        reference.oncall("trade-cart", datetime(2026, 11, 2, 10, 0))


def test_oncall_unknown_team_suggests(reference: engine.Engine) -> None:
    with pytest.raises(LookupError, match=r"^unknown team 'trade-ordr' \(did you mean 'trade-order'\?\)$"):
        reference.oncall("trade-ordr", "2026-11-02T10:00:00+08:00")


def _created(eng: engine.Engine, at: str, category: str = "shop/order/slow") -> dict[str, object]:
    return eng.evaluate({"type": "created", "ticket": "T-1", "at": at, "category": category}).to_dict()


def _minimal_with(tmp_path: Path, old: str, new: str) -> engine.Engine:
    import shutil
    target = tmp_path / "cfg"
    shutil.copytree(MINIMAL, target)
    rosters = target / "rosters.yaml"
    assert old in rosters.read_text()
    rosters.write_text(rosters.read_text().replace(old, new))
    return engine.load(target)


def test_primary_takes_the_ticket() -> None:
    d = _created(engine.load(MINIMAL), "2026-11-03T10:00:00+08:00")
    assert (d["team"], d["assignee"], d["flags"]) == (
        "shop-order", {"person": "alice", "source": "order-primary/weekly"}, [])
    assert d["trace"][-2] == "on duty alice (order-primary/weekly)"


def test_backup_takes_it_when_the_primary_has_nobody(tmp_path: Path) -> None:
    eng = _minimal_with(tmp_path, '        handoff: "0 9 * * 1"\n  order-backup',
                        '        handoff: "0 9 * * 1"\n        active: [{cron: "0 9 * * 1-5", for: 9h}]\n  order-backup')
    d = _created(eng, "2026-11-03T20:00:00+08:00")
    assert (d["assignee"], d["flags"]) == ({"person": "carol", "source": "order-backup/weekly"}, ["roster_gap"])
    assert d["trace"][-2] == "roster gap: nobody on duty for shop-order → order-backup/weekly carol"


def test_the_lead_takes_it_when_both_have_nobody(tmp_path: Path) -> None:
    eng = _minimal_with(tmp_path, "      daily: {primary: order-primary, backup: order-backup}\n",
                        "      daily: {primary: order-primary}\n")
    d = _created(eng, "2026-11-01T10:00:00+08:00")  # before order-primary starts
    assert (d["assignee"], d["flags"]) == ({"person": "bob", "source": "shop-order/lead"}, ["roster_gap"])


def test_a_mode_without_duty_uses_the_default_modes() -> None:
    eng = engine.load(MINIMAL)
    d = eng.evaluate({"type": "created", "ticket": "T-1", "at": "2026-11-11T10:00:00+08:00",
                      "category": "pay"}).to_dict()
    assert (d["mode"], d["team"], d["assignee"]) == (
        "promotion", "shop-sre", {"person": "dave", "source": "order-backup/weekly"})


def test_the_public_api_names_match_the_spec(reference: engine.Engine) -> None:
    assert engine.OnCall is OnCall
    assert reference.oncall("trade-cart", "2026-11-02T10:00:00+08:00")._fields == ("primary", "backup", "source")
    for name in ("load", "check", "Engine", "Decision", "Diagnostic", "ConfigError", "EventError", "InternalError"):
        assert hasattr(engine, name), name
