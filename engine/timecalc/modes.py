"""Which mode is in force at an instant: the host's explicit mode, else the window that
contains the instant, else the default mode."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True, slots=True)
class Modes:
    """The modes a config defines and its windows as (start, end, mode) instants, sorted."""

    ids: tuple[str, ...]
    default: str
    on_switch: str                                   # keep | recompute
    windows: tuple[tuple[float, float, str], ...]
    starts: tuple[float, ...]
    names: tuple[str, ...] = ()                      # each window's `name`, in `windows` order

    @classmethod
    def build(cls, ids: Sequence[str], default: str, on_switch: str,
              windows: Sequence[tuple[float, float, str]], names: Sequence[str] = ()) -> Modes:
        named = sorted(zip(windows, names or [""] * len(windows), strict=True))
        ordered = tuple(w for w, _ in named)
        return cls(tuple(ids), default, on_switch, ordered, tuple(w[0] for w in ordered),
                   tuple(n for _, n in named))

    def window_name(self, ts: float, mode: str | None = None) -> str | None:
        """The name of the window that puts `ts` in its mode (None: an explicit mode, the
        default, or a window without a name), for traces and duty reports."""
        if mode is not None:
            return None
        i = bisect_right(self.starts, ts) - 1
        if i >= 0 and ts < self.windows[i][1] and self.names:
            return self.names[i] or None
        return None

    def placed(self, ts: float, mode: str | None = None) -> tuple[str, str | None]:
        """`(at(ts, mode), window_name(ts, mode))` from one search (a created ticket's)."""
        if mode is not None:
            return mode, None
        i = bisect_right(self.starts, ts) - 1
        if i >= 0 and ts < self.windows[i][1]:
            return self.windows[i][2], (self.names[i] or None) if self.names else None
        return self.default, None

    def at(self, ts: float, mode: str | None = None) -> str:
        """The explicit `mode`, else the window containing `ts`, else the default."""
        if mode is not None:
            return mode
        i = bisect_right(self.starts, ts) - 1
        if i >= 0 and ts < self.windows[i][1]:
            return self.windows[i][2]
        return self.default

    def switch_between(self, a: float, b: float) -> float:
        """The last window boundary in (a, b], where the mode in force changed."""
        edges = [t for w in self.windows for t in w[:2] if a < t <= b]
        return max(edges) if edges else b

    def edges(self, a: float, b: float) -> list[float]:
        """The window boundaries in (a, b], in time order."""
        return sorted({t for w in self.windows for t in w[:2] if a < t <= b})

    def next_change(self, after: float, mode: str) -> float | None:
        """The first window boundary after `after` where the mode in force is no longer
        `mode` (None when no window changes it again)."""
        for edge in sorted({t for w in self.windows for t in w[:2] if t > after}):
            if self.at(edge) != mode:
                return edge
        return None

    def spans(self, start: float, end: float, mode: str | None = None) -> list[tuple[float, float, str]]:
        """[start, end) cut at the window boundaries inside it, each piece with its mode
        (one piece in the host's explicit mode, when one is given)."""
        if mode is not None:
            return [(start, end, mode)]
        cuts = sorted({t for w in self.windows for t in w[:2] if start < t < end})
        edges = [start, *cuts, end]
        return [(a, b, self.at(a)) for a, b in pairwise(edges)]


def unknown_mode(mode: str, known: Sequence[str]) -> str:
    """The one message for a mode the config does not define."""
    return f"unknown mode {mode!r} (modes: {', '.join(known)})"
