"""The documented template context's value formats: spans of time and ticket links."""
from __future__ import annotations

import pytest

from engine.notify.context import span_text, ticket_link, ticket_url_problem

URL = "https://tickets.yunji.example/t/{ticket}"


@pytest.mark.parametrize(("seconds", "zh", "en"), [
    pytest.param(30, "不到 1 分钟", "under 1 min", id="under-a-minute"),
    pytest.param(25 * 60 + 59, "25 分钟", "25 min", id="minutes-rounded-down"),
    pytest.param(3900, "1 小时 5 分钟", "1 h 5 min", id="hours"),
    pytest.param(3600, "1 小时", "1 h", id="whole-hour"),
    pytest.param(2 * 86400 + 3 * 3600 + 59 * 60, "2 天 3 小时", "2 d 3 h", id="days-two-units"),
])
def test_span_text(seconds: float, zh: str, en: str) -> None:
    assert (span_text(seconds, "zh"), span_text(seconds, "en")) == (zh, en)


@pytest.mark.parametrize(("pattern", "problem", "link"), [
    pytest.param(URL, None, "https://tickets.yunji.example/t/T%201%2F2", id="quoted-id"),
    pytest.param("https://t.example/{ticket.__class__}", "only {ticket} may appear in the pattern, "
                 "not {ticket.__class__}", "", id="attribute-access"),
    pytest.param("https://t.example/{id}", "only {ticket} may appear in the pattern, not {id}", "",
                 id="unknown-field"),
    pytest.param("https://t.example/{ticket!r}", "only {ticket} may appear in the pattern, "
                 "not {ticket}", "", id="conversion"),
    pytest.param("https://t.example/{", "not a format string: Single '{' encountered in format string",
                 "", id="broken"),
    pytest.param("", None, "", id="no-pattern"),
])
def test_ticket_url(pattern: str, problem: str | None, link: str) -> None:
    assert (ticket_url_problem(pattern), ticket_link(pattern, "T 1/2")) == (problem, link)
