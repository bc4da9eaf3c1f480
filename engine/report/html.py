"""The report as one self-contained HTML page: the headline, the charts as inline SVG, and the
tables behind them (sortable by a few lines of inline script; the charts need none)."""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

from engine.report.build import Report
from engine.report.figures import GRID_MINUTES, Count, Figures, Hour
from engine.report.groups import GroupRow
from engine.report.measures import QUICK_S
from engine.report.svg import Bar, bars_chart, cumulative_chart, hours_chart
from engine.report.text import comparison_rows, duration, headline_items, pct

CHART_ROWS = 30     # the busiest people, the worst teams: a chart stays readable

STYLE = """body{font-family:sans-serif;margin:24px;color:#222;max-width:960px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:8px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px}.card b{display:block;font-size:15px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 6px}
th{background:#f4f4f4;cursor:pointer}td.n{text-align:right}pre{font-size:11px;margin:0}
figure{margin:12px 0}"""

# Sorting a table by the column clicked: numbers as numbers (their data-v), text as text.
SCRIPT = """document.querySelectorAll('table.sortable th').forEach(function(th,i){
th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0],
d=th.dataset.d==='a'?'d':'a';th.dataset.d=d;var rows=Array.from(b.rows);
rows.sort(function(x,y){var p=x.cells[i].dataset.v,q=y.cells[i].dataset.v,
r=(p!==undefined&&q!==undefined)?(+p)-(+q):x.cells[i].textContent.localeCompare(y.cells[i].textContent);
return d==='a'?r:-r;});rows.forEach(function(r){b.appendChild(r);});});});"""


def render_html(report: Report) -> str:
    """The whole page."""
    f = report.figures
    charts = _charts(report) if f.headline.tickets else ["<p>No tickets in these decisions: nothing to chart.</p>"]
    parts = [_head(report), _cards(f), _comparison(report), "<h2>Charts</h2>", *charts,
             "<h2>Tables</h2>", _group_table(f.by, f.groups)]
    if f.by != "team":
        parts.append(_group_table("team", f.teams))
    parts += [_counts_table("escalation funnel", "stage", f.funnel),
              _counts_table("notifications by channel", "channel", f.headline.notifications),
              _counts_table("on-duty load (tickets taken when they opened)", "person", f.load),
              _worst(f), f"<script>{SCRIPT}</script></body></html>\n"]
    return "\n".join(p for p in parts if p)


def _head(report: Report) -> str:
    sources = ", ".join(escape(s) for s in report.sources)
    base = f" compared with {', '.join(escape(s) for s in report.baseline_sources)}" if report.baseline_sources else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Gongdan report</title>'
            f"<style>{STYLE}</style></head><body><h1>Gongdan report</h1><p>Decisions from {sources}{base}.</p>")


def _cards(f: Figures) -> str:
    cards = "".join(f'<div class="card">{escape(label)}<b>{escape(value)}</b></div>'
                    for label, value in headline_items(f.headline))
    return f'<h2>Headline</h2><div class="cards" id="headline">{cards}</div>'


def _comparison(report: Report) -> str:
    c = report.comparison
    if c is None:
        return ""
    rows = "".join(f"<tr><td>{escape(a)}</td><td class=n>{escape(b)}</td><td class=n>{escape(n)}</td>"
                   f"<td class=n>{escape(r)}</td></tr>" for a, b, n, r in comparison_rows(c))
    return (f"<h2>{escape(c.current.label)} against {escape(c.baseline.label)}</h2><table id=comparison>"
            f"<thead><tr><th>figure</th><th>{escape(c.baseline.label)}</th><th>{escape(c.current.label)}</th>"
            f"<th>change</th></tr></thead><tbody>{rows}</tbody></table>")


