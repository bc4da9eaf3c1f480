"""What a golden case is: a named sequence of steps (an event, or a `due` call at an instant),
each with an optional partial `want` or an expected `error`; and the keys each level takes
(schemas/case.schema.json states the same tables for editors; a test pins the two)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.config.source import DataPath
from engine.diagnostics import Span

FILE_KEYS = ("cases",)
CASE_KEYS = ("name", "mode", "steps", "given", "event", "due", "want", "error")
"""`steps` is the general form; `given`/`event`/`due`/`want`/`error` the one-event short form."""
STEP_KEYS = ("event", "due", "want", "error")
WANT_EXTRAS = ("notified", "planned")
"""Keys of `want` that are not decision keys: subsets of `notifications` and of `timers`."""
NOTIFIED_KEYS = ("at", "clock", "kind", "policy", "step", "level", "channel", "to", "subject", "body",
                 "instead_of")
PLANNED_KEYS = ("at", "clock", "kind", "policy", "step", "level", "notify", "channels")


@dataclass(frozen=True, slots=True)
class Step:
    """One call of the engine: `evaluate(event)` or `due(at)`, then `want` (or `error`) checked."""

    where: Span
    path: DataPath                  # where the step's want is (or would be) in the file
    event: Any = None
    due: str | None = None
    want: Any = None
    error: str | None = None

    @property
    def checks(self) -> bool:
        return self.want is not None or self.error is not None


@dataclass(frozen=True, slots=True)
class Case:
    """A named sequence of steps on one ticket, with the mode passed to each event."""

    name: str
    where: Span
    steps: tuple[Step, ...]
    mode: str | None = None

    def _last_event(self) -> int:
        return max((i for i, s in enumerate(self.steps) if s.due is None), default=0)

    @property
    def given(self) -> tuple[Any, ...]:
        """The events before the last one (what the short form calls `given`)."""
        return tuple(s.event for s in self.steps[:self._last_event()] if s.due is None)

    @property
    def event(self) -> Any:
        """The last event of the case."""
        return self.steps[self._last_event()].event

    @property
    def due(self) -> str | None:
        """The first `due` step after the last event, if any."""
        return next((s.due for s in self.steps[self._last_event():] if s.due is not None), None)

    @property
    def error(self) -> str | None:
        return self.steps[self._last_event()].error

    @property
    def want(self) -> Any:
        return next((s.want for s in reversed(self.steps) if s.want is not None), None)
