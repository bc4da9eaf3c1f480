"""How DingTalk answers its robot and corp APIs: HTTP 200 with `{"errcode", "errmsg", ...}`,
errors included, so the status says little and the errcode says what happened."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from engine.serve.channels.results import clip


@dataclass(frozen=True, slots=True)
class Reply:
    """A DingTalk answer: `errcode` 0 is success; `data` is the whole JSON object."""

    errcode: int
    errmsg: str
    data: Mapping[str, Any]

    def describe(self, label: str) -> str:
        """The error line for a result: who answered, the code and DingTalk's words."""
        return f"{label}: errcode {self.errcode}: {clip(self.errmsg)}"


def read_reply(response: httpx.Response) -> Reply | None:
    """The answer as a `Reply`, or None when it is not DingTalk's JSON (a proxy's error page)."""
    try:
        data = response.json()
    except ValueError:                 # JSONDecodeError and UnicodeDecodeError alike
        return None
    if not isinstance(data, dict):
        return None
    code = data.get("errcode")
    if not isinstance(code, int) or isinstance(code, bool):
        return None
    message = data.get("errmsg")
    return Reply(code, message if isinstance(message, str) else "", data)


def not_json(label: str, response: httpx.Response) -> str:
    """The error line for an answer that is not DingTalk's JSON."""
    return f"{label}: HTTP {response.status_code} with an answer that is not DingTalk JSON"
