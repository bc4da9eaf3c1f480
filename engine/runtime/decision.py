"""The Decision: what the engine answers for one event, and its JSON form."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.compile.compiled import Compiled
from engine.config.values import format_ts, formatted_in
from engine.runtime.messages import build_context
from engine.runtime.timers import Pending, next_wakeup, pending
from engine.runtime.views import ViewReading, next_entering, read_views
from engine.sla import clocks as sla
from engine.sla.escalation import Timer


@dataclass(slots=True)
class Decision:
    """One event's outcome; `state` is what the host stores and passes to the next call.

    The clock and timer views are worked out from the state when first read (`sla`,
    `timers`, `next_wakeup`, `to_dict()`): deciding costs only the arithmetic, and a host
    that only stores the state never pays for the text.
    """

    compiled: Compiled
    at_time: datetime
    event: str
    state: dict[str, Any]
    trace: list[str]
    sent: list[dict[str, Any]]
    flags: list[str]
    explain: list[str] | None = None
    rendered: list[dict[str, Any]] | None = None
    known_waiting: list[Pending] | None = None
    at_text: str | None = None   # `at_time.isoformat()` when the caller already has it
    reading: ViewReading | None = None   # the ticket's views, read on first use
    at_ts: float | None = None           # `at_time.timestamp()` when the caller already has it
    wakeup: float | bool | None = False  # `next_wakeup_ts` once worked out (False: not yet)

    ticket = property(lambda self: self.state["ticket"])
    mode = property(lambda self: self.state["mode"])
    severity = property(lambda self: self.state["severity"])
    team = property(lambda self: self.state["team"])
    tags = property(lambda self: list(self.state["tags"]))
    category = property(lambda self: dict(self.state["category"]))
    assignee = property(lambda self: dict(self.state["assignee"]))
    supervisors = property(lambda self: list(self.state.get("supervisors", ())))

    @property
    def resolution(self) -> dict[str, Any] | None:
        found = self.state.get("resolution")
        return dict(found) if found is not None else None

    @property
    def solution(self) -> dict[str, Any] | None:
        """The standard solution of the ticket's category (the known one it routed by)."""
        found = self.compiled.solutions.get(self.state["category"].get("matched") or "")
        return None if found is None else found.to_dict()

    @property
    def views(self) -> list[str]:
        """The views of the mode in force the ticket is in at `at`, in view order."""
        if not self.compiled.views.ordered:
            return []       # a config without views.yaml pays nothing for them
        return list(self._reading().ids)

    def _reading(self) -> ViewReading:
        if self.reading is None:
            self.reading = read_views(self.compiled, self.state, self._now())
        return self.reading

    def _now(self) -> float:
        if self.at_ts is None:
            self.at_ts = self.at_time.timestamp()
        return self.at_ts

    @property
    def config_version(self) -> str:
        return self.compiled.config_version

    @property
    def at(self) -> str:
        return self.at_text or self.at_time.isoformat()

    @property
    def waiting(self) -> list[Pending]:
        """Every pending step with its fire time (worked out on first use)."""
        if self.known_waiting is None:
            self.known_waiting = pending(self.compiled, self.state)
        return self.known_waiting

    @property
    def next_wakeup_ts(self) -> float | None:
        """When the host calls `due()` next: the first pending step, the next mode switch
        that changes the ticket's targets (`on_switch: recompute`), or the next instant time
        alone changes its views (worked out once: a replay asks, then writes it)."""
        if self.wakeup is False:
            self.wakeup = self._next_wakeup_ts()
        return self.wakeup  # a float or None once set

    def _next_wakeup_ts(self) -> float | None:
        # The plan, not `next_step`'s one lookup per clock: whoever asks when to wake (a
        # replay, the service) writes the decision's timers too, which are the plan
        waiting = self.waiting
        first = waiting[0][0] if waiting else None
        wake = next_wakeup(self.compiled, self.state, first)
        if not self.compiled.views.ordered:
            return wake
        entering = next_entering(self.compiled, self.state, self._reading())
        return entering if wake is None or (entering is not None and entering < wake) else wake

    @property
    def next_wakeup(self) -> str | None:
        ts = self.next_wakeup_ts
        return format_ts(ts, self.at_time.tzinfo) if ts is not None else None

    @property
    def sla(self) -> dict[str, Any]:
        return sla_view(self.compiled, self.state, self._now(), self.at_time.tzinfo)

    @property
    def timers(self) -> list[dict[str, Any]]:
        return timer_views(self.compiled, self.waiting, self.at_time.tzinfo)

    @property
    def notifications(self) -> list[dict[str, Any]]:
        """The messages to send now, each with its `subject` and `body` rendered."""
        if self.rendered is None:
            self.rendered = [self._render(n) for n in self.sent]
        return self.rendered

    def _render(self, notification: dict[str, Any]) -> dict[str, Any]:
        compiled = self.compiled
        fired = datetime.fromisoformat(notification["at"]).timestamp()
        context = build_context(compiled, self.state, notification, fired, compiled.locale, compiled.ticket_url)
        subject, body = compiled.renderer.render(notification["kind"], notification["channel"], context,
                                               self.state["category"]["id"])
        return {**notification, "subject": subject, "body": body}

    def to_dict(self, *, with_state: bool = True, render: bool = True) -> dict[str, Any]:
        """JSON-ready, keys in the documented order (docs/api.md). `with_state=False` leaves the state out (a
        replay's output keeps none); `render=False` the notifications' subject and body.

        What each property gives, read in place (a host or a replay calls this once per
        decision; twins: `test_decision_dict.py` holds it to the properties)."""
        state, compiled, tz = self.state, self.compiled, self.at_time.tzinfo
        resolution, solution = state.get("resolution"), compiled.solutions.get(state["category"].get("matched") or "")
        waiting = self.known_waiting
        timers = timer_views(compiled, self.waiting if waiting is None else waiting, tz)
        wake = self.wakeup   # after the timers: the first of them, once worked out, is the next step
        if wake is False:
            wake = self.wakeup = self._next_wakeup_ts()
        out = {
            "ticket": state["ticket"], "event": self.event, "at": self.at_text or self.at_time.isoformat(),
            "config_version": compiled.config_version, "mode": state["mode"], "category": state["category"].copy(),
            "severity": state["severity"], "team": state["team"], "tags": [*state["tags"]],
            "assignee": state["assignee"].copy(), "supervisors": [*state.get("supervisors", ())],
            "sla": sla_view(compiled, state, self._now(), tz),
            "views": [*self._reading().ids] if compiled.views.ordered else [],
            "solution": None if solution is None else solution.to_dict(),
            "resolution": None if resolution is None else dict(resolution),
            "timers": timers,
            "notifications": self.notifications if render else self.sent, "flags": [*self.flags],
            "next_wakeup": format_ts(wake, tz) if wake is not None else None, "trace": [*self.trace],
        }
        if with_state:
            out["state"] = state
        return out


