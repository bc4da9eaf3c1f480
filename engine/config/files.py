"""Reading a config dir: which files it holds, each parsed strictly and checked against
its schema, the template overrides, and the digest that versions the whole config."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from engine.config.build import CATEGORIES, REPORTS, ROSTERS, RULES_DIR, SLA_PROFILES, VIEWS
from engine.config.model import TemplateSource
from engine.config.schema import validate_document
from engine.config.source import MAX_FILE_BYTES, SourceDocument, parse_yaml, read_regular
from engine.diagnostics import Diagnostic, Severity, Span

REQUIRED_FILES = {CATEGORIES: "categories", ROSTERS: "rosters", SLA_PROFILES: "sla_profiles"}
OPTIONAL_FILES = {VIEWS: "views", REPORTS: "reports"}




def config_files(root: Path) -> list[tuple[str, str]]:
    """(name relative to the config dir, schema kind) of every config file, in load order."""
    files = list(REQUIRED_FILES.items())
    files += [(name, kind) for name, kind in OPTIONAL_FILES.items()
              if (root / name).exists() or (root / name).is_symlink()]   # a broken link is diagnosed
    rules = root / RULES_DIR
    if rules.is_dir():
        files += [(f"{RULES_DIR}/{p.name}", "rules") for p in sorted(rules.glob("*.yaml"))]
    return files


def ignored_files(root: Path) -> list[Diagnostic]:
    """What looks like config but is not read: say so rather than ignore it silently."""
    rules = root / RULES_DIR
    if rules.exists() and not rules.is_dir():
        return [Diagnostic(Span(RULES_DIR), "config.not-a-directory",
                           f"{RULES_DIR} is not a directory: rule packs are {RULES_DIR}/*.yaml")]
    if not rules.is_dir():
        return []
    return [Diagnostic(Span(f"{RULES_DIR}/{p.name}"), "config.ignored-file",
                       f"{RULES_DIR}/{p.name} is not read: rule packs end in .yaml", Severity.WARNING)
            for p in sorted(rules.iterdir()) if p.suffix.lower() in (".yml", ".yaml") and p.suffix != ".yaml"]


def read_file(root: Path, name: str) -> bytes | Diagnostic:
    """A config file's bytes, or the diagnostic that says why it cannot be read."""
    missing = Diagnostic(Span(name), "config.missing-file", f"{name} is missing from the config dir")
    return read_regular(root / name, name, MAX_FILE_BYTES, missing)


TEMPLATES_DIR = "templates"


def read_text(root: Path, name: str, digest: Any, encoding_code: str) -> str | Diagnostic:
    """A config file's text, its bytes added to the config's digest; or why it has none."""
    raw = read_file(root, name)
    if isinstance(raw, Diagnostic):
        return raw
    digest.update(name.encode() + b"\0" + raw + b"\0")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Diagnostic(Span(name, 1, 1), encoding_code, f"not UTF-8: {exc.reason}")


def read_templates(root: Path, digest: Any) -> tuple[list[TemplateSource], list[Diagnostic]]:
    """Template overrides (`templates/**/*.j2`), named relative to the config dir."""
    found, diags = [], []
    for path in sorted((root / TEMPLATES_DIR).rglob("*.j2")):
        name = path.relative_to(root).as_posix()
        text = read_text(root, name, digest, "template.encoding")
        if isinstance(text, Diagnostic):
            diags.append(text)
        else:
            found.append(TemplateSource(name, text))
    return found, diags


def read_documents(root: Path) -> tuple[dict[str, SourceDocument], list[Diagnostic], str,
                                         list[TemplateSource]]:
    """Parse and schema-check every file; returns the documents, diagnostics, digest and
    template overrides."""
    docs: dict[str, SourceDocument] = {}
    diags: list[Diagnostic] = []
    digest = hashlib.sha256()
    for name, kind in config_files(root):
        text = read_text(root, name, digest, "yaml.encoding")
        if isinstance(text, Diagnostic):
            diags.append(text)
            continue
        doc, problems = parse_yaml(text, name)
        diags += problems
        if doc is not None:
            docs[name] = doc
            diags += validate_document(doc, kind)
    templates, problems = read_templates(root, digest)
    return docs, diags + problems + ignored_files(root), "sha256:" + digest.hexdigest(), templates
