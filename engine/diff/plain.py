"""The report as plain text for a terminal: the headline, then each kind of change with
one line per row, capped per section."""
from __future__ import annotations

from collections.abc import Sequence

from engine.diff.markdown import OUTCOME_TITLES, tickets
from engine.diff.model import OUTCOME_KINDS, Report
from engine.diff.words import or_none


def render(report: Report, max_rows: int = 50) -> str:
    lines = [report.headline()]
    if not report.loaded:
        for side in (report.base, report.head):
            if not side.loaded:
                lines += ["", f"{side.label}:", *(f"  {d.render()}" for d in side.diagnostics)]
        return "\n".join(lines) + "\n"
    assert report.outcomes is not None
    counts = report.outcomes.by_kind()
    for kind in OUTCOME_KINDS:
        rows = report.outcomes.grouped(kind)
        shown = [f"{tickets(t)} · {r.field}: {_change(r.before, r.after)}  [{r.why}]" for t, r in rows]
        lines += _block(f"{OUTCOME_TITLES[kind]} ({counts.get(kind, 0)} tickets)", shown, max_rows)
    for section in report.sections:
        shown = [f"{r.subject} · {r.field}: {_change(r.before, r.after)}" + (f"  ({r.where})" if r.where else "")
                 + (f"  {r.note}" if r.note else "") for r in section.rows]
        lines += _block(f"{section.title} ({len(section.rows)})", shown, max_rows)
    return "\n".join(lines) + "\n"


def _change(before: str | None, after: str | None) -> str:
    return f"{or_none(before, '—')} → {or_none(after, '—')}"


def _block(title: str, rows: Sequence[str], max_rows: int) -> list[str]:
    if not rows:
        return []
    more = [f"  …and {len(rows) - max_rows:,} more"] if len(rows) > max_rows else []
    return ["", title, *(f"  {row}" for row in rows[:max_rows]), *more]
