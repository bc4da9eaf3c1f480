"""Reading the channels file: YAML's safe loader, plus one rule it lacks: a key written twice
is an error (two robots under one name would otherwise leave only the last, silently)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from engine.serve.channels.section import ChannelConfigError


class _RepeatedKey(yaml.MarkedYAMLError):
    """A mapping with a key written twice."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with a repeated key."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise _RepeatedKey(problem=f"{key!r} is written twice",
                                   problem_mark=key_node.start_mark)
            if isinstance(key, str):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> object:
    """The parsed file; ChannelConfigError for a file that cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ChannelConfigError([f"{path}: cannot read it ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise ChannelConfigError([f"{path}: cannot read it (not UTF-8)"]) from None
    return parse_yaml(text, str(path))


def parse_yaml(text: str, name: str) -> object:
    """`text` parsed as one YAML document, errors located as `{name}:{line}:{column}`."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except _RepeatedKey as exc:
        raise ChannelConfigError([f"{_where(name, exc)}: {exc.problem}"]) from None
    except yaml.MarkedYAMLError as exc:
        raise ChannelConfigError([f"{_where(name, exc)}: not valid YAML: {exc.problem}"]) from None
    except yaml.YAMLError as exc:
        raise ChannelConfigError([f"{name}: not valid YAML: {exc}"]) from None


def _where(name: str, exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark
    return f"{name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else name
