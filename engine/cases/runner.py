"""Running a case through the one evaluator: each step calls `Engine.evaluate` or
`Engine.due` on the state the previous step left, then compares its `want` (or `error`).

`gongdan test` and the project's own pytest suite both run cases through `run_case`, so the
feature tests itself. Times in `want` compare as instants, whatever their offset.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.cases.model import Case, Step
from engine.cases.want import differences
from engine.errors import EventError
from engine.runtime.engine import Engine


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one step gave: the decision JSON, or the text of the error the engine raised."""

    step: Step
    decision: dict[str, Any] | None
    raised: str | None


@dataclass(slots=True)
class Outcome:
    case: Case
    problems: list[str] = field(default_factory=list)
    results: list[StepResult] = field(default_factory=list)
    errored: bool = False     # an error came that was not wanted, or a wanted one did not (or differed)

    @property
    def passed(self) -> bool:
        return not self.problems


def run_case(engine: Engine, case: Case) -> Outcome:
    """Evaluate one case step by step; the outcome lists each difference from a `want`."""
    outcome = Outcome(case)
    state: Any = None
    for step in case.steps:
        result = _call(engine, case, step, state)
        outcome.results.append(result)
        if result.decision is not None:
            state = result.decision["state"]
        if not _compare(outcome, step, result):
            break
    return outcome


def _call(engine: Engine, case: Case, step: Step, state: Any) -> StepResult:
    try:
        if step.due is not None:
            decided = engine.due(state, step.due)
        else:
            decided = engine.evaluate(step.event, state, mode=case.mode)
    except EventError as exc:
        return StepResult(step, None, str(exc))
    return StepResult(step, decided.to_dict(), None)


def _compare(outcome: Outcome, step: Step, result: StepResult) -> bool:
    """Record the step's problems; False when the case cannot go on (an unexpected error)."""
    where = prefix(step)
    if result.raised is not None:
        if step.error is None:
            call = "event" if step.due is None else "due"
            outcome.problems.append(f"{where}{call} error: {result.raised}")
            outcome.errored = True
            return False
        if result.raised != step.error:
            outcome.problems.append(f"{where}error: want {step.error!r}, got {result.raised!r}")
            outcome.errored = True
        return True
    if step.error is not None:
        outcome.problems.append(f"{where}error: want {step.error!r}, got a decision")
        outcome.errored = True
    elif step.want is not None:
        assert result.decision is not None
        outcome.problems.extend(where + problem for problem in differences(step.want, result.decision))
    return True


def prefix(step: Step) -> str:
    """How a step is named in a report: `steps[N]: `, `given[N]: `, or nothing (short form)."""
    if len(step.path) >= 2 and step.path[-2] in ("steps", "given"):
        return f"{step.path[-2]}[{step.path[-1]}]: "
    return ""
