"""Every render of a template runs on a budget it cannot escape: loop iterations, the size
of every value built, and the work of every filter, test, call, comparison and operator.
Each template here would hang a render or build gigabytes without the budget; with it, the
render is refused at once, `validate` reports it at its line, and a render at run time
raises RenderError naming the template."""
from __future__ import annotations

import threading
from typing import Any

import pytest

from engine.config.model import TemplateSource
from engine.notify.budget import MAX_ITERATIONS, BudgetExceeded
from engine.notify.context import sample_context
from engine.notify.render import Renderer, RenderError, render_template
from engine.notify.sandbox import ENVIRONMENT
from engine.notify.template_checks import check_templates

BIG = '{% set big = ("x" * 4000) | replace("x", "x" * 24) %}'     # 96,000 characters, within bounds
X4000 = '{% set x = "x" * 4000 %}'
LOOP3 = "{% for a in x %}{% for b in x %}{% for c in x %}{% endfor %}{% endfor %}{% endfor %}"
REPLACE8 = '| replace("x", "xxxxxxxx") '
ITERATIONS = f"more than {MAX_ITERATIONS} loop iterations in one render"
WORK = "more than 1000000 steps of work in one render"
LITERAL = "y" * 30      # template text: no work to write, but 4,000 times it is 120,000 characters

HOSTILE = [
    pytest.param(X4000 + LOOP3, ITERATIONS, id="three-nested-loops-without-output"),
    pytest.param(X4000 + "{% for a in x if a %}{% for b in x if b %}{% endfor %}{% endfor %}x" * 10,
                 ITERATIONS, id="filtered-loops-one-after-another"),
    pytest.param(X4000 + "{% for a in x %}{% for b in x %}{% if loop.length %}{% endif %}{% endfor %}{% endfor %}",
                 ITERATIONS, id="loop-length-reads-every-item"),
    pytest.param("{% for x in [1, 1] recursive %}{{ loop([1, 1]) }}{% endfor %}",
                 "a recursive loop deeper than 20 levels", id="recursive-loop"),
    pytest.param('{{ ("x" * 4000) ' + REPLACE8 * 5 + "| length }}",
                 "the 'replace' filter would build more than 100000 characters", id="chained-replace-filter"),
    pytest.param('{{ ("x" * 4000).replace("x", "xxxxxxxx").replace("x", "xxxxxxxx") | length }}',
                 "replace() would build more than 100000 characters", id="chained-replace-method"),
    pytest.param(BIG + '{{ ("x" * 4000) | replace("", big) | length }}',
                 "the 'replace' filter would build more than 100000 characters", id="replace-between-characters"),
    pytest.param(BIG + "{{ [big, big] | join | length }}",
                 "the 'join' filter would build more than 100000 characters", id="join-filter"),
    pytest.param(BIG + "{{ ''.join([big, big]) | length }}",
                 "join() would build more than 100000 characters", id="join-method"),
    pytest.param(BIG + "{{ (['a'] * 2000) | join(big) | length }}",
                 "the 'join' filter would build more than 100000 characters", id="join-separator"),
    pytest.param(BIG + "{{ ticket.tags | map('replace', 'a', big) | map('replace', 'x', big) | list }}",
                 "the 'replace' filter would build more than 100000 characters", id="replace-through-map"),
    pytest.param(BIG + "{{ big | wordwrap(1, wrapstring=big) | length }}",
                 "the 'wordwrap' filter would build more than 100000 characters", id="wordwrap-wrapstring"),
    pytest.param(BIG + "{{ ([big] * 2) | length }}",
                 "repeating a sequence beyond 100000 characters", id="repeat-a-long-item"),
    pytest.param(BIG + "{% set l = [big] %}{{ (l + l) | length }}",
                 "adding sequences beyond 100000 items", id="add-long-items"),
    pytest.param(BIG + "{% set l = [] %}{% for c in 'xx' %}{{ l.append(big) }}{% endfor %}",
                 "append() would build more than 100000 characters", id="append-grows-a-list"),
    pytest.param("{% set l = [1] %}{% for c in 'x' * 40 %}{% set _ = l.extend(l) %}{% endfor %}",
                 "extend() would build more than 100000 characters", id="extend-doubles-a-list"),
    pytest.param("{% macro m() %}{% for c in 'x' * 4000 %}" + LITERAL + "{% endfor %}{% endmacro %}"
                 "{% set z = m() %}", "a block of text beyond 100000 characters", id="macro-buffers-its-output"),
    pytest.param("{% set z %}{% for c in 'x' * 4000 %}" + LITERAL + "{% endfor %}{% endset %}",
                 "a block of text beyond 100000 characters", id="set-block-buffers-its-output"),
    pytest.param("{% filter upper %}{% for c in 'x' * 4000 %}" + LITERAL + "{% endfor %}{% endfilter %}",
                 "a block of text beyond 100000 characters", id="filter-block-buffers-its-output"),
    pytest.param(BIG + "{% for a in big %}{% if 'zz' in big %}{% endif %}{% endfor %}", WORK,
                 id="substring-search-in-a-loop"),
    pytest.param(BIG + "{% for a in big %}{% if big == big ~ '' %}{% endif %}{% endfor %}",
                 WORK, id="comparison-in-a-loop"),
    pytest.param(BIG + "{% for a in big %}{% if big[1:] %}{% endif %}{% endfor %}", WORK, id="slice-in-a-loop"),
    pytest.param(BIG + "{% for a in big %}{% if 'zz' is in big %}{% endif %}{% endfor %}", WORK,
                 id="in-test-in-a-loop"),
    pytest.param(BIG + "{% for a in big %}{% set y = big | replace('a', 'b') %}{% endfor %}", WORK,
                 id="filter-in-a-loop"),
    pytest.param("{% set l = ('x' * 4000) | list %}{% for a in l %}{% set s = l | sort %}{% endfor %}", WORK,
                 id="sort-in-a-loop"),
    pytest.param("{% set l = [[1]] * 4000 + [[1]] * 4000 %}{{ l | sum(start=[]) | length }}", WORK,
                 id="sum-of-lists-is-quadratic"),
    pytest.param(X4000 + "{% for a in x %}{% for b in x %}{{ a }}{{ b }}{{ a }}{{ b }}{% endfor %}{% endfor %}"
                 .replace("{{ a }}{{ b }}", "{% if a %}{% if b %}{% endif %}{% endif %}"), WORK,
                 id="long-loop-body"),
    pytest.param("{% set n = 2 ** 2000 %}{% set m = n * n %}{{ m * m }}", "product beyond 4096 bits",
                 id="integer-product"),
]


