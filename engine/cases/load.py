"""Reading a case file into cases: the strict YAML loader, then every key and shape checked
with a diagnostic at its line (an unknown key lists the valid ones), so a misspelt `want`
key is an error rather than a check that never runs."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.cases.keys import check_want, unknown_keys
from engine.cases.model import CASE_KEYS, FILE_KEYS, STEP_KEYS, Case, Step
from engine.config.source import DataPath, SourceDocument, load_yaml
from engine.diagnostics import Diagnostic, sort_diagnostics

_SHORT_FORM = ("given", "event", "due", "want", "error")


def load_cases(path: Path, name: str | None = None) -> tuple[list[Case], list[Diagnostic]]:
    """The cases of one file, and diagnostics for the file or the cases that cannot be run."""
    doc, diags = load_yaml(path, name or str(path))
    if doc is None:
        return [], diags
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("cases"), list):
        return [], [Diagnostic(doc.span(()), "case.shape", "a case file is a mapping with a `cases:` list")]
    problems = unknown_keys(doc, (), FILE_KEYS, "a case file")
    cases = []
    for i, item in enumerate(doc.data["cases"]):
        case, found = _case(doc, i, item)
        problems += found
        if case is not None:
            cases.append(case)
    return cases, sort_diagnostics(problems)


def _case(doc: SourceDocument, i: int, item: Any) -> tuple[Case | None, list[Diagnostic]]:
    path: DataPath = ("cases", i)
    if not isinstance(item, dict):
        return None, [_shape(doc, path, "a case is a mapping with `name` and `steps` (or `event` and `want`)")]
    problems = unknown_keys(doc, path, CASE_KEYS, "a case")
    if problems:
        return None, problems
    if "steps" in item:
        steps, problems = _steps(doc, path, item)
    else:
        steps, problems = _short_form(doc, path, item)
    if not problems and not any(step.checks for step in steps):
        problems = [_shape(doc, path, "a case checks nothing: give a step a `want` or an `error`")]
    if problems:
        return None, problems
    name = str(item.get("name", f"case {i + 1}"))
    mode = item.get("mode")
    return Case(name, doc.span(path), tuple(steps), None if mode is None else str(mode)), []


def _short_form(doc: SourceDocument, path: DataPath, item: dict[str, Any]) -> tuple[list[Step], list[Diagnostic]]:
    """`given` + `event` (+ `due`) + `want`/`error`: the one-event form, as steps."""
    if "event" not in item or ("want" not in item and "error" not in item):
        return [], [_shape(doc, path, "a case needs `steps`, or `event` and `want` (or `error`)")]
    given = item.get("given") or []
    if not isinstance(given, list):
        return [], [_shape(doc, path + ("given",), "`given` is a list of events")]
    steps = [Step(doc.span(path + ("given", j)), path + ("given", j), event=e) for j, e in enumerate(given)]
    problems = check_want(doc, path + ("want",), item.get("want"))
    due = item.get("due")
    if due is None:
        steps.append(Step(doc.span(path + ("event",)), path, item["event"], None, item.get("want"), item.get("error")))
    else:
        steps.append(Step(doc.span(path + ("event",)), path, item["event"], error=item.get("error")))
        steps.append(Step(doc.span(path + ("due",)), path, due=str(due), want=item.get("want")))
    return steps, problems


def _steps(doc: SourceDocument, path: DataPath, item: dict[str, Any]) -> tuple[list[Step], list[Diagnostic]]:
    mixed = [key for key in _SHORT_FORM if key in item]
    if mixed:
        return [], [_shape(doc, path + (mixed[0],), f"`steps` and `{mixed[0]}` do not go together: "
                           "write every event and `due` call as a step")]
    raw = item["steps"]
    if not isinstance(raw, list) or not raw:
        return [], [_shape(doc, path + ("steps",), "`steps` is a list of steps, each an `event` or a `due`")]
    steps: list[Step] = []
    problems: list[Diagnostic] = []
    for j, entry in enumerate(raw):
        step, found = _step(doc, path + ("steps", j), entry)
        problems += found
        if step is not None:
            steps.append(step)
    return steps, problems


def _step(doc: SourceDocument, path: DataPath, entry: Any) -> tuple[Step | None, list[Diagnostic]]:
    if not isinstance(entry, dict):
        return None, [_shape(doc, path, "a step is a mapping with `event` or `due`")]
    problems = unknown_keys(doc, path, STEP_KEYS, "a step")
    if problems:
        return None, problems
    if ("event" in entry) == ("due" in entry):
        return None, [_shape(doc, path, "a step has either `event` or `due` (one call of the engine)")]
    if "due" in entry and "error" in entry:
        return None, [_shape(doc, path + ("error",), "`error` goes with an `event` step; `due` raises none")]
    if "want" in entry and "error" in entry:
        return None, [_shape(doc, path + ("error",), "a step has `want` or `error`, not both")]
    problems = check_want(doc, path + ("want",), entry.get("want"))
    due = entry.get("due")
    step = Step(doc.span(path), path, entry.get("event"), None if due is None else str(due),
                entry.get("want"), entry.get("error"))
    return step, problems


def _shape(doc: SourceDocument, path: DataPath, message: str) -> Diagnostic:
    return Diagnostic(doc.span(path), "case.shape", message)
