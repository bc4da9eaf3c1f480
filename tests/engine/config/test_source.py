"""The strict YAML loader: scalar typing, positions, and what it refuses."""
from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.config.source import _compose, _scalar, parse_yaml


def load(text: str) -> Any:
    doc, diags = parse_yaml(text, "t.yaml")
    assert diags == [] and doc is not None
    return doc.data


@pytest.mark.parametrize("text, value", [
    pytest.param("12:30", "12:30", id="sexagesimal-stays-string"),
    pytest.param("yes", "yes", id="yes-stays-string"),
    pytest.param("no", "no", id="no-stays-string"),
    pytest.param("on", "on", id="on-stays-string"),
    pytest.param("off", "off", id="off-stays-string"),
    pytest.param("Y", "Y", id="y-stays-string"),
    pytest.param("True", "True", id="capital-true-stays-string"),
    pytest.param("2026-10-01", "2026-10-01", id="date-stays-string"),
    pytest.param("2026-11-11T00:05:00+08:00", "2026-11-11T00:05:00+08:00", id="datetime-stays-string"),
    pytest.param("017", "017", id="leading-zero-stays-string"),
    pytest.param("0x1f", "0x1f", id="hex-stays-string"),
    pytest.param("1_000", "1_000", id="underscore-number-stays-string"),
    pytest.param(".inf", ".inf", id="inf-stays-string"),
    pytest.param("1e5", "1e5", id="bare-exponent-stays-string"),
    pytest.param("true", True, id="true"),
    pytest.param("false", False, id="false"),
    pytest.param("0", 0, id="zero"),
    pytest.param("42", 42, id="int"),
    pytest.param("-7", -7, id="negative-int"),
    pytest.param("1.5", 1.5, id="float"),
    pytest.param("2.5e3", 2500.0, id="float-exponent"),
    pytest.param("~", None, id="tilde-null"),
    pytest.param("null", None, id="null"),
    pytest.param('"true"', "true", id="quoted-true-is-string"),
    pytest.param("'42'", "42", id="quoted-int-is-string"),
    pytest.param("资损", "资损", id="chinese"),
])
def test_scalar_table(text: str, value: Any) -> None:
    result = load(f"v: {text}\n")["v"]
    assert result == value and type(result) is type(value)


def test_positions_of_values_and_keys() -> None:
    doc, _ = parse_yaml("a:\n  b: [x, {c: 1}]\n", "t.yaml")
    assert doc is not None
    assert str(doc.span(("a", "b", 1, "c"))) == "t.yaml:2:14"
    assert str(doc.span(("a", "b", 1, "c"), key=True)) == "t.yaml:2:11"
    assert str(doc.span(("a", "b"), key=True)) == "t.yaml:2:3"
    assert str(doc.span(("a", "b", 0))) == "t.yaml:2:7"
    assert str(doc.span(("a", "missing", 3))) == "t.yaml:2:3", "falls back to the nearest ancestor"


@pytest.mark.parametrize("text, rendered", [
    pytest.param("a: 1\nb: 2\na: 3\n",
                 "t.yaml:3:1: error[yaml.duplicate-key]: duplicate key 'a' (first defined at line 1)",
                 id="duplicate-key"),
    pytest.param("a: 1\n---\nb: 2\n",
                 "t.yaml:2:1: error[yaml.multi-document]: a config file holds exactly one YAML document",
                 id="multi-document"),
    pytest.param("a: [1, 2\n",
                 "t.yaml:2:1: error[yaml.syntax]: while parsing a flow sequence, did not find expected ',' or ']'",
                 id="syntax"),
    pytest.param("a: !!python/object/apply:os.system [ls]\n",
                 "t.yaml:1:4: error[yaml.tag]: unsupported tag 'tag:yaml.org,2002:python/object/apply:os.system'"
                 " (remove the tag; quote the value if it is meant as a string)", id="python-tag"),
    pytest.param("a: &x {k: 1}\nb:\n  <<: *x\n",
                 "t.yaml:3:3: error[yaml.merge-key]: merge keys (<<) are not supported"
                 " (write the keys out, or use an alias for a whole value)", id="merge-key"),
    pytest.param("? [a, b]\n: 1\n",
                 "t.yaml:1:3: error[yaml.complex-key]: mapping keys must be plain scalars", id="complex-key"),
])
def test_refused(text: str, rendered: str) -> None:
    doc, diags = parse_yaml(text, "t.yaml")
    assert doc is None
    assert [d.render() for d in diags] == [rendered]


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    doc, diags = parse_yaml("\n".join(lines) + "\n", "t.yaml")
    assert doc is None
    assert [d.code for d in diags] == ["yaml.alias-bomb"]


