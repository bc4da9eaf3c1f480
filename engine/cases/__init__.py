"""Golden decision cases (docs/testing.md): a ticket's events and `due` calls as steps, each
with an optional partial `want`; `gongdan test` runs them and `--update` writes the current
answers back into a case's `want` for review.

Owns: `model` (the case file's shape and its key tables), `load` (reading a case file into
cases, every problem a diagnostic), `want` (partial matching, `notified`/`planned` subsets),
`runner` (running a case through the one evaluator), `update` (rewriting a `want` in place).
May import: config, runtime.
"""
from __future__ import annotations

from engine.cases.load import load_cases
from engine.cases.model import Case, Step
from engine.cases.runner import Outcome, StepResult, run_case
from engine.cases.want import differences

__all__ = ["Case", "Outcome", "Step", "StepResult", "differences", "load_cases", "run_case"]
