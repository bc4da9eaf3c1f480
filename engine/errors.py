"""The exceptions Gongdan raises at its boundary; nothing else escapes the library."""
from __future__ import annotations

from collections.abc import Sequence

from engine.diagnostics import Diagnostic


class GongdanError(Exception):
    """Base class of every error the library raises on purpose."""


class ConfigError(GongdanError):
    """A config that does not pass the checks; `.diagnostics` lists every problem."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error]
        head = errors[0].render() if errors else "invalid config"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(head + more)


class EventError(GongdanError, ValueError):
    """An event the engine cannot take; `.field` names the offending field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class InternalError(GongdanError):
    """A bug in Gongdan, not in the config or the event."""
