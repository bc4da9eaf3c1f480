"""What a broadcast sends: one DingTalk markdown text per group robot, within the robot's
20,000-byte bound, and one email per list with the HTML report attached."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.report.broadcasts import Broadcast
from engine.report.figures import Figures
from engine.report.text import duration, pct
from engine.report.tickets import TicketRecord

LIMIT = 20_000          # bytes of a DingTalk robot's markdown text (docs/serve-channels.md)
TEAMS_LISTED = 5
URGENT = ("P1", "P2")


@dataclass(frozen=True, slots=True)
class Message:
    channel: str                 # dingtalk_group or email
    to: str                      # the robot's name, or the address
    title: str
    text: str                    # DingTalk markdown; for email, the body (the same text)
    attachment: str | None       # the HTML report's file name, for email


def compose(b: Broadcast, figures: Figures, records: Sequence[TicketRecord], at: datetime, mode: str | None) -> str:
    """The broadcast's Markdown as of `at`, at most LIMIT bytes."""
    local = at.astimezone(ZoneInfo(b.timezone))
    head = f"#### Gongdan {b.name} · {local:%Y-%m-%d %H:%M}" + (f" ({mode})" if mode else "")
    if not records:
        return f"{head}\n\nNo tickets in the decisions up to {local:%Y-%m-%d %H:%M}: nothing to report.\n"
    parts = [head]
    if "headline" in b.contents:
        parts.append(_headline(figures))
    if "worst_teams" in b.contents:
        parts.append(_worst_teams(figures))
    text = "\n\n".join(parts) + "\n"
    if "open_p1_p2" in b.contents:
        text += "\n" + _open(records, at, LIMIT - len(text.encode("utf-8")) - 1)
    return text


def _headline(f: Figures) -> str:
    h = f.headline
    top = "" if h.top_level is None else f"\n- escalated to the top (L{h.top_level}): {h.top_tickets}"
    return (f"- tickets: {h.tickets}, breached: {h.breached_tickets}\n"
            f"- attainment: response {pct(h.response_attainment)}, resolve {pct(h.resolve_attainment)}\n"
            f"- resolved within 30 min: {pct(h.share_in_30m)}\n"
            f"- time to resolve: median {duration(h.resolve.median_s)}, p90 {duration(h.resolve.p90_s)}{top}")


def _worst_teams(f: Figures) -> str:
    rows = [f"- {r.key}: resolve {pct(r.resolve_attainment)}, response {pct(r.response_attainment)}, "
            f"{r.tickets} tickets" for r in f.teams[:TEAMS_LISTED]]
    return "\n".join([f"**worst teams** ({len(rows)} of {len(f.teams)})", *rows])


def _open(records: Sequence[TicketRecord], at: datetime, room: int) -> str:
    """Open P1 and P2 tickets, the oldest first, as many as fit in `room` bytes."""
    now = at.timestamp()
    urgent = sorted((r for r in records if r.severity in URGENT and r.resolved is None and not r.closed),
                    key=lambda r: (r.opened, r.ticket))
    lines = [f"**open P1/P2**: {len(urgent)}"]
    used = len(lines[0].encode("utf-8")) + 1
    for i, r in enumerate(urgent):
        line = f"- {r.severity} {r.ticket} {r.team}: open {duration(now - r.opened)}, response {r.response}"
        more = f"- …and {len(urgent) - i} more"
        if used + len((line + "\n").encode("utf-8")) + len(more.encode("utf-8")) + 1 > room:
            lines.append(more)
            break
        lines.append(line)
        used += len((line + "\n").encode("utf-8"))
    return "\n".join(lines) + "\n"


def messages(b: Broadcast, text: str, attachment: str) -> tuple[Message, ...]:
    """One message per recipient; the title is the text's first line without its `#`."""
    title = text.splitlines()[0].lstrip("# ")
    return (tuple(Message("dingtalk_group", robot, title, text, None) for robot in b.robots)
            + tuple(Message("email", address, title, text, attachment) for address in b.emails))
