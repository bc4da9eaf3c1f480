"""`gongdan test`: run golden decision cases against a config dir; `--update` writes the
current answers into failing cases' `want` (docs/testing.md)."""
from __future__ import annotations

import glob
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from engine.cases import Case, Outcome, load_cases, run_case
from engine.cases.update import Edit, apply, file_edits
from engine.cases.want import show
from engine.cli.common import Exit, config_option, load_or_exit, warn
from engine.cli.inputs import refusal
from engine.cli.streams import out
from engine.diagnostics import Diagnostic, Span, render_text
from engine.runtime.engine import Engine

DEFAULT_CASES = "tests/cases/*.yaml"


@dataclass(slots=True)
class Tally:
    passed: int = 0
    failed: int = 0
    updated: int = 0

    def line(self) -> str:
        middle = f", {self.updated} updated" if self.updated else ""
        return f"{self.passed} passed{middle}, {self.failed} failed"


def _case_files(patterns: tuple[str, ...], config_dir: Path) -> list[Path]:
    if patterns:
        return [Path(p) for pattern in patterns for p in sorted(glob.glob(pattern)) or [pattern]]
    return [Path(p) for p in sorted(glob.glob(str(config_dir / DEFAULT_CASES)))]


def _cases_of(path: Path) -> tuple[list[Case], list[Diagnostic]]:
    """A file's cases; a FIFO or a device is not read (it could wait or flow for ever)."""
    why = refusal(str(path))
    if why is not None:
        return [], [Diagnostic(Span(str(path)), "io.unreadable", why)]
    return load_cases(path)


def _report(outcome: Outcome, tally: Tally, verbose: bool, update: bool = False) -> None:
    case = outcome.case
    if outcome.passed:
        tally.passed += 1
        if verbose:
            out(f"ok    {case.where.file}:{case.where.line}: {case.name}")
        return
    tally.failed += 1
    out(f"FAIL  {case.where.file}:{case.where.line}: {case.name}")
    for problem in outcome.problems:
        out(f"      {problem}")
    if outcome.errored and update:
        out("      not updated: an error came that the case does not expect (fix the case or the config)")


def _update_file(engine: Engine, path: Path, outcomes: list[Outcome], tally: Tally, verbose: bool) -> None:
    """Rewrite the file's failing wants, print each change, then judge the cases afresh."""
    text = path.read_text(encoding="utf-8")
    changes = file_edits(text, outcomes)
    try:
        if changes:
            path.write_text(apply(text, [edit for _, edits in changes for edit in edits]), encoding="utf-8")
    except OSError as exc:
        warn(f"gongdan: cannot update {path}: {exc.strerror or exc}")
        changes = []
    changed = {id(outcome.case): edits for outcome, edits in changes}
    fresh = _cases_of(path)[0] if changes else []
    for i, outcome in enumerate(outcomes):
        edits = changed.get(id(outcome.case))
        if edits is None:
            _report(outcome, tally, verbose, update=True)
            continue
        _show_update(outcome.case, edits)
        again = run_case(engine, fresh[i] if len(fresh) == len(outcomes) else outcome.case)
        if again.passed:
            tally.updated += 1
        else:
            _report(again, tally, verbose, update=True)


def _show_update(case: Case, edits: list[Edit]) -> None:
    out(f"UPDATE {case.where.file}:{case.where.line}: {case.name}")
    for edit in sorted(edits, key=lambda e: e.start):
        out(f"      {edit.label}: {show(edit.old)} -> {show(edit.new)}")


@click.command(name="test")
@click.argument("cases", nargs=-1)
@config_option
@click.option("-v", "--verbose", is_flag=True, help="list passing cases too")
@click.option("-u", "--update", is_flag=True,
              help="write the current answers into failing cases' want (and fill `want: {}`), printing each change")
def test_command(cases: tuple[str, ...], config_dir: Path, verbose: bool, update: bool) -> None:
    """Run golden cases (default: CONFIG/tests/cases/*.yaml): events and due calls -> wanted decisions."""
    engine = load_or_exit(config_dir)
    files = _case_files(cases, config_dir)
    if not files:
        warn(f"gongdan: no case files (looked for {config_dir / DEFAULT_CASES})")
        sys.exit(Exit.PROBLEMS)
    tally = Tally()
    for path in files:
        loaded, problems = _cases_of(path)
        if problems:
            out(render_text(problems), nl=False)
            tally.failed += len(problems)
        outcomes = [run_case(engine, case) for case in loaded]
        if update and loaded:
            _update_file(engine, path, outcomes, tally, verbose)
        else:
            for outcome in outcomes:
                _report(outcome, tally, verbose)
    out(tally.line())
    sys.exit(Exit.PROBLEMS if tally.failed else Exit.OK)
