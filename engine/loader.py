"""The config pipeline: read -> schema -> model -> checks -> compile, stopping between stages."""
from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.config.build import CATEGORIES, ROSTERS, RULES_DIR, SLA_PROFILES, build_model
from engine.checks import CheckOptions, run_checks
from engine.diagnostics import Diagnostic, Span, sort_diagnostics
from engine.errors import ConfigError
from engine.config.model import Config, TemplateSource
from engine.config.schema import validate_document
from engine.config.source import SourceDocument, parse_yaml

if TYPE_CHECKING:
    from engine.runtime.engine import Engine

REQUIRED_FILES = {CATEGORIES: "categories", ROSTERS: "rosters", SLA_PROFILES: "sla_profiles"}


def config_files(root: Path) -> list[tuple[str, str]]:
    """(name relative to the config dir, schema kind) of every config file, in load order."""
    files = list(REQUIRED_FILES.items())
    rules = root / RULES_DIR
    if rules.is_dir():
        files += [(f"{RULES_DIR}/{p.name}", "rules") for p in sorted(rules.glob("*.yaml"))]
    return files


TEMPLATES_DIR = "templates"


def read_templates(root: Path, digest: Any) -> tuple[list[TemplateSource], list[Diagnostic]]:
    """Template overrides (`templates/**/*.j2`), named relative to the config dir."""
    found, diags = [], []
    for path in sorted((root / TEMPLATES_DIR).rglob("*.j2")):
        name = path.relative_to(root).as_posix()
        raw = path.read_bytes()
        digest.update(name.encode() + b"\0" + raw + b"\0")
        try:
            found.append(TemplateSource(name, raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            diags.append(Diagnostic(Span(name, 1, 1), "template.encoding", f"not UTF-8: {exc.reason}"))
    return found, diags


def read_documents(root: Path) -> tuple[dict[str, SourceDocument], list[Diagnostic], str,
                                         list[TemplateSource]]:
    """Parse and schema-check every file; returns the documents, diagnostics, digest and
    template overrides."""
    docs: dict[str, SourceDocument] = {}
    diags: list[Diagnostic] = []
    digest = hashlib.sha256()
    for name, kind in config_files(root):
        path = root / name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            diags.append(Diagnostic(Span(name), "config.missing-file", f"{name} is missing from the config dir"))
            continue
        digest.update(name.encode() + b"\0" + raw + b"\0")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            diags.append(Diagnostic(Span(name, 1, 1), "yaml.encoding", f"not UTF-8: {exc.reason}"))
            continue
        doc, problems = parse_yaml(text, name)
        diags += problems
        if doc is not None:
            docs[name] = doc
            diags += validate_document(doc, kind)
    templates, problems = read_templates(root, digest)
    return docs, diags + problems, "sha256:" + digest.hexdigest(), templates


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


def check(root: Path | str, *, now: datetime | None = None, gap_days: int = 28) -> list[Diagnostic]:
    """All diagnostics for a config dir, sorted; never raises on a bad config.

    Roster gaps are looked for over `gap_days` from `now` when `now` is given (the engine
    has no clock of its own; `gongdan validate` passes the current time).
    """
    with _collector_paused():
        return build_config(root, CheckOptions(now, gap_days))[1]


def load(root: Path | str) -> Engine:
    """Compile a config dir into an `Engine`; raises ConfigError when any check fails."""
    from engine.compile import compile_engine

    with _collector_paused():
        config, diags = build_config(root)
        if config is None or any(d.is_error for d in diags):
            raise ConfigError(diags)
        return compile_engine(config, diags)
