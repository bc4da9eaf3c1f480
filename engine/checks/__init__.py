"""Semantic checks over a built `Config`: one registry, every check run, all problems kept.

A check is a function `Config -> Iterable[Diagnostic]` registered under a stable name with
`@register("name")`; later issues (roster gaps, templates) plug in the same way.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from engine.diagnostics import Diagnostic, Severity, Span, suggest
from engine.config.model import Config, Loc


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What some checks need beyond the config: roster gaps are looked for from `now`
    (the caller's clock; the engine never reads one) for `gap_days` days."""

    now: datetime | None = None
    gap_days: int = 28


Check = Callable[[Config], Iterable[Diagnostic]]
TimedCheck = Callable[[Config, CheckOptions], Iterable[Diagnostic]]
CHECKS: dict[str, Check] = {}
TIMED_CHECKS: dict[str, TimedCheck] = {}


def register(name: str) -> Callable[[Check], Check]:
    def add(func: Check) -> Check:
        CHECKS[name] = func
        return func
    return add


def register_timed(name: str) -> Callable[[TimedCheck], TimedCheck]:
    """A check that needs `CheckOptions` (it runs only when `now` is given)."""
    def add(func: TimedCheck) -> TimedCheck:
        TIMED_CHECKS[name] = func
        return func
    return add


def run_checks(config: Config, only: Iterable[str] | None = None,
               options: CheckOptions = CheckOptions()) -> list[Diagnostic]:
    """Every registered check (or those named in `only`), diagnostics unsorted.

    Timed checks compile rosters, so they run only on a config the other checks passed.
    """
    _load_builtin_checks()
    names = list(only) if only is not None else [*CHECKS, *TIMED_CHECKS]
    found = [d for name in names if name in CHECKS for d in CHECKS[name](config)]
    if options.now is not None and not any(d.is_error for d in found):
        found += [d for name in names if name in TIMED_CHECKS for d in TIMED_CHECKS[name](config, options)]
    return found


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


def _load_builtin_checks() -> None:
    # Imported for their @register side effect; late so the modules can import this one.
    from engine.checks import (  # noqa: F401
        calendars,
        gaps,
        org,
        refs,
        rosters,
        routing,
        sla,
        templates,
    )
