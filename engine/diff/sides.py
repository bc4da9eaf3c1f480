"""The two sides of a diff: where each config dir is and how the report names its files,
then each one loaded (its model and its engine) or refused with its diagnostics.

The loader's `build_config` is passed in by the caller (the CLI) rather than imported:
the diff is a peer of `loader` and `replay/` in the stage map, not a stage above them,
which keeps the stage graph within the levels docs/architecture.md allows.
"""
from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from engine.compile.compiler import compile_config
from engine.config.model import Config
from engine.diagnostics import Diagnostic, Span
from engine.diff.locate import Locator
from engine.diff.model import SideInfo
from engine.runtime.engine import Engine

BuildConfig = Callable[[Path], tuple[Config | None, list[Diagnostic]]]
"""`engine.loader.build_config`: every stage up to the checks, the model None on failure."""


@dataclass(frozen=True, slots=True)
class Source:
    """A config dir to compare, as the report names it."""

    label: str          # `main`, `HEAD`, `working tree`, or a directory as given
    root: Path          # the config dir to read (a temporary copy for a revision)
    prefix: str = ""    # put before config-relative paths (`conf/` for a config in a subfolder)


@dataclass(frozen=True, slots=True)
class Side:
    """A side that loaded: what was written (for positions and templates) and the engine."""

    source: Source
    config: Config
    engine: Engine
    locate: Locator

    @property
    def info(self) -> SideInfo:
        return SideInfo(self.source.label, self.engine.config_version)


@dataclass(frozen=True, slots=True)
class Broken:
    """A side whose config does not load: its diagnostics, paths as the report shows them."""

    source: Source
    diagnostics: tuple[Diagnostic, ...]

    @property
    def info(self) -> SideInfo:
        return SideInfo(self.source.label, None, self.diagnostics)


def load_side(source: Source, build_config: BuildConfig) -> Side | Broken:
    """The side's model and engine, or every diagnostic when it has an error."""
    was_enabled = gc.isenabled()
    gc.disable()   # as engine.load does: loading builds a large tree with no cycles
    try:
        config, diags = build_config(source.root)
        if config is None or any(d.is_error for d in diags):
            return Broken(source, tuple(_prefixed(d, source.prefix) for d in diags))
        engine = Engine(compile_config(config, diags))
    finally:
        if was_enabled:
            gc.enable()
    return Side(source, config, engine, Locator(config, source.prefix))


def _prefixed(diag: Diagnostic, prefix: str) -> Diagnostic:
    if not prefix:
        return diag
    span = diag.span
    return replace(diag, span=Span(prefix + span.file, span.line, span.column))
