"""A whole report: the figures of the decisions given, and a comparison with a baseline
(`--compare`) or, with none, between the modes the tickets opened in."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from engine.report.compare import Comparison, compare, split_by_mode
from engine.report.decisions import read_decisions
from engine.report.figures import Figures, compute
from engine.report.tickets import TicketRecord, fold


@dataclass(frozen=True, slots=True)
class Report:
    sources: tuple[str, ...]
    baseline_sources: tuple[str, ...]
    figures: Figures
    comparison: Comparison | None


def read_records(paths: Iterable[Path]) -> tuple[TicketRecord, ...]:
    """The tickets of every file, read in turn as one stream."""
    def decisions() -> Iterable[dict[str, Any]]:
        for path in paths:
            yield from read_decisions(path)
    return fold(decisions())


def stream_offset(records: tuple[TicketRecord, ...]) -> timedelta | None:
    """The UTC offset the stream's first ticket opened at: hours are shown in it."""
    return datetime.fromisoformat(records[0].opened_text).utcoffset() if records else None


def make_report(paths: list[Path], baseline: list[Path] | None = None, by: str = "team") -> Report:
    """Read, fold and compute: the one place a report's figures come from."""
    records = read_records(paths)
    offset = stream_offset(records)
    comparison = None
    if baseline:
        base = read_records(baseline)
        comparison = compare((_label(baseline, base), base), (_label(paths, records), records), offset)
    figures = compute(records, by, offset)
    split = None if baseline else split_by_mode(records)
    if split is not None:
        hours = tuple(sum(h.mode == mode for h in figures.hours) for mode in (split[0][0], split[1][0]))
        comparison = compare(split[0], split[1], offset, (hours[0], hours[1]))
    return Report(tuple(str(p) for p in paths), tuple(str(p) for p in baseline or ()), figures, comparison)


def _label(paths: list[Path], records: tuple[TicketRecord, ...]) -> str:
    """A side is named by its files."""
    return ", ".join(p.stem for p in paths)
