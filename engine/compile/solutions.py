"""Standard solutions compiled: each category's, inheritance resolved, its checklist in
the config's locale, as decisions and notification contexts read it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.config.model import Config
from engine.config.solutions import effective_solutions


@dataclass(frozen=True, slots=True)
class Solution:
    runbook: str | None
    checklist: tuple[str, ...]        # in the config's locale
    related: tuple[str, ...]
    resolution_codes: frozenset[str]
    codes_in_order: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The decision's `solution` (a fresh dict each time: the host may change it)."""
        return {"runbook": self.runbook, "checklist": [*self.checklist], "related": [*self.related],
                "resolution_codes": [*self.codes_in_order]}


def compile_solutions(config: Config) -> dict[str, Solution]:
    """Category id -> its solution, for the categories that have one."""
    locale = config.notifications.locale
    return {cid: Solution(s.runbook, s.checklist_in(locale), s.related, frozenset(s.resolution_codes),
                          s.resolution_codes)
            for cid, s in effective_solutions(config).items()}
