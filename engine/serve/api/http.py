"""HTTP plumbing shared by the routes: JSON and problem+json answers, bounded JSON bodies,
bearer-token auth (or loopback only when no token is configured)."""
from __future__ import annotations

import functools
import hmac
import ipaddress
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from engine.jsonio import dumps, loads
from engine.serve.idempotency import Answer
from engine.serve.problems import Problem

if TYPE_CHECKING:
    from engine.serve.service import Service

JSON = "application/json"
PROBLEM = "application/problem+json"
Handler = Callable[[Request], Awaitable[Response]]


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(dumps(body), status, headers=dict(headers or {}), media_type=JSON)


def service_of(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


def to_response(answer: Answer) -> Response:
    body = answer.raw if answer.raw is not None else dumps(answer.body)
    return Response(body, answer.status, headers=answer.headers, media_type=answer.media_type)


def problem_response(problem: Problem) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else {}
    if problem.retry_after is not None:
        headers["Retry-After"] = str(problem.retry_after)
    return Response(dumps(problem.to_dict()), problem.status, headers=headers, media_type=PROBLEM)


async def read_json(request: Request, limit: int) -> tuple[Any, bytes]:
    """The parsed body and its bytes: 415 unless JSON, 413 past `limit` bytes, 400 if malformed."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != JSON:
        raise Problem(415, "unsupported-media-type", f"expected Content-Type {JSON}, got {media or 'none'!r}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, "payload-too-large", f"the body is {int(declared)} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, "payload-too-large", f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        return loads(raw), raw
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "invalid-json", f"the body is not JSON: {exc}") from None


_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def parse_instant(text: str) -> datetime | None:
    """An RFC 3339 date-time with its offset (fractions past microseconds are cut), else None."""
    m = _RFC3339.fullmatch(text)
    if m is None:
        return None
    fraction = (m.group(3) or "")[:7]
    offset = "+00:00" if m.group(4) in "Zz" else m.group(4)
    try:
        return datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{fraction}{offset}")
    except ValueError:
        return None


def only_field(body: Any, name: str) -> Any:
    """The value of an object body's single field `name`, or a 422 naming what is wrong."""
    if not isinstance(body, dict) or name not in body:
        raise Problem(422, "invalid-parameter", f"expected an object with `{name}`", name)
    extra = sorted(k for k in body if k != name)
    if extra:
        raise Problem(422, "invalid-parameter", f"unknown field {extra[0]!r}", extra[0])
    return body[name]


def finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def authorize(request: Request, tokens: Mapping[str, str]) -> str:
    """The calling host's name: the token's owner, or `loopback` when no token is configured."""
    if not tokens:
        if not _loopback(request.client.host if request.client else ""):
            raise Problem(403, "forbidden", "no tokens are configured (GONGDAN_TOKENS), so only loopback "
                          "clients may call")
        return "loopback"
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and given:
        for host, token in tokens.items():
            if hmac.compare_digest(given.encode(), token.encode()):
                return host
    raise Problem(401, "unauthorized", "send Authorization: Bearer <token> with a configured token")


@functools.lru_cache(maxsize=1024)
def _loopback(host: str) -> bool:
    """Whether a client address is a loopback one (parsed once per address, not per request)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_tokens(text: str | None) -> dict[str, str]:
    """GONGDAN_TOKENS: `host1:token1,host2:token2`."""
    out: dict[str, str] = {}
    for item in (text or "").split(","):
        host, sep, token = item.strip().partition(":")
        if item.strip() and (not sep or not host or not token):
            raise ValueError(f"GONGDAN_TOKENS: expected host:token, got {item.strip()!r}")
        if sep:
            out[host] = token
    return out
