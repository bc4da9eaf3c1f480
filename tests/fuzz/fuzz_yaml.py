"""Coverage-guided fuzzing of the strict YAML loader (atheris): any bytes decode or not,
parse to a document or to diagnostics, and never raise.

    python tests/fuzz/fuzz_yaml.py -max_total_time=60      # .ci/run runs it for a bounded time
"""
from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from engine.config.schema import validate_document
    from engine.config.source import parse_yaml

SEEDS = [b"version: 1\nlevels: [P1, P2]\n", b"a: &x [1, 2]\nb: *x\n", b"k: 12:30\nk: yes\n"]


def one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    doc, diagnostics = parse_yaml(text, "fuzz.yaml")
    assert (doc is None) == bool(diagnostics) or doc is not None
    if doc is not None:
        for kind in ("sla_profiles", "rosters", "categories", "rules"):
            validate_document(doc, kind)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
