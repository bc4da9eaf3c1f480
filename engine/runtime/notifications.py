"""The notifications a fired step or an assignment makes: recipients resolved at fire
time, one message per recipient and channel (a person named by two roles of a step gets
one), a missing contact falling back to another channel (flagged), never dropped
silently. A breach step also tells the ticket's supervisors."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from engine.compile.compiled import Compiled
from engine.notify.channels import CHANNEL_CONTACT, FALLBACK_ORDER
from engine.runtime.ticket import State, climb_chain, mode_in_force
from engine.sla.escalation import Timer

# A work notification: how a ticket is handed to someone, and how supervisors are told.
ASSIGN_CHANNELS = ("dingtalk",)
_ASSIGN_CHANNEL = ASSIGN_CHANNELS[0]
_ASSIGN_CONTACT = CHANNEL_CONTACT[_ASSIGN_CHANNEL]


def recipients(compiled: Compiled, state: State, timer: Timer, ts: float) -> Iterator[tuple[str, str | None]]:
    """("person", id) or ("group", team id) for each role of the step, resolved at `ts`."""
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
            yield "group", team.id
        elif who == "manager":
            chain = climb_chain(compiled, state)
            index = timer.level - 1 if timer.level else 0
            yield "person", chain[index] if index < len(chain) else None
        elif who == "submitter":
            yield "person", state["attrs"].get("submitter")
        elif who == "supervisors":
            yield from (("person", person) for person in state.get("supervisors", ()))
        else:
            yield "person", who


def notifications(compiled: Compiled, state: State, timer: Timer, ts: float, when: str,
                  flags: list[str]) -> list[dict[str, Any]]:
    """One notification per recipient and channel; a missing contact falls back to the
    person's other channels (flagged), never dropped silently. At a breach the ticket's
    supervisors are told too, on the step's person channels (dingtalk if it has none)."""
    base = {"at": when, "clock": timer.clock, "kind": timer.kind, "policy": timer.policy,
            "step": timer.step.index, "level": timer.level}
    out: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str]] = set()
    channels = timer.step.channels   # the person channels: the step's but the group robot
    if "dingtalk_group" in channels:
        channels = tuple(c for c in channels if c != "dingtalk_group")
    for kind, target in recipients(compiled, state, timer, ts):
        if kind == "group":
            out.extend(_to_group(compiled.teams[state["team"]].group, base, timer.step.channels))
        elif target is None:
            _flag(flags, "unreachable")  # a role that resolves to nobody (a roster gap, no lead)
        else:
            _each_channel(compiled, base, target, channels, timer.step.channels, seen, out, flags)
    if timer.kind == "breach":
        for person in state.get("supervisors", ()):
            _each_channel(compiled, base, person, channels or ASSIGN_CHANNELS, timer.step.channels,
                          seen, out, flags)
    return out


def _to_group(group: Mapping[str, str], base: dict[str, Any], step_channels: tuple[str, ...]
              ) -> list[dict[str, Any]]:
    """`team_group`: the team's robot on `dingtalk_group` and its mailbox (`group.email`)
    on `email`, each when the step has the channel and the team has the endpoint."""
    out = []
    if "dingtalk_group" in step_channels and group.get("dingtalk_group"):
        out.append({**base, "channel": "dingtalk_group", "to": {"group": group["dingtalk_group"]}})
    if "email" in step_channels and group.get("email"):
        out.append({**base, "channel": "email", "to": {"group": group["email"], "address": group["email"]}})
    return out


def _each_channel(compiled: Compiled, base: dict[str, Any], person: str, channels: tuple[str, ...],
                  step_channels: tuple[str, ...], seen: set[tuple[str | None, str]],
                  out: list[dict[str, Any]], flags: list[str]) -> None:
    """A person's messages of one step: one per channel, none they already have from it."""
    for channel in channels:
        if (person, channel) not in seen:
            seen.add((person, channel))
            out.extend(to_person(compiled, base, person, channel, step_channels, flags))


def assign_notifications(compiled: Compiled, state: State, at: str, flags: list[str]) -> list[dict[str, Any]]:
    """A ticket given to someone (created, transferred, re-routed): a work notification to
    them (with the usual fallback when they have no DingTalk)."""
    person = state["assignee"]["person"]
    if person is None:
        _flag(flags, "unreachable")
        return []
    info = compiled.people.get(person)
    address = info.contacts.get(_ASSIGN_CONTACT) if info is not None else None
    if address:  # `to_person`'s first answer, built in place: every new ticket makes one
        return [{"at": at, "clock": "response", "kind": "assign", "level": 0, "channel": _ASSIGN_CHANNEL,
                 "to": {"person": person, "address": address}}]
    base = {"at": at, "clock": "response", "kind": "assign", "level": 0}
    return to_person(compiled, base, person, ASSIGN_CHANNELS[0], ASSIGN_CHANNELS, flags)


def to_person(compiled: Compiled, base: dict[str, Any], person: str, channel: str,
              step_channels: tuple[str, ...], flags: list[str]) -> list[dict[str, Any]]:
    """One message to a person on `channel`, else on their first other channel the step
    does not use (flagged `contact_missing`), else unaddressed (flagged `unreachable`)."""
    info = compiled.people.get(person)
    address = info.contacts.get(CHANNEL_CONTACT[channel]) if info else None
    if address:
        message = base.copy()   # the usual answer: a copy and two stores, not a merge into a new dict
        message["channel"], message["to"] = channel, {"person": person, "address": address}
        return [message]
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
