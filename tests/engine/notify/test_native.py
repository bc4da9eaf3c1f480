"""The shipped defaults translated to Python give the text Jinja renders from the same
templates in the sandbox (the reference), on the sample ticket, the longest one, and
generated contexts; constructs the translation does not cover are refused, not guessed."""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.notify.channels import CHANNELS
from engine.notify.context import CONTEXT_VARIABLES, longest_context, sample_context
from engine.notify.native import Untranslatable, translate
from engine.notify.render import (
    KINDS,
    TRUNCATED,
    Renderer,
    RenderError,
    _defaults,
    _natives,
    default_sources,
    render_native,
    render_template,
)

TEMPLATES = [pytest.param(locale, kind, channel, id=f"{locale}-{kind}-{channel}".replace("_", "-"))
             for locale in ("zh", "en") for kind in KINDS for channel in CHANNELS]


def both(locale: str, kind: str, channel: str, context: dict[str, Any]) -> tuple[Any, Any]:
    """(Jinja's text, the translation's text) of one default on `context`."""
    _, template = _defaults(locale)[(kind, channel)]
    native = _natives(locale)[(kind, channel)]
    marker = TRUNCATED[locale]
    return render_template(template, channel, context, marker), render_native(native, channel, context, marker)


def test_every_default_is_translated() -> None:
    for locale in ("zh", "en"):
        assert len(_natives(locale)) == len(default_sources(locale)) == len(KINDS) * len(CHANNELS)


@pytest.mark.parametrize(("locale", "kind", "channel"), TEMPLATES)
def test_the_sample_and_the_longest_ticket_read_the_same(locale: str, kind: str, channel: str) -> None:
    for context in (sample_context(locale, kind, channel), longest_context(locale, kind, channel)):
        reference, native = both(locale, kind, channel, context)
        assert native == reference


TEXT = st.one_of(
    st.just(""),
    st.sampled_from(["T-1024", "支付成功但订单未创建", "[x](y) **b** <font> | `c` ! #", "a\nb", "  spaced  out "]),
    st.text(max_size=30),
)
LONG = st.one_of(TEXT, st.text(min_size=500, max_size=1500))   # checklist items: a block past 4,000


@st.composite
def contexts(draw: st.DrawFn) -> dict[str, Any]:
    """Every documented variable, each with text of any kind, empty or not, long or short."""
    people = st.sampled_from(["", "meng", "zhang"])
    pair = st.fixed_dictionaries({"id": TEXT, "name": TEXT})
    return {
        "ticket": draw(st.fixed_dictionaries({"id": TEXT, "title": TEXT, "url": TEXT, "status": TEXT,
                                              "tags": st.lists(TEXT, max_size=3)})),
        "category": draw(pair), "team": draw(pair),
        "level": draw(st.fixed_dictionaries({"id": TEXT, "name": TEXT, "label": TEXT})),
        "assignee": {"id": draw(people), "name": draw(TEXT)},
        "recipient": {"kind": draw(st.sampled_from(["person", "group"])), "id": draw(people),
                      "name": draw(TEXT), "timezone": draw(TEXT)},
        "clock": draw(st.sampled_from(["response", "resolve"])), "clock_label": draw(TEXT),
        "kind": draw(st.sampled_from(KINDS)), "level_no": draw(st.integers(0, 12)),
        "step": draw(st.integers(0, 5)), "channel": draw(st.sampled_from(CHANNELS)),
        "due": draw(TEXT), "due_iso": draw(TEXT), "overdue": draw(TEXT), "remaining": draw(TEXT),
        "overdue_minutes": draw(st.integers(0, 10_000)), "remaining_minutes": draw(st.integers(0, 10_000)),
        "at_mobiles": draw(st.lists(TEXT, max_size=3)), "mode": draw(TEXT),
        "solution": {"runbook": draw(TEXT), "checklist": draw(st.lists(LONG, max_size=6)),
                     "related": draw(st.lists(TEXT, max_size=2))},
        "resolution": draw(st.fixed_dictionaries({"code": TEXT, "text": TEXT})),
    }


@settings(max_examples=150, deadline=None)
@given(contexts(), st.sampled_from([(p.values[0], p.values[1], p.values[2]) for p in TEMPLATES]))
def test_generated_contexts_read_the_same(context: dict[str, Any], template: tuple[str, str, str]) -> None:
    assert set(context) == set(CONTEXT_VARIABLES)
    reference, native = both(*template, context)
    assert native == reference


def test_no_context_key_is_shadowed_by_a_dict_method() -> None:
    """The translation reads `ticket.id` as `ticket["id"]`, which is what Jinja does when the
    dict has no attribute of that name."""
    context = sample_context("zh", "resolved", "email")
    keys = set(context) | {key for value in context.values() if isinstance(value, dict) for key in value}
    assert keys & set(dir(dict)) == set()


@pytest.mark.parametrize(("text", "refused"), [
    pytest.param("{% block body %}{{ ticket.id | upper }}{% endblock %}", "line 1: filter 'upper'",
                 id="unknown-filter"),
    pytest.param("{% block body %}{{ ticket.id | join(',', 'x') }}{% endblock %}",
                 "line 1: filter 'join' with 2 arguments", id="too-many-arguments"),
    pytest.param("{% block body %}{{ ticket.tags | join(d=',') }}{% endblock %}",
                 "line 1: filter 'join' with keywords or as a block", id="keyword-argument"),
    pytest.param("{% block body %}{% for t in ticket.tags %}{{ loop.last }}{% endfor %}{% endblock %}",
                 "line 1: loop.last", id="loop-attribute"),
    pytest.param("{% block body %}{% for t in ticket.tags %}{% else %}none{% endfor %}{% endblock %}",
                 "line 1: a loop other than a plain one over a list", id="loop-else"),
    pytest.param("{% block body %}{{ 'x' if due }}{% endblock %}", "line 1: an inline if without else",
                 id="if-without-else"),
    pytest.param("{% block body %}{{ level_no + 1 }}{% endblock %}", "line 1: Add", id="addition"),
    pytest.param("{% block body %}{{ step < 2 }}{% endblock %}", "line 1: a comparison other than == or !=",
                 id="ordering"),
    pytest.param("{% block body %}{% macro m() %}{% endmacro %}{% endblock %}", "line 1: Macro", id="macro"),
    pytest.param("{% set x = 1 %}{% block body %}{{ x }}{% endblock %}",
                 "a template other than a subject and a body block", id="set-outside-the-blocks"),
    pytest.param("{{ ticket.id }}", "a template other than a subject and a body block", id="no-body-block"),
    pytest.param("{% block body %}{% block inner %}{% endblock %}{% endblock %}",
                 "a template other than a subject and a body block", id="nested-block"),
])
def test_what_the_translation_does_not_cover_is_refused(text: str, refused: str) -> None:
    with pytest.raises(Untranslatable) as error:
        translate(text)
    assert str(error.value) == refused


def test_a_context_without_a_documented_variable_fails_as_jinja_says() -> None:
    context = sample_context("zh", "breach", "email")
    del context["team"]
    with pytest.raises(RenderError) as failed:
        Renderer.compile(locale="zh").render("breach", "email", context)
    assert str(failed.value) == "default:zh/breach.email.j2: 'team' is undefined"
