"""Organisation checks: the management chain and whether people can be reached."""
from __future__ import annotations

from collections.abc import Iterator

from engine.checks.common import unknown, warning
from engine.config.model import Config, Person
from engine.diagnostics import Diagnostic
from engine.notify.channels import CHANNEL_CONTACT


def check_managers(config: Config) -> Iterator[Diagnostic]:
    by_id = {p.id: p for p in config.people}
    for person in config.people:
        if person.manager is not None and person.manager not in by_id:
            yield unknown(config.span(person.loc, "manager"), "person", person.manager, by_id,
                          "manager")
        elif person.manager == person.id:
            yield Diagnostic(config.span(person.loc, "manager"), "org.manager-cycle",
                             f"{person.id!r} is their own manager")
    yield from _cycles(config, by_id)


def _cycles(config: Config, by_id: dict[str, Person]) -> Iterator[Diagnostic]:
    """Each loop in the manager links once, reported at its first member in file order."""
    done: set[str] = set()
    for person in config.people:
        chain: list[str] = []
        current: str | None = person.id
        while current in by_id and current not in done and current not in chain:
            chain.append(current)
            current = by_id[current].manager
        done.update(chain)
        if current in chain and len(chain) - chain.index(current) > 1:
            loop = chain[chain.index(current):]
            first = min(loop, key=lambda pid: config.span(by_id[pid].loc))
            start = loop.index(first)
            ordered = loop[start:] + loop[:start] + [first]
            yield Diagnostic(config.span(by_id[first].loc, "manager"), "org.manager-cycle",
                             "manager chain loops: " + " → ".join(ordered))


def _role_channels(config: Config) -> dict[str, set[str]]:
    """Channels each recipient (role or person id) may be notified on by any policy."""
    channels: dict[str, set[str]] = {}
    for policy in config.policies.values():
        for step in policy.response + policy.resolve:
            for who in step.notify:
                channels.setdefault(who, set()).update(c for c in step.channels if c in CHANNEL_CONTACT)
    return channels


def _reachable(config: Config, role_channels: dict[str, set[str]]) -> dict[str, set[str]]:
    """Person id -> channels they may be notified on, by the roles they can hold."""
    by_id = {p.id: p for p in config.people}
    duty = {m for s in config.schedules.values() for layer in s.layers for m in layer.members}
    duty |= {o.person for s in config.schedules.values() for o in s.overrides}
    leads = {t.lead for t in config.teams if t.lead}
    managers: set[str] = set()
    for lead in leads:
        current = by_id[lead].manager if lead in by_id else None
        while current in by_id and current not in managers:
            managers.add(current)
            current = by_id[current].manager
    holders = {"assignee": duty, "on_duty": duty, "backup": duty, "team_lead": leads,
               "manager": managers}
    reach: dict[str, set[str]] = {}
    for who, chans in role_channels.items():
        for pid in holders.get(who, {who} if who in by_id else set()):
            reach.setdefault(pid, set()).update(chans)
    return reach


def check_contacts(config: Config) -> Iterator[Diagnostic]:
    reach = _reachable(config, _role_channels(config))
    for person in config.people:
        missing: dict[str, list[str]] = {}
        for channel in sorted(reach.get(person.id, ())):
            field = CHANNEL_CONTACT[channel]
            if not person.contacts.get(field):
                missing.setdefault(field, []).append(channel)
        for field, channels in missing.items():
            yield warning(config.span(person.loc, "id"), "contact.missing",
                          f"{person.id!r} can be notified by {' and '.join(channels)} "
                          f"but has no contacts.{field}",
                          "until it is added, they are reached on their other channels only")
