"""What the trace says about where a mode and an assignee came from: the mode window's
`name` and an override's `reason`, as docs/formats.md promises."""
from __future__ import annotations

from pathlib import Path

import engine

D7 = {"type": "created", "ticket": "D-7", "at": "2026-11-11T00:05:00+08:00",
      "category": "trade/order/create-failed", "tags": ["资损"]}


def test_a_created_trace_names_the_window_and_the_overrides_reason(reference: engine.Engine) -> None:
    trace = reference.evaluate(D7).to_dict()["trace"]
    assert trace[-3:-1] == ["mode promotion (window double11-2026)",
                            "on duty meng-tianyou (trade-order-d11/override: 双11 值守换班)"]


def test_an_explicit_mode_names_no_window(reference: engine.Engine) -> None:
    trace = reference.evaluate(D7, mode="promotion").to_dict()["trace"]
    assert not any(line.startswith("mode ") for line in trace)


def test_a_recompute_switch_names_the_window(minimal: Path) -> None:
    sla = minimal / "sla_profiles.yaml"
    sla.write_text(sla.read_text().replace("on_switch: keep", "on_switch: recompute"))
    eng = engine.load(minimal)
    created = eng.evaluate({"type": "created", "ticket": "T-1", "at": "2026-11-10T19:00:00+08:00",
                            "category": "shop/order"})
    later = eng.evaluate({"type": "acknowledged", "ticket": "T-1", "at": "2026-11-10T21:00:00+08:00"},
                         created.state)
    assert later.to_dict()["trace"][:2] == [
        "targets promotion P3 target: response 4h, resolve 3d on 24x7",
        "mode promotion (window double11) since 2026-11-10T12:00:00+00:00: targets recomputed"]