def test_a_modest_alias_is_expanded() -> None:
    assert load("x: &m [alice, bob]\ny: *m\n") == {"x": ["alice", "bob"], "y": ["alice", "bob"]}


def test_a_path_through_an_alias_points_at_the_alias_not_the_anchor() -> None:
    doc, _ = parse_yaml("a:\n  h: &days [d1, d2]\nb:\n  h: *days\nc: [x, *days]\n", "t.yaml")
    assert doc is not None
    assert str(doc.span(("a", "h", 1))) == "t.yaml:2:17", "the anchor's own place"
    assert str(doc.span(("b", "h", 1))) == "t.yaml:4:3", "the key that holds the alias"
    assert str(doc.span(("b", "h"), key=True)) == "t.yaml:4:3"
    assert str(doc.span(("c", 1, 0))) == "t.yaml:5:4", "an alias item: the list that holds it"


def test_empty_document_is_none() -> None:
    assert load("# nothing\n") is None


def test_global_loaders_untouched() -> None:
    """Other code in the host process still gets PyYAML's usual typing."""
    parse_yaml("a: yes\n", "t.yaml")
    assert yaml.safe_load("a: yes\nb: 2026-10-01\n")["a"] is True
    assert yaml.load("a: on\n", Loader=yaml.CSafeLoader)["a"] is True


def _aliased(copies: int) -> str:
    """A list of 98 names under an anchor and `copies` keys aliasing it: 101 + copies
    composed nodes, 101 + 100 * copies once the aliases are expanded."""
    names = ", ".join(f"n{i}" for i in range(98))
    return f"a: &a [{names}]\n" + "".join(f"k{i}: *a\n" for i in range(copies))


def test_the_alias_budget_is_ten_times_the_composed_nodes_and_a_thousand() -> None:
    """21 copies build 2,201 nodes from 122 (budget 2,220); 22 build 2,301 from 123 (2,230):
    refused at the node where the budget ran out (in the last alias: the anchor's place)."""
    doc, diags = parse_yaml(_aliased(21), "t.yaml")
    assert doc is not None and diags == [] and doc.data["k20"] == doc.data["a"]
    doc, diags = parse_yaml(_aliased(22), "t.yaml")
    assert doc is None
    assert [d.render() for d in diags] == [
        "t.yaml:1:248: error[yaml.alias-bomb]: aliases expand to too many nodes"]


@pytest.mark.parametrize("text", [
    pytest.param("a: 1\nb: [x, {c: d}]\n", id="no-alias"),
    pytest.param(_aliased(3), id="list-aliased"),
    pytest.param("a: &s text\nb: *s\nc: [*s, *s]\n", id="scalar-aliased"),
    pytest.param("a: &k key\n*k : 2\n", id="alias-as-key"),
    pytest.param("a: &o {b: &i [1, 2], c: *i}\nd: *o\ne: [*o, *i]\n", id="nested-anchors"),
    pytest.param("x\n", id="scalar-document"),
])
def test_the_composer_counts_each_node_once(text: str) -> None:
    """What the alias budget measures: the node tree's distinct nodes, counted as the
    composer makes them, equal to a walk over the tree."""
    node, composed = _compose(text)
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) not in seen:
            seen.add(id(current))
            if isinstance(current, yaml.SequenceNode):
                stack.extend(current.value)
            elif isinstance(current, yaml.MappingNode):
                stack.extend(part for pair in current.value for part in pair)
    assert composed == len(seen)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="tfnrueals0123456789.-+~eE_x 员:", max_size=7))
def test_scalars_built_inline_are_the_scalar_rule(text: str) -> None:
    """A mapping's values and a list's items that are plain strings are built where their
    parent is, without `_scalar`: the result, and its type, is the one `_scalar` gives."""
    source = f"a: {text}\nb: [{text}]\n"
    try:
        root, _ = _compose(source)
    except yaml.YAMLError:
        return   # not a scalar YAML reads in these places
    assert isinstance(root, yaml.MappingNode)
    (_, a), (_, b) = root.value
    if not isinstance(a, yaml.ScalarNode) or not isinstance(b, yaml.SequenceNode) or len(b.value) != 1:
        return
    doc, diags = parse_yaml(source, "t.yaml")
    assert doc is not None and diags == []
    expected = [_scalar(a), _scalar(b.value[0])]
    assert [doc.data["a"], *doc.data["b"]] == expected
    assert [type(doc.data["a"]), *map(type, doc.data["b"])] == list(map(type, expected))
