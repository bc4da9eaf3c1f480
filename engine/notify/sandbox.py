"""The Jinja2 sandbox every notification template runs in: no globals, no unsafe filters,
and every render on a budget (engine.notify.budget): loop iterations counted, and every
operator, filter and call that builds a value bounded in size."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame, operators
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import SandboxedEnvironment

from engine.notify.budget import (
    MAX_LOOP_DEPTH,
    MAX_TEXT,
    BudgetedTemplate,
    BudgetExceeded,
    budget_of,
    budgeted_call,
    budgeted_filter,
    budgeted_test,
    charged,
    loop_budget,
    text_size,
    ticking,
)
from engine.notify.channels import SMS_LIMIT

MAX_OUTPUT = 4000          # characters per block; longer output is cut at a line and marked
# Jinja's default globals reach beyond the documented context (range(10**9), cycler...);
# these filters and str methods build output far larger than their input.
_UNSAFE_FILTERS = ("batch", "center", "format", "indent", "random", "slice")
_PADDING_METHODS = frozenset({"center", "expandtabs", "format", "format_map", "ljust", "rjust",
                              "zfill"})
_MAX_POWER_BITS = 4096     # an integer `**` or `*` may build
JINJA_NAMES = frozenset({"self", "range", "lipsum", "dict", "cycler", "joiner", "namespace"})
_DICT_ATTRIBUTES = frozenset(dir(dict))


def fit(candidates: Iterable[Any], limit: int = SMS_LIMIT) -> str:
    """The `fit` filter: the first candidate of at most `limit` characters, else the
    shortest. Messages shrink by dropping whole parts, never by cutting a word."""
    texts = [str(c).strip() for c in candidates]
    for text in texts:
        if len(text) <= limit:
            return text
    return min(texts, key=len) if texts else ""


class _BudgetedCode(CodeGenerator):
    """Compiles `~` to the sandbox's bounded join (Jinja's own has no limit, so forty
    `{% set a = a ~ a %}` would build a terabyte string while the checks render it), and
    every `{% for %}` over its iterable wrapped in the render's loop budget (three loops
    nested over 4,000 items would otherwise run 64 billion times without writing a thing)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join(context, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        cost = nodes.Const(sum(1 for _ in node.find_all(nodes.Node)))
        budgeted = nodes.Call(nodes.EnvironmentAttribute("loop_budget"), [node.iter, cost], [], None, None,
                              lineno=node.iter.lineno)
        super().visit_For(nodes.For(node.target, budgeted, node.body, node.else_, node.test,
                                    node.recursive, lineno=node.lineno), frame)

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        """The loop budget is called directly, not through the sandbox's `call` (no
        template can name an environment attribute, so only visit_For makes this call)."""
        if isinstance(node.node, nodes.EnvironmentAttribute) and node.node.name == "loop_budget":
            self.write("environment.loop_budget(context, ")
            self.visit(node.args[0], frame)
            self.write(f", {node.args[1].as_const()})")
            return
        super().visit_Call(node, frame, forward_caller=forward_caller)

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        self.write("(")
        self._charged(node.expr, frame)
        for operand in node.ops:
            self.visit(operand, frame)
        self.write(")")

    def visit_Operand(self, node: nodes.Operand, frame: Frame) -> None:
        self.write(f" {operators[node.op]} ")
        self._charged(node.expr, frame)

    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:
        if not isinstance(node.arg, nodes.Slice):
            super().visit_Getitem(node, frame)
            return
        self._charged(node.node, frame)    # Jinja slices without the environment: a copy
        self.write("[")
        self.visit(node.arg, frame)
        self.write("]")

    def _charged(self, node: nodes.Expr, frame: Frame) -> None:
        """An operand whose size the operation's time grows with, charged to the budget."""
        self.write("environment.charged(context, ")
        self.visit(node, frame)
        self.write(")")


class Sandbox(SandboxedEnvironment):
    """The sandbox every template runs in: no globals, a budget for every render."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _BudgetedCode
    template_class = BudgetedTemplate
    loop_budget = staticmethod(loop_budget)
    charged = staticmethod(charged)

    def bounded_join(self, context: Context, parts: Iterable[Any]) -> str:
        text = "".join([str(part) for part in parts])
        if len(text) > MAX_TEXT:
            raise BudgetExceeded(f"joining text beyond {MAX_TEXT} characters")
        budget_of(context).spend(len(text))
        return text

    def concat(self, parts: Iterable[str]) -> str:
        """The text of a macro, a `{% set %}` block or a filter block: refused past
        MAX_TEXT before it is joined (a loop can append the same long text 100,000 times)."""
        texts, size = [], 0
        for part in parts:
            size += len(part)
            if size > MAX_TEXT:
                raise BudgetExceeded(f"a block of text beyond {MAX_TEXT} characters")
            texts.append(part)
        return "".join(texts)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Every call a template makes, on the render's budget; `loop(...)` of a recursive
        loop iterates on it too."""
        if isinstance(__obj, LoopContext) and args:
            if __obj.depth >= MAX_LOOP_DEPTH:
                raise BudgetExceeded(f"a recursive loop deeper than {MAX_LOOP_DEPTH} levels")
            args = (ticking(budget_of(__context), args[0]), *args[1:])

        def sandboxed(func: Any, *a: Any, **k: Any) -> Any:
            return SandboxedEnvironment.call(__self, __context, func, *a, **k)
        return budgeted_call(__context, __obj, args, kwargs, sandboxed)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`ticket.id` without an exception: a plain dict's attributes are its type's, so a
        name that is none of them is an item or undefined, as Jinja's getattr finds it
        after `getattr(obj, name)` raised (test_sandbox.py compares the two)."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def wrap_str_format(self, value: Any) -> None:
        """No `str.format`: a format spec pads without bound (is_safe_attribute refuses it)."""
        return

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _PADDING_METHODS:
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' formatting of strings is not allowed in templates; use ~")
        if operator == "*":
            _check_product(left, right)
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                and text_size(left) + text_size(right) > MAX_TEXT:
            raise BudgetExceeded(f"adding sequences beyond {MAX_TEXT} items")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) \
                and abs(left).bit_length() * right > _MAX_POWER_BITS:
            raise BudgetExceeded(f"power beyond {_MAX_POWER_BITS} bits")
        return budget_of(context).bounded(super().call_binop(context, operator, left, right), operator)