def _seconds(value: float) -> float | int:
    """Whole seconds as integers; fractions kept (to the microsecond)."""
    if type(value) is int:
        return value
    if value.is_integer():   # `round` would return it unchanged: skip its decimal conversion
        return int(value)
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded


def sla_view(compiled: Compiled, state: dict[str, Any], now: float, tz: Any) -> dict[str, Any]:
    """The decision's `sla`: the profile, and each clock's due time, state and working
    time used and left at `now`."""
    view: dict[str, Any] = {"profile": state["mode"]}
    texts = formatted_in(tz)
    for name, clock in state["clocks"].items():
        view[name] = _clock_view(compiled, clock, now, tz, texts)
    return view


def _clock_view(compiled: Compiled, clock: sla.Clock, now: float, tz: Any, texts: dict[float, str]
                ) -> dict[str, Any]:
    calendar = compiled.calendars[clock["calendar"]]
    spent = sla.used(clock, calendar, now)
    due = clock["due"] if clock["since"] is not None or clock["stopped"] is not None else None
    budget = clock["budget"]
    return {"due": (texts.get(due) or format_ts(due, tz)) if due is not None else None,
            "calendar": clock["calendar"], "state": sla.state_of(clock, now, calendar),
            # nothing used yet (a new ticket): the budget is what is left, to the second
            "elapsed_s": _seconds(spent) if spent else 0,
            "remaining_s": _seconds(budget - spent) if spent else _seconds(budget)}


def timer_view(at: str | None, timer: Timer) -> dict[str, Any]:
    """One pending step as `timers` lists it, firing at `at` (RFC 3339 text)."""
    return {"at": at, "clock": timer.clock, "kind": timer.kind, "policy": timer.policy, "step": timer.step.index,
            "level": timer.level, "notify": list(timer.step.notify), "channels": list(timer.step.channels)}


def timer_views(compiled: Compiled, waiting: list[Pending], tz: Any) -> list[dict[str, Any]]:
    """`timer_view` of each pending step, copied from the step's view made once (a copy of
    a dict costs a fraction of building it key by key): only the time and fresh lists
    differ from one decision to the next."""
    if not waiting:
        return []
    made = compiled.caches.timer_views
    texts = formatted_in(tz)
    out = []
    for ts, timer in waiting:
        # A key names the step within one config (its policy, clock, step and level); its
        # kind may differ with the budget (an `after` step), so it is compared
        template = made.get(timer.key)
        if template is None:
            template = made.setdefault(timer.key, timer_view(None, timer))
        view = template.copy() if template["kind"] == timer.kind else timer_view(None, timer)
        view["at"] = texts.get(ts) or format_ts(ts, tz)
        view["notify"] = [*view["notify"]]   # the template's lists stay its own
        view["channels"] = [*view["channels"]]
        out.append(view)
    return out


def build_decision(compiled: Compiled, state: dict[str, Any], event: str, at: datetime,
                   trace: list[str], explain: list[str] | None,
                   sent: list[dict[str, Any]] | None = None, flags: list[str] | None = None,
                   waiting: list[Pending] | None = None, at_text: str | None = None,
                   at_ts: float | None = None) -> Decision:
    """The decision for the ticket as it stands after an event (or `due`) at `at`;
    `waiting` is the pending timers when the caller already has them. With `explain`, the
    views are read now, each with its reason."""
    all_flags = list(state["flags"])
    if flags:  # most decisions raise no flag: no list comprehension (a frame in 3.11)
        all_flags += [f for f in flags if f not in state["flags"]]
    # Positional (in field order): keywords cost a dataclass `__init__` their matching.
    decision = Decision(compiled, at, event, state, trace, sent or [], all_flags, explain, None, waiting,
                        at_text, None, at_ts)
    if explain is not None:
        decision.reading = read_views(compiled, state, decision._now(), explain)
    return decision
