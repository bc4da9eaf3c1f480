"""What a notification template sees: the context built from the compiled, the ticket state
and one fired notification, its documented variables, and a sample ticket for checks."""
from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from engine.config.values import zone

DEFAULT_TIMEZONE = "Asia/Shanghai"
# Text a host sends is bounded before any template sees it, so the facts of a message (who,
# when, the link) always fit beside it: a pasted stack trace as a title cannot push them
# past a block's 4,000 characters, nor a 100,000-character title past the sandbox's bounds.
TITLE_LIMIT = 200          # characters of a ticket's title
TEXT_LIMIT = 64            # characters of the ticket id, category id, names and each tag
TAGS_LIMIT = 20            # tags
URL_LIMIT = 2000           # characters of a ticket link; a longer one is left out
ELLIPSIS = "…"
_WORD = re.compile(r"\S+")
_REGIONAL, _REGIONAL_END = "\U0001f1e6", "\U0001f1ff"
# C0 and C1 control characters that are not whitespace (whitespace becomes one space).
_CONTROLS = {c: None for c in (*range(0x20), *range(0x7f, 0xa0)) if not chr(c).isspace()}

CONTEXT_VARIABLES: dict[str, str] = {
    "ticket": "the ticket: {id, title, url, status, tags}; title and url are \"\" when unknown; the title is "
              "one line cut to 200 characters (ending in …), the id and each of at most 20 tags to 64",
    "category": "the ticket's category: {id, name} (name of the category it routed by); each cut to 64 characters",
    "level": "the severity level: {id, name, label}, label = \"P1 紧急\" (or just the id)",
    "team": "the team handling the ticket: {id, name}; the name cut to 64 characters",
    "assignee": "who handles the ticket: {id, name}; both \"\" when nobody does; the name cut to 64 characters",
    "recipient": "who this message goes to: {kind, id, name, timezone}; kind person|group; the name cut to 64",
    "clock": "the clock the step belongs to: response | resolve",
    "clock_label": "the clock in words: 响应 / 解决, or response / resolution",
    "kind": "what happened: assign | remind | breach | escalate, or acknowledged | resolved (to a supervisor)",
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
    "solution": "the standard solution of the ticket's category: {runbook, checklist, related}; runbook \"\" and the "
                "lists [] when it has none; the checklist in the config's locale",
    "resolution": "how the ticket was resolved: {code, text}, both \"\" until a `resolved` event says; the text one "
                  "line cut to 200 characters",
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
    texts = [words[u].format(n) for n, u in ((days, "d"), (hours, "h"), (mins, "m")) if n]
    return words["sep"].join(texts[:2])


@lru_cache(maxsize=64)   # a config's one pattern, asked for every notification's link
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
    """The ticket's URL from the `ticket_url` pattern (the id URL-quoted, whole: a link to a
    cut id would lead nowhere); "" without one, or when it would pass URL_LIMIT. Trusts
    `ticket_url_problem` was checked; an unusable pattern gives ""."""
    if not pattern or ticket_url_problem(pattern) is not None or len(ticket) > URL_LIMIT:
        return ""
    url = pattern.format(ticket=quote(ticket, safe=""))
    return url if len(url) <= URL_LIMIT else ""


def host_text(value: Any, limit: int = TEXT_LIMIT) -> str:
    """Text a host sent, as a template sees it: one line (each run of whitespace, line
    breaks included, one space; control characters dropped) of at most `limit` characters,
    cut between two characters a reader sees as such and marked with "…". Reads no more of
    the text than it keeps."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit and text.isprintable():
        # No control characters, and no whitespace but the plain space: only runs of spaces
        # change (the walk below is the reference: test_context.py).
        return " ".join(text.split()) if "  " in text or text[:1] == " " or text[-1:] == " " else text
    return _walked(text, limit)


def _walked(text: str, limit: int) -> str:
    """host_text word by word, reading no further than `limit` characters of words."""
    words: list[str] = []
    size = -1
    for match in _WORD.finditer(text):
        word = match.group().translate(_CONTROLS)
        if word:
            words.append(word)
            size += len(word) + 1
            if size > limit:
                break
    text = " ".join(words)
    if len(text) <= limit:
        return text
    return text[:_boundary(text, limit - len(ELLIPSIS))].rstrip() + ELLIPSIS


def _boundary(text: str, cut: int) -> int:
    """The last place at or before `cut` between two characters a reader sees as such: not
    before an accent, a skin tone or a variation selector, not around a zero-width joiner,
    not inside a flag (a pair of regional indicators)."""
    while cut > 0 and (_continues(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    flags = 0
    while flags < cut and _REGIONAL <= text[cut - 1 - flags] <= _REGIONAL_END:
        flags += 1
    return cut - flags % 2 if _REGIONAL <= text[cut] <= _REGIONAL_END else cut


def host_tags(tags: Iterable[Any]) -> list[str]:
    """The ticket's tags as a template sees them: at most TAGS_LIMIT, each host_text."""
    return [host_text(tag) for _, tag in zip(range(TAGS_LIMIT), tags, strict=False)]


def _continues(char: str) -> bool:
    """Whether `char` belongs to the character before it: a combining mark, a zero-width
    joiner, a variation selector or an emoji skin tone."""
    return (unicodedata.category(char) in ("Mn", "Mc", "Me") or char == "\u200d"
            or "\ufe00" <= char <= "\ufe0f" or "\U0001f3fb" <= char <= "\U0001f3ff"
            or "\U000e0100" <= char <= "\U000e01ef")


def level_view(level: str, name: str | None) -> dict[str, str]:
    label = f"{level} {name}" if name and name != level else level
    return {"id": level, "name": name or level, "label": label}


def short_time(iso: str) -> str:
    """`11-11 00:10` from `2026-11-11T00:10:00+08:00`: `strftime("%m-%d %H:%M")` of the same
    datetime (isoformat writes a four-digit year), in a slice rather than a format."""
    return iso[5:10] + " " + iso[11:16]


def timing(clock: Mapping[str, Any] | None, now_ts: float, tz_name: str, locale: str
           ) -> dict[str, Any]:
    """due, due_iso, overdue(_minutes), remaining(_minutes) of a clock at `now_ts`; a
    paused clock has no due time. Lateness is wall-clock time: what a reader feels."""
    running = clock is not None and (clock["since"] is not None or clock["stopped"] is not None)
    if clock is None or not running or clock.get("due") is None:
        return {"due": "", "due_iso": "", "overdue": "", "overdue_minutes": 0,
                "remaining": "", "remaining_minutes": 0}
    due_iso = datetime.fromtimestamp(clock["due"], zone(tz_name)).isoformat()
    until = clock["stopped"] if clock["stopped"] is not None else now_ts
    late, left = until - clock["due"], clock["due"] - now_ts
    words = WORDS[locale]
    return {
        "due": short_time(due_iso), "due_iso": due_iso,
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
                  "escalate": (900, 1, 3), "acknowledged": (-180, 0, 0), "resolved": (1200, 0, 0)}
_SAMPLE_SOLUTION = {
    "zh": {"runbook": "https://wiki.yunji.example/runbooks/order-create",
           "checklist": ["确认支付渠道回调是否正常", "按订单号补单并通知用户"],
           "related": ["payment/gateway/callback-lost"],
           "resolution": {"code": "order-repaired", "text": "渠道恢复后补单"}},
    "en": {"runbook": "https://wiki.yunji.example/runbooks/order-create",
           "checklist": ["Check the payment channel's callbacks", "Re-create the order and tell the user"],
           "related": ["payment/gateway/callback-lost"],
           "resolution": {"code": "order-repaired", "text": "Orders re-created once the channel was back"}},
}
NO_RESOLUTION = {"code": "", "text": ""}
_SAMPLE_DUE = 1794327000.0   # 2026-11-11T00:10:00+08:00


def sample_context(locale: str = "zh", kind: str = "escalate", channel: str = "dingtalk"
                   ) -> dict[str, Any]:
    """A realistic ticket (a Double 11 P1 on the response clock) as `kind` sees it: the
    context checks render overrides with, and the docs and golden tests show."""
    names = _SAMPLE_NAMES[locale]
    offset, level_no, step = _SAMPLE_TIMING.get(kind, _SAMPLE_TIMING["escalate"])
    solution = _SAMPLE_SOLUTION[locale]
    clock_name = "resolve" if kind == "resolved" else "response"
    recipient = ({"kind": "person", "id": "zhang-zhiyuan", "name": names["recipient"]}
                 if kind in ("escalate", "acknowledged", "resolved") else
                 {"kind": "person", "id": "meng-tianyou", "name": names["assignee"]})
    if channel == "dingtalk_group":
        recipient = {"kind": "group", "id": "trade-order-robot", "name": names["team"]}
    return {
        "ticket": {"id": "T-1024", "title": names["title"], "status": "resolved" if kind == "resolved" else "open",
                   "url": "https://tickets.yunji.example/t/T-1024", "tags": ["资损", "capital-loss"]},
        "category": {"id": "trade/order/create-failed", "name": names["category"]},
        "level": level_view("P1", names["level"]),
        "team": {"id": "trade-order", "name": names["team"]},
        "assignee": {"id": "meng-tianyou", "name": names["assignee"]},
        "recipient": {**recipient, "timezone": DEFAULT_TIMEZONE},
        "clock": clock_name, "clock_label": WORDS[locale][clock_name], "kind": kind,
        "level_no": level_no, "step": step, "channel": channel,
        "at_mobiles": ["13878886881"], "mode": "promotion",
        "solution": {key: solution[key] for key in ("runbook", "checklist", "related")},
        "resolution": solution["resolution"] if kind == "resolved" else NO_RESOLUTION,
        **timing(_sample_clock(kind), _SAMPLE_DUE + offset, DEFAULT_TIMEZONE, locale),
    }


def _sample_clock(kind: str) -> dict[str, Any]:
    """The sample's clock: running for the steps; acknowledged 3 minutes early, resolved
    20 minutes late for the notices to supervisors (both stopped then)."""
    clock: dict[str, Any] = {"since": _SAMPLE_DUE - 300, "stopped": None, "due": _SAMPLE_DUE}
    offset = _SAMPLE_TIMING[kind][0] if kind in ("acknowledged", "resolved") else None
    if offset is not None:
        clock.update(since=None, stopped=_SAMPLE_DUE + offset)
    return clock


def longest_context(locale: str = "zh", kind: str = "escalate", channel: str = "dingtalk"
                    ) -> dict[str, Any]:
    """The sample ticket with every text a host can send at its bound (a 200-character
    title full of markdown, 64-character ids and names, 20 tags): the most a template can
    be given, which the checks render too, so a template that only goes over its budget
    on long text is refused by `validate`, not at run time."""
    context = sample_context(locale, kind, channel)
    long = host_text("[支付](#) **超时** <font>失败</font> | `T-1024` ! " * 20, TITLE_LIMIT)
    name = host_text("交易-下单-" * 20)
    ticket = "T-" + "1024" * 15 + "99"
    context["ticket"] = {**context["ticket"], "id": ticket, "title": long,
                         "url": context["ticket"]["url"].removesuffix("T-1024") + ticket,
                         "tags": [host_text(f"{i}-" + "资损" * 40) for i in range(TAGS_LIMIT)]}
    context["category"] = {"id": host_text("trade/order/" * 10), "name": name}
    context["team"] = {**context["team"], "name": name}
    context["assignee"] = {**context["assignee"], "name": name}
    context["recipient"] = {**context["recipient"], "name": name}
    context["resolution"] = {"code": "order-repaired", "text": long} if kind == "resolved" else NO_RESOLUTION
    return context
