"""DingTalk work notifications (`dingtalk`) through a corp app: an access token fetched once,
shared by the worker threads and refreshed before it expires, and one asyncsend_v2 call per
delivery, to the one user id the delivery's address gives."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.dingtalk_reply import not_json, read_reply
from engine.serve.channels.results import DELIVERED, permanent, retry
from engine.serve.channels.transport import (
    DEFAULT_TIMEOUT_S,
    http_client,
    request,
    status_failure,
)

DEFAULT_BASE_URL = "https://oapi.dingtalk.com"
SEND_PATH = "/topapi/message/corpconversation/asyncsend_v2"
TOKEN_REJECTED = frozenset({40014, 42001})   # access_token invalid / expired: refresh, send again
REFRESH_MARGIN_S = 300.0                     # refresh this long before DingTalk's expiry
LABEL = "dingtalk"
TOKEN_LABEL = "dingtalk gettoken"


@dataclass(frozen=True, slots=True)
class CorpApp:
    """The corp app that sends work notifications; the key and secret are never shown."""

    agent_id: int
    app_key: str = field(repr=False)
    app_secret: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    timeout_s: float = DEFAULT_TIMEOUT_S


def refresh_at(fetched_at: float, expires_in: float) -> float:
    """When a token fetched at `fetched_at` is replaced: `REFRESH_MARGIN_S` before it expires,
    or half-way for a token that lives less than twice the margin."""
    return fetched_at + expires_in - min(REFRESH_MARGIN_S, expires_in / 2)


class TokenCache:
    """One access token for every worker thread. A thread that finds it stale fetches the next
    while the others wait on the lock, so a burst costs one gettoken call, not one each. A
    refresh that fails keeps the old token while it has not expired."""

    __slots__ = ("_clock", "_expires_at", "_fetch", "_lock", "_refresh_at", "_token")

    def __init__(self, fetch: Callable[[], tuple[str, float] | SendResult],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = self._expires_at = 0.0

    def get(self) -> str | SendResult:
        """The current token, fetched first when there is none or it is due for refresh."""
        with self._lock:
            if self._token is not None and self._clock() < self._refresh_at:
                return self._token
            started = self._clock()
            got = self._fetch()
            if isinstance(got, SendResult):
                return self._unexpired() or got
            self._token, self._refresh_at = got[0], refresh_at(started, got[1])
            self._expires_at = started + got[1]
            return self._token

    def _unexpired(self) -> str | None:
        """The current token if it has not expired yet (past its refresh time or not)."""
        return self._token if self._clock() < self._expires_at else None

    def invalidate(self, token: str) -> None:
        """DingTalk rejected `token`: the next `get` fetches another (unless one already has)."""
        with self._lock:
            if self._token == token:
                self._token, self._expires_at = None, 0.0


def footer(delivery: Delivery) -> str:
    """DingTalk drops a work notification whose content the user already got that day; the
    delivery id makes each one unique (and a retry of the same delivery deduplicated)."""
    return f"\n\n###### Gongdan {delivery.id}"


def work_message(agent_id: int, userid: str, delivery: Delivery) -> dict[str, object]:
    """The asyncsend_v2 request body (`userid_list` is a comma-separated string)."""
    text = delivery.body + footer(delivery)
    return {"agent_id": agent_id, "userid_list": userid,
            "msg": {"msgtype": "markdown", "markdown": {"title": delivery.subject, "text": text}}}


def token_from(response: httpx.Response,
               now: Callable[[], float]) -> tuple[str, float] | SendResult:
    """gettoken's answer: the token and its lifetime in seconds, or a retryable failure."""
    failed = status_failure(response, TOKEN_LABEL, now)
    if failed is not None:
        return retry(failed.error or TOKEN_LABEL, failed.retry_after)
    reply = read_reply(response)
    if reply is None:
        return retry(not_json(TOKEN_LABEL, response))
    if reply.errcode != 0:
        return retry(reply.describe(TOKEN_LABEL))
    token, expires_in = reply.data.get("access_token"), reply.data.get("expires_in")
    if not (isinstance(token, str) and token and isinstance(expires_in, int) and expires_in > 0):
        return retry(f"{TOKEN_LABEL}: errcode 0 without an access_token and its expires_in")
    return token, float(expires_in)


def send_result(response: httpx.Response, now: Callable[[], float]) -> tuple[SendResult, bool]:
    """asyncsend_v2's answer, and whether it rejected the access token (40014, 42001). Any
    errcode but 0 is retried: see docs/serve-channels.md for why none is taken as final."""
    failed = status_failure(response, LABEL, now)
    if failed is not None:
        return failed, False
    reply = read_reply(response)
    if reply is None:
        return retry(not_json(LABEL, response)), False
    if reply.errcode == 0:
        return DELIVERED, False
    return retry(reply.describe(LABEL)), reply.errcode in TOKEN_REJECTED


class DingTalkWorkChannel:
    """The `dingtalk` channel: a work notification to the person whose userid is the address."""

    name = "dingtalk"
    __slots__ = ("_app", "_client", "_now", "_tokens")

    def __init__(self, app: CorpApp, *, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], float] = time.time) -> None:
        self._app = app
        self._client = http_client()
        self._now = now
        self._tokens = TokenCache(self._fetch_token, clock)

    @property
    def app(self) -> CorpApp:
        """The corp app as configured."""
        return self._app

    def send(self, delivery: Delivery) -> SendResult:
        """Send one work notification; a rejected token is refreshed and the send redone once."""
        userid = _userid(delivery)
        if isinstance(userid, SendResult):
            return userid
        body = json.dumps(work_message(self._app.agent_id, userid, delivery), ensure_ascii=False)
        result, rejected = self._attempt(body.encode())
        if rejected is None:
            return result
        self._tokens.invalidate(rejected)
        return self._attempt(body.encode())[0]

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def _attempt(self, body: bytes) -> tuple[SendResult, str | None]:
        """One send with the current token; the token too when DingTalk rejected it."""
        token = self._tokens.get()
        if isinstance(token, SendResult):
            return token, None
        got = request(self._client, "POST", self._app.base_url + SEND_PATH, label=LABEL,
                      timeout_s=self._app.timeout_s, params={"access_token": token}, content=body,
                      headers={"content-type": "application/json; charset=utf-8"})
        if isinstance(got, SendResult):
            return got, None
        result, rejected = send_result(got, self._now)
        return result, token if rejected else None

    def _fetch_token(self) -> tuple[str, float] | SendResult:
        params = {"appkey": self._app.app_key, "appsecret": self._app.app_secret}
        got = request(self._client, "GET", self._app.base_url + "/gettoken", label=TOKEN_LABEL,
                      timeout_s=self._app.timeout_s, params=params)
        return got if isinstance(got, SendResult) else token_from(got, self._now)


def _userid(delivery: Delivery) -> str | SendResult:
    userid = delivery.to.get("address")
    person = delivery.to.get("person")
    if not isinstance(userid, str) or not userid:
        return permanent(f"dingtalk: person {person!r} has no DingTalk userid")
    if "," in userid:          # userid_list is comma-separated: one delivery, one person
        return permanent(f"dingtalk: person {person!r} has a userid with a comma")
    return userid
