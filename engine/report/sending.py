"""What a broadcast sends at one of its instants, from decisions handed in as the engine
writes them (`gongdan serve` reads them from its store): the messages, and the HTML report
the emails carry. The dry run (`dryrun`) shows the same from decision files."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.report.broadcasts import Broadcast
from engine.report.build import Report, stream_offset
from engine.report.dryrun import snapshot_of
from engine.report.figures import compute
from engine.report.html import render_html
from engine.report.messages import Message, compose, messages

ATTACHMENT = "report.html"


@dataclass(frozen=True, slots=True)
class Sending:
    """A broadcast at an instant: its messages (none out of its modes) and, when one of
    them is an email, the HTML report it attaches as `ATTACHMENT` ("" otherwise)."""

    broadcast: Broadcast
    at: datetime
    mode: str | None
    messages: tuple[Message, ...]
    attachment: str


def sending(b: Broadcast, decisions: Iterable[dict[str, Any]], at: datetime, mode: str | None,
            sources: Sequence[str] = ()) -> Sending:
    """Fold the decisions made by `at` and say what `b` sends then, with `mode` in force."""
    if not b.runs_in(mode):
        return Sending(b, at, mode, (), "")
    records = snapshot_of(decisions, at).records
    figures = compute(records, "team", stream_offset(records))
    sent = messages(b, compose(b, figures, records, at, mode), ATTACHMENT)
    page = render_html(Report(tuple(sources), (), figures, None)) if b.emails else ""
    return Sending(b, at, mode, sent, page)
