"""Reminders, urging and escalation up the management chain, on a fixed clock."""
from __future__ import annotations

import json
from typing import Any

import engine

P1 = {"type": "created", "ticket": "T-1", "category": "trade/order/create-failed", "tags": ["资损"]}


def created(eng: engine.Engine, at: str, **extra: Any) -> dict[str, Any]:
    return eng.evaluate({**P1, "at": at, **extra}).to_dict()


def due(eng: engine.Engine, state: dict[str, Any], now: str) -> dict[str, Any]:
    """`Engine.due` on the state as a host stores it (through JSON)."""
    return eng.due(json.loads(json.dumps(state)), now).to_dict()


def sent(decision: dict[str, Any]) -> list[tuple[str, str, str, int, str, str]]:
    return [(n["at"][11:19], n["kind"], n["clock"], n["level"], n["channel"],
             n["to"].get("person") or "group:" + n["to"]["group"]) for n in decision["notifications"]]


def test_a_p1_climbs_level_by_level_to_the_ceo(reference: engine.Engine) -> None:
    d = created(reference, "2026-11-09T10:00:00+08:00")
    assert (d["severity"], d["assignee"]["person"], d["next_wakeup"]) == (
        "P1", "xiong-yan", "2026-11-09T10:07:30+08:00")
    fired = due(reference, d["state"], "2026-11-09T10:55:00+08:00")
    assert sent(fired) == [
        ("10:07:30", "remind", "response", 0, "dingtalk", "xiong-yan"),
        ("10:15:00", "breach", "response", 0, "dingtalk", "xiong-yan"),
        ("10:15:00", "breach", "response", 0, "phone", "xiong-yan"),
        ("10:15:00", "breach", "response", 0, "dingtalk_group", "group:trade-order-robot"),
        ("10:20:00", "escalate", "response", 0, "dingtalk", "xu-ying"),
        ("10:20:00", "escalate", "response", 0, "phone", "xu-ying"),
        ("10:30:00", "escalate", "response", 1, "phone", "zhang-zhiyuan"),
        ("10:30:00", "escalate", "response", 1, "sms", "zhang-zhiyuan"),
        ("10:40:00", "escalate", "response", 2, "phone", "wang-jianguo"),
        ("10:40:00", "escalate", "response", 2, "sms", "wang-jianguo"),
        ("10:50:00", "escalate", "response", 3, "phone", "ceo"),
        ("10:50:00", "escalate", "response", 3, "sms", "ceo"),
    ]
    assert fired["notifications"][0]["to"] == {"person": "xiong-yan", "address": "31000273"}
    assert fired["next_wakeup"] == "2026-11-09T12:00:00+08:00"
    assert [(t["at"][11:19], t["clock"], t["kind"], t["level"]) for t in fired["timers"]] == [
        ("12:00:00", "resolve", "remind", 0), ("14:00:00", "resolve", "breach", 0),
        ("14:30:00", "resolve", "escalate", 1), ("15:00:00", "resolve", "escalate", 2),
        ("15:30:00", "resolve", "escalate", 3)]


def test_each_step_fires_exactly_once(reference: engine.Engine) -> None:
    d = created(reference, "2026-11-09T10:00:00+08:00")
    first = due(reference, d["state"], "2026-11-09T10:16:00+08:00")
    again = due(reference, first["state"], "2026-11-09T10:16:00+08:00")
    later = due(reference, again["state"], "2026-11-09T10:21:00+08:00")
    assert sent(first) == [
        ("10:07:30", "remind", "response", 0, "dingtalk", "xiong-yan"),
        ("10:15:00", "breach", "response", 0, "dingtalk", "xiong-yan"),
        ("10:15:00", "breach", "response", 0, "phone", "xiong-yan"),
        ("10:15:00", "breach", "response", 0, "dingtalk_group", "group:trade-order-robot"),
    ]
    assert again["notifications"] == []
    assert sent(later) == [("10:20:00", "escalate", "response", 0, "dingtalk", "xu-ying"),
                           ("10:20:00", "escalate", "response", 0, "phone", "xu-ying")]


def test_acknowledgement_in_the_middle_stops_the_response_climb(reference: engine.Engine) -> None:
    d = created(reference, "2026-11-09T10:00:00+08:00")
    urged = due(reference, d["state"], "2026-11-09T10:16:00+08:00")
    acked = reference.evaluate({"type": "acknowledged", "ticket": "T-1", "at": "2026-11-09T10:17:00+08:00"},
                            urged["state"]).to_dict()
    assert acked["sla"]["response"]["state"] == "breached"
    quiet = due(reference, acked["state"], "2026-11-09T11:59:00+08:00")
    assert quiet["notifications"] == []
    assert quiet["next_wakeup"] == "2026-11-09T12:00:00+08:00"


