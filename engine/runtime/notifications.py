"""The notifications a fired step or an assignment makes: recipients resolved at fire
time, one message per recipient and channel, a missing contact falling back to another
channel (flagged), never dropped silently."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.compile.compiled import Compiled
from engine.notify.channels import CHANNEL_CONTACT, FALLBACK_ORDER
from engine.runtime.ticket import State, climb_chain, mode_in_force
from engine.sla.escalation import Timer


def recipients(compiled: Compiled, state: State, timer: Timer, ts: float) -> Iterator[tuple[str, str | None]]:
    """("person", id) or ("group", endpoint) for each role of the step, resolved at `ts`."""
    team = compiled.teams[state["team"]]
    for who in timer.step.notify:
        if who == "assignee":
            yield "person", state["assignee"]["person"]
        elif who in ("on_duty", "backup"):
            oncall = team.oncall(ts, mode_in_force(compiled, state, ts), compiled.modes.default)
            yield "person", oncall.primary if who == "on_duty" else oncall.backup
        elif who == "team_lead":
            yield "person", team.lead
        elif who == "team_group":
            yield "group", team.group.get("dingtalk_group")
        elif who == "manager":
            chain = climb_chain(compiled, state)
            index = timer.level - 1 if timer.level else 0
            yield "person", chain[index] if index < len(chain) else None
        elif who == "submitter":
            yield "person", state["attrs"].get("submitter")
        else:
            yield "person", who


def notifications(compiled: Compiled, state: State, timer: Timer, ts: float, when: str,
                  flags: list[str]) -> list[dict[str, Any]]:
    """One notification per recipient and channel; a missing contact falls back to the
    person's other channels (flagged), never dropped silently."""
    base = {"at": when, "clock": timer.clock, "kind": timer.kind, "policy": timer.policy,
            "step": timer.step.index, "level": timer.level}
    out: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str]] = set()
    for kind, target in recipients(compiled, state, timer, ts):
        if kind == "group":
            if "dingtalk_group" in timer.step.channels and target:
                out.append({**base, "channel": "dingtalk_group", "to": {"group": target}})
            continue
        if target is None:
            _flag(flags, "unreachable")  # a role that resolves to nobody (a roster gap, no lead)
            continue
        for channel in timer.step.channels:
            if channel == "dingtalk_group" or (target, channel) in seen:
                continue
            seen.add((target, channel))
            out.extend(_to_person(compiled, base, target, channel, timer.step.channels, flags))
    return out


ASSIGN_CHANNELS = ("dingtalk",)


def assign_notifications(compiled: Compiled, state: State, at: str, flags: list[str]) -> list[dict[str, Any]]:
    """A ticket given to someone (created, transferred, re-routed): a work notification to
    them (with the usual fallback when they have no DingTalk)."""
    person = state["assignee"]["person"]
    if person is None:
        _flag(flags, "unreachable")
        return []
    base = {"at": at, "clock": "response", "kind": "assign", "level": 0}
    return _to_person(compiled, base, person, ASSIGN_CHANNELS[0], ASSIGN_CHANNELS, flags)


def _to_person(compiled: Compiled, base: dict[str, Any], person: str, channel: str,
               step_channels: tuple[str, ...], flags: list[str]) -> list[dict[str, Any]]:
    info = compiled.people.get(person)
    address = info.contacts.get(CHANNEL_CONTACT[channel]) if info else None
    if address:
        return [{**base, "channel": channel, "to": {"person": person, "address": address}}]
    for other in FALLBACK_ORDER:
        other_address = info.contacts.get(CHANNEL_CONTACT[other]) if info else None
        if other not in step_channels and other_address:
            _flag(flags, "contact_missing")
            return [{**base, "channel": other, "to": {"person": person, "address": other_address},
                     "instead_of": channel}]
    _flag(flags, "unreachable")
    return [{**base, "channel": channel, "to": {"person": person, "address": None}}]


def _flag(flags: list[str], flag: str) -> None:
    if flag not in flags:
        flags.append(flag)


def who(notification: dict[str, Any]) -> str:
    to = notification["to"]
    return f"group {to['group']}" if "group" in to else str(to["person"])
