"""The library's shape as STYLE ("imports point down the stages, never back up") and each
sub-package's `__init__` docstring ("May import: ...") state it, checked on the import
graph read from the source (tests/architecture.py)."""
from __future__ import annotations

import ast
import re

import pytest

from architecture import ENGINE, cycles, graph, importers, levels, modules, stages

ALWAYS = {"engine.diagnostics", "engine.errors", "engine.jsonio"}
"""Any sub-package may import these: the shared vocabulary of problems, and JSON as Gongdan
reads and writes it (`engine.jsonio`, public: the service's bodies and rows use it too)."""

CONFIG, TIMECALC, ROUTING = "engine.config", "engine.timecalc", "engine.routing"
DUTY, SLA, NOTIFY, COMPILE = "engine.duty", "engine.sla", "engine.notify", "engine.compile"
RUNTIME = "engine.runtime"

ALLOWED: dict[str, set[str]] = {
    TIMECALC: set(),                                  # "nothing of the library (the bottom stage)"
    ROUTING: set(),                                   # "nothing of the library outside this package"
    CONFIG: {TIMECALC},
    DUTY: {TIMECALC, CONFIG},
    NOTIFY: {CONFIG, TIMECALC},
    SLA: {TIMECALC, CONFIG, ROUTING},                 # routing: the matcher of a profile override
    COMPILE: {CONFIG, TIMECALC, ROUTING, DUTY, SLA, NOTIFY},
    "engine.checks": {CONFIG, TIMECALC, ROUTING, DUTY, SLA, NOTIFY, COMPILE},
    RUNTIME: {CONFIG, TIMECALC, ROUTING, DUTY, SLA, NOTIFY, COMPILE},
    "engine.replay": {RUNTIME},
    "engine.cases": {CONFIG, RUNTIME},                # golden cases: the strict loader, the decision schema, the Engine
    "engine.diff": {CONFIG, TIMECALC, ROUTING, DUTY, SLA, COMPILE, RUNTIME},
    "engine.report": {CONFIG},                        # reports.yaml's model
    "engine.serve": {"engine"},                       # "only the public API of `engine`"
}
"""What each sub-package may import besides ALWAYS, read from its `__init__` docstring."""

UNBOUNDED = {"engine.cli": "the top stage: its docstring sets no limit, and only `python -m engine` imports it"}
"""Sub-packages whose docstring has no "May import" line, and why that is right."""

LIBRARY_LEVELS = 8
"""The library, what `import engine` brings: at most 8 stage levels."""
MAX_LEVELS = 10
"""With its hosts on top: engine.serve (the HTTP host) sits on the public `engine` package,
and the CLI, which registers `gongdan serve`, and `python -m engine` on it."""
HOSTS = frozenset({"engine.serve", "engine.cli", "engine.__main__"})


@pytest.fixture(scope="module")
def edges() -> dict[str, set[str]]:
    return graph()


def test_the_graph_sees_every_module_and_its_imports(edges: dict[str, set[str]]) -> None:
    """A graph that missed modules or imports would pass every test below."""
    assert set(edges) == set(modules())
    assert {"engine.checks.registry", "engine.compile.compiler", "engine.runtime.engine"} <= edges["engine.loader"]
    assert "engine.timecalc.calendar" in edges["engine.compile.calendars"]


def test_no_module_import_cycle(edges: dict[str, set[str]]) -> None:
    assert cycles(edges) == []


def test_no_stage_import_cycle_and_at_most_eight_levels(edges: dict[str, set[str]]) -> None:
    by_stage = stages(edges)
    assert cycles(by_stage) == []
    deepest = {s: n for s, n in levels(by_stage).items() if n > MAX_LEVELS}
    assert deepest == {}, f"stages deeper than {MAX_LEVELS} levels"
    library = {s: {d for d in deps if d not in HOSTS} for s, deps in by_stage.items() if s not in HOSTS}
    deepest = {s: n for s, n in levels(library).items() if n > LIBRARY_LEVELS}
    assert deepest == {}, f"library stages deeper than {LIBRARY_LEVELS} levels"


def test_each_sub_package_imports_only_what_its_docstring_allows(edges: dict[str, set[str]]) -> None:
    by_stage = stages(edges)
    beyond = {name: sorted(by_stage[name] - allowed - ALWAYS) for name, allowed in ALLOWED.items()}
    assert {name: extra for name, extra in beyond.items() if extra} == {}


def test_the_table_covers_every_sub_package() -> None:
    """A new sub-package needs a row (or a reason to have none)."""
    packages = {f"engine.{p.parent.name}" for p in ENGINE.glob("*/__init__.py")}
    assert packages == set(ALLOWED) | set(UNBOUNDED)


def _may_import(docstring: str) -> set[str] | None:
    """The stages a "May import: a, b and c (why)." sentence names; None without one."""
    text = " ".join(docstring.split())
    found = re.search(r"May import: (.*?)\.(?: |$)", re.sub(r"\([^)]*\)", "", text))
    if found is None:
        return None
    if found.group(1).startswith("nothing"):
        return set()
    return {f"engine.{name.strip()}" for name in re.split(r",| and ", found.group(1)) if name.strip()}


@pytest.mark.parametrize("package", sorted(set(ALLOWED) | set(UNBOUNDED)))
def test_the_table_says_what_the_docstring_says(package: str) -> None:
    init = ENGINE / package.split(".")[1] / "__init__.py"
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    stated = _may_import(docstring)
    if package == "engine.serve":   # says it in words: "imports only the public API of `engine`"
        assert stated is None and "imports only the public API of `engine`" in docstring
        return
    if package in UNBOUNDED:
        assert stated is None
        return
    assert stated is not None and stated - ALWAYS == ALLOWED[package]


def test_only_the_loader_imports_the_checks(edges: dict[str, set[str]]) -> None:
    """engine/checks/__init__.py: "Nothing imports it but the loader." """
    assert importers(edges, "engine.checks") == {"engine.loader"}


def test_only_python_dash_m_imports_the_cli(edges: dict[str, set[str]]) -> None:
    assert importers(edges, "engine.cli") == {"engine.__main__"}
