"""Idempotency-Key (IETF httpapi draft): the first request under a key is processed and its
answer stored; a retry with the same body gets the stored answer, one with another body
a 422, one while the first is still being processed a 409."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from engine.jsonio import dumps_text, loads
from engine.serve.problems import Problem
from engine.serve.store import Tx


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer before it becomes a Response (so it can be stored and replayed)."""

    status: int
    body: Any
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = field(default=None, compare=False, repr=False)   # `body` already encoded, if it is

    def dumps(self) -> str:
        return dumps_text({"body": self.body, "media_type": self.media_type, "headers": self.headers})

    @classmethod
    def loads(cls, status: int, text: str) -> Answer:
        data = loads(text)
        return cls(status, data["body"], data["media_type"], {**data["headers"], "Idempotent-Replayed": "true"})


def claim_job(key: str, request_hash: str, now: float, lease: float) -> Callable[[Tx], Answer | None]:
    """The writer job that claims a key: None to go ahead, or the stored answer."""
    def job(tx: Tx) -> Answer | None:
        row = tx.idempotency(key)
        if row is not None and row.request_hash != request_hash:
            raise Problem(422, "idempotency-key-reused", "this Idempotency-Key was used with another request body")
        if row is not None and row.status == "done" and row.response is not None:
            return Answer.loads(row.response_status or 200, row.response)
        if row is not None and now - row.created_at < lease:
            raise Problem(409, "idempotency-in-flight", "a request with this Idempotency-Key is being "
                          "processed; retry later")
        tx.claim_idempotency(key, request_hash, now)
        return None
    return job


async def once(write: Callable[[Callable[[Tx], Any]], Awaitable[Any]], key: str, request_hash: str,
               now: float, lease: float, produce: Callable[[], Awaitable[Answer]]) -> Answer:
    """Produce the answer under an Idempotency-Key, or replay it. Server errors (5xx) and
    exceptions release the key, so the client may retry."""
    stored = await write(claim_job(key, request_hash, now, lease))
    if stored is not None:
        return stored  # type: ignore[no-any-return]
    try:
        answer = await produce()
    except BaseException:
        await write(lambda tx: tx.drop_idempotency(key))
        raise
    if answer.status >= 500:
        await write(lambda tx: tx.drop_idempotency(key))
    else:
        await write(lambda tx: tx.finish_idempotency(key, answer.status, answer.dumps()))
    return answer
