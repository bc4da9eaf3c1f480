"""Reading a config dir: which files it holds, each parsed strictly and checked against
its schema, the template overrides, and the digest that versions the whole config."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from engine.config.build import CATEGORIES, ROSTERS, RULES_DIR, SLA_PROFILES
from engine.config.model import TemplateSource
from engine.config.schema import validate_document
from engine.config.source import SourceDocument, parse_yaml
from engine.diagnostics import Diagnostic, Span

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
