"""The Jinja2 sandbox every notification template runs in: no globals, no unsafe filters,
and every operator that can build large output bounded."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from engine.notify.channels import SMS_LIMIT

MAX_OUTPUT = 4000          # characters per block; longer output is cut at a line and marked
# Jinja's default globals reach beyond the documented context (range(10**9), cycler...);
# these filters and str methods build output far larger than their input.
_UNSAFE_FILTERS = ("batch", "center", "format", "indent", "random", "slice")
_PADDING_METHODS = frozenset({"center", "expandtabs", "format", "format_map", "ljust", "rjust",
                              "zfill"})
_MAX_POWER_BITS = 4096
_MAX_TEXT = 100_000        # characters (or items) an intermediate `~` or `+` may build
JINJA_NAMES = frozenset({"self", "range", "lipsum", "dict", "cycler", "joiner", "namespace"})


def fit(candidates: Iterable[Any], limit: int = SMS_LIMIT) -> str:
    """The `fit` filter: the first candidate of at most `limit` characters, else the
    shortest. Messages shrink by dropping whole parts, never by cutting a word."""
    texts = [str(c).strip() for c in candidates]
    for text in texts:
        if len(text) <= limit:
            return text
    return min(texts, key=len) if texts else ""


class _BoundedConcat(CodeGenerator):
    """Compiles `~` to the sandbox's bounded join: Jinja's own has no limit, so forty
    `{% set a = a ~ a %}` would build a terabyte string while the checks render it."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class Sandbox(SandboxedEnvironment):
    """The sandbox every template runs in: no globals, size-bounded operators."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _BoundedConcat

    def bounded_join(self, parts: Iterable[Any]) -> str:
        text = "".join([str(part) for part in parts])
        if len(text) > _MAX_TEXT:
            raise SecurityError(f"joining text beyond {_MAX_TEXT} characters")
        return text

    def wrap_str_format(self, value: Any) -> None:
        """No `str.format`: a format spec pads without bound (is_safe_attribute refuses it)."""
        return

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _PADDING_METHODS:
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' formatting of strings is not allowed in templates; use ~")
        if operator == "*":
            seq, count = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(seq, (str, list, tuple)) and isinstance(count, int) \
                    and len(seq) * count > MAX_OUTPUT:
                raise SecurityError(f"repeating a sequence beyond {MAX_OUTPUT} items")
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                and len(left) + len(right) > _MAX_TEXT:
            raise SecurityError(f"adding sequences beyond {_MAX_TEXT} items")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) \
                and abs(left).bit_length() * right > _MAX_POWER_BITS:
            raise SecurityError(f"power beyond {_MAX_POWER_BITS} bits")
        return super().call_binop(context, operator, left, right)


# Characters that open DingTalk markdown structures (links, images, emphasis, headings,
# quotes, tables, HTML such as <font>) and their full-width forms, which read the same in a
# Chinese message and mean nothing to the renderer; line breaks would start new blocks.
# (`_` and `~` stay: inside a word they format nothing, and ticket ids use them.)
_MARKDOWN_INERT = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "`": "｀",
                                 "#": "＃", "|": "｜", "!": "！", "\n": " ", "\r": " "})


def md(value: Any) -> str:
    """The `md` filter: text a host sent (a ticket's title) made inert in a DingTalk
    markdown message, so a title cannot format, link or inject into the alert."""
    return str(value).translate(_MARKDOWN_INERT)


def _environment() -> Sandbox:
    env = Sandbox(undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                  lstrip_blocks=True, keep_trailing_newline=False)
    env.globals.clear()
    for name in _UNSAFE_FILTERS:
        del env.filters[name]
    env.filters["fit"] = fit
    env.filters["md"] = md
    return env


ENVIRONMENT = _environment()
