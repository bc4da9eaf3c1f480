"""The shipped default templates as plain Python: each translated once, from the syntax tree
the sandbox parses, into a function of the context. The defaults then render without
Jinja's runtime or the render budget: they are Gongdan's own code, not config, and what
they read is bounded before they see it (`runtime/messages.py`). Only the constructs the
defaults use are translated; anything else is refused when a template is translated."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from engine.notify.sandbox import ENVIRONMENT, fit, md

NativeBlock = Callable[[Mapping[str, Any]], str]


class Untranslatable(ValueError):
    """A construct the translation does not cover (the shipped templates use none)."""


@dataclass(frozen=True, slots=True)
class NativeTemplate:
    """A default template's blocks as functions of the context: its `subject` block (None
    without one) and its `body` block, each giving the block's text before it is cut."""

    subject: NativeBlock | None
    body: NativeBlock


def _join(value: Iterable[Any], separator: Any = "") -> str:
    """Jinja's `join` filter without autoescape."""
    return str(separator).join(map(str, value))


def _select(value: Iterable[Any]) -> list[Any]:
    """Jinja's `select` filter without a test: the true items."""
    return [item for item in value if item]


_HELPERS: dict[str, Any] = {"_join": _join, "_select": _select, "_fit": fit, "_md": md}
# filter name -> (the fewest and most arguments, how the call is written)
_FILTERS: dict[str, tuple[int, int, Callable[[str, list[str]], str]]] = {
    "md": (0, 0, lambda value, args: f"_md({value})"),
    "capitalize": (0, 0, lambda value, args: f"str({value}).capitalize()"),
    "length": (0, 0, lambda value, args: f"len({value})"),
    "select": (0, 0, lambda value, args: f"_select({value})"),
    "join": (0, 1, lambda value, args: f"_join({', '.join([value, *args])})"),
    "fit": (0, 1, lambda value, args: f"_fit({', '.join([value, *args])})"),
}
_OPERATORS = {nodes.Sub: "-", nodes.Or: "or", nodes.And: "and"}
_COMPARISONS = {"eq": "==", "ne": "!="}


