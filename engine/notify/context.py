"""What a notification template sees: the context built from the engine, the ticket state
and one fired notification, its documented variables, and a sample ticket for checks."""
from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from engine.config.values import zone

if TYPE_CHECKING:
    from engine.runtime.engine import Engine

DEFAULT_TIMEZONE = "Asia/Shanghai"
BUILTIN_CALENDAR = "24x7"   # the built-in calendar runs on UTC: no zone for a human to read

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

_WORDS = {
    "zh": {"response": "响应", "resolve": "解决", "d": "{} 天", "h": "{} 小时", "m": "{} 分钟",
           "sep": " ", "late": "已超时 {}", "left": "还剩 {}", "under": "不到 1 分钟"},
    "en": {"response": "response", "resolve": "resolution", "d": "{} d", "h": "{} h",
           "m": "{} min", "sep": " ", "late": "{} overdue", "left": "{} left",
           "under": "under 1 min"},
}


def span_text(seconds: float, locale: str) -> str:
    """A wall-clock span in words, two units at most: `1 小时 5 分钟`, `2 d 3 h`, `25 min`."""
    words = _WORDS[locale]
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


def build_context(engine: Engine, state: Mapping[str, Any], notification: Mapping[str, Any],
                  now_ts: float, locale: str, ticket_url: str) -> dict[str, Any]:
    """The documented variables for one notification fired (or sent) at `now_ts`."""
    clock_name = notification.get("clock") or "response"
    recipient = _recipient(engine, state, notification.get("to") or {}, clock_name)
    context = {
        "ticket": _ticket(state, ticket_url),
        "category": _category(engine, state),
        "level": level_view(state["severity"], engine.level_names.get(state["severity"])),
        "team": _team(engine, state["team"]),
        "assignee": _person(engine, state["assignee"]["person"]),
        "recipient": recipient,
        "clock": clock_name,
        "clock_label": _WORDS[locale][clock_name],
        "kind": notification.get("kind") or "assign",
        "level_no": int(notification.get("level") or 0),
        "step": int(notification.get("step") or 0),
        "channel": notification.get("channel") or "",
        "at_mobiles": _mobiles(engine, state["assignee"]["person"]),
        "mode": state["mode"],
    }
    context.update(timing(state["clocks"].get(clock_name), now_ts, recipient["timezone"], locale))
    return context


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
    words = _WORDS[locale]
    return {
        "due": due.strftime("%m-%d %H:%M"), "due_iso": due.isoformat(),
        "overdue": words["late"].format(span_text(late, locale)) if late > 0 else "",
        "overdue_minutes": max(0, int(late // 60)),
        "remaining": words["left"].format(span_text(left, locale)) if left > 0 else "",
        "remaining_minutes": max(0, int(left // 60)),
    }


def _ticket(state: Mapping[str, Any], pattern: str) -> dict[str, Any]:
    return {"id": state["ticket"], "title": state["attrs"].get("title") or "",
            "url": ticket_link(pattern, state["ticket"]), "status": state["status"],
            "tags": list(state.get("tags") or ())}


def _category(engine: Engine, state: Mapping[str, Any]) -> dict[str, str]:
    """An unknown category id is named after the known prefix it routed by."""
    cid = state["category"]["id"]
    node = engine.categories.get(cid) or engine.categories.get(state["category"].get("matched") or "")
    return {"id": cid, "name": node.name if node is not None and node.name else cid}


def _team(engine: Engine, team_id: str) -> dict[str, str]:
    team = engine.teams.get(team_id)
    return {"id": team_id, "name": team.name if team is not None and team.name else team_id}


def _person(engine: Engine, person_id: str | None) -> dict[str, str]:
    if person_id is None:
        return {"id": "", "name": ""}
    person = engine.people.get(person_id)
    return {"id": person_id, "name": person.name if person is not None else person_id}


def _recipient(engine: Engine, state: Mapping[str, Any], to: Mapping[str, Any], clock: str
               ) -> dict[str, str]:
    """The person (or group robot) addressed, with the timezone their times are shown in."""
    if "group" in to:
        return {"kind": "group", "id": to["group"] or "",
                "name": _team(engine, state["team"])["name"],
                "timezone": fallback_timezone(engine, state, clock)}
    person = _person(engine, to.get("person"))
    info = engine.people.get(person["id"])
    tz = info.timezone if info is not None and info.timezone else fallback_timezone(engine, state, clock)
    return {"kind": "person", **person, "timezone": tz}


def fallback_timezone(engine: Engine, state: Mapping[str, Any], clock: str) -> str:
    """For a recipient without a timezone: the team's duty schedule's, else the clock's
    calendar's (not the built-in 24x7, which is UTC), else Asia/Shanghai."""
    team = engine.teams.get(state["team"])
    duty = team.duty_in(state["mode"], engine.default_mode) if team is not None else None
    if duty is not None:
        return str(duty.primary.timezone)
    calendar_id = (state["clocks"].get(clock) or {}).get("calendar")
    calendar = engine.calendars.get(calendar_id or "")
    if calendar is not None and calendar_id != BUILTIN_CALENDAR:
        return calendar.spec.timezone
    return DEFAULT_TIMEZONE


def _mobiles(engine: Engine, person_id: str | None) -> list[str]:
    """The number DingTalk's `at.atMobiles` takes: mainland numbers without +86."""
    person = engine.people.get(person_id or "")
    phone = person.contacts.get("phone") if person is not None else None
    if not phone:
        return []
    return [phone.removeprefix("+86")]


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
        "clock": "response", "clock_label": _WORDS[locale]["response"], "kind": kind,
        "level_no": level_no, "step": step, "channel": channel,
        "at_mobiles": ["13878886881"], "mode": "promotion",
        **timing(clock, _SAMPLE_DUE + offset, DEFAULT_TIMEZONE, locale),
    }
