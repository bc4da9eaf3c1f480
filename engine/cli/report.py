"""`gongdan report`: the statistics of decision files as an HTML page, Markdown or JSON."""
from __future__ import annotations

from pathlib import Path

import click

from engine.cli.outputs import open_output
from engine.cli.streams import Problem, out
from engine.report.build import make_report
from engine.report.decisions import DecisionFileError
from engine.report.groups import BY
from engine.report.html import render_html
from engine.report.jsonform import render_json
from engine.report.markdown import render_markdown

RENDERERS = {"html": render_html, "markdown": render_markdown, "json": render_json}


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
def report_command(decisions: tuple[Path, ...], output: str, baseline: tuple[Path, ...], by: str,
                   fmt: str) -> None:
    """Statistics of DECISIONS (files `gongdan evaluate -o` wrote): headline, charts,
    daily against promotion, tables and the worst tickets."""
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
