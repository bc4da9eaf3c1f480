"""Scheduled broadcasts (统计大盘播报): `reports.yaml` in the config dir names each one (a
cron schedule in a time zone, the modes it runs in, group robots and email lists, what it
says), read strictly with every problem at its line; and what a broadcast would send."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from engine.config.source import SourceDocument, load_yaml
from engine.diagnostics import Diagnostic, Span, sort_diagnostics, suggest

REPORTS_FILE = "reports.yaml"
CONTENTS = ("headline", "worst_teams", "open_p1_p2")
CHANNELS = ("dingtalk_group", "email")
KEYS = ("schedule", "timezone", "modes", "contents", "recipients")


@dataclass(frozen=True, slots=True)
class Broadcast:
    """One scheduled broadcast, as reports.yaml says it."""

    name: str
    schedule: str                       # 5-field cron, wall-clock in `timezone`
    timezone: str
    modes: tuple[str, ...]              # empty: every mode
    contents: tuple[str, ...]
    robots: tuple[str, ...]             # DingTalk group robots by name (rosters.yaml `group.dingtalk_group`)
    emails: tuple[str, ...]


class _Reader:
    """Checks one reports.yaml document, collecting a Diagnostic for each problem."""

    def __init__(self, doc: SourceDocument) -> None:
        self.doc, self.problems = doc, list[Diagnostic]()

    def fail(self, path: tuple[str | int, ...], code: str, message: str, key: bool = False) -> None:
        self.problems.append(Diagnostic(self.doc.span(path, key=key), code, message))

    def broadcasts(self) -> tuple[Broadcast, ...]:
        data = self.doc.data
        if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("reports"), dict):
            self.fail((), "report.shape", "reports.yaml: `version: 1` and a `reports` mapping of broadcasts by name")
            return ()
        for key in data:
            if key not in ("version", "reports"):
                self.fail((key,), "report.unknown-key", f"unknown key {key!r} (known: version, reports)", True)
        found = (self.broadcast(str(name), body) for name, body in data["reports"].items())
        return tuple(b for b in found if b is not None)

    def broadcast(self, name: str, body: Any) -> Broadcast | None:
        at = ("reports", name)
        if not isinstance(body, dict):
            self.fail(at, "report.shape", f"broadcast {name!r}: a mapping of {', '.join(KEYS)}")
            return None
        before = len(self.problems)
        for key in body:
            if key not in KEYS:
                hint = suggest(str(key), KEYS)
                self.fail((*at, key), "report.unknown-key", f"unknown key {key!r}" + (f" ({hint})" if hint else ""),
                          True)
        schedule, zone = self.schedule(at, body.get("schedule")), self.timezone(at, body.get("timezone"))
        modes = self.words(at, body, "modes", None)
        contents = self.words(at, body, "contents", CONTENTS)
        robots, emails = self.recipients(at, body.get("recipients"))
        if len(self.problems) > before or schedule is None or zone is None:
            return None
        return Broadcast(name, schedule, zone, modes, contents or CONTENTS, robots, emails)

    def schedule(self, at: tuple[str, ...], value: Any) -> str | None:
        if not isinstance(value, str) or len(value.split()) != 5 or not croniter.is_valid(value):
            self.fail((*at, "schedule"), "report.schedule", f"schedule: a 5-field cron expression, got {value!r}")
            return None
        return value

    def timezone(self, at: tuple[str, ...], value: Any) -> str | None:
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            self.fail((*at, "timezone"), "report.timezone", f"timezone: an IANA time zone, got {value!r}")
            return None
        return str(value)

    def words(self, at: tuple[str, ...], body: dict[str, Any], key: str,
              known: Sequence[str] | None) -> tuple[str, ...]:
        value = body.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail((*at, key), "report.shape", f"{key}: a list of names")
            return ()
        for i, word in enumerate(value):
            if known is not None and word not in known:
                hint = suggest(word, known)
                self.fail((*at, key, i), "report.unknown-content",
                          f"{key}: unknown {word!r}" + (f" ({hint})" if hint else ""))
        return tuple(value)

    def recipients(self, at: tuple[str, ...], value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
        where = (*at, "recipients")
        if not isinstance(value, dict) or not value or any(k not in CHANNELS for k in value):
            self.fail(where, "report.recipients", f"recipients: a mapping of {' and/or '.join(CHANNELS)} to lists")
            return (), ()
        lists = {k: v for k, v in value.items()
                 if isinstance(v, list) and v and all(isinstance(x, str) and x for x in v)}
        for key in value:
            if key not in lists:
                self.fail((*where, key), "report.recipients", f"recipients.{key}: a list of names or addresses")
        for i, address in enumerate(lists.get("email", [])):
            if "@" not in address.strip("@"):
                self.fail((*where, "email", i), "report.recipients", f"recipients.email: not an address: {address!r}")
        return tuple(lists.get("dingtalk_group", ())), tuple(lists.get("email", ()))


def read_broadcasts(config_dir: Path) -> tuple[tuple[Broadcast, ...], list[Diagnostic]]:
    """The broadcasts of `config_dir/reports.yaml` (none when it is absent), and every problem."""
    path = config_dir / REPORTS_FILE
    if not path.exists():
        return (), []
    doc, problems = load_yaml(path, str(path))
    if doc is None:
        return (), problems
    reader = _Reader(doc)
    found = reader.broadcasts()
    return (found if not reader.problems else ()), sort_diagnostics(problems + reader.problems)


def missing(name: str, broadcasts: Sequence[Broadcast], file: str) -> Diagnostic:
    """The diagnostic for a broadcast asked for by a name reports.yaml does not have."""
    hint = suggest(name, [b.name for b in broadcasts])
    return Diagnostic(Span(file), "report.unknown-broadcast",
                      f"no broadcast {name!r} in {REPORTS_FILE}" + (f" ({hint})" if hint else ""))
