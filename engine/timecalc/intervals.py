"""Half-open intervals [start, end): the one merge and the one intersection every
timeline (calendar windows, roster restrictions, gaps) uses."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

N = TypeVar("N", int, float)


def merge(intervals: Iterable[tuple[N, N]]) -> list[tuple[N, N]]:
    """Sorted, disjoint intervals; overlapping or touching ones (24:00 then 00:00) become one."""
    merged: list[tuple[N, N]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def intersect(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]
              ) -> list[tuple[float, float]]:
    """Where two sorted, disjoint interval lists overlap."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out
