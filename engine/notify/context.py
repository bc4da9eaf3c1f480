"""What a notification template sees: the context built from the compiled, the ticket state
and one fired notification, its documented variables, and a sample ticket for checks."""
from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from engine.config.values import zone

if TYPE_CHECKING:
    pass

DEFAULT_TIMEZONE = "Asia/Shanghai"

CONTEXT_VARIABLES: dict[str, str] = {
    "ticket": "the ticket: {id, title, url, status, tags}; title and url are \"\" when unknown",
    "category": "the ticket's category: {id, name} (name of the category it routed by)",
    "level": "the severity level: {id, name, label}, label = \"P1 紧急\" (or just the id)",
    "team": "the team handling the ticket: {id, name}",
    "assignee": "who handles the ticket: {id, name}; both \"\" when nobody does",
    "recipient": "who this message goes to: {kind, id, name, timezone}; kind person|group",
    "clock": "the clock the step belongs to: response | resolve",
    "clock_label": "the clock in words: 响应 / 解决, or response / resolution",
    "kind": "what happened: assign | remind | breach | escalate",
    "level_no": "the escalation level: 0 before the first climb, 1 for the first manager up",
    "step": "the policy step's index on its clock (0-based)",
    "channel": "dingtalk | dingtalk_group | email | sms | phone",
    "due": "the clock's due time in the recipient's timezone, \"11-11 00:10\" (\"\" if paused)",
    "due_iso": "the due time as RFC 3339 in the recipient's timezone (\"\" if paused)",
    "overdue": "how late, \"已超时 25 分钟\" / \"25 min overdue\"; \"\" when not late",
    "overdue_minutes": "whole minutes past the due time (0 when not late)",
    "remaining": "time left, \"还剩 2 分钟\" / \"2 min left\"; \"\" when due or paused",
    "remaining_minutes": "whole minutes left before the due time (0 when due)",
    "at_mobiles": "mobile numbers to @ in a DingTalk group (the assignee's, without +86)",
    "mode": "the ticket's mode: daily | promotion | ...",
}

WORDS = {
    "zh": {"response": "响应", "resolve": "解决", "d": "{} 天", "h": "{} 小时", "m": "{} 分钟",
           "sep": " ", "late": "已超时 {}", "left": "还剩 {}", "under": "不到 1 分钟"},
    "en": {"response": "response", "resolve": "resolution", "d": "{} d", "h": "{} h",
           "m": "{} min", "sep": " ", "late": "{} overdue", "left": "{} left",
           "under": "under 1 min"},
}


def span_text(seconds: float, locale: str) -> str:
    """A wall-clock span in words, two units at most: `1 小时 5 分钟`, `2 d 3 h`, `25 min`."""
    words = WORDS[locale]
    minutes = int(seconds // 60)
    if minutes < 1:
        return words["under"]
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    units = [(n, u) for n, u in ((days, "d"), (hours, "h"), (mins, "m")) if n]
    return words["sep"].join(words[u].format(n) for n, u in units[:2])


def ticket_url_problem(pattern: str) -> str | None:
    """Why a `ticket_url` pattern is unusable (only a bare `{ticket}` field may appear), or
    None. The pattern is config: `{ticket.__class__}` must not reach Python objects."""
    try:
        fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(pattern)
                  if f is not None]
    except ValueError as exc:
        return f"not a format string: {exc}"
    for field, spec, conversion in fields:
        if field != "ticket" or spec or conversion:
            return f"only {{ticket}} may appear in the pattern, not {{{field}}}"
    return None


def ticket_link(pattern: str, ticket: str) -> str:
    """The ticket's URL from the `ticket_url` pattern (the id URL-quoted); "" without one.
    Trusts `ticket_url_problem` was checked; an unusable pattern gives ""."""
    if not pattern or ticket_url_problem(pattern) is not None:
        return ""
    return pattern.format(ticket=quote(ticket, safe=""))


