"""The checks on template overrides (and on the shipped defaults): exact diagnostics."""
from __future__ import annotations

import pytest

from engine.config.model import TemplateSource
from engine.notify.channels import CHANNELS
from engine.notify.render import KINDS, default_sources
from engine.notify.template_checks import check_templates


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_defaults_pass_their_own_checks(locale: str) -> None:
    sources = [TemplateSource("templates/" + s.name.split("/", 1)[1], s.text)
               for s in default_sources(locale)]
    assert sorted(s.name for s in sources) == sorted(f"templates/{kind}.{channel}.j2"
                                                     for kind in KINDS for channel in CHANNELS)
    assert check_templates(sources, locale) == []


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
                  "<kind>.<channel>.j2 (kinds: assign, remind, breach, escalate, acknowledged, resolved; channels: "
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
