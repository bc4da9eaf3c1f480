"""`gongdan render` through CliRunner: the exact preview of a default or an override on a
sample ticket the engine makes from the config, its length, and what limits cut."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REPO, run_cli

AT = "2026-11-09T10:00:00+08:00"
RULE = "─" * 8
SMS = ("{% block body %}{{ ticket.id }} {{ category.name }} {{ ticket.title }} 已超时，请立即处理，"
       "处理人 {{ assignee.name }}{% endblock %}\n")
# 300 lines of 17 or 18 characters: the block bound (4,000) keeps the first 222 of them.
EMAIL = ("{% block subject %}{{ ticket.id }} 逐行{% endblock %}\n{% block body %}"
         "{% for a in " + str(list(range(15))) + " %}{% for b in " + str(list(range(20))) + " %}"
         "第 {{ a }}-{{ b }} 行 {{ ticket.id }}\n{% endfor %}{% endfor %}{% endblock %}\n")


@pytest.fixture
def overridden(minimal: Path) -> Path:
    (minimal / "templates" / "shop").mkdir(parents=True)
    (minimal / "templates" / "shop" / "escalate.sms.j2").write_text(SMS)
    (minimal / "templates" / "escalate.email.j2").write_text(EMAIL)
    return minimal


def test_a_default_on_the_reference_config() -> None:
    code, out, err = run_cli("render", "breach", "sms", "--config", str(REPO), "--category",
                             "trade/order/create-failed", "--at", AT)
    assert (code, err) == (0, "")
    assert out == (
        "template  default:zh/breach.sms.j2\n"
        "ticket    T-1024 trade/order/create-failed, P2, mode daily, team trade-order, assignee xiong-yan\n"
        "message   breach on sms in zh, response clock, step 1, at 2026-11-09T10:30:00+08:00 "
        "(step 1 does not send on sms: its channels are dingtalk, dingtalk_group)\n"
        "subject   (sms has no subject)\n"
        "body      70 of 70 characters\n"
        f"{RULE}\n【P2 高】T-1024 下单失败，响应已超时，处理人: 熊艳，https://tickets.yunji.example/t/T-1024\n{RULE}\n"
        "cut       nothing\n")


def test_an_sms_override_over_the_limit_shows_the_part_past_it(overridden: Path) -> None:
    title = "支付成功但订单一直没有创建，用户反复投诉，客服已经升级三次，仓库也在催，请尽快回电处理"
    code, out, _ = run_cli("render", "escalate", "sms", "--config", str(overridden), "--category", "shop/order",
                           "--severity", "P1", "--at", AT, "--title", title)
    body = f"T-1024 下单 {title} 已超时，请立即处理，处理人 Carol"
    assert code == 0
    assert out == (
        "template  templates/shop/escalate.sms.j2\n"
        "ticket    T-1024 shop/order, P1, mode daily, team shop-order, assignee carol\n"
        "message   escalate on sms in zh, response clock, step 1, level 1, at 2026-11-09T10:20:00+08:00 "
        "(step 1 does not send on sms: its channels are phone)\n"
        "subject   (sms has no subject)\n"
        f"body      {len(body)} of 70 characters\n"
        f"{RULE}\n{body}\n{RULE}\n"
        f"over      {len(body) - 70} characters past the sms limit of 70: {body[70:]}\n")
    assert len(body) - 70 == 3


def test_default_shows_the_shipped_template_where_an_override_exists(overridden: Path) -> None:
    code, out, _ = run_cli("render", "escalate", "sms", "--config", str(overridden), "--category", "shop/order",
                           "--at", AT, "--default")
    assert code == 0
    assert out.splitlines()[0] == "template  default:zh/escalate.sms.j2"


def test_a_block_over_the_bound_shows_what_was_not_sent(overridden: Path) -> None:
    code, out, _ = run_cli("render", "escalate", "email", "--config", str(overridden), "--category", "shop/order",
                           "--at", AT)
    lines = [f"第 {a}-{b} 行 T-1024" for a in range(15) for b in range(20)]
    bounded = ("\n".join(lines) + "\n")[:4000]           # cut at the last line break within 4,000
    kept = bounded[:bounded.rfind("\n")]
    cut = "\n".join(lines)[len(kept):].strip()
    body = kept + "\n…（内容过长，已截断）"
    assert code == 0
    assert out == (
        "template  templates/escalate.email.j2\n"
        "ticket    T-1024 shop/order, P3, mode daily, team shop-order, assignee carol\n"
        "message   escalate on email in zh, resolve clock, step 2, level 1, at 2026-11-20T11:00:00+08:00\n"
        "subject   T-1024 逐行\n"
        "body      3,999 of 4,000 characters\n"
        f"{RULE}\n{body}\n{RULE}\n"
        "cut       body: 761 characters past the block bound of 4,000, not sent:\n"
        f"{RULE}\n{cut}\n{RULE}\n")
    assert (len(body), len(cut), cut.splitlines()[0]) == (3999, 761, "第 12-14 行 T-1024")


def test_english_json_for_a_notice_to_supervisors() -> None:
    code, out, _ = run_cli("render", "acknowledged", "dingtalk", "--config", str(REPO), "--category",
                           "trade/order/create-failed", "--at", AT, "--locale", "en", "--format", "json")
    assert code == 0
    preview = json.loads(out)
    assert {k: v for k, v in preview.items() if k not in ("body", "subject")} == {
        "template": "default:en/acknowledged.dingtalk.j2", "channel": "dingtalk", "length": len(preview["body"]),
        "limit": 4000, "over": "", "cut": [], "ticket": "T-1024", "kind": "acknowledged",
        "at": "2026-11-09T10:10:00+08:00"}
    assert preview["subject"] == "[P2 高] Ticket T-1024 you handed over is acknowledged"


@pytest.mark.parametrize("args, message", [
    pytest.param(["--severity", "P0"], "Invalid value for --severity: unknown level 'P0' (levels: P1, P2, P3, P4)",
                 id="unknown-level"),
    pytest.param(["--mode", "promo"], "Invalid value for --mode: unknown mode 'promo' (modes: daily, promotion)",
                 id="unknown-mode"),
    pytest.param(["--at", "2026-11-09T10:00:00"], "has no UTC offset", id="naive-at"),
])
def test_bad_options_are_usage_errors(args: list[str], message: str) -> None:
    code, _, err = run_cli("render", "breach", "sms", "--config", str(REPO), "--category", "trade/order",
                           *([] if "--at" in args else ["--at", AT]), *args)
    assert code == 2
    assert message in err
