"""Notification templates: golden renders of every default, the checks on overrides, the
sandbox, category-prefix overrides, and the context built from a real ticket."""
from __future__ import annotations

import os
import re
from typing import Any

import pytest
from conftest import DATA, REPO

import engine
from engine.config.model import TemplateSource
from engine.notify.channels import CHANNELS, SMS_LIMIT
from engine.notify.context import (
    CONTEXT_VARIABLES,
    sample_context,
    span_text,
    ticket_link,
    ticket_url_problem,
)
from engine.notify.render import KINDS, Renderer, RenderError, default_sources, parse_name
from engine.notify.sandbox import MAX_OUTPUT, fit, md
from engine.notify.template_checks import check_templates
from engine.runtime.messages import build_context
from engine.config.values import parse_datetime

GOLDEN = DATA / "notify"
RENDERERS = {locale: Renderer.compile(locale=locale) for locale in ("zh", "en")}
ALL = [pytest.param(locale, kind, channel, id=f"{locale}-{kind}-{channel}".replace("_", "-"))
       for locale in ("zh", "en") for kind in KINDS for channel in CHANNELS]
URL = "https://tickets.yunji.example/t/{ticket}"


def render(locale: str, kind: str, channel: str, **changes: Any) -> tuple[str, str]:
    return RENDERERS[locale].render(kind, channel, {**sample_context(locale, kind, channel), **changes})


def golden_text(subject: str, body: str) -> str:
    return f"subject: {subject}\n---\n{body}\n"


