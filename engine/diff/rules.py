"""Rules by meaning: added, removed, changed (`when`, effects, `stop`, description) and
moved in the order they are tried, each with the categories whose outcome it changes."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.config.model import RuleDef
from engine.diff.model import Row, Section
from engine.diff.sides import Side
from engine.diff.words import canonical, listed, matcher


def rule_section(a: Side, b: Side, impact: Mapping[str, Sequence[str]]) -> Section:
    """`impact`: rule id -> the categories of the replayed tickets whose grading or routing
    changed and whose trace names the rule, on either side."""
    ra = {r.id: r for r in a.config.rules}
    rb = {r.id: r for r in b.config.rules}
    rows = [Row(rid, "added", None, _effects(rb[rid]), b.locate.at(rb[rid].loc)) for rid in rb if rid not in ra]
    rows += [Row(rid, "removed", _effects(ra[rid]), None, a.locate.at(ra[rid].loc)) for rid in ra if rid not in rb]
    for rid in rb:
        if rid in ra:
            rows += _changed(ra[rid], rb[rid], b)
    rows += _moved(a.config.rules, b.config.rules, b)
    noted = [_with_impact(row, impact) for row in rows]
    return Section("rules", "Rules", ("rule", "change"), tuple(noted))


def _effects(rule: RuleDef) -> str:
    effects = [f"severity {rule.severity}"] if rule.severity else []
    effects += [f"team {rule.team}"] if rule.team else []
    effects += ["tags +" + ",".join(rule.tags)] if rule.tags else []
    effects += ["stop"] if rule.stop else []
    return f"when {matcher(rule.when)}" + (" → " + ", ".join(effects) if effects else "")


def _changed(x: RuleDef, y: RuleDef, b: Side) -> list[Row]:
    fields = (("when", matcher(x.when), matcher(y.when), canonical(x.when) != canonical(y.when)),
              ("severity", x.severity, y.severity, x.severity != y.severity),
              ("team", x.team, y.team, x.team != y.team),
              ("tags", ", ".join(x.tags) or None, ", ".join(y.tags) or None, x.tags != y.tags),
              ("stop", str(x.stop).lower(), str(y.stop).lower(), x.stop != y.stop),
              ("description", x.description, y.description, x.description != y.description))
    where = b.locate.at(y.loc)
    return [Row(y.id, name, before, after, where) for name, before, after, differs in fields if differs]


def moved_rules(before: Sequence[RuleDef], after: Sequence[RuleDef]) -> list[str]:
    """The rules present on both sides whose place in the order changed: those outside a
    longest common subsequence of the two orders (the fewest moves that explain it)."""
    ids_b = {r.id for r in after}
    ids_a = {r.id for r in before}
    xs = [r.id for r in before if r.id in ids_b]
    ys = [r.id for r in after if r.id in ids_a]
    kept = set(_lcs(xs, ys))
    return [rid for rid in ys if rid not in kept]


def _lcs(xs: list[str], ys: list[str]) -> list[str]:
    """A longest common subsequence (quadratic; rule lists are short)."""
    if xs == ys:
        return xs
    table = [[0] * (len(ys) + 1) for _ in range(len(xs) + 1)]
    for i in range(len(xs) - 1, -1, -1):
        for j in range(len(ys) - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if xs[i] == ys[j] else max(table[i + 1][j], table[i][j + 1])
    out, i, j = [], 0, 0
    while i < len(xs) and j < len(ys):
        if xs[i] == ys[j]:
            out.append(xs[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def crossed(before: Sequence[RuleDef], after: Sequence[RuleDef]) -> list[tuple[str, str]]:
    """Pairs of rules (on both sides) tried in the opposite order in HEAD: where an
    interaction (a `stop`, a first team, a woken rule) can change an outcome."""
    pos_a = {r.id: i for i, r in enumerate(before)}
    common = [r.id for r in after if r.id in pos_a]
    moved = set(moved_rules(before, after))
    return [(x, y) for i, x in enumerate(common) for y in common[i + 1:]
            if (x in moved or y in moved) and pos_a[x] > pos_a[y]]


def _moved(before: Sequence[RuleDef], after: Sequence[RuleDef], b: Side) -> list[Row]:
    pos_a = {r.id: i for i, r in enumerate(before)}
    pos_b = {r.id: i for i, r in enumerate(after)}
    rows = []
    for rid in moved_rules(before, after):
        x, y = before[pos_a[rid]], after[pos_b[rid]]
        rows.append(Row(rid, "moved", f"#{pos_a[rid] + 1} ({x.loc[0]})", f"#{pos_b[rid] + 1} ({y.loc[0]})",
                        b.locate.at(y.loc)))
    return rows


def _with_impact(row: Row, impact: Mapping[str, Sequence[str]]) -> Row:
    touched = impact.get(row.subject)
    if not touched:
        return row
    note = "outcome changes for " + listed(sorted(touched))
    return Row(row.subject, row.field, row.before, row.after, row.where, note)
