"""Text a host sends (a title, ids, tags) is bounded before any template sees it, so every
default template renders whatever the host sent, and the facts of a message (who handles
it, when it is due, where to click) are never pushed out by the host's text."""
from __future__ import annotations

from typing import Any

import pytest

import engine
from engine.notify.channels import CHANNELS, SMS_LIMIT
from engine.notify.context import TITLE_LIMIT, host_tags, host_text, ticket_link
from engine.notify.render import KINDS, LOCALES, Renderer
from engine.runtime.messages import build_context
from helpers import REPO

ENGINE = engine.load(REPO)
URL = "https://tickets.yunji.example/t/{ticket}"
AT = "2026-11-11T00:00:00+08:00"
FIRED = 1794327000.0          # 2026-11-11T00:10:00+08:00, five minutes after the response was due
ASSIGNEE, DUE, LINK = "孟天佑", "11-11 00:05", "https://tickets.yunji.example/t/T-9"
RENDERERS = {locale: Renderer.compile((), locale) for locale in LOCALES}

STACK_TRACE = "".join(f'  File "/srv/app/order.py", line {n}, in create\n    raise OrderError(...)\n'
                      for n in range(60))[:4000]
MARKDOWN = ("[点我领红包](http://evil.example)\n# 紧急\n**粗体** <font color=red>假</font>\n"
            "| a | b |\n```\ncode\n```\n> 引用 ![img](x.png) @all\r\n") * 400
TITLES = [
    pytest.param("Traceback (most recent call last):\n" + STACK_TRACE, id="stack-trace-4000"),
    pytest.param("支付失败" * 16_384, id="title-65536"),   # the longest title an event may carry
    pytest.param(MARKDOWN, id="markdown-and-newlines"),
]
KINDS_CHANNELS = [pytest.param(locale, kind, channel, id=f"{locale}-{kind}-{channel}")
                  for locale in LOCALES for kind in KINDS for channel in CHANNELS]


def state_with(title: str) -> dict[str, Any]:
    decision = ENGINE.evaluate({"type": "created", "ticket": "T-9", "at": AT, "severity": "P1",
                                "category": "trade/order/create-failed", "title": title})
    return decision.state


STATES = {title: state_with(title) for title in [p.values[0] for p in TITLES] + [""]}


def render(locale: str, kind: str, channel: str, title: str) -> tuple[str, str]:
    to = {"group": "trade-order-robot"} if channel == "dingtalk_group" else {"person": "meng-tianyou"}
    notification = {"kind": kind, "channel": channel, "clock": "response", "to": to,
                    "level": 1 if kind == "escalate" else 0, "step": 0}
    context = build_context(ENGINE.compiled, STATES[title], notification, FIRED, locale, URL)
    return RENDERERS[locale].render(kind, channel, context, "trade/order/create-failed")


@pytest.mark.parametrize("title", TITLES)
@pytest.mark.parametrize("locale, kind, channel", KINDS_CHANNELS)
def test_the_facts_survive_any_title(locale: str, kind: str, channel: str, title: str) -> None:
    subject, body = render(locale, kind, channel, title)
    if channel in ("dingtalk", "dingtalk_group", "email"):
        assert (ASSIGNEE in body, DUE in body, LINK in body, len(subject) <= 400) == (True, True, True, True)
    else:  # sms and phone drop the title first (or never show it): the message of an untitled ticket
        assert (subject, body) == render(locale, kind, channel, "")
        assert ASSIGNEE in body or (kind == "assign" and channel == "phone")   # the assignee is the reader
    if channel == "sms":
        assert len(body) <= SMS_LIMIT


@pytest.mark.parametrize("locale, kind, channel", [p for p in KINDS_CHANNELS if "dingtalk" in p.values[2]])
def test_markdown_in_a_title_formats_nothing_in_dingtalk(locale: str, kind: str, channel: str) -> None:
    _, body = render(locale, kind, channel, MARKDOWN)
    title_line = next(line for line in body.splitlines() if "点我领红包" in line)
    assert (title_line.count("["), title_line.count("<"), title_line.count("#"), title_line.endswith("…")) \
        == (0, 0, 0, True)


def test_a_decision_with_a_huge_title_renders_its_notifications() -> None:
    decision = ENGINE.evaluate({"type": "created", "ticket": "T-9", "at": AT, "severity": "P1",
                                "category": "trade/order/create-failed", "title": "支付失败" * 16_384})
    notes = decision.to_dict()["notifications"]
    assert [(n["channel"], ASSIGNEE in n["body"], DUE in n["body"], LINK in n["body"]) for n in notes] \
        == [("dingtalk", True, True, True)]


def test_a_long_host_category_is_cut_and_inert_in_dingtalk() -> None:
    """A category id no prefix of which is known is shown as its own name."""
    decision = ENGINE.evaluate({"type": "created", "ticket": "T-9", "at": AT, "severity": "P1",
                                "category": "x](http://evil.example)" * 10, "title": "下单失败"})
    (note,) = decision.to_dict()["notifications"]
    assert note["body"].splitlines()[1] == \
        "**x］(http://evil.example)x］(http://evil.example)x］(http://evil.ex…** · 下单失败"


@pytest.mark.parametrize("text, limit, expected", [
    pytest.param("支付成功但订单未创建", 200, "支付成功但订单未创建", id="short-is-kept"),
    pytest.param("支付" * 150, TITLE_LIMIT, "支付" * 99 + "支…", id="cut-with-an-ellipsis"),
    pytest.param("line one\n\n  line two\r\n\tthree", 200, "line one line two three", id="one-line"),
    pytest.param("a\x00b\x1b[31mc\x7fd", 200, "ab[31mcd", id="control-characters-dropped"),
    pytest.param(" " * 1_000_000 + "标题", 200, "标题", id="leading-whitespace"),
    pytest.param("abcde\u0301fgh", 6, "abcd…", id="accent-stays-with-its-letter"),
    pytest.param("ab👍🏽cd", 4, "ab…", id="skin-tone-stays-with-its-emoji"),
    pytest.param("👩\u200d💻👩\u200d💻", 5, "👩\u200d💻…", id="zwj-sequence-whole"),
    pytest.param("a🇨🇳🇨🇳🇨🇳", 5, "a🇨🇳…", id="flag-whole"),
    pytest.param("abc   def", 5, "abc…", id="no-space-before-the-ellipsis"),
])
def test_host_text(text: str, limit: int, expected: str) -> None:
    assert host_text(text, limit) == expected


def test_host_tags_are_bounded_in_number_and_length() -> None:
    tags = host_tags(["资损" * 100] * 50)
    assert (len(tags), {len(t) for t in tags}) == (20, {64})


@pytest.mark.parametrize("ticket, expected", [
    pytest.param("T-1024", "https://tickets.yunji.example/t/T-1024", id="plain"),
    pytest.param("T-" + "9" * 100, "https://tickets.yunji.example/t/T-" + "9" * 100, id="long-id-whole"),
    pytest.param("T-" + "9" * 3000, "", id="longer-than-a-url-may-be"),
])
def test_the_link_uses_the_whole_id(ticket: str, expected: str) -> None:
    assert ticket_link(URL, ticket) == expected
