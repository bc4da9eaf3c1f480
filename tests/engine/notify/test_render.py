"""The template renderer: golden renders of every default, what each channel allows,
and which template (default or category-prefix override) a notification uses."""
from __future__ import annotations

import os
import re
from typing import Any

import pytest

from engine.config.model import TemplateSource
from engine.notify.channels import CHANNELS, SMS_LIMIT
from engine.notify.context import sample_context
from engine.notify.render import KINDS, Renderer, parse_name
from helpers import DATA

GOLDEN = DATA / "notify"
RENDERERS = {locale: Renderer.compile(locale=locale) for locale in ("zh", "en")}
ALL = [pytest.param(locale, kind, channel, id=f"{locale}-{kind}-{channel}".replace("_", "-"))
       for locale in ("zh", "en") for kind in KINDS for channel in CHANNELS]


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
    with pytest.raises(ValueError, match=r"^unknown locale 'fr' \(locales: zh, en\)$"):
        Renderer.compile(locale="fr")
    with pytest.raises(ValueError, match=r"^no template for kind 'page' and channel 'sms'$"):
        RENDERERS["zh"].render("page", "sms", sample_context())


@pytest.mark.parametrize(("locale", "kind", "runbook", "expected"), [
    pytest.param("zh", "assign", "https://wiki.yj/rb/1",
                 "【P1 紧急】新工单 T-7 下单失败，响应截止 11-11 00:10，处理人: 孟天佑，手册 https://wiki.yj/rb/1",
                 id="zh-assign-short-runbook-fits"),
    pytest.param("zh", "assign", "https://wiki.yunji.example/runbooks/order-create",
                 "【P1 紧急】新工单 T-7 下单失败，响应截止 11-11 00:10，处理人: 孟天佑", id="zh-assign-long-runbook-left-out"),
    pytest.param("en", "escalate", "https://w.yj/1",
                 "[P1 Critical] T-7 response 15 min overdue, L1, owner Alice Meng",
                 id="en-escalate-runbook-left-out-when-it-does-not-fit"),
])
def test_sms_carries_the_runbook_only_when_it_fits(locale: str, kind: str, runbook: str, expected: str) -> None:
    """The runbook's short form goes in first and is the first part an SMS drops."""
    context = sample_context(locale, kind, "sms")
    changes = {"ticket": {**context["ticket"], "id": "T-7", "title": "", "url": ""},
               "solution": {**context["solution"], "runbook": runbook}}
    _, body = render(locale, kind, "sms", **changes)
    assert (body, len(body) <= SMS_LIMIT) == (expected, True)
