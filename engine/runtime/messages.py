"""The context a notification template renders with, built from the compiled config, the
ticket's state and one fired notification (the variables are documented in
`engine.notify.context.CONTEXT_VARIABLES`). Text that may come from the host (the title,
ids, tags, a name that falls back to an id) is bounded here, before any template sees it."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.compile.compiled import Compiled
from engine.notify.context import (
    DEFAULT_TIMEZONE,
    NO_RESOLUTION,
    TITLE_LIMIT,
    WORDS,
    host_tags,
    host_text,
    level_view,
    ticket_link,
    timing,
)
from engine.sla.escalation import Timer
from engine.timecalc.calendar import BUILTIN_CALENDAR


def build_context(compiled: Compiled, state: Mapping[str, Any], notification: Mapping[str, Any],
                  now_ts: float, locale: str, ticket_url: str) -> dict[str, Any]:
    """The documented variables for one notification fired (or sent) at `now_ts`."""
    clock_name = notification.get("clock") or "response"
    recipient = _recipient(compiled, state, notification.get("to") or {}, clock_name)
    context = {
        "ticket": _ticket(state, ticket_url),
        "category": _category(compiled, state),
        "level": level_view(state["severity"], compiled.level_names.get(state["severity"])),
        "team": _team(compiled, state["team"]),
        "assignee": _person(compiled, state["assignee"]["person"]),
        "recipient": recipient,
        "clock": clock_name,
        "clock_label": WORDS[locale][clock_name],
        "kind": notification.get("kind") or "assign",
        "level_no": int(notification.get("level") or 0),
        "step": int(notification.get("step") or 0),
        "channel": notification.get("channel") or "",
        "at_mobiles": _mobiles(compiled, state["assignee"]["person"]),
        "mode": state["mode"],
        "solution": _solution(compiled, state),
        "resolution": _resolution(state),
    }
    context.update(timing(state["clocks"].get(clock_name), now_ts, recipient["timezone"], locale))
    return context


def _ticket(state: Mapping[str, Any], pattern: str) -> dict[str, Any]:
    """The link is made from the whole id (a link to a cut id leads nowhere)."""
    return {"id": host_text(state["ticket"]),
            "title": host_text(state["attrs"].get("title") or "", TITLE_LIMIT),
            "url": ticket_link(pattern, state["ticket"]), "status": state["status"],
            "tags": host_tags(state.get("tags") or ())}


def _solution(compiled: Compiled, state: Mapping[str, Any]) -> dict[str, Any]:
    found = compiled.solutions.get(state["category"].get("matched") or "")
    if found is None:
        return {"runbook": "", "checklist": [], "related": []}
    return {"runbook": found.runbook or "", "checklist": list(found.checklist), "related": list(found.related)}


def _resolution(state: Mapping[str, Any]) -> dict[str, str]:
    """The host's text bounded like a title: one line of at most 200 characters."""
    found = state.get("resolution")
    if found is None:
        return dict(NO_RESOLUTION)
    return {"code": found.get("code") or "", "text": host_text(found.get("text") or "", TITLE_LIMIT)}


def _category(compiled: Compiled, state: Mapping[str, Any]) -> dict[str, str]:
    """An unknown category id is named after the known prefix it routed by."""
    cid = state["category"]["id"]
    node = compiled.categories.get(cid) or compiled.categories.get(state["category"].get("matched") or "")
    return {"id": host_text(cid), "name": host_text(node.name if node is not None and node.name else cid)}


def _team(compiled: Compiled, team_id: str) -> dict[str, str]:
    team = compiled.teams.get(team_id)
    return {"id": host_text(team_id), "name": host_text(team.name if team is not None and team.name else team_id)}


def _person(compiled: Compiled, person_id: str | None) -> dict[str, str]:
    if person_id is None:
        return {"id": "", "name": ""}
    person = compiled.people.get(person_id)
    return {"id": host_text(person_id), "name": host_text(person.name if person is not None else person_id)}


def _recipient(compiled: Compiled, state: Mapping[str, Any], to: Mapping[str, Any], clock: str
               ) -> dict[str, str]:
    """The person (or group robot) addressed, with the timezone their times are shown in."""
    if "group" in to:
        return {"kind": "group", "id": to["group"] or "",
                "name": _team(compiled, state["team"])["name"],
                "timezone": fallback_timezone(compiled, state, clock)}
    person = _person(compiled, to.get("person"))
    info = compiled.people.get(to.get("person") or "")
    tz = info.timezone if info is not None and info.timezone else fallback_timezone(compiled, state, clock)
    return {"kind": "person", **person, "timezone": tz}


def fallback_timezone(compiled: Compiled, state: Mapping[str, Any], clock: str) -> str:
    """For a recipient without a timezone: the team's duty schedule's, else the clock's
    calendar's (not the built-in 24x7, which is UTC), else Asia/Shanghai."""
    team = compiled.teams.get(state["team"])
    duty = team.duty_in(state["mode"], compiled.modes.default) if team is not None else None
    if duty is not None:
        return str(duty.primary.timezone)
    calendar_id = (state["clocks"].get(clock) or {}).get("calendar")
    calendar = compiled.calendars.get(calendar_id or "")
    if calendar is not None and calendar_id != BUILTIN_CALENDAR:
        return calendar.spec.timezone
    return DEFAULT_TIMEZONE


def _mobiles(compiled: Compiled, person_id: str | None) -> list[str]:
    """The number DingTalk's `at.atMobiles` takes: mainland numbers without +86."""
    person = compiled.people.get(person_id or "")
    phone = person.contacts.get("phone") if person is not None else None
    if not phone:
        return []
    return [phone.removeprefix("+86")]


def sample_notification(compiled: Compiled, state: Mapping[str, Any], waiting: Sequence[tuple[float, Timer]],
                        kind: str, channel: str, at: float) -> tuple[dict[str, Any], float]:
    """The notification a preview (`gongdan render`) renders for a ticket the engine made,
    and when: `kind` on `channel` to its assignee (the team's robot on `dingtalk_group`,
    the team lead for a notice to supervisors),
    at the first timer of that kind in its plan (one whose step sends on `channel` if
    there is one), else at `at` (the work notifications; a kind no step fires)."""
    of_kind = [(ts, t) for ts, t in waiting if t.kind == kind]
    timer = next(((ts, t) for ts, t in of_kind if channel in t.step.channels), of_kind[0] if of_kind else None)
    ts = timer[0] if timer is not None else at
    team = compiled.teams.get(state["team"])
    robot = team.group.get("dingtalk_group") if team is not None else None
    # A notice goes to a supervisor: the team lead stands in for one.
    person = (team.lead if kind in ("acknowledged", "resolved") and team is not None and team.lead
              else state["assignee"]["person"])
    to: dict[str, Any] = {"group": robot or state["team"]} if channel == "dingtalk_group" else {"person": person}
    notification = {"kind": kind, "channel": channel, "to": to,
                    "clock": timer[1].clock if timer is not None else "resolve" if kind == "resolved" else "response",
                    "step": timer[1].step.index if timer is not None else 0,
                    "level": timer[1].level if timer is not None else 0,
                    "step_channels": list(timer[1].step.channels) if timer is not None else []}
    return notification, ts
