"""`gongdan test`: run golden decision cases against a config dir."""
from __future__ import annotations

import glob
import sys
from pathlib import Path

import click

from engine.cases import Case, load_cases, run_case
from engine.cli.common import Exit, config_option, load_or_exit, warn
from engine.cli.inputs import refusal
from engine.cli.streams import out
from engine.diagnostics import Diagnostic, Span, render_text

DEFAULT_CASES = "tests/cases/*.yaml"


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


@click.command(name="test")
@click.argument("cases", nargs=-1)
@config_option
@click.option("-v", "--verbose", is_flag=True, help="list passing cases too")
def test_command(cases: tuple[str, ...], config_dir: Path, verbose: bool) -> None:
    """Run golden cases (default: CONFIG/tests/cases/*.yaml): event -> wanted decision."""
    engine = load_or_exit(config_dir)
    files = _case_files(cases, config_dir)
    if not files:
        warn(f"gongdan: no case files (looked for {config_dir / DEFAULT_CASES})")
        sys.exit(Exit.PROBLEMS)
    passed = failed = 0
    for path in files:
        loaded, problems = _cases_of(path)
        if problems:
            out(render_text(problems), nl=False)
            failed += len(problems)
        for case in loaded:
            outcome = run_case(engine, case)
            if outcome.passed:
                passed += 1
                if verbose:
                    out(f"ok    {case.where.file}:{case.where.line}: {case.name}")
                continue
            failed += 1
            out(f"FAIL  {case.where.file}:{case.where.line}: {case.name}")
            for problem in outcome.problems:
                out(f"      {problem}")
    out(f"{passed} passed, {failed} failed")
    sys.exit(Exit.PROBLEMS if failed else Exit.OK)
