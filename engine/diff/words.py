"""How values read in a diff: local times to the minute, windows, matchers, lists; and the
canonical form that decides whether two written values mean the same."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

NOBODY = "(nobody)"
NONE = "(none)"


@lru_cache(maxsize=1 << 16)
def local(ts: float, tz: tzinfo | None) -> str:
    """`2026-11-09 18:25` in `tz` (the ticket's or the schedule's offset); the same
    instants recur across tickets, hence the memo."""
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M")


def span_text(start: float, end: float, tz: tzinfo | None) -> str:
    """`2026-11-03 09:00 – 12:00`, or both dates when the span crosses midnight."""
    a, b = datetime.fromtimestamp(start, tz), datetime.fromtimestamp(end, tz)
    tail = b.strftime("%H:%M") if a.date() == b.date() else b.strftime("%Y-%m-%d %H:%M")
    return f"{a.strftime('%Y-%m-%d %H:%M')} – {tail}"


def minutes(window: Sequence[int]) -> str:
    """A working window in minutes since midnight: `09:00-12:00`."""
    start, end = window
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def windows(found: Iterable[Sequence[int]]) -> str:
    return ", ".join(minutes(w) for w in found) or "closed"


def canonical(value: Any) -> str:
    """One text per meaning: keys sorted, `true` never equal to `1` (as the matchers hold)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def matcher(value: Any) -> str:
    """A `when` as a reader writes it: `{fields.region: cn-hangzhou}`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {matcher(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(matcher(v) for v in value) + "]"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def listed(items: Sequence[str], limit: int = 5) -> str:
    """`a, b, c (+4 more)`."""
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def or_none(value: str | None, empty: str = NONE) -> str:
    return empty if value is None else value