def _charts(report: Report) -> list[str]:
    f = report.figures
    series: list[tuple[str, Sequence[float]]] = [("all", [p.share for p in f.cumulative])]
    if report.comparison is not None:
        series = [(side.label, [p.share for p in side.cumulative])
                  for side in (report.comparison.baseline, report.comparison.current)]
    teams = [Bar(r.key, (r.response_attainment or 0.0, r.resolve_attainment or 0.0),
                 f"{pct(r.response_attainment)} / {pct(r.resolve_attainment)}") for r in f.teams[:CHART_ROWS]]
    peak = max((c.value for c in f.funnel), default=0)
    busiest = max((c.value for c in f.load), default=0)
    charts = [
        hours_chart("Tickets opened per hour (shaded: the mode in force)", [h.tickets for h in f.hours],
                    [h.mode for h in f.hours], _hour_labels(f.hours)),
        cumulative_chart("Time to resolve: share of tickets resolved within (dashed: 30 min)", GRID_MINUTES,
                         series, QUICK_S // 60),
        bars_chart(f"Attainment per team, worst first (response / resolve; {min(len(f.teams), CHART_ROWS)} "
                   f"of {len(f.teams)})", teams, ("response", "resolve"), 1.0),
        bars_chart("Escalation funnel: tickets that got this far", [Bar(c.name, (c.value,), str(c.value))
                                                                    for c in f.funnel], ("tickets",), peak),
        bars_chart(f"On-duty load: tickets taken per person (the {min(len(f.load), CHART_ROWS)} busiest)",
                   [Bar(c.name, (c.value,), str(c.value)) for c in f.load[:CHART_ROWS]], ("tickets",), busiest),
    ]
    return [f"<figure>{chart}</figure>" for chart in charts]


def _hour_labels(hours: Sequence[Hour]) -> list[str]:
    """The date under each midnight, the hour every six hours in a window of two days or less."""
    every = 6 if len(hours) <= 48 else 24
    return [(h.start[5:10] if h.start[11:13] == "00" else h.start[11:16])
            if int(h.start[11:13]) % every == 0 else "" for h in hours]


def _num(value: float | int | None, text: str) -> str:
    v = "" if value is None else f' data-v="{value}"'
    return f"<td class=n{v}>{escape(text)}</td>"


def _group_table(by: str, rows: Sequence[GroupRow]) -> str:
    head = [by, "tickets", "resp met", "resp breached", "resp attainment", "res met", "res breached",
            "res attainment", "≤30m", "≤30m share", "resolve median", "resolve p90", "escalations"]
    body = "".join(
        f"<tr><td>{escape(r.key)}</td>{_num(r.tickets, str(r.tickets))}{_num(r.response_met, str(r.response_met))}"
        f"{_num(r.response_breached, str(r.response_breached))}"
        f"{_num(r.response_attainment, pct(r.response_attainment))}{_num(r.resolve_met, str(r.resolve_met))}"
        f"{_num(r.resolve_breached, str(r.resolve_breached))}{_num(r.resolve_attainment, pct(r.resolve_attainment))}"
        f"{_num(r.resolved_in_30m, str(r.resolved_in_30m))}{_num(r.share_in_30m, pct(r.share_in_30m))}"
        f"{_num(r.resolve_median_s, duration(r.resolve_median_s))}{_num(r.resolve_p90_s, duration(r.resolve_p90_s))}"
        f"{_num(r.escalations, str(r.escalations))}</tr>" for r in rows)
    return _table(f"per {by}, worst first", f"by-{by}", head, body)


def _table(title: str, ident: str, head: Sequence[str], body: str) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    return (f"<h3>{escape(title)}</h3><table class=sortable id={ident}><thead><tr>{cells}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _counts_table(title: str, what: str, counts: Sequence[Count]) -> str:
    body = "".join(f"<tr><td>{escape(c.name)}</td>{_num(c.value, str(c.value))}</tr>" for c in counts)
    return _table(title, what, [what, "count"], body)


def _worst(f: Figures) -> str:
    rows = "".join(
        f"<tr><td>{escape(w.ticket)}</td><td>{escape(w.team)}</td><td>{escape(w.severity)}</td>"
        f"<td>{escape(w.mode)}</td><td>{escape(w.opened)}</td>{_num(w.resolve_s, duration(w.resolve_s))}"
        f"<td>{escape(w.response)} / {escape(w.resolve)}</td>"
        f"<td>{'–' if w.top_level is None else f'L{w.top_level}'}</td>"
        f"<td><details><summary>{len(w.timeline)} decisions</summary><pre>"
        f"{escape(chr(10).join(w.trace + ('',) + w.timeline))}</pre></details></td></tr>" for w in f.worst)
    head = ["ticket", "team", "level", "mode", "opened", "to resolve", "response / resolve", "top", "trace"]
    return _table(f"the {len(f.worst)} worst tickets: breached, the highest escalation first", "worst", head, rows)
