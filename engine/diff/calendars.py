"""Working calendars (timezone, the week, holidays and make-up working days, one row per
date that changed) and the modes: the default, `on_switch`, and each window's span."""
from __future__ import annotations

from engine.config.model import ModeWindow
from engine.config.values import parse_datetime
from engine.diff.model import Row, Section
from engine.diff.sides import Side
from engine.diff.words import windows
from engine.timecalc.calendar import CalendarSpec

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def calendar_section(a: Side, b: Side) -> Section:
    ca, cb = a.engine.compiled.calendars, b.engine.compiled.calendars
    rows = [Row(cid, "calendar added", None, cb[cid].spec.timezone, b.locate.calendar(cid))
            for cid in sorted(cb) if cid not in ca]
    rows += [Row(cid, "calendar removed", ca[cid].spec.timezone, None, a.locate.calendar(cid))
             for cid in sorted(ca) if cid not in cb]
    for cid in sorted(set(ca) & set(cb)):
        rows += _calendar_rows(cid, ca[cid].spec, cb[cid].spec, b.locate.calendar(cid))
    return Section("calendars", "Calendars", ("calendar", "change"), tuple(rows))


def _calendar_rows(cid: str, x: CalendarSpec, y: CalendarSpec, where: str | None) -> list[Row]:
    rows = []
    if x.timezone != y.timezone:
        rows.append(Row(cid, "timezone", x.timezone, y.timezone, where))
    for day, name in enumerate(DAYS):
        before, after = windows(x.week.get(day, ())), windows(y.week.get(day, ()))
        if before != after:
            rows.append(Row(cid, name, before, after, where))
    rows += [Row(cid, "holiday", None, d.isoformat(), where) for d in sorted(y.holidays - x.holidays)]
    rows += [Row(cid, "holiday", d.isoformat(), None, where) for d in sorted(x.holidays - y.holidays)]
    for d in sorted(x.workdays.keys() | y.workdays.keys()):
        was = windows(x.workdays[d]) if d in x.workdays else None
        now = windows(y.workdays[d]) if d in y.workdays else None
        if was != now:
            rows.append(Row(cid, f"make-up day {d.isoformat()}", was, now, where))
    return rows


def _window(w: ModeWindow) -> str:
    return f"{w.start} – {w.end} ({w.mode})"


def _instants(w: ModeWindow) -> tuple[float, float, str]:
    return parse_datetime(w.start).timestamp(), parse_datetime(w.end).timestamp(), w.mode


def mode_section(a: Side, b: Side) -> Section:
    ma, mb = a.config.modes, b.config.modes
    where = b.locate.modes()
    rows = [Row("modes", name, x, y, where) for name, x, y in
            (("default", ma.default, mb.default), ("on_switch", ma.on_switch, mb.on_switch)) if x != y]
    wa = {w.name: w for w in ma.windows}
    wb = {w.name: w for w in mb.windows}
    for name in [*wb, *(n for n in wa if n not in wb)]:
        x, y = wa.get(name), wb.get(name)
        if x is None or y is None or _instants(x) != _instants(y):
            rows.append(Row(name, "window", _window(x) if x else None, _window(y) if y else None,
                            b.locate.window(name) if y else a.locate.window(name)))
    return Section("modes", "Mode windows", ("window", "change"), tuple(rows))
