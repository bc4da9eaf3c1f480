"""Template checks: overrides parse, use documented variables, render a sample ticket."""
from __future__ import annotations

from collections.abc import Iterator

from engine.config.model import Config
from engine.diagnostics import Diagnostic
from engine.notify.context import ticket_url_problem
from engine.notify.template_checks import check_templates


def check_notifications(config: Config) -> Iterator[Diagnostic]:
    settings = config.notifications
    yield from check_templates(config.templates, settings.locale)
    problem = ticket_url_problem(settings.ticket_url) if settings.ticket_url else None
    if problem is not None:
        yield Diagnostic(config.span(settings.loc, "ticket_url"), "notify.ticket-url", problem)
