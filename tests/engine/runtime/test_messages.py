"""The template context built from a real ticket on the reference config (runtime.messages)."""
from __future__ import annotations

from typing import Any, NamedTuple

import pytest

import engine
from engine.config.values import parse_datetime
from engine.notify.context import CONTEXT_VARIABLES, sample_context
from engine.notify.render import Renderer
from engine.runtime.messages import build_context
from helpers import REPO

URL = "https://tickets.yunji.example/t/{ticket}"
RENDERER = Renderer.compile(locale="zh")


class Fired(NamedTuple):
    """A capital-loss P1 created at 00:05 on Double 11 and the notifications due by 00:30."""

    engine: engine.Engine
    state: dict[str, Any]
    notifications: list[dict[str, Any]]

    def context(self, notification: dict[str, Any], locale: str = "zh") -> dict[str, Any]:
        return build_context(self.engine.compiled, self.state, notification,
                             parse_datetime(notification["at"]).timestamp(), locale, URL)


@pytest.fixture(scope="module")
def fired(reference: engine.Engine) -> Fired:
    created = reference.evaluate({"type": "created", "ticket": "T-1", "at": "2026-11-11T00:05:00+08:00",
                                  "category": "trade/order/create-failed", "tags": ["资损"]})
    return Fired(reference, created.state,
                 reference.due(created.state, "2026-11-11T00:30:00+08:00").notifications)


def test_build_context_for_an_escalation_to_a_manager(fired: Fired) -> None:
    escalation = next(n for n in fired.notifications if n["level"] == 1 and n["channel"] == "sms")
    assert fired.context(escalation) == {
        "ticket": {"id": "T-1", "title": "", "url": "https://tickets.yunji.example/t/T-1",
                   "status": "open", "tags": ["资损", "capital-loss"]},
        "category": {"id": "trade/order/create-failed", "name": "下单失败"},
        "level": {"id": "P1", "name": "紧急", "label": "P1 紧急"},
        "team": {"id": "trade-order", "name": "交易-下单"},
        "assignee": {"id": "meng-tianyou", "name": "孟天佑"},
        "recipient": {"kind": "person", "id": "zhang-zhiyuan", "name": "张志远",
                      "timezone": "Asia/Shanghai"},
        "clock": "response", "clock_label": "响应", "kind": "escalate", "level_no": 1, "step": 3,
        "channel": "sms", "at_mobiles": ["13878886881"], "mode": "promotion",
        "due": "11-11 00:10", "due_iso": "2026-11-11T00:10:00+08:00",
        "overdue": "已超时 15 分钟", "overdue_minutes": 15, "remaining": "", "remaining_minutes": 0,
        "solution": {"runbook": "https://wiki.yunji.example/runbooks/trade-order-create-failed",
                     "checklist": ["查看下单接口错误率与最近发布", "按订单号查询订单与支付流水",
                                   "确认支付回调是否到达", "支付成功未建单的按流水补单"],
                     "related": ["payment/gateway/callback-lost"]},
        "resolution": {"code": "", "text": ""},
    }
    assert RENDERER.render("escalate", "sms", fired.context(escalation)) == (
        "", "【P1 紧急】T-1 下单失败，响应已超时 15 分钟，升级至第 1 级: 张志远，处理人: 孟天佑")


def test_build_context_for_the_group_robot_in_english(fired: Fired) -> None:
    group = next(n for n in fired.notifications if n["channel"] == "dingtalk_group")
    context = fired.context(group, "en")
    assert {k: context[k] for k in ("recipient", "clock_label", "kind", "overdue", "remaining",
                                    "at_mobiles")} == {
        "recipient": {"kind": "group", "id": "trade-order-robot", "name": "交易-下单",
                      "timezone": "Asia/Shanghai"},
        "clock_label": "response", "kind": "breach", "overdue": "", "remaining": "",
        "at_mobiles": ["13878886881"]}


def test_build_context_shows_times_in_the_recipients_timezone(fired: Fired) -> None:
    """su-yang works from Los Angeles: the same deadline reads as the evening before."""
    notification = {"at": "2026-11-11T00:12:30+08:00", "clock": "response", "kind": "breach",
                    "step": 1, "level": 0, "channel": "dingtalk",
                    "to": {"person": "su-yang", "address": "31000817"}}
    context = fired.context(notification, "en")
    assert {k: context[k] for k in ("recipient", "due", "due_iso", "overdue", "overdue_minutes")} == {
        "recipient": {"kind": "person", "id": "su-yang", "name": "苏洋",
                      "timezone": "America/Los_Angeles"},
        "due": "11-10 08:10", "due_iso": "2026-11-10T08:10:00-08:00",
        "overdue": "2 min overdue", "overdue_minutes": 2}


def test_context_names_are_documented_everywhere(fired: Fired) -> None:
    docs = (REPO / "docs" / "templates.md").read_text(encoding="utf-8")
    escalation = next(n for n in fired.notifications if n["level"] == 1)
    assert set(fired.context(escalation)) == set(CONTEXT_VARIABLES) == set(sample_context())
    assert [name for name in CONTEXT_VARIABLES if f"`{name}`" not in docs] == []
