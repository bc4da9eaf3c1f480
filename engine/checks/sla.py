"""SLA checks: profile inheritance, complete and sane targets, overrides that can match,
modes, policy step values."""
from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from engine.checks.routing import implies, never_matches
from engine.config.chains import extends_chain
from engine.config.model import Config, Matcher, StepDef, TargetDef, TargetOverride
from engine.config.profiles import effective_profile
from engine.config.values import parse_datetime, parse_duration, parse_percentage
from engine.diagnostics import Diagnostic, Severity
from engine.routing.matchers import condition_test


def check_profiles(config: Config) -> Iterator[Diagnostic]:
    for pid, profile in config.profiles.items():
        chain, loops = extends_chain(config.profiles, pid)
        if loops:
            if pid == min(chain):  # report each loop once
                yield Diagnostic(config.span(profile.loc, "extends"), "sla.extends-cycle",
                                 "profiles extend each other in a loop: " + " → ".join(chain + [pid]))
            continue
        if config.profiles[chain[-1]].extends is not None:
            continue  # the chain ends in an unknown profile: reported as ref.unknown-profile
        yield from _check_targets(config, pid)


def _check_targets(config: Config, pid: str) -> Iterator[Diagnostic]:
    effective = effective_profile(config, pid)
    profile = config.profiles[pid]
    for level in config.level_ids:
        target = effective.targets.get(level)
        missing = [f for f in ("response", "resolve") if target is None or getattr(target, f) is None]
        if missing:
            span = config.span(profile.loc, "targets", key=True) if profile.targets else \
                config.span(profile.loc, key=True)
            yield Diagnostic(span, "sla.missing-target",
                             f"profile {pid!r} has no {' and '.join(missing)} target for level {level!r}",
                             hint=f"add targets.{level}" + (" or to the profile it extends" if profile.extends else ""))
        elif target is not None:
            yield from _response_vs_resolve(config, pid, target)
    for override in profile.overrides or ():
        yield from _durations(config, override.target)


def _response_vs_resolve(config: Config, pid: str, target: TargetDef) -> Iterator[Diagnostic]:
    yield from _durations(config, target)
    try:
        response = parse_duration(target.response or "")
        resolve = parse_duration(target.resolve or "")
    except ValueError:
        return
    if response > resolve:
        yield Diagnostic(config.span(target.loc, "response"), "sla.response-after-resolve",
                         f"response target {target.response} is longer than resolve target "
                         f"{target.resolve} in profile {pid!r}")


def _durations(config: Config, target: TargetDef) -> Iterator[Diagnostic]:
    for field in ("response", "resolve"):
        text = getattr(target, field)
        if text is not None and parse_duration(text) == 0:
            yield Diagnostic(config.span(target.loc, field), "value.duration",
                             f"{field} target must be longer than 0s")


def check_modes(config: Config) -> Iterator[Diagnostic]:
    spans = []
    for window in config.modes.windows:
        try:
            start, end = parse_datetime(window.start), parse_datetime(window.end)
        except ValueError as exc:
            yield Diagnostic(config.span(window.loc), "value.datetime", str(exc))
            continue
        if end <= start:
            yield Diagnostic(config.span(window.loc, "end"), "mode.window-order",
                             f"mode window {window.name!r} ends before it starts")
            continue
        spans.append((start, end, window))
    spans.sort(key=lambda s: (s[0], s[1]))
    for (_, end_a, a), (start_b, _, b) in pairwise(spans):
        if start_b < end_a:
            yield Diagnostic(config.span(b.loc, "start"), "mode.overlapping-windows",
                             f"mode window {b.name!r} overlaps {a.name!r}")


def check_step_values(config: Config) -> Iterator[Diagnostic]:
    for policy in config.policies.values():
        for step in policy.response + policy.resolve:
            if step.after is not None and parse_duration(step.after) == 0:
                yield Diagnostic(config.span(step.loc, "after"), "value.duration",
                                 "`after` must be longer than 0s")


