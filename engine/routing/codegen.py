"""Python functions built from generated source, for the evaluator's hot paths.

Like dataclasses and namedtuple, the compiler writes a function's source once and lets
CPython compile it, so a ticket pays one call instead of a chain of closures. Values from
the config never enter the source text: they are bound as names (`_1`, `_2`, ...).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class Namespace:
    """The names a generated function uses, and the function itself."""

    def __init__(self, **fixed: Any) -> None:
        self.names: dict[str, Any] = dict(fixed)

    def bind(self, value: Any) -> str:
        """A name standing for `value` in the generated source."""
        name = f"_{len(self.names)}"
        self.names[name] = value
        return name

    def function(self, signature: str, body: Iterable[str], label: str) -> Callable[..., Any]:
        """`def f(signature): body` compiled in this namespace; `label` names it in tracebacks."""
        lines = "".join(f"    {line}\n" for line in body)
        namespace = dict(self.names)
        exec(compile(f"def f({signature}):\n{lines}", f"<gongdan {label}>", "exec"), namespace)
        built: Callable[..., Any] = namespace["f"]
        return built
