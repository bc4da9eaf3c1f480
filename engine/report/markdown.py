"""The report's headline, comparison and per-group table as Markdown, for a chat message or
a pull-request comment."""
from __future__ import annotations

from collections.abc import Sequence

from engine.report.build import Report
from engine.report.groups import GroupRow
from engine.report.text import comparison_rows, duration, headline_items, pct


def cell(text: str) -> str:
    """Table-cell text: a pipe or a line break would end the cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    """Headline, the comparison when there is one, and the groups worst first."""
    lines = ["## Gongdan report", "", f"Decisions from {', '.join(report.sources)}"
             + (f", compared with {', '.join(report.baseline_sources)}" if report.baseline_sources else "") + ".",
             "", "| figure | value |", "|---|---|"]
    lines += [f"| {cell(label)} | {cell(value)} |" for label, value in headline_items(report.figures.headline)]
    c = report.comparison
    if c is not None:
        lines += ["", f"### {cell(c.current.label)} against {cell(c.baseline.label)}", "",
                  f"| figure | {cell(c.baseline.label)} | {cell(c.current.label)} | change |", "|---|---:|---:|---|"]
        lines += [f"| {a} | {b} | {n} | {r} |" for a, b, n, r in comparison_rows(c)]
    lines += ["", *group_table(report.figures.by, report.figures.groups)]
    return "\n".join(lines) + "\n"


def group_table(by: str, rows: Sequence[GroupRow]) -> list[str]:
    """A Markdown table of groups, worst first."""
    out = [f"### per {by}, worst first", "",
           f"| {by} | tickets | response | resolve | ≤30m | resolve median | resolve p90 | escalations |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {cell(r.key)} | {r.tickets} | {pct(r.response_attainment)} | {pct(r.resolve_attainment)} | "
            f"{pct(r.share_in_30m)} | {duration(r.resolve_median_s)} | {duration(r.resolve_p90_s)} | "
            f"{r.escalations} |" for r in rows]
    return out
