"""The measures every figure is made of: a nearest-rank percentile, a share, the 30-minute mark."""
from __future__ import annotations

from collections.abc import Sequence

QUICK_S = 1800     # "resolved within 30 minutes", in seconds


def percentile(values: Sequence[float], p: int) -> float | None:
    """The nearest-rank percentile of sorted `values` (the smallest value with at least p % of
    them at or below it): always one of the values, so the figure can be found in the data."""
    if not values:
        return None
    rank = (p * len(values) + 99) // 100
    return values[max(rank, 1) - 1]


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None
