"""Reading decision JSONL files: each line one decision as `gongdan evaluate -o` writes it,
checked for the keys the report reads, every problem naming its file and line."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any


class DecisionFileError(Exception):
    """A file the report cannot read, or a line in it that is not a decision."""


MAX_LINE_BYTES = 16 * 1024 * 1024   # a decision with every body rendered is kilobytes; this is no decision
_CLOCK_STATES = frozenset({"running", "paused", "met", "breached"})
_TEXT_KEYS = ("ticket", "event", "at", "mode", "team", "severity")


def read_decisions(path: Path) -> Iterator[dict[str, Any]]:
    """The decisions of one file, in file order; blank lines are skipped."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise DecisionFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with handle:
        number = 0
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise DecisionFileError(f"{path}:{number}: longer than {MAX_LINE_BYTES} bytes: not a decision")
            if raw.strip():
                yield _decision(raw, f"{path}:{number}")


def _decision(raw: bytes, where: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise DecisionFileError(f"{where}: not JSON: {exc}") from None
    problem = decision_problem(value)
    if problem is not None:
        raise DecisionFileError(f"{where}: not a decision (as `gongdan evaluate -o` writes): {problem}")
    return value  # type: ignore[no-any-return]


def decision_problem(value: Any) -> str | None:
    """What keeps a JSON value from being a decision the report can read, or None."""
    if not isinstance(value, dict):
        return f"a JSON object was expected, got {type(value).__name__}"
    for key in _TEXT_KEYS:
        if not isinstance(value.get(key), str):
            return f"`{key}` is missing or not a string"
    try:
        if datetime.fromisoformat(value["at"]).utcoffset() is None:
            return f"`at` has no UTC offset: {value['at']!r}"
    except ValueError:
        return f"`at` is not a datetime: {value['at']!r}"
    return _sla_problem(value.get("sla")) or _lists_problem(value)


def _sla_problem(sla: Any) -> str | None:
    if not isinstance(sla, dict):
        return "`sla` is missing or not an object"
    for clock in ("response", "resolve"):
        state = sla.get(clock, {}).get("state") if isinstance(sla.get(clock), dict) else None
        if state not in _CLOCK_STATES:
            return f"`sla.{clock}.state` is missing or not one of {', '.join(sorted(_CLOCK_STATES))}"
    return None


def _lists_problem(value: dict[str, Any]) -> str | None:
    for key in ("notifications", "views", "trace"):
        if not isinstance(value.get(key), list):
            return f"`{key}` is missing or not a list"
    for n in value["notifications"]:
        if not (isinstance(n, dict) and isinstance(n.get("kind"), str) and isinstance(n.get("channel"), str)
                and isinstance(n.get("level"), int) and isinstance(n.get("to"), dict)):
            return "a notification without `kind`, `channel`, `level` and `to`"
    if not isinstance(value.get("category"), dict) or not isinstance(value.get("assignee"), dict | None):
        return "`category` or `assignee` is missing or not an object"
    return None
