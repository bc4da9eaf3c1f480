"""What every check module shares: the options, the check signatures, and the helpers
that shape the common diagnostics (unknown references, warnings, duplicate ids)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from engine.config.model import Config, Loc
from engine.diagnostics import Diagnostic, Severity, Span, suggest


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What some checks need beyond the config: roster gaps are looked for from `now`
    (the caller's clock; the engine never reads one) for `gap_days` days."""

    now: datetime | None = None
    gap_days: int = 28
    mode: str | None = None      # check roster gaps as if the host forced this mode throughout


Check = Callable[[Config], Iterable[Diagnostic]]
TimedCheck = Callable[[Config, CheckOptions], Iterable[Diagnostic]]


def unknown(span: Span, kind: str, value: str, known: Iterable[str], what: str = "",
            explain: str | None = None) -> Diagnostic:
    """`ref.unknown-<kind>` with the closest known id as a hint (else `explain`)."""
    return Diagnostic(span, f"ref.unknown-{kind}", f"unknown {what or kind} {value!r}",
                      hint=suggest(value, known) or explain)


def warning(span: Span, code: str, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(span, code, message, Severity.WARNING, hint)


def duplicates(config: Config, items: Iterable[tuple[str, Loc]], kind: str, field: str
               ) -> Iterator[Diagnostic]:
    """`duplicate.<kind>` at each repeat's `field`, naming where the id was first defined."""
    first: dict[str, Loc] = {}
    for ident, loc in items:
        if ident in first:
            yield Diagnostic(config.span(loc, field), f"duplicate.{kind}",
                             f"{kind} {ident!r} is already defined at {config.span(first[ident], field)}")
        else:
            first[ident] = loc
