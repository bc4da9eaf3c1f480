"""`gongdan report --broadcast NAME --dry-run`: the decisions up to an instant, the mode in
force then, and exactly what the broadcast would send."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from croniter import croniter

from engine.report.broadcasts import Broadcast
from engine.report.build import stream_offset
from engine.report.decisions import read_decisions
from engine.report.figures import compute
from engine.report.messages import Message, compose, messages
from engine.report.tickets import Folder, TicketRecord


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The tickets as their decisions up to `at` left them, and the mode in force at `at`
    (the mode of the last decision made by then; None with no decision)."""

    records: tuple[TicketRecord, ...]
    at: datetime | None
    mode: str | None


def snapshot(paths: Sequence[Path], at: datetime | None) -> Snapshot:
    """Fold the decisions made by `at` (every decision when None)."""
    folder = Folder()
    latest: tuple[float, datetime | None, str | None] = (float("-inf"), None, None)
    limit = at.timestamp() if at is not None else float("inf")
    for path in paths:
        for d in read_decisions(path):
            when = datetime.fromisoformat(d["at"])
            if when.timestamp() > limit:
                continue
            folder.add(d)
            if when.timestamp() >= latest[0]:
                latest = (when.timestamp(), when, d["mode"])
    return Snapshot(folder.records(), at or latest[1], latest[2])


def plan(b: Broadcast, shot: Snapshot, at: datetime, attachment: str) -> tuple[str, tuple[Message, ...]]:
    """A heading saying when the broadcast runs, and its messages as of `at` (none out of its modes)."""
    local = at.astimezone(ZoneInfo(b.timezone))
    following = croniter(b.schedule, local).get_next(datetime)
    modes = ", ".join(b.modes) or "every mode"
    head = (f"broadcast {b.name}: {b.schedule} ({b.timezone}) in {modes}; as of {local.isoformat()} "
            f"(mode {shot.mode or 'unknown'}), next at {following.isoformat()}")
    if b.modes and shot.mode not in b.modes:
        return head + f"\nnot sent: it runs in {modes}, and the mode is {shot.mode or 'unknown'}", ()
    figures = compute(shot.records, "team", stream_offset(shot.records))
    return head, messages(b, compose(b, figures, shot.records, at, shot.mode), attachment)


def render_plan(head: str, sent: Sequence[Message], attachment_bytes: int) -> str:
    """What `--dry-run` prints: the heading, then each message with its recipient and size."""
    lines = [head]
    for m in sent:
        size = len(m.text.encode("utf-8"))
        extra = f", attached {m.attachment} ({attachment_bytes} bytes)" if m.attachment else ""
        lines += ["", f"== {m.channel} to {m.to}: {m.title} ({size} bytes{extra})", m.text.rstrip("\n")]
    return "\n".join(lines) + "\n"
