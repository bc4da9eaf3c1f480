"""Strict YAML loading: plain data plus a side table of every node's line and column.

The C parser composes the node tree (no PyYAML implicit typing at all); this module then
constructs plain data itself, so `12:30`, `yes`, `no`, `on`, dates and `017` stay strings,
only `true`/`false` are booleans, duplicate keys are caught with both lines, and alias
expansion is bounded. PyYAML's global loaders are never touched.
"""
from __future__ import annotations

import itertools
import operator
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml

from engine.diagnostics import Diagnostic, Span

try:  # the C parser when PyYAML was built with libyaml
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader

DataPath = tuple[str | int, ...]

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_NULLS = frozenset({"null", "~", ""})
# First characters with which no plain scalar can be a bool, null or number.
_PLAIN_STRINGS_START = frozenset("abcdeghijkmopqrsuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_/@+:")
# Every plain scalar that reads as a bool, null or number starts with one of these or is
# empty ('' is in the set too: `''[:1]`); any other is a string.
_MAYBE_TYPED = frozenset(["", "t", "f", "n", "~", "-", *"0123456789"])
_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR = yaml.ScalarNode
_KNOWN_TAGS = frozenset({_STR_TAG, "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
_TAG_HINT = "remove the tag; quote the value if it is meant as a string"
MAX_DEPTH = 100
MAX_ALIAS_EXPANSION = 10  # constructed nodes may be at most this many times the composed ones


class _StrictLoader(_BaseLoader):  # type: ignore[misc]
    """The C parser with no implicit resolvers: every plain scalar is tagged str.

    The composer calls `descend_resolver` and `ascend_resolver` once for each node it makes
    (an alias makes none), and `resolve` for each node without a tag. With no path or
    implicit resolvers the first does nothing and the last always ends at the kind's
    default tag, so they are answered by C callables where one fits; `ascend_resolver`
    counts the nodes as they are made: the alias budget's measure, without a second walk.
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}
    _DEFAULT_TAGS: ClassVar[dict[type, str]] = {yaml.ScalarNode: _STR_TAG, yaml.SequenceNode: "tag:yaml.org,2002:seq",
                     yaml.MappingNode: "tag:yaml.org,2002:map"}
    descend_resolver = staticmethod(operator.is_)   # (node, index), result unused

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.made = itertools.count()   # next(made) after composing: how many nodes it made
        self.ascend_resolver = self.made.__next__

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        """The kind's default tag: where PyYAML's search ends without resolvers."""
        return self._DEFAULT_TAGS[kind]


_Reached = tuple[yaml.Node, yaml.Node, bool]   # key node, node, whether the walk stopped short


class SourceMap:
    """Line/column (1-based) of each value and each mapping key, by data path.

    Positions are read off the composed node tree on demand: a valid config never asks,
    so loading pays nothing for them; a diagnostic asks for a handful, and compile for the
    trace's places (one per category, route and rule), each a step from its parent's.
    """

    __slots__ = ("_keys", "_reached", "_root", "file")

    def __init__(self, file: str, root: yaml.Node | None) -> None:
        self.file = file
        self._root = root
        self._keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}
        self._reached: dict[DataPath, _Reached] = {}

    def _child(self, node: yaml.Node, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
        """(key node or the item itself, value node) of one step down, or None."""
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            table = self._keys.get(id(node))
            if table is None:
                table = {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
                self._keys[id(node)] = table
            return table.get(part)
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            return node.value[part], node.value[part]
        return None

    def _reach(self, root: yaml.Node, path: DataPath) -> _Reached:
        """Where the walk down `path` ends, from the walk down its parent path (kept)."""
        if not path:
            return root, root, False
        reached = self._reached.get(path)
        if reached is None:
            reached = self._step(self._reach(root, path[:-1]), path[-1])
            self._reached[path] = reached
        return reached

    def _step(self, parent: _Reached, part: str | int) -> _Reached:
        key_node, node, stopped = parent
        if stopped:
            return parent
        step = self._child(node, part)
        if step is None:
            return key_node, node, True
        if _through_alias(node, *step):
            # The node is an anchor written elsewhere, shared by several places: point at
            # where this path takes it (the key holding the alias), not at the anchor.
            return (step[0], step[0], True) if step[0] is not step[1] else (node, node, True)
        return step[0], step[1], False

    def span(self, path: DataPath, *, key: bool = False) -> Span:
        """The span of the node at `path` (its key with key=True), else its nearest ancestor."""
        if self._root is None:
            return Span(self.file, 1, 1)
        key_node, node, stopped = self._reach(self._root, path)
        found = key_node if key and not stopped else node
        return Span(self.file, found.start_mark.line + 1, found.start_mark.column + 1)


def _through_alias(parent: yaml.Node, key_node: yaml.Node, node: yaml.Node) -> bool:
    """Whether `node` is reached through an alias: composing resolves an alias to its
    anchor's node, which starts before the key (or the sequence) that names it."""
    before = key_node if key_node is not node else parent
    return bool(node.start_mark.index < before.start_mark.index)


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """One loaded config file: what it says and where each part of it stands."""

    file: str
    data: Any
    source_map: SourceMap

    def span(self, path: DataPath, *, key: bool = False) -> Span:
        return self.source_map.span(path, key=key)


class _YamlProblem(Exception):
    def __init__(self, code: str, message: str, mark: Any, hint: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.mark, self.hint = code, message, mark, hint


class _Constructor:
    """Builds plain data from a composed node tree; positions stay in the tree.

    Nodes are built depth first in document order, each counted against the alias budget
    before its depth is checked. A string scalar below the depth limit (most of a config)
    is built inline where its parent is (the same checks as `build` and `_scalar`, two
    calls fewer per node)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _YamlProblem("yaml.alias-bomb", "aliases expand to too many nodes", node.start_mark)
        if depth > MAX_DEPTH:
            raise _YamlProblem("yaml.too-deep", f"nesting deeper than {MAX_DEPTH} levels", node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if node.tag not in _KNOWN_TAGS:
            raise _YamlProblem("yaml.tag", f"unsupported tag {node.tag!r}", node.start_mark, _TAG_HINT)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, depth)
        assert isinstance(node, yaml.MappingNode)
        return self._mapping(node, depth)

    def _sequence(self, node: yaml.SequenceNode, depth: int) -> list[Any]:
        result: list[Any] = []
        for item in node.value:
            if type(item) is _SCALAR and item.tag == _STR_TAG and depth < MAX_DEPTH and self.budget > 0 \
                    and (item.style or item.value[:1] not in _MAYBE_TYPED):
                self.budget -= 1
                result.append(item.value)
            else:
                result.append(self.build(item, depth + 1))
        return result

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _YamlProblem("yaml.complex-key", "mapping keys must be plain scalars",
                                   key_node.start_mark)
            key = key_node.value
            if key in result:
                first = next(k for k, _ in node.value if k.value == key)
                raise _YamlProblem("yaml.duplicate-key",
                                   f"duplicate key {key!r} (first defined at line {first.start_mark.line + 1})",
                                   key_node.start_mark)
            if key == "<<" and not key_node.style:
                raise _YamlProblem("yaml.merge-key", "merge keys (<<) are not supported",
                                   key_node.start_mark, "write the keys out, or use an alias for a whole value")
            if type(value_node) is _SCALAR and value_node.tag == _STR_TAG and depth < MAX_DEPTH \
                    and self.budget > 0 and (value_node.style or value_node.value[:1] not in _MAYBE_TYPED):
                self.budget -= 1
                result[key] = value_node.value
            else:
                result[key] = self.build(value_node, depth + 1)
        return result


def _scalar(node: yaml.ScalarNode) -> Any:
    """Plain scalars: true/false, null, decimal ints and floats; everything else is a string."""
    if node.tag != _STR_TAG:
        raise _YamlProblem("yaml.tag", f"unsupported tag {node.tag!r}", node.start_mark, _TAG_HINT)
    value: str = node.value
    if node.style:  # quoted or block scalars are always strings (plain: None or '')
        return value
    first = value[:1]
    if first in _PLAIN_STRINGS_START:  # most scalars: ids, names, times
        return value
    if value in ("true", "false"):
        return value == "true"
    if value in _NULLS:
        return None
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    return value


def _compose(text: str) -> tuple[yaml.Node | None, int]:
    """The node tree of a one-document text, and how many nodes it holds."""
    loader = _StrictLoader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node, next(loader.made)
    finally:
        loader.dispose()


def _problem_diag(name: str, problem: _YamlProblem) -> Diagnostic:
    mark = problem.mark
    span = Span(name, mark.line + 1, mark.column + 1) if mark else Span(name, 1, 1)
    return Diagnostic(span, problem.code, problem.message, hint=problem.hint)


def _parse_error(name: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    span = Span(name, mark.line + 1, mark.column + 1) if mark else Span(name, 1, 1)
    problem = exc.problem or "invalid YAML"
    if "expected a single document" in str(exc.context):
        return Diagnostic(span, "yaml.multi-document", "a config file holds exactly one YAML document")
    message = f"{exc.context}, {problem}" if exc.context else problem
    return Diagnostic(span, "yaml.syntax", message)


def parse_yaml(text: str, name: str) -> tuple[SourceDocument | None, list[Diagnostic]]:
    """Parse YAML text strictly; returns the document, or None with the diagnostics."""
    try:
        node, composed = _compose(text)
    except yaml.MarkedYAMLError as exc:
        return None, [_parse_error(name, exc)]
    except yaml.YAMLError as exc:
        return None, [Diagnostic(Span(name, 1, 1), "yaml.syntax", str(exc))]
    source_map = SourceMap(name, node)
    if node is None:
        return SourceDocument(name, None, source_map), []
    # Only an alias can make the data outgrow the node tree (without one the budget is
    # never reached: each node is built once).
    budget = MAX_ALIAS_EXPANSION * composed + 1000
    try:
        data = _Constructor(budget).build(node)
    except _YamlProblem as problem:
        return None, [_problem_diag(name, problem)]
    return SourceDocument(name, data, source_map), []


MAX_FILE_BYTES = 64 * 1024 * 1024     # a config or case file larger than this is refused unread


def read_regular(path: Path, name: str, limit: int = MAX_FILE_BYTES,
                 missing: Diagnostic | None = None) -> bytes | Diagnostic:
    """A file's bytes, or the diagnostic that says why it cannot be read (`missing` when
    there is no such file, if given). Only a regular file is opened (a FIFO would block, a
    device never end), and only up to `limit`."""
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        return missing or Diagnostic(Span(name), "io.unreadable", exc.strerror or str(exc))
    except OSError as exc:   # a symlink loop, a parent that is a file, no permission
        return Diagnostic(Span(name), "io.unreadable", f"{name} cannot be read: {exc.strerror or exc}")
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        return Diagnostic(Span(name), "io.not-a-file", f"{name} is {kind}")
    if info.st_size > limit:
        return Diagnostic(Span(name), "io.too-large",
                          f"{name} is {info.st_size:,} bytes, over the {limit:,}-byte limit")
    try:
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        return Diagnostic(Span(name), "io.unreadable", f"{name} cannot be read: {exc.strerror or exc}")


def load_yaml(path: Path, name: str | None = None) -> tuple[SourceDocument | None, list[Diagnostic]]:
    """Read and parse one YAML file; `name` is how diagnostics call it (default: its path)."""
    name = name or str(path)
    raw = read_regular(path, name)
    if isinstance(raw, Diagnostic):
        return None, [raw]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Diagnostic(Span(name, 1, 1), "yaml.encoding", f"not UTF-8: {exc.reason}")]
    return parse_yaml(text, name)
