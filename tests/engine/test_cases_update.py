"""`--update`'s pieces: the flow writer reads back as the same data under the strict loader,
and a block list of another length is rewritten as a block list, comments kept."""
from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.cases import load_cases, run_case
from engine.cases.update import apply, file_edits, flow
from engine.config.source import parse_yaml


@pytest.mark.parametrize("value, text", [
    pytest.param({"at": "2026-11-02T10:00:00+08:00", "to": "ceo"}, "{at: 2026-11-02T10:00:00+08:00, to: ceo}", id="plain"),
    pytest.param(["yes", "017", "true", "null", "", "a, b", "x: y", "资损", " pad"],
                 '[yes, 017, "true", "null", "", "a, b", "x: y", 资损, " pad"]', id="quoted-when-needed"),
    pytest.param({"n": None, "b": False, "i": 3, "f": 1.5, "l": []}, "{n: null, b: false, i: 3, f: 1.5, l: []}", id="scalars"),
    pytest.param("#tag", '"#tag"', id="comment-start"),
    pytest.param("- x", '"- x"', id="dash"),
])
def test_flow_reads_back_the_same(value: object, text: str) -> None:
    assert flow(value) == text
    doc, diagnostics = parse_yaml(f"v: {text}\n", "x.yaml")
    assert diagnostics == [] and doc is not None and doc.data == {"v": value}


def test_a_block_list_of_another_length_stays_a_block_list(tmp_path: Path, reference: engine.Engine) -> None:
    text = """cases:
  - name: two breaches at 10:05
    steps:
      - event: {type: created, ticket: E-1, at: 2026-11-09T10:00:00+08:00, category: payment/gateway/charge-failed}
      - due: 2026-11-09T10:05:00+08:00
        want:
          notifications:   # all four, kind only
            - {kind: remind}
          flags: [a]
"""
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    cases, _ = load_cases(path)
    outcome = run_case(reference, cases[0])
    [(_, edits)] = file_edits(text, [outcome])
    assert [(e.label, e.old, e.new) for e in edits] == [
        ("steps[1].want.notifications", [{"kind": "remind"}], [{"kind": k} for k in ("remind", "breach", "breach", "breach")]),
        ("steps[1].want.flags", ["a"], [])]
    assert apply(text, edits).splitlines()[-6:] == [
        "          notifications:   # all four, kind only", "            - {kind: remind}", "            - {kind: breach}",
        "            - {kind: breach}", "            - {kind: breach}", "          flags: []"]
