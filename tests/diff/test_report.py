"""The report's forms: JSON that schemas/diff.schema.json accepts (with the conventions the
other schemas keep), Markdown within GitHub's comment limit with rows capped per section,
and the headline's counts."""
from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from diff.repos import Repo
from engine.diagnostics import Diagnostic, Span
from engine.diff import markdown, plain
from engine.diff.model import OutcomeRow, Outcomes, Report, Row, Section, SideInfo
from helpers import REPO

SCHEMA = json.loads((REPO / "schemas" / "diff.schema.json").read_text(encoding="utf-8"))
VERSION = "sha256:" + "0" * 64


def test_the_schema_is_draft_2020_12_pretty_printed_and_shares_the_datetime_def() -> None:
    text = (REPO / "schemas" / "diff.schema.json").read_text(encoding="utf-8")
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == "https://gongdan.dev/schemas/diff.schema.json"
    assert text == json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"
    event = json.loads((REPO / "schemas" / "event.schema.json").read_text(encoding="utf-8"))
    assert SCHEMA["$defs"]["datetime"] == event["$defs"]["datetime"]


def _nodes(node: Any, path: str = "#") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            found += _nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _nodes(value, f"{path}/{i}")
    return found


def test_every_property_is_described_and_every_object_strict() -> None:
    for path, node in _nodes(SCHEMA):
        for prop, sub in node.get("properties", {}).items():
            assert sub.get("description"), f"{path}/{prop} has no description"
        if node.get("type") == "object" and "properties" in node:
            assert node.get("additionalProperties") is False, path
    assert all(sub.get("title") and sub.get("description") for sub in SCHEMA["$defs"].values())


def _edit_and_report(repo: Repo, *edits: tuple[str, str, str]) -> tuple[int, dict[str, Any]]:
    for name, old, new in edits:
        repo.edit(name, old, new)
    code, out, _ = repo.diff("--format", "json")
    return code, json.loads(out)


@pytest.mark.parametrize("edits", [
    pytest.param((), id="no-change"),
    pytest.param((("categories.yaml", "        team: shop-order\n", "        team: shop-sre\n"),
                  ("sla_profiles.yaml", "holidays: [2026-10-01, 2026-10-02]", "holidays: [2026-10-02, 2026-12-25]"),
                  ("rosters.yaml", "handoff: \"0 9,21 * * *\"", "handoff: \"0 8,20 * * *\"")), id="changes"),
    pytest.param((("categories.yaml", "        team: shop-order\n", "        team: shop-ordr\n"),), id="broken"),
])
def test_json_output_validates_against_the_schema(repo: Repo, edits: tuple[tuple[str, str, str], ...]) -> None:
    _, report = _edit_and_report(repo, *edits)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(SCHEMA).iter_errors(report)]
    assert errors == []


def _report(rows: int, width: int = 40) -> Report:
    long = "x" * width
    outcome_rows = tuple(OutcomeRow(f"T-{i}", "deadlines", "response due", f"{long}{i}", long, "why")
                         for i in range(rows))
    section = Section("rules", "Rules", ("rule", "change"),
                      tuple(Row(f"rule-{i}", "when", long, f"{long}{i}", "rules/x.yaml:1") for i in range(rows)))
    return Report(SideInfo("main", VERSION), SideInfo("HEAD", VERSION), "2026-11-02T00:00:00+08:00", (section,),
                  Outcomes(0, rows, outcome_rows))


def test_rows_are_capped_per_section_with_a_count_of_the_rest() -> None:
    text = markdown.render(_report(5), max_rows=2)
    assert text.count("| T-") == 2 and text.count("| rule-") == 2
    assert text.count("…and 3 more") == 2
    assert plain.render(_report(5), max_rows=2).count("  …and 3 more") == 2


def test_the_comment_stays_under_githubs_limit_however_many_rows() -> None:
    text = markdown.render(_report(3000, width=200), max_rows=3000)
    assert len(text) <= 65_536
    assert text.startswith("<!-- gongdan-diff -->\n**main..HEAD: 3,000 tickets replayed, 3,000 change outcome (3,000 deadlines)**\n")
    assert text.count("…and ") == 2   # both sections cut to the same cap, the rest counted
    assert text.endswith("through main (000000000000) and HEAD (000000000000).\n")


def test_the_headline_counts_tickets_per_kind_once() -> None:
    rows = (OutcomeRow("T-1", "team", "team", "a", "b", "w"), OutcomeRow("T-1", "assignee", "assignee", "x", "y", "w"),
            OutcomeRow("T-1", "deadlines", "response due", "1", "2", "w"),
            OutcomeRow("T-1", "deadlines", "resolve due", "1", "2", "w"),
            OutcomeRow("T-2", "escalations", "notifications", "1", "2", "w"))
    report = Report(SideInfo("main", VERSION), SideInfo("HEAD", VERSION), "x", (), Outcomes(2998, 2, rows))
    assert report.headline() == ("main..HEAD: 3,000 tickets replayed, 2 change outcome "
                                 "(1 team, 1 assignee, 1 deadlines, 1 escalations)")


def test_a_side_that_does_not_load_shows_its_diagnostics_in_a_code_block() -> None:
    diag = Diagnostic(Span("conf/categories.yaml", 11, 15), "ref.unknown-team", "unknown team 'x'")
    report = Report(SideInfo("main", VERSION), SideInfo("HEAD", None, (diag,)), "x")
    assert markdown.render(report) == (
        "<!-- gongdan-diff -->\n**main..HEAD: the config of HEAD does not load**\n\nHEAD:\n\n```text\n"
        "conf/categories.yaml:11:15: error[ref.unknown-team]: unknown team 'x'\n```\n")
