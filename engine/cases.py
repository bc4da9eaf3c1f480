"""Golden decision cases (docs/cli.md): `event` (+ `mode`) -> `want`, a subset of the decision;
`given` events of the same ticket come first, and `due` calls `due()` after the event.

`gongdan test` and the project's own pytest suite both run cases through `run_case`, so the
feature tests itself. Times in `want` compare as instants, whatever their offset.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.config.source import SourceDocument, load_yaml
from engine.diagnostics import Diagnostic, Span
from engine.errors import EventError
from engine.runtime.engine import Engine


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    where: Span
    event: Any
    mode: str | None
    want: Any
    error: str | None
    given: tuple[Any, ...] = ()     # earlier events of the ticket, applied in order
    due: Any = None                 # then `due(state, due)`: `want` is that decision


@dataclass(slots=True)
class Outcome:
    case: Case
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def load_cases(path: Path, name: str | None = None) -> tuple[list[Case], list[Diagnostic]]:
    """The cases of one file, or diagnostics saying why it cannot be read."""
    doc, diags = load_yaml(path, name or str(path))
    if doc is None:
        return [], diags
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("cases"), list):
        return [], [Diagnostic(doc.span(()), "case.shape", "a case file is a mapping with a `cases:` list")]
    cases, problems = [], []
    for i, item in enumerate(doc.data["cases"]):
        case, problem = _case(doc, i, item)
        if case is not None:
            cases.append(case)
        if problem is not None:
            problems.append(problem)
    return cases, problems


def _case(doc: SourceDocument, i: int, item: Any) -> tuple[Case | None, Diagnostic | None]:
    span = doc.span(("cases", i))
    if not isinstance(item, dict) or "event" not in item or ("want" not in item and "error" not in item):
        return None, Diagnostic(span, "case.shape", "a case needs `name`, `event` and `want` (or `error`)")
    unknown = sorted(set(item) - {"name", "event", "mode", "want", "error", "given", "due"})
    if unknown:
        return None, Diagnostic(doc.span(("cases", i, unknown[0]), key=True), "case.unknown-key",
                                f"unknown key {unknown[0]!r} in a case")
    given = item.get("given") or []
    if not isinstance(given, list):
        return None, Diagnostic(doc.span(("cases", i, "given")), "case.shape", "`given` is a list of events")
    return Case(str(item.get("name", f"case {i + 1}")), span, item["event"], item.get("mode"),
                item.get("want"), item.get("error"), tuple(given), item.get("due")), None


def run_case(engine: Engine, case: Case) -> Outcome:
    """Evaluate one case; the outcome lists each difference from `want`."""
    outcome = Outcome(case)
    state = None
    for i, earlier in enumerate(case.given):
        try:
            state = engine.evaluate(earlier, state, mode=case.mode).state
        except EventError as exc:
            outcome.problems.append(f"given[{i}]: event error: {exc}")
            return outcome
    try:
        decided = engine.evaluate(case.event, state, mode=case.mode)
        if case.due is not None:
            decided = engine.due(decided.state, case.due)
        decision = decided.to_dict()
    except EventError as exc:
        if case.error is None:
            outcome.problems.append(f"event error: {exc}")
        elif str(exc) != case.error:
            outcome.problems.append(f"error: want {case.error!r}, got {str(exc)!r}")
        return outcome
    if case.error is not None:
        outcome.problems.append(f"error: want {case.error!r}, got a decision")
        return outcome
    outcome.problems.extend(differences(case.want, decision))
    return outcome


def differences(want: Any, got: Any, path: str = "") -> Iterator[str]:
    """Where `got` does not contain `want`: mappings by subset, lists element by element."""
    where = path or "decision"
    if isinstance(want, dict):
        if not isinstance(got, dict):
            yield f"{where}: want a mapping, got {_show(got)}"
            return
        for key, value in want.items():
            sub = f"{path}.{key}" if path else str(key)
            if key not in got:
                yield f"{sub}: want {_show(value)}, missing from the decision"
            else:
                yield from differences(value, got[key], sub)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            yield f"{where}: want {_show(want)}, got {_show(got)}"
            return
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            yield from differences(w, g, f"{path}[{i}]")
    elif not _same(want, got):
        yield f"{where}: want {_show(want)}, got {_show(got)}"


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, str) and isinstance(got, str) and want != got:
        a, b = _instant(want), _instant(got)
        return a is not None and a == b
    return bool(want == got and type(want) is type(got))


def _instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _show(value: Any) -> str:
    import json
    return json.dumps(value, ensure_ascii=False)
