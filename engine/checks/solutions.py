"""Standard solution checks (categories.yaml `solution`): runbooks are https links, the
related categories exist, resolution codes are defined once per category (inherited ones
included), and checklist steps are short enough to read in a text message."""
from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from engine.checks.common import unknown, warning
from engine.config.model import Config, SolutionDef
from engine.config.solutions import effective_solutions
from engine.diagnostics import Diagnostic, Span
from engine.notify.channels import SMS_LIMIT

# Characters that would end a markdown link early or break a mail client's link detection.
_LINK_BREAKERS = frozenset(" \t\r\n()<>[]\"'`")


def check_solutions(config: Config) -> Iterator[Diagnostic]:
    categories = {c.id for c in config.categories}
    for cat in config.categories:
        if cat.solution is None:
            continue
        solution = cat.solution
        yield from _runbook(config, solution)
        yield from _checklist(config, solution)
        for i, related in enumerate(solution.related or ()):
            if related == cat.id:
                yield warning(config.span(solution.loc, "related", i), "solution.related-self",
                              f"category {cat.id!r} lists itself as related")
            elif related not in categories:
                yield unknown(config.span(solution.loc, "related", i), "category", related, categories)
    yield from _duplicate_codes(config)


def runbook_problem(url: str) -> str | None:
    """Why a runbook link is refused: it must be an https URL with a host, and hold no
    character that ends a markdown link (spaces, brackets, quotes)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        return "is not an https URL"
    if any(char in _LINK_BREAKERS for char in url):
        return "holds a space, bracket or quote (percent-encode it: %20, %28, %29)"
    return None


def _runbook(config: Config, solution: SolutionDef) -> Iterator[Diagnostic]:
    if solution.runbook is None:
        return
    problem = runbook_problem(solution.runbook)
    if problem is not None:
        yield Diagnostic(config.span(solution.loc, "runbook"), "solution.runbook",
                         f"runbook {solution.runbook!r} {problem}",
                         hint="notifications link to it from phones: https://wiki.example/runbooks/...")


def _checklist(config: Config, solution: SolutionDef) -> Iterator[Diagnostic]:
    for locale, steps in solution.checklist.items():
        for i, step in enumerate(steps):
            if len(step) > SMS_LIMIT:
                yield warning(config.span(solution.loc, "checklist", locale, i), "solution.checklist-too-long",
                              f"checklist step of {len(step)} characters: more than a text message's "
                              f"{SMS_LIMIT}", "split it into shorter steps")


def _duplicate_codes(config: Config) -> Iterator[Diagnostic]:
    """A code given twice in the codes a category ends up with (its own, and an extended
    parent's): reported at the later definition, once per place it is written."""
    reported: set[Span] = set()
    for solution in effective_solutions(config).values():
        seen: dict[str, str] = {}
        for source in solution.sources:
            for i, code in enumerate(source.resolution_codes):
                here = config.span(source.loc, "resolution_codes", i)
                if code in seen and here not in reported:
                    reported.add(here)
                    yield Diagnostic(here, "duplicate.resolution-code",
                                     f"resolution code {code!r} is already defined at {seen[code]}")
                seen.setdefault(code, str(here))
