"""Notification templates: overrides added, removed or edited (lines added and removed,
pointing at the first changed line), and the locale and ticket link they render with."""
from __future__ import annotations

import difflib

from engine.config.model import TemplateSource
from engine.diff.model import Row, Section
from engine.diff.sides import Side


def template_section(a: Side, b: Side) -> Section:
    ta = {t.name: t for t in a.config.templates}
    tb = {t.name: t for t in b.config.templates}
    rows = [Row(name, "template", None, _size(tb[name]), b.locate.path(f"{name}:1")) for name in sorted(tb)
            if name not in ta]
    rows += [Row(name, "template", _size(ta[name]), None, a.locate.path(name)) for name in sorted(ta)
             if name not in tb]
    rows += [_edited(ta[name], tb[name], b) for name in sorted(ta.keys() & tb.keys())
             if ta[name].text != tb[name].text]
    na, nb = a.config.notifications, b.config.notifications
    for name, x, y in (("locale", na.locale, nb.locale), ("ticket_url", na.ticket_url, nb.ticket_url)):
        if x != y:
            rows.append(Row("notifications", name, x, y, b.locate.at(nb.loc)))
    return Section("templates", "Templates", ("template", "change"), tuple(sorted(rows, key=_order)))


def _order(row: Row) -> tuple[bool, str]:
    return row.subject == "notifications", row.subject


def _size(t: TemplateSource) -> str:
    n = len(t.text.splitlines())
    return f"{n} line{'s' * (n != 1)}"


def _edited(x: TemplateSource, y: TemplateSource, b: Side) -> Row:
    old, new = x.text.splitlines(), y.text.splitlines()
    changed: list[str] = []
    added = removed = 0
    first: int | None = None
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        removed += i2 - i1
        added += j2 - j1
        first = min(first, j1 + 1) if first is not None else j1 + 1
        changed += [f"−{line}" for line in old[i1:i2]] + [f"+{line}" for line in new[j1:j2]]
    line = min(first or 1, max(len(new), 1))
    return Row(y.name, "template", _size(x), f"{_size(y)} (+{added} −{removed})", b.locate.path(f"{y.name}:{line}"),
               _excerpt(changed))


def _excerpt(lines: list[str], limit: int = 4, width: int = 120) -> str | None:
    """The first changed lines, each cut to `width`: what a reviewer reads first."""
    shown = [line if len(line) <= width else line[:width - 1] + "…" for line in lines[:limit]]
    more = f" (+{len(lines) - limit} more lines)" if len(lines) > limit else ""
    return " / ".join(shown) + more if shown else None
