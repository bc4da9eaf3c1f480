"""DingTalk custom group robots (`dingtalk_group`): one signed webhook per endpoint name (the
name teams give as `group.dingtalk_group` in rosters.yaml), a markdown message with its
@mentions, and the robot's errcodes mapped to delivered, retry or give up."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import httpx

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.digest import digest
from engine.serve.channels.dingtalk_reply import not_json, read_reply
from engine.serve.channels.markdown import (
    MARKDOWN_LIMIT_BYTES,
    Mentions,
    fit,
    one_line,
    utf8_len,
)
from engine.serve.channels.results import DELIVERED, permanent, retry
from engine.serve.channels.transport import (
    DEFAULT_TIMEOUT_S,
    http_client,
    request,
    status_failure,
)

__all__ = ["ROBOT_REJECTED", "ROBOT_THROTTLED", "THROTTLE_WINDOW_S", "DingTalkGroupChannel",
           "Robot", "digest", "message", "robot_result", "sign", "signed_url"]

ROBOT_REJECTED = frozenset({310000})          # keyword, signature, timestamp or IP-list rule
ROBOT_THROTTLED = frozenset({130101, 410100})  # "send too fast": over 20 messages a minute
THROTTLE_WINDOW_S = 60.0                      # the robot's budget is counted per minute
DEFAULT_TITLE = "Gongdan"


@dataclass(frozen=True, slots=True)
class Robot:
    """One group's custom robot as the channels file names it. The webhook carries the
    access token and the secret signs: neither is shown in a repr or an error."""

    name: str
    webhook: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)
    timeout_s: float = DEFAULT_TIMEOUT_S


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature, URL-encoded for the query string:
    base64(HMAC-SHA256(key=secret, msg="{timestamp_ms}\\n{secret}"))."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    mac = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(mac))


def signed_url(robot: Robot, now_s: float) -> str:
    """The webhook with `&timestamp=...&sign=...` when the robot signs, else as written."""
    if robot.secret is None:
        return robot.webhook
    timestamp_ms = round(now_s * 1000)
    joiner = "&" if "?" in robot.webhook else "?"
    signature = sign(robot.secret, timestamp_ms)
    return f"{robot.webhook}{joiner}timestamp={timestamp_ms}&sign={signature}"


def message(delivery: Delivery, limit: int = MARKDOWN_LIMIT_BYTES) -> dict[str, Any]:
    """The robot's markdown message: the subject as title, the body (cut to `limit` bytes)
    followed by any @mention the body does not already carry."""
    mentions = Mentions.of(delivery.notification)
    text = fit(delivery.body, limit - utf8_len(mentions.suffix("")))
    return {"msgtype": "markdown",
            "markdown": {"title": one_line(delivery.subject) or DEFAULT_TITLE,
                         "text": text + mentions.suffix(text)},
            "at": mentions.at()}


def robot_result(response: httpx.Response, label: str, now: Callable[[], float]) -> SendResult:
    """The robot's answer: errcode 0 delivered; 310000 permanent; 130101 and 410100 retried
    after the minute window; any other errcode, a non-JSON answer, 5xx: retried."""
    failed = status_failure(response, label, now)
    if failed is not None:
        return failed
    reply = read_reply(response)
    if reply is None:
        return retry(not_json(label, response))
    if reply.errcode == 0:
        return DELIVERED
    if reply.errcode in ROBOT_THROTTLED:
        return retry(reply.describe(label), THROTTLE_WINDOW_S)
    if reply.errcode in ROBOT_REJECTED:
        return permanent(reply.describe(label))
    return retry(reply.describe(label))


class DingTalkGroupChannel:
    """The `dingtalk_group` channel: routes a delivery to the robot its `to.group` names."""

    name = "dingtalk_group"
    __slots__ = ("_client", "_now", "_robots")

    def __init__(self, robots: Iterable[Robot], *, now: Callable[[], float] = time.time) -> None:
        self._robots = {robot.name: robot for robot in robots}
        self._client = http_client()
        self._now = now

    @property
    def robots(self) -> Mapping[str, Robot]:
        """The robots by endpoint name (the app checks rosters.yaml's names against them)."""
        return MappingProxyType(self._robots)

    def send(self, delivery: Delivery) -> SendResult:
        """Post the delivery's markdown to its group's robot; never raises for a delivery."""
        robot = self._robot_for(delivery)
        if isinstance(robot, SendResult):
            return robot
        label = f"dingtalk_group {robot.name}"
        body = json.dumps(message(delivery), ensure_ascii=False).encode()
        got = request(self._client, "POST", signed_url(robot, self._now()), label=label,
                      timeout_s=robot.timeout_s, content=body,
                      headers={"content-type": "application/json; charset=utf-8"})
        return got if isinstance(got, SendResult) else robot_result(got, label, self._now)

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def _robot_for(self, delivery: Delivery) -> Robot | SendResult:
        group = delivery.to.get("group")
        if not isinstance(group, str) or not group:
            return permanent("dingtalk_group: the delivery names no group endpoint")
        robot = self._robots.get(group)
        if robot is None:
            return permanent(f"dingtalk_group: no endpoint {group!r} in the channels file")
        return robot