# --- the defaults --------------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "kind", "channel"), ALL)
def test_default_renders_match_the_golden_file(locale: str, kind: str, channel: str) -> None:
    path = GOLDEN / locale / f"{kind}.{channel}.txt"
    text = golden_text(*render(locale, kind, channel))
    if os.environ.get("GONGDAN_UPDATE_GOLDEN"):   # after a deliberate template change
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_the_golden_files_are_exactly_the_defaults() -> None:
    names = sorted(str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*.txt"))
    assert names == sorted(f"{loc}/{k}.{c}.txt" for loc in ("zh", "en") for k in KINDS for c in CHANNELS)


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_defaults_pass_their_own_checks(locale: str) -> None:
    sources = [TemplateSource("templates/" + s.name.split("/", 1)[1], s.text)
               for s in default_sources(locale)]
    assert len(sources) == 20
    assert check_templates(sources, locale) == []


@pytest.mark.parametrize(("locale", "kind"), [
    pytest.param(locale, kind, id=f"{locale}-{kind}") for locale in ("zh", "en") for kind in KINDS])
def test_the_group_robot_ats_the_assignee_by_mobile(locale: str, kind: str) -> None:
    subject, body = render(locale, kind, "dingtalk_group")
    assert body.splitlines()[-1] == "@13878886881"
    assert subject and "@" not in subject


# Variants of the sample a template must survive: nothing optional is assumed present.
VARIANTS = {
    "no-title-no-url": {"ticket": {"id": "T-7", "title": "", "url": "", "status": "open", "tags": []}},
    "nobody-assigned": {"assignee": {"id": "", "name": ""}, "at_mobiles": []},
    "paused-clock": {"due": "", "due_iso": "", "overdue": "", "overdue_minutes": 0,
                     "remaining": "", "remaining_minutes": 0},
    "team-lead-step": {"level_no": 0},
    "long-names": {"category": {"id": "x/y", "name": "退款到账后订单状态未同步到商家后台"},
                   "ticket": {"id": "T-20261111-000042", "title": "大促期间用户反馈退款成功但商家后台仍显示待退款",
                              "url": "https://tickets.yunji.example/t/T-20261111-000042",
                              "status": "open", "tags": []}},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize(("locale", "kind", "channel"), ALL)
def test_every_default_renders_every_variant_within_its_channel_rules(
        locale: str, kind: str, channel: str, variant: str) -> None:
    subject, body = render(locale, kind, channel, **VARIANTS[variant])
    lines = [subject, *body.split("\n")]
    assert [line for line in lines if "None" in line or "  " in line or line != line.strip()] == []
    if channel in ("sms", "phone"):
        assert (subject, "\n" in body) == ("", False)
    if channel == "phone":
        assert not re.search(r"https?:|[【】\[\]@#*_<>/]", body)
    if channel == "sms" and variant != "long-names":
        assert len(body) <= SMS_LIMIT


@pytest.mark.parametrize(("locale", "changes", "expected"), [
    pytest.param("zh", VARIANTS["long-names"],
                 "【P1 紧急】T-20261111-000042 退款到账后订单状态未同步到商家后台，响应已超时，处理人: 孟天佑",
                 id="zh-long-names"),
    pytest.param("en", VARIANTS["long-names"],
                 "[P1 Critical] T-20261111-000042 response overdue, owner Alice Meng", id="en-long-names"),
    pytest.param("zh", {"assignee": {"id": "", "name": ""}},
                 "【P1 紧急】T-1024 下单失败，响应已超时，暂无处理人，https://tickets.yunji.example/t/T-1024",
                 id="zh-nobody-assigned"),
])
def test_sms_drops_title_then_category_rather_than_cut_a_word(locale: str, changes: dict[str, Any],
                                                              expected: str) -> None:
    assert render(locale, "breach", "sms", **changes) == ("", expected)


@pytest.mark.parametrize(("candidates", "limit", "expected"), [
    pytest.param(["aaa bbb", "aaa"], 7, "aaa bbb", id="first-that-fits"),
    pytest.param(["aaa bbb", "aaa"], 5, "aaa", id="drops-a-part"),
    pytest.param(["aaa bbb", "aaaa"], 3, "aaaa", id="none-fits-the-shortest"),
    pytest.param([], 3, "", id="nothing"),
])
def test_fit(candidates: list[str], limit: int, expected: str) -> None:
    assert fit(candidates, limit) == expected


# --- checks on overrides -------------------------------------------------------------------

def diagnostics(name: str, text: str, locale: str = "zh") -> list[str]:
    return [d.render() for d in check_templates([TemplateSource(name, text)], locale)]


CHECKS = [
    pytest.param("templates/breach.sms.j2",
                 "{% block body %}\n{{ ticket.id }}\n{{ ticket.title }\n{% endblock %}",
                 ["templates/breach.sms.j2:3:1: error[template.syntax]: unexpected '}'"],
                 id="syntax-error-on-line-3"),
    pytest.param("templates/breach.sms.j2",
                 "{% block body %}{{ ticket.id | shout }}{% endblock %}",
                 ["templates/breach.sms.j2:1:1: error[template.syntax]: No filter named 'shout'."],
                 id="unknown-filter"),
    pytest.param("templates/breach.dingtalk.j2",
                 "{% block subject %}{{ ticket.id }}{% endblock %}\n{% block body %}\n"
                 "{{ asignee.name }} {{ foo }}\n{% endblock %}",
                 [("templates/breach.dingtalk.j2:3:4: error[template.undefined-variable]: "
                  "unknown variable 'asignee' (did you mean 'assignee'?)"),
                  ("templates/breach.dingtalk.j2:3:23: error[template.undefined-variable]: "
                  "unknown variable 'foo' (known: ticket, category, level, team, assignee, "
                  "recipient, ...; see docs/templates.md)")],
                 id="unknown-variable-with-hint"),
    pytest.param("templates/breach.dingtalk.j2",
                 "{% block body %}\n{{ ticket.id }}\n{{ ticket.tittle }}\n{% endblock %}",
                 [("templates/breach.dingtalk.j2:3:1: error[template.render]: rendering the sample "
                  "ticket fails: 'dict object' has no attribute 'tittle'")],
                 id="unknown-attribute"),
    pytest.param("templates/breach.smss.j2", "{% block body %}{{ ticket.id }}{% endblock %}",
                 [("templates/breach.smss.j2: error[template.name]: 'breach.smss.j2' is not "
                  "<kind>.<channel>.j2 (did you mean 'templates/breach.sms.j2'?)")],
                 id="misspelt-channel"),
    pytest.param("templates/payment/overdue.txt", "{% block body %}{{ ticket.id }}{% endblock %}",
                 [("templates/payment/overdue.txt: error[template.name]: 'overdue.txt' is not "
                  "<kind>.<channel>.j2 (kinds: assign, remind, breach, escalate; channels: "
                  "dingtalk, dingtalk_group, email, sms, phone)")],
                 id="not-a-template-name"),
    pytest.param("templates/breach.sms.j2",
                 "{% block body %}\n{{ ticket.title }} {{ ticket.title }} {{ ticket.title }} "
                 "{{ category.name }} {{ ticket.url }}\n{% endblock %}",
                 [("templates/breach.sms.j2:1:1: warning[template.sms-too-long]: the sample SMS is "
                  "76 characters, over 70 (drop optional parts with the `fit` filter)")],
                 id="sms-too-long"),
    pytest.param("templates/payment/breach.sms.j2",
                 "{% block body %}{{ [ticket.id ~ ' ' ~ ticket.title, ticket.id] | fit }}{% endblock %}",
                 [], id="a-good-override"),
    pytest.param("templates/remind.phone.j2", "{{ recipient.name }}，请处理 {{ ticket.id }}",
                 [], id="no-blocks-is-all-body"),
    pytest.param("templates/remind.email.j2",
                 "{% block body %}\n{% macro a(n) %}{{ b(n) }}{{ b(n) }}{% endmacro %}\n"
                 "{% macro b(n) %}{% if n %}{{ a(n - 1) }}{% endif %}{% endmacro %}\n{{ a(30) }}\n{% endblock %}",
                 [("templates/remind.email.j2:2:1: error[template.recursion]: macro 'a' calls itself "
                   "(through 'b') (notification templates may not recurse: write the levels out)"),
                  ("templates/remind.email.j2:3:1: error[template.recursion]: macro 'b' calls itself "
                   "(through 'a') (notification templates may not recurse: write the levels out)")],
                 id="mutual-recursion-refused-before-any-render"),
    pytest.param("templates/remind.email.j2",
                 "{% block body %}{% macro line(x) %}- {{ x }}{% endmacro %}"
                 "{% macro both() %}{{ line(ticket.id) }}{{ line(team.name) }}{% endmacro %}{{ both() }}"
                 "{% endblock %}",
                 [], id="macros-calling-other-macros-are-fine"),
]


@pytest.mark.parametrize(("name", "text", "expected"), CHECKS)
def test_check_templates(name: str, text: str, expected: list[str]) -> None:
    assert diagnostics(name, text) == expected


NOT_AVAILABLE = "' is not available in Gongdan templates (see docs/templates.md for the variables)"
DOUBLE_TEXT = "{% set a = ticket.id %}" + "{% set a = a ~ a %}" * 17 + "{{ a | length }}"
DOUBLE_LIST = "{% set a = [ticket.id] %}" + "{% set a = a + a %}" * 17 + "{{ a | length }}"

ESCAPES = [
    pytest.param(DOUBLE_TEXT, "2:1: error[template.render]: rendering the sample ticket fails: "
                 "joining text beyond 100000 characters", "joining text beyond 100000 characters",
                 id="text-doubling"),
    pytest.param(DOUBLE_LIST, "2:1: error[template.render]: rendering the sample ticket fails: "
                 "adding sequences beyond 100000 items", "adding sequences beyond 100000 items",
                 id="list-doubling"),
    pytest.param("{{ ''.__class__ }}", "2:1: error[template.render]: rendering the sample ticket "
                 "fails: access to attribute '__class__' of 'str' object is unsafe.",
                 "access to attribute '__class__' of 'str' object is unsafe.", id="dunder-class"),
    pytest.param("{{ ticket.id.__init__.__globals__ }}", "2:1: error[template.render]: rendering "
                 "the sample ticket fails: access to attribute '__init__' of 'str' object is unsafe.",
                 "access to attribute '__init__' of 'str' object is unsafe.", id="dunder-globals"),
    pytest.param("{{ ticket | attr('__class__') }}", "2:1: error[template.render]: rendering the "
                 "sample ticket fails: access to attribute '__class__' of 'dict' object is unsafe.",
                 "access to attribute '__class__' of 'dict' object is unsafe.", id="attr-filter"),
    pytest.param("{{ self }}", "2:4: error[template.undefined-variable]: 'self" + NOT_AVAILABLE,
                 "<TemplateReference None>", id="self"),
    pytest.param("{{ cycler('a') }}", "2:4: error[template.undefined-variable]: 'cycler" + NOT_AVAILABLE,
                 "'cycler' is undefined", id="cycler"),
    pytest.param("{{ joiner() }}", "2:4: error[template.undefined-variable]: 'joiner" + NOT_AVAILABLE,
                 "'joiner' is undefined", id="joiner"),
    pytest.param("{% set ns = namespace(a=1) %}{{ ns.a }}",
                 "2:13: error[template.undefined-variable]: 'namespace" + NOT_AVAILABLE,
                 "'namespace' is undefined", id="namespace"),
    pytest.param("{{ lipsum(10**6) }}", "2:4: error[template.undefined-variable]: 'lipsum" + NOT_AVAILABLE,
                 "'lipsum' is undefined", id="lipsum"),
    pytest.param("{{ range(10**9) | list }}",
                 "2:4: error[template.undefined-variable]: 'range" + NOT_AVAILABLE,
                 "'range' is undefined", id="range"),
    pytest.param("{{ dict(a=1) }}", "2:4: error[template.undefined-variable]: 'dict" + NOT_AVAILABLE,
                 "'dict' is undefined", id="dict"),
    pytest.param("{{ 'x' * 10**9 }}", "2:1: error[template.render]: rendering the sample ticket "
                 "fails: repeating a sequence beyond 4000 items",
                 "repeating a sequence beyond 4000 items", id="string-repeat"),
    pytest.param("{{ 2 ** (10 ** 6) }}", "2:1: error[template.render]: rendering the sample ticket "
                 "fails: power beyond 4096 bits", "power beyond 4096 bits", id="huge-power"),
    pytest.param("{{ '%999999999d' % 1 }}", "2:1: error[template.render]: rendering the sample "
                 "ticket fails: '%' formatting of strings is not allowed in templates; use ~",
                 "'%' formatting of strings is not allowed in templates; use ~", id="percent-format"),
    pytest.param("{{ '{0:>999999999}'.format(1) }}", "2:1: error[template.render]: rendering the "
                 "sample ticket fails: access to attribute 'format' of 'str' object is unsafe.",
                 "access to attribute 'format' of 'str' object is unsafe.", id="str-format"),
    pytest.param("{{ ticket.id.ljust(10**9) }}", "2:1: error[template.render]: rendering the sample "
                 "ticket fails: access to attribute 'ljust' of 'str' object is unsafe.",
                 "access to attribute 'ljust' of 'str' object is unsafe.", id="str-padding"),
    pytest.param("{% include '/etc/passwd' %}", "2:1: error[template.render]: rendering the sample "
                 "ticket fails: no loader for this environment specified",
                 "no loader for this environment specified", id="include-a-file"),
]


@pytest.mark.parametrize(("expression", "diagnostic", "at_render"), ESCAPES)
def test_sandbox_escapes_are_refused_at_check_time(expression: str, diagnostic: str,
                                                   at_render: str) -> None:
    text = "{% block body %}\n" + expression + "\n{% endblock %}"
    assert diagnostics("templates/breach.email.j2", text) == ["templates/breach.email.j2:" + diagnostic]


@pytest.mark.parametrize(("expression", "diagnostic", "at_render"), ESCAPES)
def test_sandbox_escapes_fail_or_stay_harmless_at_render_time(expression: str, diagnostic: str,
                                                              at_render: str) -> None:
    """An override that skipped the checks still cannot reach Python: it fails, or (`self`)
    renders a harmless placeholder."""
    text = "{% block body %}\n" + expression + "\n{% endblock %}"
    renderer = Renderer.compile([TemplateSource("templates/breach.email.j2", text)])
    context = sample_context("zh", "breach", "email")
    if expression == "{{ self }}":
        assert renderer.render("breach", "email", context) == ("", at_render)
        return
    with pytest.raises(RenderError) as info:
        renderer.render("breach", "email", context)
    assert str(info.value) == "templates/breach.email.j2: " + at_render


@pytest.mark.parametrize("name", ["center", "indent", "format", "batch", "slice", "random"])
def test_filters_that_inflate_output_are_gone(name: str) -> None:
    assert diagnostics("templates/breach.email.j2", "{{ ticket.id | " + name + "(10) }}") == [
        f"templates/breach.email.j2:1:1: error[template.syntax]: No filter named '{name}'."]


def test_long_output_is_cut_at_a_line_and_marked() -> None:
    text = "{% block body %}{% for c in 'x' * 4000 %}第 {{ loop.index }} 行\n{% endfor %}{% endblock %}"
    renderer = Renderer.compile([TemplateSource("templates/breach.email.j2", text)])
    _, body = renderer.render("breach", "email", sample_context())
    lines = body.split("\n")
    assert len(body) <= MAX_OUTPUT + len("\n…（内容过长，已截断）")
    assert (lines[0], lines[-2], lines[-1]) == ("第 1 行", "第 513 行", "…（内容过长，已截断）")


def test_subjects_sms_and_speech_stay_on_one_line() -> None:
    """A ticket title with line breaks cannot add an email header or a second SMS line."""
    renderer = Renderer.compile([
        TemplateSource("templates/breach.email.j2", "{% block subject %}{{ ticket.title }}{% endblock %}"
                                                    "{% block body %}{{ ticket.title }}{% endblock %}"),
        TemplateSource("templates/breach.sms.j2", "{{ ticket.id }}\n{{ ticket.title }}"),
    ])
    title = "一\r\nBcc: x@example.com"
    context = {**sample_context(), "ticket": {**sample_context()["ticket"], "title": title}}
    assert renderer.render("breach", "email", context) == ("一 Bcc: x@example.com", title)
    assert renderer.render("breach", "sms", context) == ("", "T-1024 一 Bcc: x@example.com")


# --- choosing a template -------------------------------------------------------------------

PREFIXED = Renderer.compile([
    TemplateSource("templates/breach.sms.j2", "{% block body %}plain{% endblock %}"),
    TemplateSource("templates/payment/breach.sms.j2", "{% block body %}payment{% endblock %}"),
    TemplateSource("templates/payment/gateway/breach.sms.j2", "{% block body %}gateway{% endblock %}"),
    TemplateSource("templates/trade/remind.email.j2",
                   "{% block subject %}s {{ ticket.id }}{% endblock %}{% block body %}trade{% endblock %}"),
])


@pytest.mark.parametrize(("kind", "channel", "category", "name", "body"), [
    pytest.param("breach", "sms", "payment/gateway/timeout", "templates/payment/gateway/breach.sms.j2",
                 "gateway", id="longest-prefix-wins"),
    pytest.param("breach", "sms", "payment/gateway", "templates/payment/gateway/breach.sms.j2",
                 "gateway", id="prefix-is-the-category-itself"),
    pytest.param("breach", "sms", "payment/refund/slow", "templates/payment/breach.sms.j2",
                 "payment", id="shorter-prefix"),
    pytest.param("breach", "sms", "payments/x", "templates/breach.sms.j2", "plain",
                 id="prefix-matches-whole-segments"),
    pytest.param("breach", "sms", "", "templates/breach.sms.j2", "plain", id="no-category"),
    pytest.param("remind", "email", "trade/order/create-failed", "templates/trade/remind.email.j2",
                 "trade", id="prefix-for-another-kind"),
    pytest.param("remind", "email", "payment/gateway", "default:zh/remind.email.j2",
                 "孟天佑，您好:", id="default-when-no-override-applies"),
])
def test_category_prefix_overrides(kind: str, channel: str, category: str, name: str, body: str) -> None:
    assert PREFIXED.template_name(kind, channel, category) == name
    rendered = PREFIXED.render(kind, channel, sample_context("zh", kind, channel), category)
    assert rendered[1].split("\n")[0] == body


@pytest.mark.parametrize(("name", "parsed"), [
    pytest.param("templates/breach.sms.j2", ("", "breach", "sms"), id="plain"),
    pytest.param("templates/payment/gateway/escalate.dingtalk_group.j2",
                 ("payment/gateway", "escalate", "dingtalk_group"), id="prefixed"),
    pytest.param("templates/breach.sms", None, id="no-extension"),
    pytest.param("templates/notify.sms.j2", None, id="unknown-kind"),
    pytest.param("templates/breach.fax.j2", None, id="unknown-channel"),
])
def test_parse_name(name: str, parsed: tuple[str, str, str] | None) -> None:
    found = parse_name(name)
    assert (None if found is None else (found.prefix, found.kind, found.channel)) == parsed


def test_renderer_refuses_an_unknown_locale_kind_or_channel() -> None:
    with pytest.raises(ValueError, match="unknown locale 'fr'"):
        Renderer.compile(locale="fr")
    with pytest.raises(ValueError, match="no template for kind 'page' and channel 'sms'"):
        RENDERERS["zh"].render("page", "sms", sample_context())


# --- the context ---------------------------------------------------------------------------

ENGINE = engine.load(REPO)
CREATED = ENGINE.evaluate({"type": "created", "ticket": "T-1", "at": "2026-11-11T00:05:00+08:00",
                           "category": "trade/order/create-failed", "tags": ["资损"]})
FIRED = ENGINE.due(CREATED.state, "2026-11-11T00:30:00+08:00").notifications


def context_for(notification: dict[str, Any], locale: str = "zh") -> dict[str, Any]:
    return build_context(ENGINE.compiled, CREATED.state, notification, parse_datetime(notification["at"]).timestamp(),
                         locale, URL)


def test_build_context_for_an_escalation_to_a_manager() -> None:
    escalation = next(n for n in FIRED if n["level"] == 1 and n["channel"] == "sms")
    assert context_for(escalation) == {
        "ticket": {"id": "T-1", "title": "", "url": "https://tickets.yunji.example/t/T-1",
                   "status": "open", "tags": ["资损", "capital-loss"]},
        "category": {"id": "trade/order/create-failed", "name": "下单失败"},
        "level": {"id": "P1", "name": "紧急", "label": "P1 紧急"},
        "team": {"id": "trade-order", "name": "交易-下单"},
        "assignee": {"id": "meng-tianyou", "name": "孟天佑"},
        "recipient": {"kind": "person", "id": "zhang-zhiyuan", "name": "张志远",
                      "timezone": "Asia/Shanghai"},
        "clock": "response", "clock_label": "响应", "kind": "escalate", "level_no": 1, "step": 3,
        "channel": "sms", "at_mobiles": ["13878886881"], "mode": "promotion",
        "due": "11-11 00:10", "due_iso": "2026-11-11T00:10:00+08:00",
        "overdue": "已超时 15 分钟", "overdue_minutes": 15, "remaining": "", "remaining_minutes": 0,
    }
    assert RENDERERS["zh"].render("escalate", "sms", context_for(escalation)) == (
        "", "【P1 紧急】T-1 下单失败，响应已超时 15 分钟，升级至第 1 级: 张志远，处理人: 孟天佑")


def test_build_context_for_the_group_robot_in_english() -> None:
    group = next(n for n in FIRED if n["channel"] == "dingtalk_group")
    context = context_for(group, "en")
    assert {k: context[k] for k in ("recipient", "clock_label", "kind", "overdue", "remaining",
                                    "at_mobiles")} == {
        "recipient": {"kind": "group", "id": "trade-order-robot", "name": "交易-下单",
                      "timezone": "Asia/Shanghai"},
        "clock_label": "response", "kind": "breach", "overdue": "", "remaining": "",
        "at_mobiles": ["13878886881"]}


def test_build_context_shows_times_in_the_recipients_timezone() -> None:
    """su-yang works from Los Angeles: the same deadline reads as the evening before."""
    notification = {"at": "2026-11-11T00:12:30+08:00", "clock": "response", "kind": "breach",
                    "step": 1, "level": 0, "channel": "dingtalk",
                    "to": {"person": "su-yang", "address": "31000817"}}
    context = context_for(notification, "en")
    assert {k: context[k] for k in ("recipient", "due", "due_iso", "overdue", "overdue_minutes")} == {
        "recipient": {"kind": "person", "id": "su-yang", "name": "苏洋",
                      "timezone": "America/Los_Angeles"},
        "due": "11-10 08:10", "due_iso": "2026-11-10T08:10:00-08:00",
        "overdue": "2 min overdue", "overdue_minutes": 2}


def test_context_names_are_documented_everywhere() -> None:
    docs = (REPO / "docs" / "templates.md").read_text(encoding="utf-8")
    escalation = next(n for n in FIRED if n["level"] == 1)
    assert set(context_for(escalation)) == set(CONTEXT_VARIABLES) == set(sample_context())
    assert [name for name in CONTEXT_VARIABLES if f"`{name}`" not in docs] == []


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


@pytest.mark.parametrize("channel", ["dingtalk", "dingtalk_group"])
def test_a_hostile_title_stays_text_in_dingtalk_markdown(channel: str) -> None:
    """A ticket's title and id come from whoever filed it: in a markdown message they must
    not link, format, open a heading or smuggle HTML."""
    context = sample_context("zh", "breach", channel)
    context["ticket"] = {**context["ticket"], "id": "T#9",
                         "title": "**急** [点此处理](http://phish.example)\n# <font color=red>全站宕机</font> ![x](y)"}
    subject, body = RENDERERS["zh"].render("breach", channel, context)
    assert subject == "【P1 紧急】工单 T#9 响应已超时"  # the message's title is plain text
    assert body.splitlines()[:2] == [
        "### 【P1 紧急】工单 T＃9 响应已超时",
        "**下单失败** · ＊＊急＊＊ ［点此处理］(http://phish.example) ＃ ＜font color=red＞全站宕机＜/font＞ ！［x］(y)",
    ]


@pytest.mark.parametrize(("text", "inert"), [
    pytest.param("ORD_2026-11-11~a", "ORD_2026-11-11~a", id="ids-keep-underscores-and-dashes"),
    pytest.param("a|b`c`", "a｜b｀c｀", id="tables-and-code"),
    pytest.param("line\r\nnext", "line  next", id="line-breaks"),
])
def test_md_filter(text: str, inert: str) -> None:
    assert md(text) == inert
