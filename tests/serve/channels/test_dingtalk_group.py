"""DingTalk group robots against a loopback robot that checks the token, the signature and
its timestamp as DingTalk does, then plays the errcode each case asks for."""
from __future__ import annotations

import base64
import hashlib
import hmac
import socket
from collections.abc import Callable
from typing import Any

import pytest

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.dingtalk_group import (
    DingTalkGroupChannel,
    Robot,
    message,
    sign,
)

from .receivers import Answer, Receiver, Reply, Request, json_reply

TOKEN = "robot-access-token"
SECRET = "SECtest0123456789"
NOW = 1_700_000_000.123
SIGNED_QUERY = ("access_token=robot-access-token&timestamp=1700000000123"
                "&sign=Fu23Ue8IkFmlxFpmeItlgyo2GpWW6M6MFH5DnuAvYg8%3D")
LABEL = "dingtalk_group trade-order-robot"
BODY = "### [P1] T-1 response overdue\n\n- Assignee: Alice Meng, please act now"

Start = Callable[[Answer], Receiver]


def delivery(**changes: Any) -> Delivery:
    fields: dict[str, Any] = {
        "id": "d-1", "key": "T-1/response/0/0/dingtalk_group/trade-order-robot", "ticket": "T-1",
        "channel": "dingtalk_group", "to": {"group": "trade-order-robot"},
        "subject": "[P1] T-1 response overdue", "body": BODY,
        "notification": {"kind": "breach", "mention": ["0003"]}}
    return Delivery(**{**fields, **changes})


def fake_robot(errcode: int = 0, errmsg: str = "ok") -> Answer:
    """robot/send: a wrong token, a signature that does not match or a timestamp over an
    hour off are refused as DingTalk refuses them; otherwise the scripted answer."""
    def answer(request: Request) -> Reply:
        query = request.query
        if query.get("access_token") != [TOKEN]:
            return json_reply({"errcode": 300001, "errmsg": "token is not exist"})
        stamp, signature = query["timestamp"][0], query["sign"][0]
        mac = hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(signature, base64.b64encode(mac).decode()):
            return json_reply({"errcode": 310000, "errmsg": "sign not match"})
        if abs(int(stamp) / 1000 - NOW) > 3600:
            return json_reply({"errcode": 310000, "errmsg": "invalid timestamp"})
        return json_reply({"errcode": errcode, "errmsg": errmsg})
    return answer


def channel(base_url: str, secret: str | None = SECRET,
            timeout_s: float = 2.0) -> DingTalkGroupChannel:
    robot = Robot("trade-order-robot", f"{base_url}/robot/send?access_token={TOKEN}", secret,
                  timeout_s)
    return DingTalkGroupChannel([robot], now=lambda: NOW)


def send(base_url: str, item: Delivery, **options: Any) -> SendResult:
    robots = channel(base_url, **options)
    try:
        return robots.send(item)
    finally:
        robots.close()


def test_a_delivery_is_posted_signed_as_markdown_with_its_mentions(receiver: Start) -> None:
    robot = receiver(fake_robot())
    assert send(robot.url, delivery()) == SendResult(ok=True)
    [request] = robot.requests
    assert (request.method, request.path) == ("POST", "/robot/send")
    assert request.raw_query == SIGNED_QUERY
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.json() == {
        "msgtype": "markdown",
        "markdown": {"title": "[P1] T-1 response overdue", "text": BODY + "\n\n@0003"},
        "at": {"atUserIds": ["0003"], "atMobiles": [], "isAtAll": False}}


def test_the_signature_is_dingtalks() -> None:
    assert sign(SECRET, 1_700_000_000_123) == "Fu23Ue8IkFmlxFpmeItlgyo2GpWW6M6MFH5DnuAvYg8%3D"


@pytest.mark.parametrize(("errcode", "errmsg", "expected"), [
    pytest.param(0, "ok", SendResult(ok=True), id="ok"),
    pytest.param(310000, "keywords not in content",
                 SendResult(ok=False, retry=False,
                            error=f"{LABEL}: errcode 310000: keywords not in content"),
                 id="security-rule-is-permanent"),
    pytest.param(130101, "send too fast, exceed 20 times per minute",
                 SendResult(ok=False, retry=True, retry_after=60.0,
                            error=f"{LABEL}: errcode 130101: send too fast, exceed 20 times "
                                  "per minute"),
                 id="throttled-130101-waits-a-minute"),
    pytest.param(410100, "send too fast",
                 SendResult(ok=False, retry=True, retry_after=60.0,
                            error=f"{LABEL}: errcode 410100: send too fast"),
                 id="throttled-410100-waits-a-minute"),
    pytest.param(400013, "group is disbanded",
                 SendResult(ok=False, retry=True,
                            error=f"{LABEL}: errcode 400013: group is disbanded"),
                 id="unknown-errcode-is-retried"),
])
def test_errcodes(receiver: Start, errcode: int, errmsg: str, expected: SendResult) -> None:
    robot = receiver(fake_robot(errcode, errmsg))
    assert send(robot.url, delivery()) == expected
    assert len(robot.requests) == 1


def test_a_wrong_secret_is_refused_for_good(receiver: Start) -> None:
    robot = receiver(fake_robot())
    assert send(robot.url, delivery(), secret="SECwrong") == SendResult(
        ok=False, retry=False, error=f"{LABEL}: errcode 310000: sign not match")


