"""DingTalk work notifications against a fake corp API on the loopback interface: tokens that
expire and are refused, refresh, one fetch for many threads, and DingTalk's silent drop of
content a user already got that day."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.dingtalk_work import CorpApp, DingTalkWorkChannel, refresh_at

from .receivers import Answer, Receiver, Reply, Request, json_reply

APP_KEY = "ding-app-key"
APP_SECRET = "ding-app-secret"
AGENT_ID = 2_874_001
SEND_PATH = "/topapi/message/corpconversation/asyncsend_v2"

Start = Callable[[Answer], Receiver]


@dataclass
class FakeCorpApi:
    """gettoken and asyncsend_v2 as these tests need them. `shown` is what users would see:
    content a user already got that day is dropped silently, with errcode 0, as DingTalk does."""

    expires_in: int = 7200
    token_delay_s: float = 0.0
    reject_every_token: bool = False
    token_down: bool = False
    issued: list[str] = field(default_factory=list)
    expired: set[str] = field(default_factory=set)
    revoked: set[str] = field(default_factory=set)
    shown: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: Request) -> Reply:
        if request.path == "/gettoken":
            return self._token(request.query)
        if request.path == SEND_PATH:
            return self._send(request.query["access_token"][0], request.json())
        return Reply(404)

    def _token(self, query: dict[str, list[str]]) -> Reply:
        time.sleep(self.token_delay_s)
        if self.token_down:
            return Reply(503)
        if query != {"appkey": [APP_KEY], "appsecret": [APP_SECRET]}:
            return json_reply({"errcode": 40089, "errmsg": "invalid appkey or appsecret"})
        with self.lock:
            self.issued.append(f"token-{len(self.issued) + 1}")
            token = self.issued[-1]
        return json_reply({"errcode": 0, "errmsg": "ok", "access_token": token,
                           "expires_in": self.expires_in})

    def _send(self, token: str, body: dict[str, Any]) -> Reply:
        if token in self.expired:
            return json_reply({"errcode": 42001, "errmsg": "access_token expired"})
        if token not in self.issued or token in self.revoked or self.reject_every_token:
            return json_reply({"errcode": 40014, "errmsg": "invalid access_token"})
        seen = (body["userid_list"], json.dumps(body["msg"], sort_keys=True))
        with self.lock:
            if seen not in self.shown:
                self.shown.append(seen)
        return json_reply({"errcode": 0, "errmsg": "ok", "task_id": 256271667526})


def delivery(**changes: Any) -> Delivery:
    fields: dict[str, Any] = {
        "id": "d-1", "key": "T-1/response/0/0/dingtalk/alice", "ticket": "T-1",
        "channel": "dingtalk", "to": {"person": "alice", "address": "0003"},
        "subject": "[P1] T-1 response overdue", "body": "### [P1] T-1 response overdue"}
    return Delivery(**{**fields, **changes})


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def channel(base_url: str, clock: Clock | None = None, timeout_s: float = 2.0,
            secret: str = APP_SECRET) -> DingTalkWorkChannel:
    app = CorpApp(AGENT_ID, APP_KEY, secret, base_url, timeout_s)
    return DingTalkWorkChannel(app, clock=clock or Clock())


def calls(receiver: Receiver) -> list[str]:
    """Each request as `gettoken` or `send with <token>`."""
    return ["gettoken" if r.path == "/gettoken" else f"send with {r.query['access_token'][0]}"
            for r in receiver.requests]


def test_a_notification_goes_to_the_userid_with_the_id_in_a_footer(receiver: Start) -> None:
    api = receiver(FakeCorpApi().answer)
    work = channel(api.url)
    assert work.send(delivery()) == SendResult(ok=True)
    token_request, send_request = api.requests
    assert (token_request.method, token_request.path, token_request.raw_query) == (
        "GET", "/gettoken", f"appkey={APP_KEY}&appsecret={APP_SECRET}")
    assert (send_request.method, send_request.raw_query) == ("POST", "access_token=token-1")
    assert send_request.json() == {
        "agent_id": AGENT_ID, "userid_list": "0003",
        "msg": {"msgtype": "markdown",
                "markdown": {"title": "[P1] T-1 response overdue",
                             "text": "### [P1] T-1 response overdue\n\n###### Gongdan d-1"}}}
    work.close()


def test_the_token_is_reused_then_refreshed_five_minutes_before_it_expires(receiver: Start) -> None:
    api = receiver(FakeCorpApi(expires_in=7200).answer)
    clock = Clock(1000.0)
    work = channel(api.url, clock)
    for now in (1000.0, 7899.0, 7900.0, 7901.0):
        clock.now = now
        assert work.send(delivery(id=f"d-{now:g}")) == SendResult(ok=True)
    assert calls(api) == ["gettoken", "send with token-1", "send with token-1",
                          "gettoken", "send with token-2", "send with token-2"]
    work.close()


def test_a_failed_refresh_keeps_the_token_until_it_expires(receiver: Start) -> None:
    fake = FakeCorpApi(expires_in=7200)
    api = receiver(fake.answer)
    clock = Clock(1000.0)
    work = channel(api.url, clock)
    assert work.send(delivery(id="d-1")) == SendResult(ok=True)
    fake.token_down = True
    clock.now = 8199.0                       # due for refresh, not yet expired (8200)
    assert work.send(delivery(id="d-2")) == SendResult(ok=True)
    clock.now = 8200.0
    assert work.send(delivery(id="d-3")) == SendResult(
        ok=False, retry=True, error="dingtalk gettoken: HTTP 503")
    assert calls(api) == ["gettoken", "send with token-1", "gettoken", "send with token-1",
                          "gettoken"]
    work.close()


@pytest.mark.parametrize("refusal", [pytest.param("expired", id="42001-expired"),
                                     pytest.param("revoked", id="40014-invalid")])
def test_a_refused_token_is_replaced_and_the_send_redone(receiver: Start, refusal: str) -> None:
    fake = FakeCorpApi()
    api = receiver(fake.answer)
    work = channel(api.url)
    assert work.send(delivery(id="d-1")) == SendResult(ok=True)
    (fake.expired if refusal == "expired" else fake.revoked).add("token-1")
    assert work.send(delivery(id="d-2")) == SendResult(ok=True)
    assert calls(api) == ["gettoken", "send with token-1",
                          "send with token-1", "gettoken", "send with token-2"]
    work.close()


def test_a_token_refused_twice_is_left_for_a_later_retry(receiver: Start) -> None:
    api = receiver(FakeCorpApi(reject_every_token=True).answer)
    work = channel(api.url)
    assert work.send(delivery()) == SendResult(
        ok=False, retry=True, error="dingtalk: errcode 40014: invalid access_token")
    assert calls(api) == ["gettoken", "send with token-1", "gettoken", "send with token-2"]
    work.close()


def test_same_content_twice_is_shown_twice_but_a_retried_delivery_once(receiver: Start) -> None:
    fake = FakeCorpApi()
    api = receiver(fake.answer)
    work = channel(api.url)
    for item in (delivery(id="d-1"), delivery(id="d-2"), delivery(id="d-2", attempt=2)):
        assert work.send(item) == SendResult(ok=True)
    assert [json.loads(msg)["markdown"]["text"] for _, msg in fake.shown] == [
        "### [P1] T-1 response overdue\n\n###### Gongdan d-1",
        "### [P1] T-1 response overdue\n\n###### Gongdan d-2"]
    work.close()


def test_threads_that_find_no_token_wait_for_one_fetch(receiver: Start) -> None:
    api = receiver(FakeCorpApi(token_delay_s=0.2).answer)
    work = channel(api.url)
    results: list[SendResult] = []
    threads = [threading.Thread(target=lambda n=n: results.append(work.send(delivery(id=f"d-{n}"))))
               for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == [SendResult(ok=True)] * 8
    assert sorted(calls(api)) == ["gettoken"] + ["send with token-1"] * 8
    work.close()


@pytest.mark.parametrize(("answer", "timeout_s", "expected"), [
    pytest.param(None, 2.0,
                 SendResult(ok=False, retry=True,
                            error="dingtalk gettoken: errcode 40089: invalid appkey or appsecret"),
                 id="wrong-secret"),
    pytest.param(Reply(502), 2.0,
                 SendResult(ok=False, retry=True, error="dingtalk gettoken: HTTP 502"),
                 id="http-502"),
    pytest.param(Reply(403), 2.0,
                 SendResult(ok=False, retry=True, error="dingtalk gettoken: HTTP 403"),
                 id="http-403-still-retried"),
    pytest.param(json_reply({"errcode": 0, "errmsg": "ok", "expires_in": 7200}), 2.0,
                 SendResult(ok=False, retry=True, error="dingtalk gettoken: errcode 0 without "
                            "an access_token and its expires_in"), id="no-token"),
    pytest.param(Reply(slow=True), 0.2,
                 SendResult(ok=False, retry=True,
                            error="dingtalk gettoken: timed out (ReadTimeout)"),
                 id="slow"),
])
def test_a_token_that_cannot_be_had_is_retried(receiver: Start, answer: Reply | None,
                                               timeout_s: float, expected: SendResult) -> None:
    fake = FakeCorpApi()
    api = receiver(fake.answer if answer is None else lambda request: answer)
    work = channel(api.url, timeout_s=timeout_s, secret="wrong" if answer is None else APP_SECRET)
    assert work.send(delivery()) == expected
    assert [r.path for r in api.requests] == ["/gettoken"]
    work.close()


@pytest.mark.parametrize(("reply", "expected"), [
    pytest.param(json_reply({"errcode": -1, "errmsg": "system busy"}),
                 SendResult(ok=False, retry=True, error="dingtalk: errcode -1: system busy"),
                 id="busy"),
    pytest.param(json_reply({"errcode": 88, "sub_code": "60011", "errmsg": "no permission"}),
                 SendResult(ok=False, retry=True, error="dingtalk: errcode 88: no permission"),
                 id="unknown-code-retried"),
    pytest.param(Reply(500, b"oops"),
                 SendResult(ok=False, retry=True, error="dingtalk: HTTP 500"), id="http-500"),
    pytest.param(Reply(429, b"", (("retry-after", "3"),)),
                 SendResult(ok=False, retry=True, error="dingtalk: HTTP 429", retry_after=3.0),
                 id="http-429"),
    pytest.param(Reply(200, b"<html/>"),
                 SendResult(ok=False, retry=True,
                            error="dingtalk: HTTP 200 with an answer that is not DingTalk JSON"),
                 id="not-json"),
])
def test_send_failures(receiver: Start, reply: Reply, expected: SendResult) -> None:
    fake = FakeCorpApi()
    api = receiver(lambda request: fake.answer(request) if request.path == "/gettoken" else reply)
    work = channel(api.url)
    assert work.send(delivery()) == expected
    work.close()


@pytest.mark.parametrize(("to", "error"), [
    pytest.param({"person": "alice", "address": None},
                 "dingtalk: person 'alice' has no DingTalk userid", id="no-userid"),
    pytest.param({"person": "alice", "address": "0003,0007"},
                 "dingtalk: person 'alice' has a userid with a comma", id="two-userids"),
])
def test_a_delivery_without_one_userid_is_refused_unsent(receiver: Start, to: dict[str, Any],
                                                          error: str) -> None:
    api = receiver(FakeCorpApi().answer)
    work = channel(api.url)
    assert work.send(delivery(to=to)) == SendResult(ok=False, retry=False, error=error)
    assert api.requests == []
    work.close()


@pytest.mark.parametrize(("fetched_at", "expires_in", "expected"), [
    pytest.param(0.0, 7200.0, 6900.0, id="five-minutes-early"),
    pytest.param(100.0, 7200.0, 7000.0, id="from-the-fetch"),
    pytest.param(0.0, 60.0, 30.0, id="short-lived-half-way"),
])
def test_refresh_at(fetched_at: float, expires_in: float, expected: float) -> None:
    assert refresh_at(fetched_at, expires_in) == expected


def test_the_app_shows_neither_key_nor_secret() -> None:
    assert repr(CorpApp(1, "k", "s")) == (
        "CorpApp(agent_id=1, base_url='https://oapi.dingtalk.com', timeout_s=10.0)")
