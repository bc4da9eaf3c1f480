"""`gongdan test --update`: rewrite the `want` of failing cases in place, as snapshot tools
do. Only the values that changed are replaced in the file's text, so comments, layout and
the other cases stay as written; each change is reported as `path: old -> new`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from engine.cases.refresh import refreshed
from engine.cases.runner import Outcome
from engine.cases.want import show
from engine.config.source import DataPath

_PLAIN_UNSAFE = re.compile(r"[,\[\]{}#&*!|>'\"%@`]|: |\s$|^\s|^[-?:](\s|$)")
_NOT_STRINGS = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null|~")


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace text[start:end] with `text`; `label` names the want path it changes."""

    start: int
    end: int
    text: str
    label: str
    old: Any
    new: Any


def case_edits(root: yaml.Node, outcome: Outcome) -> list[Edit]:
    """The edits that make each step's `want` hold the step's current answers."""
    edits: list[Edit] = []
    for result in outcome.results:
        step = result.step
        if step.want is None or result.decision is None:
            continue
        node = _node(root, step.path + ("want",))
        if node is not None:
            new = refreshed(step.want, result.decision, step.due is not None)
            edits += _edits(node, step.want, new, _label(step.path))
    return edits


def file_edits(text: str, outcomes: list[Outcome]) -> list[tuple[Outcome, list[Edit]]]:
    """For each case of a file that the engine did not refuse, the edits its want needs."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        return []
    found = [(outcome, case_edits(root, outcome)) for outcome in outcomes if not outcome.errored]
    return [(outcome, edits) for outcome, edits in found if edits]


def apply(text: str, edits: list[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:edit.start] + edit.text + text[edit.end:]
    return text


def _label(path: DataPath) -> str:
    return f"steps[{path[-1]}].want" if len(path) >= 2 and path[-2] == "steps" else "want"


def _node(root: yaml.Node, path: DataPath) -> yaml.Node | None:
    node: yaml.Node | None = root
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def _edits(node: yaml.Node, old: Any, new: Any, label: str) -> list[Edit]:
    if old == new and type(old) is type(new):
        return []
    if isinstance(node, yaml.MappingNode) and isinstance(old, dict) and isinstance(new, dict) \
            and list(old) == list(new):
        return [e for k, v in node.value for e in _edits(v, old[k.value], new[k.value], f"{label}.{k.value}")]
    if isinstance(node, yaml.SequenceNode) and isinstance(old, list) and isinstance(new, list) \
            and len(old) == len(new) and old:
        return [e for i, v in enumerate(node.value) for e in _edits(v, old[i], new[i], f"{label}[{i}]")]
    return [Edit(node.start_mark.index, _end(node), _text(node, new), label, old, new)]


def _end(node: yaml.Node) -> int:
    """Where a node's own text ends (a block collection's end mark is past what follows it)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _end(node.value[-1])
    return int(node.end_mark.index)


def _text(node: yaml.Node, value: Any) -> str:
    """A block sequence stays one (an item a line); anything else is written in flow style."""
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value and isinstance(value, list) \
            and value:
        indent = "\n" + " " * node.start_mark.column + "- "
        return "- " + indent.join(flow(item) for item in value)
    return flow(value)


def flow(value: Any) -> str:
    """`value` as one line of flow YAML that the strict loader reads back as the same data."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_string(str(k))}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, str):
        return _string(value)
    return show(value)


def _string(text: str) -> str:
    if not text or _PLAIN_UNSAFE.search(text) or _NOT_STRINGS.fullmatch(text) or "\n" in text:
        return show(text)
    return text
