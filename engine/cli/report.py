"""`gongdan report`: the statistics of decision files as an HTML page, Markdown or JSON; and
`--broadcast NAME --dry-run`: what a scheduled broadcast (reports.yaml) would send."""
from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from engine.cli.common import Exit, parse_option_time, warn
from engine.cli.outputs import open_output
from engine.cli.streams import Problem, out
from engine.diagnostics import render_text
from engine.report.broadcasts import REPORTS_FILE, missing, read_broadcasts
from engine.report.build import Report, make_report, stream_offset
from engine.report.decisions import DecisionFileError
from engine.report.dryrun import plan, render_plan, snapshot
from engine.report.figures import compute
from engine.report.groups import BY
from engine.report.html import render_html
from engine.report.jsonform import render_json
from engine.report.markdown import render_markdown

RENDERERS = {"html": render_html, "markdown": render_markdown, "json": render_json}
ATTACHMENT = "report.html"


@click.command(name="report")
@click.argument("decisions", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "output", default="-", metavar="FILE",
              help="where to write the report (default: stdout); a file is replaced when it is whole")
@click.option("--compare", "baseline", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="BASELINE.jsonl", help="decisions to set beside these, e.g. a daily week (repeatable)")
@click.option("--by", type=click.Choice(BY), default="team", show_default=True,
              help="what the table of groups is per")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="html", show_default=True,
              help="html: one self-contained page with charts; markdown: headline and table; json: every figure")
@click.option("--broadcast", default=None, metavar="NAME", help="a broadcast of reports.yaml (with --dry-run)")
@click.option("--dry-run", is_flag=True, help="with --broadcast: show exactly what it would send, send nothing")
@click.option("--config", "config_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="the config dir holding reports.yaml")
@click.option("--at", "at_text", default=None, metavar="DATETIME",
              help="with --broadcast: the instant it runs (default: the last decision's time)")
def report_command(decisions: tuple[Path, ...], output: str, baseline: tuple[Path, ...], by: str,
                   fmt: str, broadcast: str | None, dry_run: bool, config_dir: Path, at_text: str | None) -> None:
    """Statistics of DECISIONS (files `gongdan evaluate -o` wrote): headline, charts,
    daily against promotion, tables and the worst tickets."""
    at = parse_option_time(at_text, "--at") if at_text else None
    if broadcast is not None:
        if not dry_run:
            raise click.UsageError("--broadcast sends from `gongdan serve` only: add --dry-run to see what it "
                                   "would send")
        _dry_run(list(decisions), broadcast, config_dir, at)
        return
    if dry_run or at is not None:
        raise click.UsageError("--dry-run and --at go with --broadcast")
    with open_output(output, None) as sink:  # a bad -o is a usage error before any reading
        try:
            report = make_report(list(decisions), list(baseline), by)
        except DecisionFileError as exc:
            raise Problem(str(exc)) from None
        sink.write(RENDERERS[fmt](report).encode("utf-8"))
        sink.commit()
    if not sink.is_stdout:
        h = report.figures.headline
        out(f"report of {h.tickets} tickets written to {output}\n", nl=False)


def _dry_run(paths: list[Path], name: str, config_dir: Path, at: datetime | None) -> None:
    """Print the broadcast's plan and messages; reports.yaml's problems exit 1 with their lines."""
    found, problems = read_broadcasts(config_dir)
    if problems:
        warn(render_text(problems), nl=False)
        sys.exit(Exit.PROBLEMS)
    chosen = next((b for b in found if b.name == name), None)
    if chosen is None:
        warn(render_text([missing(name, found, str(config_dir / REPORTS_FILE))]), nl=False)
        sys.exit(Exit.PROBLEMS)
    try:
        shot = snapshot(paths, at)
    except DecisionFileError as exc:
        raise Problem(str(exc)) from None
    when = shot.at or datetime.now(UTC).replace(microsecond=0)   # no decision, no --at: now
    figures = compute(shot.records, "team", stream_offset(shot.records))
    page = render_html(Report(tuple(str(p) for p in paths), (), figures, None)).encode("utf-8")
    head, sent = plan(chosen, shot, when, ATTACHMENT)
    out(render_plan(head, sent, len(page)), nl=False)
