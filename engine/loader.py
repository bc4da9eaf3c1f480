"""The stage driver behind `engine.load` and `engine.check`: read and schema-check the
files -> build the model -> run the checks -> compile, stopping after a stage that failed
(like OPA's compiler: a schema error would cascade into reference errors otherwise)."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from engine.checks.common import CheckOptions
from engine.checks.registry import run_checks
from engine.compile.compiler import compile_config
from engine.config.build import build_model
from engine.config.files import read_documents
from engine.config.model import Config
from engine.config.values import RANGE_TEXT, seconds_in_range
from engine.diagnostics import Diagnostic, Span, sort_diagnostics
from engine.errors import ConfigError, EventError
from engine.runtime.engine import Engine

MAX_GAP_DAYS = 3660   # ten years and their leap days: what `gongdan validate --gap-days` takes


def build_config(root: Path | str, options: CheckOptions = CheckOptions()
                 ) -> tuple[Config | None, list[Diagnostic]]:
    """Every stage up to the checks; the model is None when an earlier stage failed."""
    root = Path(root)
    if not root.is_dir():
        return None, [Diagnostic(Span(str(root)), "config.not-a-directory",
                                 f"{root} is not a config directory")]
    docs, diags, digest, templates = read_documents(root)
    if any(d.is_error for d in diags):
        return None, sort_diagnostics(diags)
    config = build_model(root, docs, digest, templates)
    diags += run_checks(config, options=options)
    return config, sort_diagnostics(diags)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading builds a large tree of objects that holds no reference cycles (the YAML
    nodes, the data, the model, the indexes), and the cyclic collector would re-scan it
    again and again as it grows: on the scale config that doubles the load. Paused for
    the load only, and left as the host had it (it may keep the collector off itself)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check(root: Path | str, *, now: datetime | None = None, gap_days: int = 28,
          mode: str | None = None) -> list[Diagnostic]:
    """All diagnostics for a config dir, sorted; never raises on a bad config.

    Roster gaps are looked for over `gap_days` from `now` when `now` is given (the engine
    has no clock of its own; `gongdan validate` passes the current time), under the mode
    in force at each instant, or under `mode` throughout when a host may force it. A `now`
    or `gap_days` out of range is an EventError naming it (the config is not at fault).
    """
    if now is not None and (now.tzinfo is None or seconds_in_range(now) is None):
        raise EventError(f"a time in {RANGE_TEXT} with its UTC offset, got {now.isoformat()}", "now")
    if not 0 <= gap_days <= MAX_GAP_DAYS:   # ten years past the range's end stay in the calendar's years
        raise EventError(f"0 to {MAX_GAP_DAYS} days, got {gap_days}", "gap_days")
    with _collector_paused():
        return build_config(root, CheckOptions(now, gap_days, mode))[1]


def load(root: Path | str) -> Engine:
    """Compile a config dir into an `Engine`; raises ConfigError when any check fails."""
    with _collector_paused():
        return _compiled(root)


def _compiled(root: Path | str) -> Engine:
    """The load itself, in a frame of its own, so that the model and the YAML node trees
    are freed when it returns, before the collector is back on. Everything allocated while
    it was paused is in its youngest generation, and the first collection after the load
    scans whatever of it is still alive: the engine alone (about 20 ms at scale), not the
    engine and the model (about 230 ms, more than a quarter of the load)."""
    config, diags = build_config(root)
    if config is None or any(d.is_error for d in diags):
        raise ConfigError(diags)
    return Engine(compile_config(config, diags))