class _Translation:
    """One block's Python source: names the block sets or loops over are Python locals,
    every other name is read from the context."""

    def __init__(self) -> None:
        self.locals: dict[str, str] = {}
        self.loop_index: str | None = None
        self.counter = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"_{stem}{self.counter}"

    def expr(self, node: nodes.Node) -> str:
        method = getattr(self, f"expr_{type(node).__name__}", None)
        if method is None:
            raise Untranslatable(f"line {node.lineno}: {type(node).__name__}")
        return str(method(node))

    def expr_Const(self, node: nodes.Const) -> str:
        return repr(node.value)

    def expr_Name(self, node: nodes.Name) -> str:
        return self.locals.get(node.name) or f"c[{node.name!r}]"

    def expr_Getattr(self, node: nodes.Getattr) -> str:
        if isinstance(node.node, nodes.Name) and node.node.name == "loop" and "loop" not in self.locals:
            if self.loop_index is None or node.attr != "index":
                raise Untranslatable(f"line {node.lineno}: loop.{node.attr}")
            return self.loop_index
        # the context's values are dicts whose keys no dict method shadows (test_native.py)
        return f"{self.expr(node.node)}[{node.attr!r}]"

    def expr_Concat(self, node: nodes.Concat) -> str:
        parts = [repr(p.value) if isinstance(p, nodes.Const) and isinstance(p.value, str) else f"str({self.expr(p)})"
                 for p in node.nodes]
        return f"''.join(({', '.join(parts)},))"

    def expr_CondExpr(self, node: nodes.CondExpr) -> str:
        if node.expr2 is None:
            raise Untranslatable(f"line {node.lineno}: an inline if without else")
        return f"({self.expr(node.expr1)} if {self.expr(node.test)} else {self.expr(node.expr2)})"

    def expr_Not(self, node: nodes.Not) -> str:
        return f"(not {self.expr(node.node)})"

    def expr_List(self, node: nodes.List) -> str:
        return f"[{', '.join(self.expr(item) for item in node.items)}]"

    def expr_Compare(self, node: nodes.Compare) -> str:
        if len(node.ops) != 1 or node.ops[0].op not in _COMPARISONS:
            raise Untranslatable(f"line {node.lineno}: a comparison other than == or !=")
        return f"({self.expr(node.expr)} {_COMPARISONS[node.ops[0].op]} {self.expr(node.ops[0].expr)})"

    def binary(self, node: nodes.BinExpr) -> str:
        return f"({self.expr(node.left)} {_OPERATORS[type(node)]} {self.expr(node.right)})"

    expr_Sub = expr_Or = expr_And = binary

    def expr_Filter(self, node: nodes.Filter) -> str:
        if node.node is None or node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise Untranslatable(f"line {node.lineno}: filter {node.name!r} with keywords or as a block")
        return self.filtered(node.name, self.expr(node.node), node.args, node.lineno)

    def filtered(self, name: str, value: str, args: list[nodes.Expr], lineno: int) -> str:
        if name == "map" and args and isinstance(args[0], nodes.Const) and isinstance(args[0].value, str):
            item = self.fresh("i")
            return f"[{self.filtered(args[0].value, item, args[1:], lineno)} for {item} in {value}]"
        if name not in _FILTERS:
            raise Untranslatable(f"line {lineno}: filter {name!r}")
        least, most, write = _FILTERS[name]
        if not least <= len(args) <= most:
            raise Untranslatable(f"line {lineno}: filter {name!r} with {len(args)} arguments")
        return write(value, [self.expr(arg) for arg in args])

    def block(self, body: list[nodes.Node], indent: str) -> list[str]:
        lines: list[str] = []
        for node in body:
            method = getattr(self, f"stmt_{type(node).__name__}", None)
            if method is None:
                raise Untranslatable(f"line {node.lineno}: {type(node).__name__}")
            lines += method(node, indent)
        return lines or [f"{indent}pass"]

    def stmt_Output(self, node: nodes.Output, indent: str) -> list[str]:
        parts = [repr(child.data) if isinstance(child, nodes.TemplateData) else f"str({self.expr(child)})"
                 for child in node.nodes]
        return [f"{indent}_o += ({', '.join(parts)},)"]

    def stmt_If(self, node: nodes.If, indent: str) -> list[str]:
        lines = [f"{indent}if {self.expr(node.test)}:", *self.block(node.body, indent + "    ")]
        for branch in node.elif_:
            lines += [f"{indent}elif {self.expr(branch.test)}:", *self.block(branch.body, indent + "    ")]
        if node.else_:
            lines += [f"{indent}else:", *self.block(node.else_, indent + "    ")]
        return lines

    def stmt_Assign(self, node: nodes.Assign, indent: str) -> list[str]:
        if not isinstance(node.target, nodes.Name):
            raise Untranslatable(f"line {node.lineno}: set of several names")
        value = self.expr(node.node)
        local = self.locals[node.target.name] = self.fresh("l")
        return [f"{indent}{local} = {value}"]

    def stmt_For(self, node: nodes.For, indent: str) -> list[str]:
        if not isinstance(node.target, nodes.Name) or node.else_ or node.test or node.recursive \
                or self.loop_index is not None or any(True for _ in node.find_all(nodes.Assign)):
            raise Untranslatable(f"line {node.lineno}: a loop other than a plain one over a list")
        iterable = self.expr(node.iter)
        index, item = self.fresh("n"), self.fresh("l")
        outer = self.locals.get(node.target.name)
        self.locals[node.target.name], self.loop_index = item, index
        lines = [f"{indent}for {index}, {item} in enumerate({iterable}, 1):", *self.block(node.body, indent + "    ")]
        self.loop_index = None
        if outer is None:
            del self.locals[node.target.name]
        else:
            self.locals[node.target.name] = outer
        return lines


def _block_function(name: str, body: list[nodes.Node]) -> NativeBlock:
    lines = [f"def {name}(c):", "    _o = []", *_Translation().block(body, "    "), "    return ''.join(_o)"]
    namespace = dict(_HELPERS)   # the source is the shipped templates', never config's
    exec(compile("\n".join(lines), f"<native {name}>", "exec"), namespace)
    function: NativeBlock = namespace[name]
    return function


def translate(text: str) -> NativeTemplate:
    """A default template's source as functions; Untranslatable if it uses a construct
    outside the covered ones, or keeps anything but blank text outside its blocks."""
    tree = ENVIRONMENT.parse(text)
    blocks = {block.name: block for block in tree.find_all(nodes.Block)}
    outside = [n for n in tree.body if not isinstance(n, nodes.Block)
               and not (isinstance(n, nodes.Output) and all(isinstance(c, nodes.TemplateData) for c in n.nodes))]
    if "body" not in blocks or outside or set(blocks) - {"subject", "body"} \
            or any(any(True for _ in block.find_all(nodes.Block)) for block in blocks.values()):
        raise Untranslatable("a template other than a subject and a body block")
    subject = blocks.get("subject")
    return NativeTemplate(_block_function("subject", subject.body) if subject is not None else None,
                          _block_function("body", blocks["body"].body))