def render(text: str, channel: str = "email") -> tuple[str, str]:
    return render_template(ENVIRONMENT.from_string(text), channel, sample_context("zh", "breach", channel))


@pytest.mark.parametrize("text, message", HOSTILE)
def test_a_hostile_template_is_refused(text: str, message: str) -> None:
    with pytest.raises(BudgetExceeded) as refused:
        render(text)
    assert str(refused.value) == message


@pytest.mark.parametrize("text, message", HOSTILE)
def test_validate_reports_it_as_over_budget(text: str, message: str) -> None:
    source = TemplateSource("templates/breach.email.j2", "{% block body %}\n" + text + "\n{% endblock %}")
    (found,) = check_templates([source])
    assert (found.code, found.span.line, found.message) == (
        "template.budget", 2, f"rendering the sample ticket goes over budget: {message}")


def test_a_render_at_run_time_names_the_template() -> None:
    override = TemplateSource("templates/payment/breach.email.j2", X4000 + LOOP3)
    renderer = Renderer.compile([override], "zh")
    with pytest.raises(RenderError) as refused:
        renderer.render("breach", "email", sample_context("zh", "breach", "email"), category="payment/x")
    assert str(refused.value) == f"templates/payment/breach.email.j2: {ITERATIONS}"


NEAR_THE_BOUND = "{% set x = 'x' * 300 %}{% for a in x %}{% for b in x %}{% endfor %}{% endfor %}done"   # 90,300


def test_every_render_has_a_budget_of_its_own() -> None:
    template = ENVIRONMENT.from_string(NEAR_THE_BOUND)
    context = sample_context("zh", "breach", "email")
    assert [render_template(template, "email", context) for _ in range(3)] == [("", "done")] * 3
    assert template.render(**context) == "done"


def test_threads_rendering_one_template_do_not_share_a_budget() -> None:
    template = ENVIRONMENT.from_string(NEAR_THE_BOUND)
    context = sample_context("zh", "breach", "email")
    results: list[Any] = []
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        try:
            results.append(render_template(template, "email", context))
        except Exception as exc:  # the assertion shows it
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [("", "done")] * 4


def test_jinjas_own_render_is_on_the_budget_too() -> None:
    with pytest.raises(BudgetExceeded) as refused:
        ENVIRONMENT.from_string(X4000 + LOOP3).render(**sample_context("zh", "breach", "email"))
    assert str(refused.value) == ITERATIONS


@pytest.mark.parametrize("text, output", [
    pytest.param("{% for t in ticket.tags %}{{ loop.index }}.{{ t }}{% if not loop.last %}, {% endif %}"
                 "{% endfor %}", "1.资损, 2.capital-loss", id="loop-variables"),
    pytest.param("{% for t in ticket.tags if t != '资损' %}{{ t }}{% else %}none{% endfor %}"
                 "|{% for t in [] %}x{% else %}none{% endfor %}", "capital-loss|none", id="test-and-else"),
    pytest.param("{{ ticket.tags | map('upper') | join('/') }} {{ ticket.tags | select | list | length }}",
                 "资损/CAPITAL-LOSS 2", id="map-select-join"),
    pytest.param("{{ ticket.title.replace('订单', '单') }} {{ '、'.join(ticket.tags) }}",
                 "支付成功但单未创建 资损、capital-loss", id="str-methods"),
    pytest.param("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %}", "a1b2", id="dict-items"),
    pytest.param("{{ [[1], [2]] | sum(start=[]) }} {{ ('ab' * 3)[1:4] }} {{ 'a' < 'b' < 'c' }}",
                 "[1, 2] bab True", id="sum-slice-chained-comparison"),
    pytest.param("{% set l = [] %}{% for t in ticket.tags %}{{ l.append(t) or '' }}{% endfor %}{{ l | length }}",
                 "2", id="append-a-little"),
])
def test_ordinary_templates_render_as_before(text: str, output: str) -> None:
    assert render(text) == ("", output)


def test_validate_renders_the_longest_texts_a_host_can_send_too() -> None:
    """Three loops over the title: 1,000 iterations on the ten-character sample title, eight
    million on a 200-character one. The context bounds the title, so the checks know the worst."""
    loops = ("{% for a in ticket.title %}{% for b in ticket.title %}{% for c in ticket.title %}"
             "{% endfor %}{% endfor %}{% endfor %}")
    source = TemplateSource("templates/breach.email.j2", "{% block body %}\n" + loops + "\n{% endblock %}")
    assert render_template(ENVIRONMENT.from_string(source.text), "email",
                           sample_context("zh", "breach", "email")) == ("", "")
    (found,) = check_templates([source])
    assert (found.code, found.span.line, found.message) == (
        "template.budget", 2,
        f"rendering a ticket with the longest texts a host can send goes over budget: {ITERATIONS}")
