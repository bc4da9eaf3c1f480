"""What a diff found, as plain frozen values: structural sections of rows, the outcome rows
of the replayed tickets, both sides, and the JSON form (schemas/diff.schema.json)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.diagnostics import Diagnostic

SCHEMA_VERSION = 1

# The kinds of outcome change, in the order the headline names them.
OUTCOME_KINDS = ("team", "assignee", "severity", "tags", "deadlines", "escalations", "refused")


@dataclass(frozen=True, slots=True)
class Row:
    """One structural change: `subject`'s `field` went from `before` to `after` (None: absent)."""

    subject: str
    field: str
    before: str | None
    after: str | None
    where: str | None = None      # file:line, in HEAD (in BASE for something removed)
    note: str | None = None       # what else it touches (categories whose grading changes, ...)

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "field": self.field, "before": self.before,
                "after": self.after, "where": self.where, "note": self.note}


@dataclass(frozen=True, slots=True)
class Section:
    """The rows of one kind of structural change; `columns` names the subject and field."""

    kind: str
    title: str
    columns: tuple[str, str]
    rows: tuple[Row, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "columns": list(self.columns),
                "rows": [r.to_dict() for r in self.rows]}


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """A replayed ticket whose `field` differs; `why` is the rule, route or setting that
    decides it in HEAD, as file:line."""

    ticket: str
    kind: str       # one of OUTCOME_KINDS
    field: str
    before: str | None
    after: str | None
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"ticket": self.ticket, "kind": self.kind, "field": self.field,
                "before": self.before, "after": self.after, "why": self.why}


@dataclass(frozen=True, slots=True)
class Outcomes:
    """The replay of the corpus through both engines."""

    probes: int                   # generated tickets
    event_tickets: int            # tickets of the event files
    rows: tuple[OutcomeRow, ...]
    unexercised: tuple[str, ...] = ()   # rule branches and routes no probe reached

    @property
    def tickets(self) -> int:
        return self.probes + self.event_tickets

    @property
    def changed(self) -> int:
        return len({r.ticket for r in self.rows})

    def grouped(self, kind: str) -> list[tuple[list[str], OutcomeRow]]:
        """The rows of one kind with the same change and cause joined: (tickets, row)."""
        groups: dict[tuple[str, str | None, str | None, str], tuple[list[str], OutcomeRow]] = {}
        for row in self.rows:
            if row.kind == kind:
                groups.setdefault((row.field, row.before, row.after, row.why), ([], row))[0].append(row.ticket)
        return list(groups.values())

    def by_kind(self) -> dict[str, int]:
        """Tickets with a change of each kind (a ticket counts once per kind)."""
        seen = {(r.ticket, r.kind) for r in self.rows}
        return {kind: n for kind in OUTCOME_KINDS if (n := sum(k == kind for _, k in seen))}

    def to_dict(self) -> dict[str, Any]:
        return {"tickets": self.tickets, "probes": self.probes, "event_tickets": self.event_tickets,
                "changed": self.changed, "by_kind": self.by_kind(),
                "rows": [r.to_dict() for r in self.rows], "unexercised": list(self.unexercised)}


@dataclass(frozen=True, slots=True)
class SideInfo:
    """One side as the report names it; `diagnostics` are the errors when it did not load."""

    label: str
    config_version: str | None
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def loaded(self) -> bool:
        return self.config_version is not None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "config_version": self.config_version, "loaded": self.loaded,
                "diagnostics": [d.to_dict() for d in self.diagnostics]}


@dataclass(frozen=True, slots=True)
class Report:
    """Everything `gongdan diff` says about BASE..HEAD."""

    base: SideInfo
    head: SideInfo
    at: str                              # the instant the duty section looks ahead from
    sections: tuple[Section, ...] = ()
    outcomes: Outcomes | None = None     # None when a side did not load

    @property
    def loaded(self) -> bool:
        return self.base.loaded and self.head.loaded

    @property
    def changed(self) -> bool:
        structural = any(s.rows for s in self.sections)
        return structural or bool(self.outcomes and self.outcomes.rows)

    @property
    def range(self) -> str:
        return f"{self.base.label}..{self.head.label}"

    def headline(self) -> str:
        """`main..HEAD: 3,000 tickets replayed, 41 change outcome (12 team, 7 assignee, ...)`."""
        if not self.loaded:
            broken = " and ".join(s.label for s in (self.base, self.head) if not s.loaded)
            return f"{self.range}: the config of {broken} does not load"
        assert self.outcomes is not None
        out = self.outcomes
        text = f"{self.range}: {out.tickets:,} tickets replayed, "
        if not self.changed:
            return text + "no change"
        if not out.rows:
            return text + "no outcome changes; " + structure_summary(self.sections)
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in out.by_kind().items())
        verb = "changes" if out.changed == 1 else "change"
        return text + f"{out.changed:,} {verb} outcome ({kinds})"

    def to_dict(self) -> dict[str, Any]:
        return {"version": SCHEMA_VERSION, "range": self.range, "headline": self.headline(),
                "changed": self.changed, "loaded": self.loaded, "at": self.at,
                "base": self.base.to_dict(), "head": self.head.to_dict(),
                "structure": [s.to_dict() for s in self.sections if s.rows],
                "outcomes": self.outcomes.to_dict() if self.outcomes is not None else None}


def structure_summary(sections: tuple[Section, ...]) -> str:
    """`3 structural changes (categories, templates)`."""
    count = sum(len(s.rows) for s in sections)
    kinds = ", ".join(s.title.lower() for s in sections if s.rows)
    return f"{count:,} structural change{'s' * (count != 1)} ({kinds})"