def _check_product(left: Any, right: Any) -> None:
    """`seq * n` within MAX_OUTPUT items and MAX_TEXT characters (`[title] * 4000` holds
    4,000 titles); integers within _MAX_POWER_BITS (squaring a square thirty times is a
    gigabyte)."""
    if isinstance(left, int) and isinstance(right, int):
        if abs(left).bit_length() + abs(right).bit_length() > _MAX_POWER_BITS:
            raise BudgetExceeded(f"product beyond {_MAX_POWER_BITS} bits")
        return
    seq, count = (left, right) if isinstance(right, int) else (right, left)
    if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
        if len(seq) * count > MAX_OUTPUT:
            raise BudgetExceeded(f"repeating a sequence beyond {MAX_OUTPUT} items")
        if text_size(seq) * count > MAX_TEXT:
            raise BudgetExceeded(f"repeating a sequence beyond {MAX_TEXT} characters")


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
                  lstrip_blocks=True, keep_trailing_newline=False, finalize=charged)
    env.globals.clear()
    for name in _UNSAFE_FILTERS:
        del env.filters[name]
    env.filters["fit"] = fit
    env.filters["md"] = md
    # Every filter on the render's budget: input charged, output bounded (a chain of
    # `replace` would otherwise build gigabytes, each step eight times the last).
    env.filters = {name: budgeted_filter(name, func) for name, func in env.filters.items()}
    env.tests = {name: budgeted_test(cast(Callable[..., Any], func)) for name, func in env.tests.items()}
    return env


ENVIRONMENT = _environment()