def check_policy_steps(config: Config) -> Iterator[Diagnostic]:
    """Steps in time order, `climb` only where a manager is notified, channels that the
    recipients can receive."""
    for policy in config.policies.values():
        for steps in (policy.response, policy.resolve):
            yield from _step_order(config, steps)
            for step in steps:
                yield from _step_recipients(config, step)


def _step_order(config: Config, steps: tuple[StepDef, ...]) -> Iterator[Diagnostic]:
    previous = None
    for step in steps:
        if step.at is not None:
            share = parse_percentage(step.at)
            if previous is not None and share < previous:
                yield Diagnostic(config.span(step.loc, "at"), "policy.step-order",
                                 f"step at {step.at} comes after a step at {previous:g}%: steps fire in "
                                 "the order written, so list them by time")
            previous = share


def _step_recipients(config: Config, step: StepDef) -> Iterator[Diagnostic]:
    if step.climb and "manager" not in step.notify:
        yield Diagnostic(config.span(step.loc, "climb"), "policy.climb-without-manager",
                         "`climb` repeats a step one manager higher each time: notify `manager`")
    if step.climb and step.after is None:
        yield Diagnostic(config.span(step.loc, "climb"), "policy.climb-without-after",
                         "`climb` repeats the step every `after`: give the step an `after`")
    people = [w for w in step.notify if w != "team_group"]
    if "dingtalk_group" in step.channels and "team_group" not in step.notify:
        yield Diagnostic(config.span(step.loc, "channels"), "policy.channel-recipient",
                         "dingtalk_group reaches a team's group robot: notify `team_group` too")
    if "team_group" in step.notify and not {"dingtalk_group", "email"} & set(step.channels):
        yield Diagnostic(config.span(step.loc, "notify"), "policy.channel-recipient",
                         "team_group is reached on dingtalk_group (the team's robot) or email (its "
                         "group.email): add one to `channels`")
    if people and not [c for c in step.channels if c != "dingtalk_group"]:
        yield Diagnostic(config.span(step.loc, "channels"), "policy.channel-recipient",
                         f"{', '.join(people)} cannot be reached on dingtalk_group alone: add a "
                         "person channel (dingtalk, email, sms, phone)")


def check_overrides(config: Config) -> Iterator[Diagnostic]:
    """`sla.override-never-matches`: an override no ticket can reach, because its `when`
    contradicts itself, an earlier override of the list matches every ticket it does, or
    its `mode` admits none of the modes that use the list (a profile's own, and those of
    the profiles that inherit the list through `extends`)."""
    for pid, profile in config.profiles.items():
        users = _modes_using_overrides(config, pid)
        overrides = profile.overrides or ()
        for i, override in enumerate(overrides):
            reason = _unreachable(config, overrides[:i], override.when, users)
            if reason is not None:
                yield Diagnostic(config.span(override.loc, "when"), "sla.override-never-matches",
                                 f"override {i} of profile {pid!r} can never match: {reason}",
                                 Severity.WARNING)


def _modes_using_overrides(config: Config, pid: str) -> list[str]:
    """The modes whose effective overrides are `pid`'s own list."""
    users = []
    for mode in config.profiles:
        chain, loops = extends_chain(config.profiles, mode)
        owner = next((p for p in chain if config.profiles[p].overrides is not None), None)
        if not loops and owner == pid:
            users.append(mode)
    return users


def _unreachable(config: Config, earlier: tuple[TargetOverride, ...], when: Matcher,
                 users: list[str]) -> str | None:
    reason = never_matches(when)
    if reason is not None:
        return reason
    for j, other in enumerate(earlier):
        if implies(when, other.when):
            return f"override {j} (line {config.span(other.loc).line}) matches every ticket it does"
    modes = _admitted(when.get("mode"), users)
    if modes is not None and not modes:
        return f"its `mode` admits none of the modes that use these overrides ({', '.join(users)})"
    return None


def _admitted(condition: Any, users: list[str]) -> list[str] | None:
    """The modes among `users` a top-level `mode` condition admits (None: no such condition)."""
    if condition is None:
        return None
    test, _ = condition_test("mode", condition)
    return [mode for mode in users if test(mode)]
