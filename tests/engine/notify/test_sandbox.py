"""The Jinja2 sandbox templates render in: escapes refused when an override is checked and
harmless when one is rendered anyway, bounded output, the `fit` and `md` filters."""
from __future__ import annotations

import pytest
from jinja2 import Undefined
from jinja2.sandbox import SandboxedEnvironment

from engine.config.model import TemplateSource
from engine.notify.context import sample_context
from engine.notify.render import Renderer, RenderError
from engine.notify.sandbox import ENVIRONMENT, MAX_OUTPUT, fit, md
from engine.notify.template_checks import check_templates

RENDERER = Renderer.compile(locale="zh")


def diagnostics(name: str, text: str, locale: str = "zh") -> list[str]:
    return [d.render() for d in check_templates([TemplateSource(name, text)], locale)]


@pytest.mark.parametrize(("candidates", "limit", "expected"), [
    pytest.param(["aaa bbb", "aaa"], 7, "aaa bbb", id="first-that-fits"),
    pytest.param(["aaa bbb", "aaa"], 5, "aaa", id="drops-a-part"),
    pytest.param(["aaa bbb", "aaaa"], 3, "aaaa", id="none-fits-the-shortest"),
    pytest.param([], 3, "", id="nothing"),
])
def test_fit(candidates: list[str], limit: int, expected: str) -> None:
    assert fit(candidates, limit) == expected


NOT_AVAILABLE = "' is not available in Gongdan templates (see docs/templates.md for the variables)"
DOUBLE_TEXT = "{% set a = ticket.id %}" + "{% set a = a ~ a %}" * 17 + "{{ a | length }}"
DOUBLE_LIST = "{% set a = [ticket.id] %}" + "{% set a = a + a %}" * 17 + "{{ a | length }}"

BUDGET_HINT = (" (a render may run 100,000 loop iterations, build values of 100,000 characters and do "
               "1,000,000 steps of work; see docs/templates.md#the-sandbox)")
ESCAPES = [
    pytest.param(DOUBLE_TEXT, "2:1: error[template.budget]: rendering the sample ticket goes over budget: "
                 "joining text beyond 100000 characters" + BUDGET_HINT, "joining text beyond 100000 characters",
                 id="text-doubling"),
    pytest.param(DOUBLE_LIST, "2:1: error[template.budget]: rendering the sample ticket goes over budget: "
                 "adding sequences beyond 100000 items" + BUDGET_HINT, "adding sequences beyond 100000 items",
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
    pytest.param("{{ 'x' * 10**9 }}", "2:1: error[template.budget]: rendering the sample ticket "
                 "goes over budget: repeating a sequence beyond 4000 items" + BUDGET_HINT,
                 "repeating a sequence beyond 4000 items", id="string-repeat"),
    pytest.param("{{ 2 ** (10 ** 6) }}", "2:1: error[template.budget]: rendering the sample ticket "
                 "goes over budget: power beyond 4096 bits" + BUDGET_HINT, "power beyond 4096 bits", id="huge-power"),
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


@pytest.mark.parametrize("channel", ["dingtalk", "dingtalk_group"])
def test_a_hostile_title_stays_text_in_dingtalk_markdown(channel: str) -> None:
    """A ticket's title and id come from whoever filed it: in a markdown message they must
    not link, format, open a heading or smuggle HTML."""
    context = sample_context("zh", "breach", channel)
    context["ticket"] = {**context["ticket"], "id": "T#9",
                         "title": "**急** [点此处理](http://phish.example)\n# <font color=red>全站宕机</font> ![x](y)"}
    subject, body = RENDERER.render("breach", channel, context)
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


GETATTR_OBJECTS = [{"id": "T-1", "items": "shadowed", "_private": 1, "__class__": "x"}, {}, ["a"], "text",
                   RENDERER, 3]
GETATTR_NAMES = ["id", "items", "keys", "_private", "__class__", "__init__", "missing", "upper", "append",
                 "mro", "format", "real"]


@pytest.mark.parametrize("obj", GETATTR_OBJECTS, ids=lambda o: type(o).__name__)
def test_attribute_lookup_is_jinjas(obj: object) -> None:
    """The sandbox reads a dict's item without raising first; what it finds is what Jinja's
    sandboxed getattr finds, for items, methods, private and unsafe names, and none."""
    def seen(value: object) -> object:
        if isinstance(value, Undefined):
            return (type(value).__name__, value._undefined_hint, value._undefined_name)
        return value
    for name in GETATTR_NAMES:
        assert seen(ENVIRONMENT.getattr(obj, name)) == seen(SandboxedEnvironment.getattr(ENVIRONMENT, obj, name))
