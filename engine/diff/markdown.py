"""The report as a pull-request comment: a hidden marker (to find and update one sticky
comment), the headline, then a collapsible section per kind of change, rows capped per
section, the whole under GitHub's comment limit; one line when nothing changes."""
from __future__ import annotations

from collections.abc import Sequence

from engine.diff.model import OUTCOME_KINDS, Report, Section
from engine.diff.words import listed, or_none

MARKER = "<!-- gongdan-diff -->"
LIMIT = 65_536 - 536          # GitHub refuses comments over 65,536 characters; keep a margin
MAX_DIAGNOSTICS = 50
OUTCOME_TITLES = {"team": "Team", "assignee": "Assignee", "severity": "Severity", "tags": "Tags",
                  "deadlines": "Deadlines", "escalations": "Escalations", "refused": "Refused events"}


def render(report: Report, max_rows: int = 50) -> str:
    """The comment, with at most `max_rows` rows per section, fewer if that is too long."""
    if report.loaded and not report.changed:
        return f"{MARKER} {report.headline()}\n"
    rows = max_rows
    while True:
        text = _render(report, rows)
        if len(text) <= LIMIT or rows == 0:
            return text if len(text) <= LIMIT else text[:LIMIT - 40].rsplit("\n", 1)[0] + "\n\n…(cut)\n"
        rows //= 2


def _render(report: Report, max_rows: int) -> str:
    parts = [MARKER, f"**{_cell(report.headline())}**", ""]
    if not report.loaded:
        parts += _diagnostics(report)
    else:
        parts += _outcomes(report, max_rows)
        parts += [_section(s, max_rows) for s in report.sections if s.rows]
        parts.append(_footer(report))
    return "\n".join(parts).rstrip("\n") + "\n"


def _cell(text: str | None) -> str:
    """Table-safe: no cell break, no HTML, no emphasis from a cron's `*` or a backtick."""
    text = or_none(text, "—").replace("\n", " ").replace("<", "&lt;")
    return text.translate(_ESCAPES)


_ESCAPES = str.maketrans({"|": "\\|", "*": "\\*", "`": "\\`"})


def _table(header: Sequence[str], rows: Sequence[Sequence[str | None]], total: int, max_rows: int) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows[:max_rows]]
    if total > max_rows:
        lines += ["", f"…and {total - max_rows:,} more"]
    return "\n".join(lines)


def tickets(names: Sequence[str]) -> str:
    """The tickets a row stands for: `a, b, c (+20 more)`."""
    return listed(list(names), 3)


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>\n"


def _outcomes(report: Report, max_rows: int) -> list[str]:
    assert report.outcomes is not None
    out = []
    counts = report.outcomes.by_kind()
    for kind in OUTCOME_KINDS:
        rows = report.outcomes.grouped(kind)
        if not rows:
            continue
        n = counts[kind]
        table = _table(("ticket", "field", "before", "after", "why"),
                       [(tickets(t), r.field, r.before, r.after, r.why) for t, r in rows], len(rows), max_rows)
        out.append(_details(f"<b>{OUTCOME_TITLES[kind]}</b>: {n:,} ticket{'s' * (n != 1)}", table))
    return out


def _section(section: Section, max_rows: int) -> str:
    noted = any(r.note for r in section.rows)
    header = [*section.columns, "before", "after", "where"] + (["note"] if noted else [])
    rows = [(r.subject, r.field, r.before, r.after, r.where) + ((r.note,) if noted else ())
            for r in section.rows]
    n = len(section.rows)
    return _details(f"<b>{section.title}</b>: {n:,} change{'s' * (n != 1)}",
                    _table(header, rows, n, max_rows))


def _footer(report: Report) -> str:
    assert report.outcomes is not None
    out = report.outcomes
    text = (f"Replayed {out.probes:,} probe tickets and {out.event_tickets:,} from event files through "
            f"{report.base.label} ({_short(report.base.config_version)}) and "
            f"{report.head.label} ({_short(report.head.config_version)}).")
    if out.unexercised:
        body = "\n".join(f"- {_cell(item)}" for item in out.unexercised[:50])
        more = len(out.unexercised) - 50
        body += f"\n- …and {more:,} more" if more > 0 else ""
        text += "\n\n" + _details(f"Probes that did not reach their rule or route: {len(out.unexercised):,}", body)
    return text


def _short(version: str | None) -> str:
    return (version or "?").removeprefix("sha256:")[:12]


def _diagnostics(report: Report) -> list[str]:
    out = []
    for side in (report.base, report.head):
        if side.loaded:
            continue
        lines = [d.render() for d in side.diagnostics[:MAX_DIAGNOSTICS]]
        more = len(side.diagnostics) - MAX_DIAGNOSTICS
        lines += [f"…and {more:,} more"] if more > 0 else []
        out += [f"{side.label}:", "", "```text", *lines, "```", ""]
    return out
