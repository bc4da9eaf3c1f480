"""`team_group` on the `email` channel: the team's `group.email` mailbox, as documented."""
from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

import engine
from helpers import REPO

CHECK = Draft202012Validator(json.loads((REPO / "schemas" / "decision.schema.json").read_text(encoding="utf-8")))


def test_team_group_on_email_goes_to_the_group_mailbox(minimal: Path) -> None:
    rosters = minimal / "rosters.yaml"
    rosters.write_text(rosters.read_text().replace(
        "group: {dingtalk_group: shop-order-robot}",
        "group: {dingtalk_group: shop-order-robot, email: shop-order@example.com}"))
    sla = minimal / "sla_profiles.yaml"
    sla.write_text(sla.read_text().replace(
        "- {at: 100%, notify: [assignee, team_group], channels: [dingtalk, dingtalk_group]}",
        "- {at: 100%, notify: [team_group], channels: [dingtalk_group, email]}"))
    eng = engine.load(minimal)
    created = eng.evaluate({"type": "created", "ticket": "T-1", "at": "2026-11-09T10:00:00+08:00",
                            "category": "shop/order/create-failed"})
    fired = eng.due(created.state, "2026-11-09T10:30:00+08:00").to_dict(render=False)
    assert [(n["kind"], n["channel"], n["to"]) for n in fired["notifications"]] == [
        ("remind", "dingtalk", {"person": "carol", "address": "0005"}),
        ("breach", "dingtalk_group", {"group": "shop-order-robot"}),
        ("breach", "email", {"group": "shop-order@example.com", "address": "shop-order@example.com"}),
    ]
    assert fired["flags"] == []
    rendered = eng.due(created.state, "2026-11-09T10:30:00+08:00").to_dict()
    assert [e.message for e in CHECK.iter_errors(rendered)] == []   # `{group, address}` is in the schema
    assert rendered["notifications"][2]["subject"].startswith("[Gongdan]")


def test_team_group_on_email_alone_passes_the_checks(minimal: Path) -> None:
    sla = minimal / "sla_profiles.yaml"
    sla.write_text(sla.read_text().replace(
        "- {at: 100%, notify: [assignee, team_group], channels: [dingtalk, dingtalk_group]}",
        "- {at: 100%, notify: [assignee, team_group], channels: [dingtalk, email]}"))
    assert [d.render() for d in engine.check(minimal)] == []
