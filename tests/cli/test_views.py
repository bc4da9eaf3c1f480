"""`gongdan views`: the views of each mode, or of one, as text or JSON."""
from __future__ import annotations

import json

from helpers import MINIMAL, REPO, run_cli

PROMOTION = (
    "promotion:\n"
    "    10  trade-p1-p2  交易链路 P1/P2  (views.yaml:9)\n"
    "        category {prefix: trade/}; severity [P1, P2]\n"
    "    20  payment-p1-p2  支付链路 P1/P2  (views.yaml:14)\n"
    "        team [payment-gateway, payment-risk, payment-settlement, payment-wallet]; severity [P1, P2]\n"
    "    30  capital-loss  资损  (views.yaml:19)\n"
    "        tags 资损\n"
    "    40  escalated-l2  已升级到二级及以上  (views.yaml:24)\n"
    "        escalation level ≥ 2\n"
    "    50  response-breached  响应已超时  (views.yaml:29)\n"
    "        response breached\n"
    "    60  p1-resolve-at-risk  P1 解决时效告急  (views.yaml:34)\n"
    "        severity P1; resolve used 80%\n"
)


def test_every_mode_in_mode_order() -> None:
    daily = "daily:\n    30  capital-loss  资损  (views.yaml:19)\n        tags 资损\n"
    assert run_cli("views", "--config", str(REPO)) == (0, daily + PROMOTION, "")


def test_one_mode() -> None:
    assert run_cli("views", "--mode", "promotion", "--config", str(REPO)) == (0, PROMOTION, "")


def test_json() -> None:
    code, out, err = run_cli("views", "--mode", "daily", "--format", "json", "--config", str(REPO))
    assert (code, err, json.loads(out)) == (0, "", {"daily": [
        {"id": "capital-loss", "order": 30, "title": "资损", "modes": ["promotion", "daily"],
         "conditions": ["tags 资损"], "where": "views.yaml:19"}]})


def test_an_unknown_mode_is_a_usage_error() -> None:
    code, out, err = run_cli("views", "--mode", "peak", "--config", str(REPO))
    assert (code, out) == (2, "")
    assert err.endswith("Error: Invalid value for --mode: unknown mode 'peak' (modes: daily, promotion)\n")


def test_a_config_without_views() -> None:
    assert run_cli("views", "--config", str(MINIMAL)) == (0, "daily: no views\npromotion: no views\n", "")
