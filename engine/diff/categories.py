"""Categories by meaning: added, removed, moved to another team or default level (as
inherited, so a parent's move is one row that counts the children following it), renamed,
and their routes added, removed, changed or reordered."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from engine.config.model import CategoryDef, RouteDef
from engine.diff.model import Row, Section
from engine.diff.sides import Side
from engine.diff.words import canonical, matcher
from engine.routing.tables import CompiledCategory

Change = tuple[str, str, str]   # (field, before, after)


def category_section(a: Side, b: Side) -> Section:
    ca, cb = a.engine.compiled.categories, b.engine.compiled.categories
    rows = [*_default_rows(a, b), *_membership_rows(a, b, ca, cb)]
    rows += _moves(a, b, ca, cb)
    rows += _route_rows(a, b)
    rows.sort(key=lambda r: (r.subject, r.field))
    return Section("categories", "Categories", ("category", "change"), tuple(rows))


def _label(c: CompiledCategory) -> str:
    return f"team {c.team}, {c.severity}"


def _default_rows(a: Side, b: Side) -> list[Row]:
    x, y = a.engine.compiled.router.default, b.engine.compiled.router.default
    where = b.locate.path(y.where)
    return [Row("(default)", name, before, after, where) for name, before, after in
            (("team", x.team, y.team), ("severity", x.severity, y.severity)) if before != after]


def _membership_rows(a: Side, b: Side, ca: Mapping[str, CompiledCategory],
                     cb: Mapping[str, CompiledCategory]) -> list[Row]:
    rows = [Row(cid, "added", None, _label(cb[cid]), b.locate.path(cb[cid].where))
            for cid in cb.keys() - ca.keys()]
    rows += [Row(cid, "removed", _label(ca[cid]), None, a.locate.path(ca[cid].where))
             for cid in ca.keys() - cb.keys()]
    return rows


def _changes(x: CompiledCategory, y: CompiledCategory) -> list[Change]:
    found = [(name, before, after) for name, before, after in
             (("team", x.team, y.team), ("severity", x.severity, y.severity), ("name", x.name, y.name))
             if before != after]
    return found


def _moves(a: Side, b: Side, ca: Mapping[str, CompiledCategory],
           cb: Mapping[str, CompiledCategory]) -> list[Row]:
    """One row per category whose team, level or name changed, unless it only follows its
    parent's identical change by inheritance: those are counted on the parent's row."""
    parents = {c.id: c.parent for c in b.config.categories}
    changes = {cid: _changes(ca[cid], cb[cid]) for cid in sorted(ca.keys() & cb.keys())}
    followers: Counter[tuple[str, Change]] = Counter()
    shown: dict[tuple[str, Change], str] = {}   # (category, change) -> the row it counts on
    for cid, found in changes.items():
        parent = parents.get(cid)
        for change in found:
            head = shown.get((parent, change)) if parent and _inherits(ca, cb, cid, parent, change[0]) else None
            shown[(cid, change)] = head or cid
            if head:
                followers[(head, change)] += 1
    rows = []
    for (cid, change), head in shown.items():
        if head == cid:
            n = followers[(cid, change)]
            note = f"and {n} categor{'y' if n == 1 else 'ies'} inheriting it" if n else None
            rows.append(Row(cid, change[0], change[1], change[2], b.locate.path(cb[cid].where), note))
    return rows


def _inherits(ca: Mapping[str, CompiledCategory], cb: Mapping[str, CompiledCategory], cid: str,
              parent: str, field: str) -> bool:
    """Whether `cid` takes `field` from `parent` on both sides."""
    if field == "name" or parent not in ca or parent not in cb:
        return False
    attr = "team_from" if field == "team" else "severity_from"
    return all(getattr(side[cid], attr) == getattr(side[parent], attr) for side in (ca, cb))


def _route_text(route: RouteDef) -> str:
    return f"{matcher(route.when)} → {route.team}"


def _route_rows(a: Side, b: Side) -> list[Row]:
    da = {c.id: c for c in a.config.categories}
    rows = []
    for cat in b.config.categories:
        before = da.get(cat.id)
        if before is not None:
            rows += _routes_of(a, b, before, cat)
    return rows


def _routes_of(a: Side, b: Side, x: CategoryDef, y: CategoryDef) -> list[Row]:
    rx, ry = {r.id: r for r in x.routes}, {r.id: r for r in y.routes}
    rows = []
    for rid in [*rx, *(r for r in ry if r not in rx)]:
        before, after = rx.get(rid), ry.get(rid)
        if after is None:
            assert before is not None
            rows.append(Row(x.id, f"route {rid}", _route_text(before), None, a.locate.at(before.loc)))
        elif before is None or canonical([before.when, before.team]) != canonical([after.when, after.team]):
            rows.append(Row(y.id, f"route {rid}", _route_text(before) if before else None,
                            _route_text(after), b.locate.at(after.loc)))
    common_a = [r for r in rx if r in ry]
    common_b = [r for r in ry if r in rx]
    if common_a != common_b:
        rows.append(Row(y.id, "route order", ", ".join(common_a), ", ".join(common_b), b.locate.at(y.loc)))
    return rows
