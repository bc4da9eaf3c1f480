"""The report for a terminal (`gongdan evaluate --summary`): the headline, then the worst
teams in an aligned table that fits 100 columns; the full table is `gongdan report`'s."""
from __future__ import annotations

from engine.report.figures import Figures
from engine.report.groups import GroupRow
from engine.report.text import duration, headline_items, pct

WIDTH = 100
TEAMS_LISTED = 10
TEAM_COLUMN = 24

_HEAD = (f"{'team':<{TEAM_COLUMN}} {'tickets':>7} {'resp brch':>9} {'resp att':>8} "
         f"{'res brch':>8} {'res att':>8} {'≤30m':>6} {'res median':>10} {'res p90':>8}")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _team(r: GroupRow) -> str:
    return (f"{_cut(r.key, TEAM_COLUMN):<{TEAM_COLUMN}} {r.tickets:>7} {r.response_breached:>9} "
            f"{pct(r.response_attainment):>8} {r.resolve_breached:>8} "
            f"{pct(r.resolve_attainment):>8} {pct(r.share_in_30m):>6} {duration(r.resolve_median_s):>10} "
            f"{duration(r.resolve_p90_s):>8}")


def render_terminal(figures: Figures) -> str:
    """Headline lines (`label  value`, labels aligned), a blank line, the worst teams."""
    items = headline_items(figures.headline)
    label_width = max(len(label) for label, _ in items)
    lines = [_cut(f"{label:<{label_width}}  {value}", WIDTH) for label, value in items]
    shown = figures.teams[:TEAMS_LISTED]
    title = f"worst teams by resolve attainment ({len(shown)} of {len(figures.teams)}; every team: gongdan report)"
    lines += ["", title, _HEAD]
    lines += [_team(r) for r in shown]
    return "\n".join(lines) + "\n"