def level_view(level: str, name: str | None) -> dict[str, str]:
    label = f"{level} {name}" if name and name != level else level
    return {"id": level, "name": name or level, "label": label}


def timing(clock: Mapping[str, Any] | None, now_ts: float, tz_name: str, locale: str
           ) -> dict[str, Any]:
    """due, due_iso, overdue(_minutes), remaining(_minutes) of a clock at `now_ts`; a
    paused clock has no due time. Lateness is wall-clock time: what a reader feels."""
    running = clock is not None and (clock["since"] is not None or clock["stopped"] is not None)
    if clock is None or not running or clock.get("due") is None:
        return {"due": "", "due_iso": "", "overdue": "", "overdue_minutes": 0,
                "remaining": "", "remaining_minutes": 0}
    due = datetime.fromtimestamp(clock["due"], zone(tz_name))
    until = clock["stopped"] if clock["stopped"] is not None else now_ts
    late, left = until - clock["due"], clock["due"] - now_ts
    words = WORDS[locale]
    return {
        "due": due.strftime("%m-%d %H:%M"), "due_iso": due.isoformat(),
        "overdue": words["late"].format(span_text(late, locale)) if late > 0 else "",
        "overdue_minutes": max(0, int(late // 60)),
        "remaining": words["left"].format(span_text(left, locale)) if left > 0 else "",
        "remaining_minutes": max(0, int(left // 60)),
    }


_SAMPLE_NAMES = {
    "zh": {"title": "支付成功但订单未创建", "category": "下单失败", "level": "紧急",
           "team": "交易-下单", "assignee": "孟天佑", "recipient": "张志远"},
    "en": {"title": "Paid but no order created", "category": "Order creation failed",
           "level": "Critical", "team": "Trade - Orders", "assignee": "Alice Meng",
           "recipient": "Bob Zhang"},
}
# kind -> (seconds from the due time to the moment of sending, escalation level, step)
_SAMPLE_TIMING = {"assign": (-300, 0, 0), "remind": (-150, 0, 0), "breach": (0, 0, 1),
                  "escalate": (900, 1, 3)}
_SAMPLE_DUE = 1794327000.0   # 2026-11-11T00:10:00+08:00


def sample_context(locale: str = "zh", kind: str = "escalate", channel: str = "dingtalk"
                   ) -> dict[str, Any]:
    """A realistic ticket (a Double 11 P1 on the response clock) as `kind` sees it: the
    context checks render overrides with, and the docs and golden tests show."""
    names = _SAMPLE_NAMES[locale]
    offset, level_no, step = _SAMPLE_TIMING.get(kind, _SAMPLE_TIMING["escalate"])
    clock = {"since": _SAMPLE_DUE - 300, "stopped": None, "due": _SAMPLE_DUE}
    recipient = ({"kind": "person", "id": "zhang-zhiyuan", "name": names["recipient"]}
                 if kind == "escalate" else
                 {"kind": "person", "id": "meng-tianyou", "name": names["assignee"]})
    if channel == "dingtalk_group":
        recipient = {"kind": "group", "id": "trade-order-robot", "name": names["team"]}
    return {
        "ticket": {"id": "T-1024", "title": names["title"], "status": "open",
                   "url": "https://tickets.yunji.example/t/T-1024", "tags": ["资损", "capital-loss"]},
        "category": {"id": "trade/order/create-failed", "name": names["category"]},
        "level": level_view("P1", names["level"]),
        "team": {"id": "trade-order", "name": names["team"]},
        "assignee": {"id": "meng-tianyou", "name": names["assignee"]},
        "recipient": {**recipient, "timezone": DEFAULT_TIMEZONE},
        "clock": "response", "clock_label": WORDS[locale]["response"], "kind": kind,
        "level_no": level_no, "step": step, "channel": channel,
        "at_mobiles": ["13878886881"], "mode": "promotion",
        **timing(clock, _SAMPLE_DUE + offset, DEFAULT_TIMEZONE, locale),
    }