def test_an_unsigned_robot_posts_to_its_webhook_as_written(receiver: Start) -> None:
    robot = receiver(lambda request: json_reply({"errcode": 0, "errmsg": "ok"}))
    assert send(robot.url, delivery(), secret=None) == SendResult(ok=True)
    assert [r.raw_query for r in robot.requests] == [f"access_token={TOKEN}"]


@pytest.mark.parametrize(("reply", "timeout_s", "expected"), [
    pytest.param(Reply(500, b"oops"), 2.0,
                 SendResult(ok=False, retry=True, error=f"{LABEL}: HTTP 500"), id="http-500"),
    pytest.param(Reply(503, b"", (("retry-after", "7"),)), 2.0,
                 SendResult(ok=False, retry=True, error=f"{LABEL}: HTTP 503", retry_after=7.0),
                 id="http-503-retry-after"),
    pytest.param(Reply(404, b"not found"), 2.0,
                 SendResult(ok=False, retry=False, error=f"{LABEL}: HTTP 404"), id="http-404"),
    pytest.param(Reply(200, b"<html>busy</html>"), 2.0,
                 SendResult(ok=False, retry=True,
                            error=f"{LABEL}: HTTP 200 with an answer that is not DingTalk JSON"),
                 id="not-json"),
    pytest.param(Reply(200, b'{"errmsg": "ok"}'), 2.0,
                 SendResult(ok=False, retry=True,
                            error=f"{LABEL}: HTTP 200 with an answer that is not DingTalk JSON"),
                 id="json-without-errcode"),
    pytest.param(Reply(slow=True), 0.2,
                 SendResult(ok=False, retry=True, error=f"{LABEL}: timed out (ReadTimeout)"),
                 id="slow-answer-times-out"),
])
def test_http_failures(receiver: Start, reply: Reply, timeout_s: float,
                       expected: SendResult) -> None:
    robot = receiver(lambda request: reply)
    assert send(robot.url, delivery(), timeout_s=timeout_s) == expected


def test_a_refused_connection_is_retried() -> None:
    with socket.socket() as probe:          # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert send(f"http://127.0.0.1:{port}", delivery()) == SendResult(
        ok=False, retry=True, error=f"{LABEL}: ConnectError: [Errno 111] Connection refused")


@pytest.mark.parametrize(("to", "error"), [
    pytest.param({}, "dingtalk_group: the delivery names no group endpoint", id="no-group"),
    pytest.param({"group": "trade-cart-robot"},
                 "dingtalk_group: no endpoint 'trade-cart-robot' in the channels file",
                 id="unknown-group"),
])
def test_the_delivery_must_name_a_configured_robot(receiver: Start, to: dict[str, str],
                                                   error: str) -> None:
    robot = receiver(fake_robot())
    assert send(robot.url, delivery(to=to)) == SendResult(ok=False, retry=False, error=error)
    assert robot.requests == []


@pytest.mark.parametrize(("changes", "title", "text", "at"), [
    pytest.param({}, "[P1] T-1 response overdue", BODY + "\n\n@0003",
                 {"atUserIds": ["0003"], "atMobiles": [], "isAtAll": False}, id="user-id"),
    pytest.param({"body": "due\n\n@13878886881",
                  "notification": {"mention_mobiles": ["13878886881"]}},
                 "[P1] T-1 response overdue", "due\n\n@13878886881",
                 {"atUserIds": [], "atMobiles": ["13878886881"], "isAtAll": False},
                 id="mobile-already-in-the-body"),
    pytest.param({"body": "due @138788868810",
                  "notification": {"mention": ["0003", "0003", 7],
                                   "mention_mobiles": ["13878886881"]}},
                 "[P1] T-1 response overdue", "due @138788868810\n\n@0003 @13878886881",
                 {"atUserIds": ["0003"], "atMobiles": ["13878886881"], "isAtAll": False},
                 id="longer-number-is-not-the-mention"),
    pytest.param({"subject": "", "notification": {}}, "Gongdan", BODY,
                 {"atUserIds": [], "atMobiles": [], "isAtAll": False}, id="empty-subject"),
    pytest.param({"subject": "[P1]\nT-1   overdue", "notification": {"mention": "0003"}},
                 "[P1] T-1 overdue", BODY,
                 {"atUserIds": [], "atMobiles": [], "isAtAll": False},
                 id="subject-on-one-line-mention-not-a-list"),
])
def test_message(changes: dict[str, Any], title: str, text: str, at: dict[str, Any]) -> None:
    assert message(delivery(**changes)) == {"msgtype": "markdown",
                                            "markdown": {"title": title, "text": text}, "at": at}


def test_a_body_over_the_limit_is_cut_between_characters_and_the_mentions_kept() -> None:
    body = "汉" * 10_000          # 30,000 bytes; 20,001 - 7 (mention) - 4 (mark) = 6,663⅓ of them
    text = message(delivery(body=body), limit=20_001)["markdown"]["text"]
    assert text == "汉" * 6_663 + "\n…" + "\n\n@0003"
    assert len(text.encode()) == 20_000


def test_a_robot_shows_neither_its_webhook_nor_its_secret() -> None:
    assert repr(Robot("trade-order-robot", "https://x/?access_token=t", "SEC1")) == (
        "Robot(name='trade-order-robot', timeout_s=10.0)")
