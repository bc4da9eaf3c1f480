"""The pull-request comment for one realistic change on the reference config, compared
with tests/diff/golden/ byte for byte: Double 11's window runs four hours longer, with the
example Double 11 stream replayed besides the probes.

To regenerate after an intended change of the output (then read the diff of the .md):

    GONGDAN_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/diff/test_golden.py
"""
from __future__ import annotations

import os
from pathlib import Path

from diff.repos import Repo
from helpers import REPO

GOLDEN = Path(__file__).parent / "golden"
EVENTS = REPO / "examples" / "double11-events.jsonl"


def test_double11_window_extended(reference: Repo) -> None:
    reference.branch("double11-until-6")
    reference.edit("sla_profiles.yaml", "end: 2026-11-12T02:00:00+08:00}", "end: 2026-11-12T06:00:00+08:00}")
    reference.commit("Double 11: keep the promotion rosters and targets until 06:00")
    code, out, err = reference.diff("main", "HEAD", "--events", str(EVENTS), "--max-rows", "20")
    assert (code, err) == (0, "")
    golden = GOLDEN / "double11-window-extended.md"
    if os.environ.get("GONGDAN_REGENERATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
