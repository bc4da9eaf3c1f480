"""The documented template context's value formats: spans of time, ticket links, and text a
host sent (the short printable text answered inline pinned to the word walk)."""
from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.config.values import zone
from engine.notify.context import _walked, host_text, short_time, span_text, ticket_link, ticket_url_problem

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


TEXTS = st.one_of(st.text(max_size=80), st.text(alphabet=" \t\n\u3000\u00a0\x85\x01\x7fab字́\u200d🇨🇳", max_size=80))


@settings(max_examples=500, deadline=None)
@given(TEXTS, st.integers(1, 70))
def test_host_text_answers_as_the_word_walk_does(text: str, limit: int) -> None:
    """The short printable text answered inline is what the word walk makes of it."""
    assert host_text(text, limit) == _walked(text, limit)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("T-1024", "T-1024", id="as-is"),
    pytest.param("  a  b ", "a b", id="runs-of-spaces"),
    pytest.param("a\tb\nc", "a b c", id="other-whitespace"),
    pytest.param("a\x01b", "ab", id="control-character"),
    pytest.param("支付 超时", "支付 超时", id="chinese"),
])
def test_host_text_inline(text: str, expected: str) -> None:
    assert host_text(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.floats(-62_000_000_000, 253_000_000_000), st.sampled_from(["UTC", "Asia/Shanghai", "America/St_Johns",
                                                                      "Asia/Kathmandu", "Pacific/Chatham"]))
def test_short_time_is_strftime(ts: float, name: str) -> None:
    when = datetime.fromtimestamp(ts, zone(name))
    assert short_time(when.isoformat()) == when.strftime("%m-%d %H:%M")
