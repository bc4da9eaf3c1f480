"""The Decision: what the engine answers for one event, and its JSON form (SPEC §7)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Decision:
    """One event's outcome; `state` is what the host stores and passes to the next call.

    Parts that a stage did not decide stay None and are left out of `to_dict()`.
    """

    ticket: str
    event: str
    at: str
    config_version: str
    mode: str
    category: dict[str, Any]
    severity: str
    team: str
    tags: list[str]
    trace: list[str]
    state: dict[str, Any]
    assignee: dict[str, Any] | None = None
    sla: dict[str, Any] | None = None
    timers: list[dict[str, Any]] | None = None
    notifications: list[dict[str, Any]] | None = None
    flags: list[str] = field(default_factory=list)
    next_wakeup: str | None = None
    explain: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys in the SPEC's order; undecided parts omitted."""
        out: dict[str, Any] = {
            "ticket": self.ticket, "event": self.event, "at": self.at,
            "config_version": self.config_version, "mode": self.mode,
            "category": dict(self.category), "severity": self.severity, "team": self.team,
            "tags": list(self.tags),
        }
        for key in ("assignee", "sla", "timers", "notifications"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["flags"] = list(self.flags)
        if self.next_wakeup is not None:
            out["next_wakeup"] = self.next_wakeup
        out["trace"] = list(self.trace)
        out["state"] = self.state
        return out
