"""The library's import graph, read from the source with `ast`: every `import` counts,
inside functions and `TYPE_CHECKING` blocks too, since a deferred import is still a
dependency (that is how cycles hide)."""
from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"


def module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the library (the `serve` host and the CLI included)."""
    return {module_name(p): p for p in sorted(ENGINE.rglob("*.py"))}


def _imported(tree: ast.AST, here: str, is_package: bool) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def graph() -> dict[str, set[str]]:
    """module -> the library modules it imports (a name resolves to the longest module
    it denotes: `from engine.sla import clocks` is an edge to `engine.sla.clocks`)."""
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        targets = {t for t in _imported(tree, name, path.name == "__init__.py") if t in known}
        # `from engine.x import y` names both engine.x and engine.x.y: keep the module y
        targets -= {t for t in targets if any(o.startswith(t + ".") for o in targets)}
        edges[name] = targets - {name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def levels(edges: dict[str, set[str]]) -> dict[str, int]:
    """1 for a module importing nothing of the library, else 1 + its deepest import
    (only defined on an acyclic graph)."""
    @cache
    def level(v: str) -> int:
        return 1 + max((level(w) for w in edges[v]), default=0)
    return {v: level(v) for v in edges}


def stage(module: str) -> str:
    """The stage a module belongs to: its first two name parts (`engine.sla.clocks` ->
    `engine.sla`); a top-level module (`engine.loader`) is a stage of its own."""
    return ".".join(module.split(".")[:2])


def stages(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph with modules grouped by stage (imports within a stage dropped)."""
    grouped: dict[str, set[str]] = {}
    for module, targets in edges.items():
        here = stage(module)
        grouped.setdefault(here, set()).update(stage(t) for t in targets if stage(t) != here)
    return grouped


def importers(edges: dict[str, set[str]], target: str) -> set[str]:
    """The modules outside the stage `target` that import a module of it."""
    return {m for m, ts in edges.items() if stage(m) != target and any(stage(t) == target for t in ts)}
