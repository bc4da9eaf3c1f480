"""Config regexes match in linear time (RE2): a pattern that makes a backtracking engine
take exponential time on a long title answers at once, in the matcher registry, in the
inline form of a compiled `when`, and through a whole evaluation; a pattern RE2 does not
support is a config error at its YAML line."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.diagnostics import render_text
from engine.routing.matchers import OPERATORS, RegexError, compile_matcher, regex_fullmatch
from helpers import MINIMAL

LONG = 100_000
AS = "a" * LONG
PATHOLOGICAL = "(a+)+b"     # 2^n paths for a backtracking engine when the `b` is missing


@pytest.mark.parametrize("pattern, text, expected", [
    pytest.param(PATHOLOGICAL, AS, False, id="nested-plus-no-b"),
    pytest.param(PATHOLOGICAL, AS + "b", True, id="nested-plus-with-b"),
    pytest.param("(a|aa)+c", AS, False, id="overlapping-alternation"),
    pytest.param("(a*)*b", AS + "!", False, id="nested-star"),
    pytest.param("(.*a){20}", AS, True, id="counted-dot-star"),
    pytest.param(".*(全站|大面积).*", "超时" * (LONG // 2) + "全站", True, id="keyword-at-the-end"),
])
def test_pathological_patterns_answer_on_a_long_title(pattern: str, text: str, expected: bool) -> None:
    ticket = {"title": text, "tags": [], "fields": {}}
    inline = compile_matcher({"title": {"regex": pattern}}, {})
    registry = OPERATORS["regex"](pattern)
    assert (inline(ticket), registry(text), registry([text, "x"])) == (expected, expected, expected)


def test_the_inline_form_and_the_registry_agree_on_a_list_attribute() -> None:
    when = {"tags": {"regex": PATHOLOGICAL}}
    ticket = {"title": None, "tags": [AS, "ab"], "fields": {}}
    assert (compile_matcher(when, {})(ticket), OPERATORS["regex"](PATHOLOGICAL)(ticket["tags"])) == (True, True)


@pytest.mark.parametrize("value", [
    pytest.param(100, id="int"),
    pytest.param(1.5, id="float"),
    pytest.param(True, id="bool"),
    pytest.param({"a": "b"}, id="dict"),
    pytest.param([1, 2], id="list-of-numbers"),
])
def test_a_value_that_is_not_a_string_does_not_match(value: Any) -> None:
    ticket = {"title": None, "tags": [], "fields": {"x": value}}
    matches = compile_matcher({"fields.x": {"regex": ".*"}}, {})
    assert (matches(ticket), OPERATORS["regex"](".*")(value)) == (False, False)


@pytest.mark.parametrize("text, expected", [
    pytest.param("支付\ud800失败", True, id="lone-surrogate"),
    pytest.param("支付\n失败", False, id="dot-stops-at-a-line-break-as-before"),
    pytest.param("支付😀失败", True, id="astral-character-is-one-character"),
])
def test_host_text_that_strict_utf8_refuses_still_matches(text: str, expected: bool) -> None:
    assert regex_fullmatch("支付.失败")(text) is expected


@pytest.mark.parametrize("pattern, message", [
    pytest.param(r"(a)\1", r"invalid escape sequence: \1", id="backreference"),
    pytest.param(r"(?P<w>a)(?P=w)", "invalid perl operator: (?P", id="named-backreference"),
    pytest.param("(?=a)a", "invalid perl operator: (?=", id="lookahead"),
    pytest.param("(?<!x)a", "invalid perl operator: (?<!", id="lookbehind"),
    pytest.param(r"a\Z", r"invalid escape sequence: \Z", id="python-end-anchor"),
    pytest.param("(unclosed", "missing ): (unclosed", id="unclosed-group"),
])
def test_what_re2_does_not_support_is_refused_with_its_message(pattern: str, message: str) -> None:
    with pytest.raises(RegexError) as refused:
        regex_fullmatch(pattern)
    assert str(refused.value) == message


RULE = """version: 1
rules:
  - id: aab
    when: {{title: {{regex: '{pattern}'}}}}
    then: {{tags: [aab]}}
"""


@pytest.mark.parametrize("title, tags", [
    pytest.param("a" * 65_536, [], id="no-match"),          # the longest title an event may carry
    pytest.param("a" * 65_535 + "b", ["aab"], id="match"),
])
def test_an_engine_evaluates_a_pathological_rule_on_a_long_title(tmp_path: Path, title: str, tags: list[str]) -> None:
    root = tmp_path / "config"
    shutil.copytree(MINIMAL, root)
    (root / "rules" / "30-aab.yaml").write_text(RULE.format(pattern=PATHOLOGICAL), encoding="utf-8")
    eng = engine.load(root)
    decision = eng.evaluate({"type": "created", "ticket": "T-1", "at": "2026-11-02T10:00:00+08:00",
                             "category": "shop", "title": title})
    assert decision.tags == tags


def test_an_unsupported_pattern_is_refused_at_its_line(tmp_path: Path) -> None:
    root = tmp_path / "config"
    shutil.copytree(MINIMAL, root)
    (root / "rules" / "30-aab.yaml").write_text(RULE.format(pattern=r"(\w+) \1"), encoding="utf-8")
    assert render_text(engine.check(root)) == (
        r"rules/30-aab.yaml:4:27: error[value.regex]: regex '(\\w+) \\1' does not compile: "
        r"invalid escape sequence: \1 (Gongdan uses RE2 syntax, which matches in linear time: "
        "no backreferences or lookarounds; see https://github.com/google/re2/wiki/Syntax)\n")