def test_a_transfer_before_breach_urges_the_new_assignee(reference: engine.Engine) -> None:
    """trade-order supervises its transfers (rosters.yaml): xiong-yan, who handed the
    ticket over, is told of the breach too, on the step's person channels."""
    d = created(reference, "2026-11-09T10:00:00+08:00")
    reminded = due(reference, d["state"], "2026-11-09T10:07:30+08:00")
    moved = reference.evaluate({"type": "transferred", "ticket": "T-1", "at": "2026-11-09T10:10:00+08:00",
                             "to": {"person": "li-qiang"}}, reminded["state"]).to_dict()
    fired = due(reference, moved["state"], "2026-11-09T10:15:00+08:00")
    assert sent(reminded) == [("10:07:30", "remind", "response", 0, "dingtalk", "xiong-yan")]
    assert sent(fired) == [
        ("10:15:00", "breach", "response", 0, "dingtalk", "li-qiang"),
        ("10:15:00", "breach", "response", 0, "phone", "li-qiang"),
        ("10:15:00", "breach", "response", 0, "dingtalk_group", "group:trade-order-robot"),
        ("10:15:00", "breach", "response", 0, "dingtalk", "xiong-yan"),
        ("10:15:00", "breach", "response", 0, "phone", "xiong-yan"),
    ]
    assert moved["supervisors"] == ["xiong-yan"]


def test_a_friday_evening_ticket_waits_for_mondays_hours(reference: engine.Engine) -> None:
    d = reference.evaluate({"type": "created", "ticket": "T-2", "at": "2026-11-13T18:00:00+08:00",
                         "category": "trade/order/order-stuck"}).to_dict()
    assert (d["severity"], d["sla"]["response"]["due"]) == ("P3", "2026-11-16T14:00:00+08:00")
    weekend = due(reference, d["state"], "2026-11-15T23:59:00+08:00")
    assert weekend["notifications"] == []
    monday = due(reference, weekend["state"], "2026-11-16T15:00:00+08:00")
    assert sent(monday) == [
        ("10:30:00", "remind", "response", 0, "dingtalk", "ding-ling"),
        ("14:00:00", "breach", "response", 0, "dingtalk", "ding-ling"),
        ("14:00:00", "breach", "response", 0, "dingtalk_group", "group:trade-order-robot"),
        ("14:10:00", "escalate", "response", 0, "dingtalk", "xu-ying"),
        ("14:10:00", "escalate", "response", 0, "sms", "xu-ying"),
        ("14:25:00", "escalate", "response", 1, "dingtalk", "zhang-zhiyuan"),
        ("14:25:00", "escalate", "response", 1, "phone", "zhang-zhiyuan"),
        ("14:40:00", "escalate", "response", 2, "dingtalk", "wang-jianguo"),
        ("14:40:00", "escalate", "response", 2, "phone", "wang-jianguo"),
        ("14:55:00", "escalate", "response", 3, "dingtalk", "ceo"),
        ("14:55:00", "escalate", "response", 3, "phone", "ceo"),
    ]


def test_a_pause_holds_the_timers(reference: engine.Engine) -> None:
    d = reference.evaluate({"type": "created", "ticket": "T-3", "at": "2026-11-16T09:00:00+08:00",
                         "category": "trade/order/order-stuck"}).to_dict()
    held = reference.evaluate({"type": "status_changed", "ticket": "T-3", "at": "2026-11-16T10:00:00+08:00",
                            "status": "pending"}, d["state"]).to_dict()
    assert (held["timers"], held["next_wakeup"]) == ([], None)
    assert due(reference, held["state"], "2026-11-20T10:00:00+08:00")["notifications"] == []
    back = reference.evaluate({"type": "status_changed", "ticket": "T-3", "at": "2026-11-17T09:00:00+08:00",
                            "status": "investigating"}, held["state"]).to_dict()
    assert back["next_wakeup"] == "2026-11-17T10:00:00+08:00"  # 2h of 4h: 1h used, 1h to go


def test_the_state_records_fired_steps(reference: engine.Engine) -> None:
    d = created(reference, "2026-11-09T10:00:00+08:00")
    fired = due(reference, d["state"], "2026-11-09T10:16:00+08:00")
    assert fired["state"]["fired"] == ["critical:response:0:0", "critical:response:1:0"]
    assert fired["event"] == "due" and fired["at"] == "2026-11-09T10:16:00+08:00"


def test_fired_steps_are_rendered_for_their_channel(reference: engine.Engine) -> None:
    d = created(reference, "2026-11-09T10:00:00+08:00")
    fired = due(reference, d["state"], "2026-11-09T10:31:00+08:00")
    by = {(n["level"], n["channel"]): (n["subject"], n["body"]) for n in fired["notifications"]
          if n["kind"] != "remind"}
    assert by[(0, "dingtalk_group")] == (
        "【P1 紧急】工单 T-1 响应已超时",
        ("### 【P1 紧急】工单 T-1 响应已超时\n**下单失败**\n\n- 响应截止: 11-09 10:15\n"
        "- 处理人: 熊艳，请立即处理\n\n[查看工单](https://tickets.yunji.example/t/T-1)\n\n@13843358095"))
    assert by[(1, "sms")] == ("", "【P1 紧急】T-1 下单失败，响应已超时 15 分钟，升级至第 1 级: 张志远，处理人: 熊艳")
    assert by[(1, "phone")] == ("", ("张志远您好，工单 T-1 的响应已超时 15 分钟，已升级至第 1 级，由您跟进。"
                                    "等级 P1 紧急，分类下单失败，处理人熊艳。请尽快处理。"))
    assert reference.due(d["state"], "2026-11-09T10:31:00+08:00").to_dict(render=False)["notifications"][0] == {
        "at": "2026-11-09T10:07:30+08:00", "clock": "response", "kind": "remind", "policy": "critical", "step": 0,
        "level": 0,
        "channel": "dingtalk", "to": {"person": "xiong-yan", "address": "31000273"}}
