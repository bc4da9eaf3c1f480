"""`extends` chains, one walk for every kind of definition that extends another of its
kind (SLA profiles, calendars): the definition and its ancestors, and whether they loop."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar


class Extending(Protocol):
    """A definition that may name another of its kind to start from."""

    @property
    def extends(self) -> str | None: ...


D = TypeVar("D", bound=Extending)


def extends_chain(defs: Mapping[str, D], start: str) -> tuple[list[str], bool]:
    """`start` and its ancestors (nearest first), and whether the chain loops; the walk
    stops at a name `defs` does not hold (the reference checks report it)."""
    chain = [start]
    current = defs[start].extends
    while current is not None and current in defs:
        if current in chain:
            return chain, True
        chain.append(current)
        current = defs[current].extends
    return chain, False
